/**
 * The engine's TRADE event: one fill, for the market's trade streams and tickers (not a user-stream
 * event). Like the order events (order-update-fields.ts) it is formatted when read: the price and
 * quantity text are made when a consumer reads `p` or `q` or serializes the event (`toJSON` gives the
 * plain object), so a replay that does not read its trades does not pay for them. Consumers that compute
 * with the fill read `price` and `qty` as decimals.
 */
import type { Decimal } from '../core/index.js';

export class TradeEvent {
  readonly e = 'TRADE' as const;

  constructor(
    readonly E: number,
    readonly s: string,
    readonly t: number,
    readonly price: Decimal,
    readonly qty: Decimal,
    /** true when the buyer was the maker */
    readonly m: boolean,
  ) {}

  get p(): string {
    return this.price.toString();
  }
  get q(): string {
    return this.qty.toString();
  }

  toJSON(): { e: 'TRADE'; E: number; s: string; t: number; p: string; q: string; m: boolean } {
    return { e: this.e, E: this.E, s: this.s, t: this.t, p: this.p, q: this.q, m: this.m };
  }

  /** `console.log` / `util.inspect` show the plain object, as for the other events. */
  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, unknown> {
    return this.toJSON();
  }
}
