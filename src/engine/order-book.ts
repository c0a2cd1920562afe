/**
 * One central limit order book per symbol: price levels keyed by price in ticks, each a FIFO queue
 * (price-time priority). Bids are kept best (highest) first, asks best (lowest) first.
 */
import type { Order } from './state.js';

export interface Level {
  readonly ticks: number;
  readonly orders: Order[];
}

/** Sorted array of levels; `better(a, b)` is true when level price a has priority over b. */
class BookSide {
  readonly levels: Level[] = [];
  private readonly byTicks = new Map<number, Level>();
  constructor(private readonly descending: boolean) {}

  private indexFor(ticks: number): number {
    let lo = 0;
    let hi = this.levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = (this.levels[mid] as Level).ticks;
      if (this.descending ? t > ticks : t < ticks) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(order: Order): void {
    let level = this.byTicks.get(order.ticks);
    if (level === undefined) {
      level = { ticks: order.ticks, orders: [] };
      this.levels.splice(this.indexFor(order.ticks), 0, level);
      this.byTicks.set(order.ticks, level);
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
    const i = level.orders.indexOf(order);
    if (i < 0) return false;
    level.orders.splice(i, 1);
    if (level.orders.length === 0) this.dropLevel(level);
    return true;
  }

  dropLevel(level: Level): void {
    this.byTicks.delete(level.ticks);
    const i = this.indexFor(level.ticks);
    if (this.levels[i] === level) this.levels.splice(i, 1);
  }

  best(): Level | undefined {
    return this.levels[0];
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
    return (side === 'BUY' ? this.bids : this.asks).levels.slice(0, limit);
  }
}

export type { BookSide };
