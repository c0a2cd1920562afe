/**
 * Margin ratio as Binance shows it (spec margin.md §3.6, Binance FAQ "Liquidation Protocols"):
 *
 *   margin ratio = maintenance margin / margin balance        (liquidation at ≥ 100%)
 *
 * For the cross account: Σ cross MM / (crossWallet + Σ cross uPnL); for an isolated position:
 * MM / (isolatedWallet + uPnL). Returned as a fraction (0.07714… for 7.714%). Undefined when the margin
 * balance is ≤ 0 while maintenance margin is owed (the ratio is then unbounded: past liquidation).
 */
import { Decimal } from './decimal.js';
import { CALC_SCALE } from './precision.js';

export function marginRatio(maintMargin: Decimal, marginBalance: Decimal): Decimal | undefined {
  if (maintMargin.isZero()) return Decimal.ZERO;
  if (!marginBalance.isPositive()) return undefined;
  return maintMargin.div(marginBalance, CALC_SCALE);
}

/** Liquidation trigger: margin balance ≤ maintenance margin, with something to maintain. */
export function isLiquidatable(maintMargin: Decimal, marginBalance: Decimal): boolean {
  return maintMargin.isPositive() && marginBalance.lte(maintMargin);
}
