/** `perpsim calc [FILE|-]`: one JSON account snapshot in, one JSON result out. */
import { readFileSync } from 'node:fs';
import { CalcError, calculate } from './calc-evaluate.js';

export { CalcError, calculate, evaluateCalc, type CalcEvaluation } from './calc-evaluate.js';

/** Reads FILE (or stdin for "-" / no argument), returns the JSON text to print. */
export function calcText(text: string): string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CalcError(`input is not valid JSON: ${(e as Error).message}`);
  }
  return `${JSON.stringify(calculate(raw), null, 2)}\n`;
}

export function readInput(file: string | undefined): string {
  try {
    return readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CalcError(
      `cannot read ${file === undefined || file === '-' ? 'standard input' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}
