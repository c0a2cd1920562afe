/**
 * The answer to an order command (placeOrder, modifyOrder, cancelOrder; Binance's order JSON), formatted
 * when first read.
 *
 * Like the order events (order-update-fields.ts), it takes the order's changing fields as they are when
 * the command is answered and reads the fixed ones from the order; its text (decimal strings, the average
 * price's division) is made when a field is read or the answer is serialized (`toJSON` gives Binance's
 * object, keys in Binance's order). `orderId` is a plain field: the API reads it to answer from the order
 * itself, and a replay reads nothing.
 */
import { Decimal } from '../core/index.js';
import type { PriceMatch } from './commands.js';
import { averageFillPrice, type Order, type OrderStatus } from './state.js';

export class OrderAnswer {
  readonly orderId: number;
  private readonly order: Order;
  private readonly state: OrderStatus;
  private readonly limit: Decimal;
  private readonly quantity: Decimal;
  private readonly filled: Decimal;
  private readonly quote: Decimal;
  private readonly updated: number;
  private readonly match: PriceMatch;
  /** a trailing stop's activation price now (its best price since activation moves) */
  private readonly activate: Decimal | undefined;

  constructor(o: Order) {
    this.orderId = o.orderId;
    this.order = o;
    this.state = o.status;
    this.limit = o.price;
    this.quantity = o.origQty;
    this.filled = o.executedQty;
    this.quote = o.cumQuote;
    this.updated = o.updateTime;
    this.match = o.priceMatch;
    this.activate = o.origType === 'TRAILING_STOP_MARKET' ? (o.activationPrice ?? o.trailExtreme ?? Decimal.ZERO) : undefined;
  }

  get symbol(): string {
    return this.order.symbol;
  }
  get status(): OrderStatus {
    return this.state;
  }
  get clientOrderId(): string {
    return this.order.clientOrderId;
  }
  get price(): string {
    return this.limit.toString();
  }
  /** the average fill price at 8 places (HALF_UP) */
  get avgPrice(): string {
    return averageFillPrice(this.filled, this.quote).toString();
  }
  get origQty(): string {
    return this.quantity.toString();
  }
  get executedQty(): string {
    return this.filled.toString();
  }
  get cumQuote(): string {
    return this.quote.toString();
  }
  get updateTime(): number {
    return this.updated;
  }
  get priceMatch(): PriceMatch {
    return this.match;
  }
  get timeInForce(): string {
    return this.order.timeInForce;
  }
  get type(): string {
    return this.order.type;
  }
  get reduceOnly(): boolean {
    return this.order.reduceOnly;
  }
  get closePosition(): boolean {
    return this.order.closePosition;
  }
  get side(): string {
    return this.order.side;
  }
  get positionSide(): string {
    return this.order.positionSide;
  }
  get stopPrice(): string {
    return this.order.stopPrice.toString();
  }
  get workingType(): string {
    return this.order.workingType;
  }
  get priceProtect(): boolean {
    return this.order.priceProtect;
  }
  get origType(): string {
    return this.order.origType;
  }
  get activatePrice(): string | undefined {
    return this.activate?.toString();
  }
  get priceRate(): string | undefined {
    return this.activate === undefined ? undefined : (this.order.callbackRate ?? Decimal.ZERO).mulInt(100).toString();
  }
  get selfTradePreventionMode(): string {
    return this.order.selfTradePreventionMode;
  }
  get goodTillDate(): number {
    return this.order.goodTillDate;
  }
  get time(): number {
    return this.order.time;
  }

  /** Binance's order JSON (JSON.stringify calls it). */
  toJSON(): Record<string, unknown> {
    return this.activate === undefined ? this.plainJSON() : this.trailingJSON();
  }
  /** console.log and util.inspect show the Binance object too. */
  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, unknown> {
    return this.toJSON();
  }

  private plainJSON(): Record<string, unknown> {
    const o = this.order;
    return {
      orderId: this.orderId,
      symbol: o.symbol,
      status: this.state,
      clientOrderId: o.clientOrderId,
      price: this.limit.toString(),
      avgPrice: this.avgPrice,
      origQty: this.quantity.toString(),
      executedQty: this.filled.toString(),
      cumQuote: this.quote.toString(),
      timeInForce: o.timeInForce,
      type: o.type,
      reduceOnly: o.reduceOnly,
      closePosition: o.closePosition,
      side: o.side,
      positionSide: o.positionSide,
      stopPrice: o.stopPrice.toString(),
      workingType: o.workingType,
      priceProtect: o.priceProtect,
      origType: o.origType,
      priceMatch: this.match,
      selfTradePreventionMode: o.selfTradePreventionMode,
      goodTillDate: o.goodTillDate,
      time: o.time,
      updateTime: this.updated,
    };
  }

  /** A trailing stop's JSON: its activation price and rate come after origType, as Binance lists them. */
  private trailingJSON(): Record<string, unknown> {
    const { priceMatch, selfTradePreventionMode, goodTillDate, time, updateTime, ...head } = this.plainJSON();
    return {
      ...head,
      activatePrice: this.activatePrice,
      priceRate: this.priceRate,
      priceMatch,
      selfTradePreventionMode,
      goodTillDate,
      time,
      updateTime,
    };
  }
}
