/** `perpsim calc [FILE|-]`: one JSON account snapshot in, one JSON result out. */
import { readFileSync } from 'node:fs';
import { AccountError, evaluateAccount } from '../core/index.js';
import { CalcInputError, parseCalcInput } from './calc-input.js';
import { accountRiskJSON, positionRiskJSON } from './calc-output.js';

export class CalcError extends Error {
  override name = 'CalcError';
}

/** Evaluates a parsed JSON document; throws CalcError with a one-line message on bad input. */
export function calculate(raw: unknown): Record<string, unknown> {
  try {
    const parsed = parseCalcInput(raw);
    const block = (risk: ReturnType<typeof evaluateAccount>) => ({
      positions: risk.positions.map(positionRiskJSON),
      account: accountRiskJSON(risk),
    });
    const out: Record<string, unknown> = { positionMode: parsed.input.positionMode, ...block(evaluateAccount(parsed.base)) };
    if (parsed.scenarios.length > 0) {
      out['scenarios'] = parsed.scenarios.map((s) => ({ name: s.name, markPrices: s.markPrices, ...block(evaluateAccount(s.snapshot)) }));
    }
    return out;
  } catch (e) {
    if (e instanceof CalcInputError || e instanceof AccountError) throw new CalcError(e.message);
    throw e;
  }
}

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
