/**
 * Mark price from its components (spec margin.md §8.3, Binance FAQ "Mark Price and Price Index"):
 *
 *   Price 1 = index × (1 + last funding rate × time until next funding / funding interval)
 *   Price 2 = index + moving average of the basis, basis = (bid1 + ask1) / 2 − index
 *   mark    = median(Price 1, Price 2, last price)
 *
 * With no last price yet, the median of the other two and the index is used [inference].
 */
import { Decimal } from './decimal.js';
import { CALC_SCALE } from './precision.js';

function median3(a: Decimal, b: Decimal, c: Decimal): Decimal {
  const [x, y, z] = [a, b, c].sort((p, q) => p.cmp(q));
  void x;
  void z;
  return y as Decimal;
}

export interface MarkComponents {
  readonly index: Decimal;
  readonly lastFundingRate: Decimal;
  readonly msUntilFunding: number;
  readonly fundingIntervalMs: number;
  /** basis samples, oldest first (the moving-average window) */
  readonly basis: readonly Decimal[];
  readonly lastPrice: Decimal | undefined;
}

export function markPrice(c: MarkComponents): { mark: Decimal; price1: Decimal; price2: Decimal } {
  const fraction = Decimal.of(Math.max(0, c.msUntilFunding)).div(Decimal.of(c.fundingIntervalMs), CALC_SCALE);
  const price1 = c.index.mul(Decimal.ONE.add(c.lastFundingRate.mul(fraction)));
  const avg = c.basis.length === 0 ? Decimal.ZERO : Decimal.sum(c.basis).div(Decimal.of(c.basis.length), CALC_SCALE);
  const price2 = c.index.add(avg);
  const mark = median3(price1, price2, c.lastPrice ?? c.index);
  return { mark, price1, price2 };
}
