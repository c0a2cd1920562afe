/**
 * Cost required to open a position with an order (spec margin.md §2.3, Binance FAQ "How to Calculate
 * Cost Required to Open a Position"): Cost = IM + open loss, where IM = price × qty / leverage and the
 * open loss = qty × |min(0, dir × (mark − price))| (dir +1 buy, −1 sell) is the immediate mark-to-market
 * loss of an order priced worse than the mark.
 */
import { Decimal } from './decimal.js';
import { initialMargin } from './initial-margin.js';

export type OrderSide = 'BUY' | 'SELL';

export function openLoss(side: OrderSide, quantity: Decimal, price: Decimal, markPrice: Decimal): Decimal {
  const diff = side === 'BUY' ? markPrice.sub(price) : price.sub(markPrice);
  return diff.isNegative() ? quantity.mul(diff.neg()) : Decimal.ZERO;
}

export function openOrderCost(side: OrderSide, quantity: Decimal, price: Decimal, markPrice: Decimal, leverage: number): Decimal {
  return initialMargin(quantity.mul(price), leverage).add(openLoss(side, quantity, price, markPrice));
}
