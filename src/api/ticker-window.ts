/**
 * Rolling 24-hour statistics per symbol for the `@ticker` / `@miniTicker` streams, kept in one-minute
 * buckets of trades (bounded memory whatever the trade rate). The window therefore moves by whole
 * minutes **[I]**: Binance's is exact to the trade.
 */
import { Decimal } from '../core/decimal.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface Bucket {
  readonly minute: number;
  readonly o: Decimal;
  h: Decimal;
  l: Decimal;
  c: Decimal;
  v: Decimal;
  q: Decimal;
  n: number;
  readonly F: number;
  L: number;
  lastQty: Decimal;
}

export interface TickerStats {
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly last: Decimal;
  readonly lastQty: Decimal;
  /** base volume */
  readonly volume: Decimal;
  /** quote volume */
  readonly quoteVolume: Decimal;
  readonly count: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly openTime: number;
  readonly closeTime: number;
}

export class TickerWindow {
  private readonly buckets = new Map<string, Bucket[]>();

  add(symbol: string, price: Decimal, qty: Decimal, tradeId: number, time: number): void {
    let list = this.buckets.get(symbol);
    if (list === undefined) this.buckets.set(symbol, (list = []));
    const minute = Math.floor(time / MINUTE) * MINUTE;
    const b = list[list.length - 1];
    if (b !== undefined && b.minute === minute) {
      b.h = Decimal.max(b.h, price);
      b.l = Decimal.min(b.l, price);
      b.c = price;
      b.v = b.v.add(qty);
      b.q = b.q.add(qty.mul(price));
      b.n++;
      b.L = tradeId;
      b.lastQty = qty;
    } else {
      list.push({ minute, o: price, h: price, l: price, c: price, v: qty, q: qty.mul(price), n: 1, F: tradeId, L: tradeId, lastQty: qty });
    }
    this.prune(list, time);
  }

  private prune(list: Bucket[], now: number): void {
    const from = Math.floor((now - DAY) / MINUTE) * MINUTE;
    let drop = 0;
    while (drop < list.length && (list[drop] as Bucket).minute < from) drop++;
    if (drop > 0) list.splice(0, drop);
  }

  /** The last 24 hours' statistics (undefined when the symbol had no trade in them). */
  stats(symbol: string, now: number): TickerStats | undefined {
    const list = this.buckets.get(symbol);
    if (list === undefined) return undefined;
    this.prune(list, now);
    const first = list[0];
    const last = list[list.length - 1];
    if (first === undefined || last === undefined) return undefined;
    let high = first.h;
    let low = first.l;
    let volume = Decimal.ZERO;
    let quoteVolume = Decimal.ZERO;
    let count = 0;
    for (const b of list) {
      high = Decimal.max(high, b.h);
      low = Decimal.min(low, b.l);
      volume = volume.add(b.v);
      quoteVolume = quoteVolume.add(b.q);
      count += b.n;
    }
    return {
      open: first.o,
      high,
      low,
      last: last.c,
      lastQty: last.lastQty,
      volume,
      quoteVolume,
      count,
      firstId: first.F,
      lastId: last.L,
      openTime: now - DAY,
      closeTime: now,
    };
  }
}
