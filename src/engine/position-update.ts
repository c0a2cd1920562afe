/**
 * How a fill changes a position (one leg): average entry on increase, realized PnL on reduce, flip
 * through zero. The cost basis is kept exact (Σ qty × price of the open part); on a partial close the
 * closed share of the cost is removed pro rata, rounded half away from zero to MONEY_SCALE (8) places, the
 * precision money is booked at (a full close removes it all), and the realized PnL is the fill's cash less
 * it: at 8 places too when the instrument's qty × price is. Each fill's cash (−qty × price) equals
 * Δ(realized PnL − cost basis) exactly, so across all accounts Σ realized PnL = Σ open cost basis, and
 * realized PnL nets to exactly zero once everyone is flat.
 */
import { Decimal, MONEY_SCALE } from '../core/index.js';

export interface FillResult {
  readonly amt: Decimal;
  readonly cost: Decimal;
  /** realized PnL of the closing part */
  readonly realized: Decimal;
  /** base quantity that reduced the old position */
  readonly closedQty: Decimal;
  /** base quantity that opened (increased, or opened after a flip) */
  readonly openedQty: Decimal;
  /** share of the old position that was closed, in (0, 1]; 0 when nothing closed */
  readonly closedFraction: { num: Decimal; den: Decimal } | undefined;
}

/**
 * Applies a signed fill (`qty` > 0 buy, < 0 sell) at `price` to a leg with size `amt` and cost `cost`.
 * `value` is the fill's signed notional qty × price (given when the caller has it). Fills that only add
 * to the leg may be applied at once with their summed quantity and value (`price` is then not read):
 * the leg's size and cost come out as they do fill by fill.
 */
export function applyFill(amt: Decimal, cost: Decimal, qty: Decimal, price: Decimal, value: Decimal = qty.mul(price)): FillResult {
  if (amt.isZero() || amt.sign() === qty.sign()) {
    return {
      amt: amt.add(qty),
      cost: cost.add(value),
      realized: Decimal.ZERO,
      closedQty: Decimal.ZERO,
      openedQty: qty.abs(),
      closedFraction: undefined,
    };
  }
  const size = amt.abs();
  const fillSize = qty.abs();
  const closing = Decimal.min(size, fillSize);
  const full = closing.eq(size);
  // the closed share of the cost at MONEY_SCALE places, so that the realized profit is money as booked
  const removed = full ? cost : cost.mul(closing).div(size, MONEY_SCALE);
  const closingSigned = qty.isPositive() ? closing : closing.neg();
  const realized = closingSigned.neg().mul(price).sub(removed);
  const rest = fillSize.sub(closing);
  if (rest.isZero()) {
    return {
      amt: amt.add(qty),
      cost: cost.sub(removed),
      realized,
      closedQty: closing,
      openedQty: Decimal.ZERO,
      closedFraction: { num: closing, den: size },
    };
  }
  const opened = qty.isPositive() ? rest : rest.neg();
  return {
    amt: opened,
    cost: opened.mul(price),
    realized,
    closedQty: closing,
    openedQty: rest,
    closedFraction: { num: closing, den: size },
  };
}
