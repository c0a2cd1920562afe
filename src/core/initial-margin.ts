/** Initial margin of a position (spec margin.md §2.1): |notional| / leverage. */
import { Decimal } from './decimal.js';
import { CALC_SCALE } from './precision.js';

/** |notional| / leverage, to CALC_SCALE places. */
export function initialMargin(notional: Decimal, leverage: number): Decimal {
  if (!Number.isInteger(leverage) || leverage < 1) throw new RangeError(`leverage must be a positive integer, got ${leverage}`);
  return notional.abs().div(Decimal.of(leverage), CALC_SCALE);
}
