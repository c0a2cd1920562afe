/** Profit and loss of linear (USDⓈ-M) contracts: contract size 1 base unit, PnL in the quote asset. */
import type { Decimal } from './decimal.js';

/** Signed notional at a price: positionAmt × price (negative for a short). */
export function notional(positionAmt: Decimal, price: Decimal): Decimal {
  return positionAmt.mul(price);
}

/** Unrealized PnL on the mark price: positionAmt × (mark − entry). */
export function unrealizedPnl(positionAmt: Decimal, entryPrice: Decimal, markPrice: Decimal): Decimal {
  return positionAmt.mul(markPrice.sub(entryPrice));
}

/**
 * Realized PnL of closing `closedAmt` (signed like the position being closed: positive when closing
 * part of a long) at `fillPrice`: closedAmt × (fill − entry).
 */
export function realizedPnl(closedAmt: Decimal, entryPrice: Decimal, fillPrice: Decimal): Decimal {
  return closedAmt.mul(fillPrice.sub(entryPrice));
}
