/**
 * Available balance ("Available for Order", spec margin.md §3.4, Binance FAQ "How to Check Futures
 * Wallet Balance"):
 *
 *   available = max(0, crossWallet + Σ cross uPnL − Σ cross initial margin − Σ isolated open-order IM)
 *
 * where the cross initial margin covers cross positions and cross open orders.
 */
import { Decimal } from './decimal.js';

export interface CrossMarginTotals {
  readonly crossWalletBalance: Decimal;
  readonly crossUnrealizedPnl: Decimal;
  /** Σ initial margin of cross positions and cross open orders */
  readonly crossInitialMargin: Decimal;
  /** Σ maintenance margin of cross positions */
  readonly crossMaintMargin: Decimal;
  /** Σ initial margin (cost) of open orders on isolated symbols */
  readonly isolatedOpenOrderMargin: Decimal;
}

/** The same before clamping at 0: negative when the account is short of margin (the engine compares it). */
export function availableMargin(t: CrossMarginTotals): Decimal {
  return t.crossWalletBalance.add(t.crossUnrealizedPnl).sub(t.crossInitialMargin).sub(t.isolatedOpenOrderMargin);
}

export function availableBalance(t: CrossMarginTotals): Decimal {
  const v = availableMargin(t);
  return v.isPositive() ? v : Decimal.ZERO;
}
