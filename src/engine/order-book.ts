/**
 * One central limit order book per symbol: price levels keyed by price in ticks, each a FIFO queue
 * (price-time priority). Bids are kept best (highest) first, asks best (lowest) first.
 */
import type { Order } from './state.js';

/** A price level. Read it within a command: an emptied level is reused for another price later. */
export interface Level {
  readonly ticks: number;
  readonly orders: Order[];
}

const MAX_SPARE_LEVELS = 4096;

/**
 * One side of the book: the level prices in a sorted typed array (best first), the levels by price.
 * A typed array because a price level comes and goes on most amends: shifting a Float64Array is a plain
 * memory move, while splicing an array of objects is several times slower. `levels` (an array of the
 * levels, best first) is built when asked for and kept until the side's levels change.
 */
class BookSide {
  private prices = new Float64Array(64);
  private count = 0;
  private readonly byTicks = new Map<number, Level>();
  private list: Level[] | undefined = [];
  private readonly spare: Level[] = [];
  constructor(private readonly descending: boolean) {}

  /** Number of price levels. */
  get size(): number {
    return this.count;
  }

  /** The i-th level, best first (undefined past the last). */
  at(i: number): Level | undefined {
    return i < this.count ? this.byTicks.get(this.prices[i] as number) : undefined;
  }

  /** The levels, best first. */
  get levels(): readonly Level[] {
    if (this.list === undefined) {
      const list: Level[] = [];
      for (let i = 0; i < this.count; i++) list.push(this.byTicks.get(this.prices[i] as number) as Level);
      this.list = list;
    }
    return this.list;
  }

  private indexFor(ticks: number): number {
    let lo = 0;
    let hi = this.count;
    const p = this.prices;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = p[mid] as number;
      if (this.descending ? t > ticks : t < ticks) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(order: Order): void {
    let level = this.byTicks.get(order.ticks);
    if (level === undefined) {
      level = this.newLevel(order.ticks);
      this.byTicks.set(order.ticks, level);
      if (this.count === this.prices.length) {
        const grown = new Float64Array(this.prices.length * 2);
        grown.set(this.prices);
        this.prices = grown;
      }
      const i = this.indexFor(order.ticks);
      if (i < this.count) this.prices.copyWithin(i + 1, i, this.count);
      this.prices[i] = order.ticks;
      this.count++;
      this.list = undefined;
    }
    level.orders.push(order);
  }

  /** Puts `next` in `prev`'s place in its queue (same price): keeps time priority. */
  replace(prev: Order, next: Order): boolean {
    const level = this.byTicks.get(prev.ticks);
    if (level === undefined || prev.ticks !== next.ticks) return false;
    const i = level.orders.indexOf(prev);
    if (i < 0) return false;
    level.orders[i] = next;
    return true;
  }

  remove(order: Order): boolean {
    const level = this.byTicks.get(order.ticks);
    if (level === undefined) return false;
    const orders = level.orders;
    const i = orders.indexOf(order);
    if (i < 0) return false;
    if (i === orders.length - 1) orders.pop();
    else if (i === 0) orders.shift();
    else orders.splice(i, 1);
    if (orders.length === 0) this.dropLevel(level);
    return true;
  }

  dropLevel(level: Level): void {
    if (this.byTicks.get(level.ticks) !== level) return;
    this.byTicks.delete(level.ticks);
    const i = this.indexFor(level.ticks);
    if (i < this.count && this.prices[i] === level.ticks) {
      if (i + 1 < this.count) this.prices.copyWithin(i, i + 1, this.count);
      this.count--;
      this.list = undefined;
    }
    if (level.orders.length === 0 && this.spare.length < MAX_SPARE_LEVELS) this.spare.push(level);
  }

  /**
   * A level for a new price: an emptied one when there is one. Levels come and go on most amends; reusing
   * them keeps each from living just long enough to be copied out of the young generation and collected
   * later (levels are read within a command, never kept: see `levels`).
   */
  private newLevel(ticks: number): Level {
    const level = this.spare.pop();
    if (level === undefined) return { ticks, orders: [] };
    (level as { ticks: number }).ticks = ticks;
    return level;
  }

  best(): Level | undefined {
    return this.count === 0 ? undefined : this.byTicks.get(this.prices[0] as number);
  }
}

export class OrderBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);

  sideFor(order: Pick<Order, 'side'>): BookSide {
    return order.side === 'BUY' ? this.bids : this.asks;
  }

  /** The side an incoming order of `side` matches against. */
  opposite(side: 'BUY' | 'SELL'): BookSide {
    return side === 'BUY' ? this.asks : this.bids;
  }

  add(order: Order): void {
    this.sideFor(order).add(order);
  }

  remove(order: Order): boolean {
    return this.sideFor(order).remove(order);
  }

  replace(prev: Order, next: Order): boolean {
    return this.sideFor(prev).replace(prev, next);
  }

  bestBid(): number | undefined {
    return this.bids.best()?.ticks;
  }

  bestAsk(): number | undefined {
    return this.asks.best()?.ticks;
  }

  /** Levels for a depth snapshot, best first. */
  depth(side: 'BUY' | 'SELL', limit: number): Level[] {
    const s = side === 'BUY' ? this.bids : this.asks;
    const out: Level[] = [];
    for (let i = 0; i < limit && i < s.size; i++) out.push(s.at(i) as Level);
    return out;
  }
}

export type { BookSide };
