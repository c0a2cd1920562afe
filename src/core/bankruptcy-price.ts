/**
 * Bankruptcy price (spec margin.md §4.2, §5.4): the price of the symbol at which the margin balance of
 * the position (isolated) or of the account (cross, other symbols at their marks) reaches zero:
 *
 *   BP = (WB + UPNL1 − Σ q_i × EP_i) / (−Σ q_i)     ⇒ one leg: long EP − WB'/Q, short EP + WB'/Q
 *
 * `walletTerm` is the isolated wallet, or cross wallet + unrealized PnL of the other cross symbols.
 * Returns 0 when there is none (a flat net position, or a price ≤ 0).
 */
import { Decimal } from './decimal.js';
import type { LiquidationLeg } from './liquidation-price.js';
import { CALC_SCALE } from './precision.js';

export function bankruptcyPrice(legs: readonly Pick<LiquidationLeg, 'positionAmt' | 'entryPrice'>[], walletTerm: Decimal): Decimal {
  let num = walletTerm;
  let net = Decimal.ZERO;
  for (const leg of legs) {
    num = num.sub(leg.positionAmt.mul(leg.entryPrice));
    net = net.add(leg.positionAmt);
  }
  if (net.isZero()) return Decimal.ZERO;
  const p = num.div(net.neg(), CALC_SCALE);
  return p.isPositive() ? p : Decimal.ZERO;
}
