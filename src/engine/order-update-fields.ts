/**
 * An ORDER_TRADE_UPDATE's order fields (`o`), formatted when first read.
 *
 * The event takes the order's changing fields as they are when it is made (status, quantities, price,
 * price match: an order changes in place later, by fills and amends) and reads the fixed ones from the
 * order. Its text (decimal strings, the average price's division, the realized profit) is made
 * when a consumer reads a field or serializes the event (`toJSON` gives the Binance object, keys in
 * Binance's order), not when the engine emits it: a replay or a backtest that does not read its order
 * events does not pay for their text. Reading any field gives the same value whenever it is read.
 */
import type { Decimal } from '../core/index.js';
import type { OrderUpdate } from './events.js';
import { averageFillPrice, type Order } from './state.js';

type Fields = OrderUpdate['o'];

/** A fill of the order: what the TRADE update shows. */
export interface OrderFill {
  readonly qty: Decimal;
  readonly price: Decimal;
  readonly fee: Decimal;
  readonly tradeId: number;
  readonly maker: boolean;
  readonly realized: Decimal;
}

export class OrderUpdateFields implements Fields {
  private readonly status: Fields['X'];
  private readonly quantity: Decimal;
  private readonly limit: Decimal;
  private readonly filled: Decimal;
  private readonly quote: Decimal;
  private readonly match: string;
  /** the average price's text, once computed */
  private average: string | undefined = undefined;

  constructor(
    private readonly order: Order,
    readonly x: Fields['x'],
    readonly T: number,
    private readonly fill: OrderFill | undefined,
  ) {
    this.status = order.status;
    this.quantity = order.origQty;
    this.limit = order.price;
    this.filled = order.executedQty;
    this.quote = order.cumQuote;
    this.match = order.priceMatch;
  }

  get s(): string {
    return this.order.symbol;
  }
  get c(): string {
    return this.order.clientOrderId;
  }
  get S(): string {
    return this.order.side;
  }
  get o(): string {
    return this.order.type;
  }
  get f(): string {
    return this.order.timeInForce;
  }
  get q(): string {
    return this.quantity.toString();
  }
  get p(): string {
    return this.limit.toString();
  }
  /** the average fill price at 8 places (HALF_UP), as the order's answer shows it */
  get ap(): string {
    this.average ??= averageFillPrice(this.filled, this.quote).toString();
    return this.average;
  }
  get sp(): string {
    return this.order.stopPrice.toString();
  }
  get X(): Fields['X'] {
    return this.status;
  }
  get i(): number {
    return this.order.orderId;
  }
  get l(): string {
    return this.fill?.qty.toString() ?? '0';
  }
  get z(): string {
    return this.filled.toString();
  }
  get L(): string {
    return this.fill?.price.toString() ?? '0';
  }
  get N(): string {
    return 'USDT';
  }
  get n(): string {
    return this.fill?.fee.toString() ?? '0';
  }
  get t(): number {
    return this.fill?.tradeId ?? 0;
  }
  get b(): string {
    return '0';
  }
  get a(): string {
    return '0';
  }
  get m(): boolean {
    return this.fill?.maker ?? false;
  }
  get R(): boolean {
    return this.order.reduceOnly;
  }
  get wt(): string {
    return this.order.workingType;
  }
  get ot(): string {
    return this.order.origType;
  }
  get ps(): string {
    return this.order.positionSide;
  }
  get cp(): boolean {
    return this.order.closePosition;
  }
  get rp(): string {
    return this.fill?.realized.toString() ?? '0';
  }
  get pP(): boolean {
    return this.order.priceProtect;
  }
  get si(): number {
    return 0;
  }
  get ss(): number {
    return 0;
  }
  get V(): string {
    return this.order.selfTradePreventionMode;
  }
  get pm(): string {
    return this.match;
  }
  get gtd(): number {
    return this.order.goodTillDate;
  }
  get er(): string {
    return '0';
  }

  /** The Binance object (JSON.stringify calls it). */
  toJSON(): Fields {
    return {
      s: this.s,
      c: this.c,
      S: this.S,
      o: this.o,
      f: this.f,
      q: this.q,
      p: this.p,
      ap: this.ap,
      sp: this.sp,
      x: this.x,
      X: this.X,
      i: this.i,
      l: this.l,
      z: this.z,
      L: this.L,
      N: this.N,
      n: this.n,
      T: this.T,
      t: this.t,
      b: this.b,
      a: this.a,
      m: this.m,
      R: this.R,
      wt: this.wt,
      ot: this.ot,
      ps: this.ps,
      cp: this.cp,
      rp: this.rp,
      pP: this.pP,
      si: this.si,
      ss: this.ss,
      V: this.V,
      pm: this.pm,
      gtd: this.gtd,
      er: this.er,
    };
  }
  /** console.log and util.inspect show the Binance object too. */
  [Symbol.for('nodejs.util.inspect.custom')](): Fields {
    return this.toJSON();
  }
}

/** An ORDER_TRADE_UPDATE's order fields as a plain object (for a consumer that keeps or clones them). */
export function orderFieldsObject(o: Fields): Fields {
  return o instanceof OrderUpdateFields ? o.toJSON() : o;
}
