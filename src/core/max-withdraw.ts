/**
 * Maximum withdrawable / transferable amount (spec margin.md §3.5, Binance FAQ "How to Adjust Margin
 * Balance in Isolated Margin Mode"), for an account without bonus or cross collateral:
 *
 *   A = crossWallet − Σ isolated open-order IM − Σ cross-position MM        (term A as Binance prints it)
 *   B = crossWallet + Σ cross uPnL − Σ cross IM − Σ isolated open-order IM
 *   maxWithdraw = max(0, min(A, B))
 *
 * Unrealized profit cannot be withdrawn (A caps it); unrealized loss reduces the amount through B.
 */
import { Decimal } from './decimal.js';
import type { CrossMarginTotals } from './available-balance.js';

export function maxWithdrawAmount(t: CrossMarginTotals): Decimal {
  const a = t.crossWalletBalance.sub(t.isolatedOpenOrderMargin).sub(t.crossMaintMargin);
  const b = t.crossWalletBalance.add(t.crossUnrealizedPnl).sub(t.crossInitialMargin).sub(t.isolatedOpenOrderMargin);
  const m = Decimal.min(a, b);
  return m.isPositive() ? m : Decimal.ZERO;
}
