/**
 * The evaluation behind `perpsim calc`, without I/O: a JSON account document (docs/calc.md) in, every
 * margin figure out. Pure (no node:*), so the web UI's what-if page runs exactly this code in the browser.
 */
import { AccountError, evaluateAccount, type AccountRisk } from '../core/index.js';
import { CalcInputError, parseCalcInput, type ParsedCalc } from './calc-input.js';
import { accountRiskJSON, positionRiskJSON } from './calc-output.js';

export class CalcError extends Error {
  override name = 'CalcError';
}

export interface CalcEvaluation {
  readonly parsed: ParsedCalc;
  readonly base: AccountRisk;
  readonly scenarios: readonly { name: string; markPrices: Record<string, string>; risk: AccountRisk }[];
}

/** Parses and evaluates a document (the base marks and every scenario); throws CalcError on bad input. */
export function evaluateCalc(raw: unknown): CalcEvaluation {
  try {
    const parsed = parseCalcInput(raw);
    return {
      parsed,
      base: evaluateAccount(parsed.base),
      scenarios: parsed.scenarios.map((s) => ({ name: s.name, markPrices: s.markPrices, risk: evaluateAccount(s.snapshot) })),
    };
  } catch (e) {
    if (e instanceof CalcInputError || e instanceof AccountError) throw new CalcError(e.message);
    throw e;
  }
}

const block = (risk: AccountRisk) => ({ positions: risk.positions.map(positionRiskJSON), account: accountRiskJSON(risk) });

/** Evaluates a parsed JSON document into `perpsim calc`'s output; throws CalcError with a one-line message on bad input. */
export function calculate(raw: unknown): Record<string, unknown> {
  const e = evaluateCalc(raw);
  const out: Record<string, unknown> = { positionMode: e.parsed.input.positionMode, ...block(e.base) };
  if (e.scenarios.length > 0) out['scenarios'] = e.scenarios.map((s) => ({ name: s.name, markPrices: s.markPrices, ...block(s.risk) }));
  return out;
}
