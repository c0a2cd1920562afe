/**
 * One central limit order book per symbol: price levels keyed by price in ticks, each a FIFO queue
 * (price-time priority). Read best first: bids highest first, asks lowest first.
 */
import type { Order } from './state.js';

/** A price level. Read it within a command: an emptied level is reused for another price later. */
export interface Level {
  readonly ticks: number;
  readonly orders: Order[];
}

/**
 * Takes `order` out of a level's queue; false when it is not there. The head (a filled maker) leaves by
 * `shift`, which V8 does without copying a long queue; from elsewhere the later orders move up one by one
 * (`splice` would also allocate the array of what it removed).
 */
function dequeue(orders: Order[], order: Order): boolean {
  const i = orders.indexOf(order);
  if (i < 0) return false;
  if (i === 0) {
    orders.shift();
    return true;
  }
  const n = orders.length;
  for (let k = i + 1; k < n; k++) orders[k - 1] = orders[k] as Order;
  orders.pop();
  return true;
}

/**
 * One side of the book: the level prices in a sorted typed array, worst first and best last, and, in a
 * parallel typed array, each level's slot in a pool of level objects. Best last, because most levels that
 * come and go are at the top of the book (a fill empties the best level, a new best price opens one): at
 * the end of the arrays nothing moves, where best-first shifted the whole side. Typed arrays because a
 * price level comes and goes on most amends: shifting them is a plain memory move, while splicing an
 * array of objects is several times slower; and a binary search over a few hundred prices costs less
 * than a hash map lookup. `levels` (an array of the levels, best first) is built when asked for and kept
 * until the side's levels change.
 */
class BookSide {
  private prices = new Float64Array(64);
  private slots = new Int32Array(64);
  private count = 0;
  /** level objects by slot; free slots hold an emptied level, reused for the next new price */
  private readonly pool: Level[] = [];
  private readonly free: number[] = [];
  private list: Level[] | undefined = [];
  /** `descending`: the arrays' order (worst first), descending for asks, ascending for bids */
  constructor(private readonly descending: boolean) {}

  /** Number of price levels. */
  get size(): number {
    return this.count;
  }

  /** The i-th level, best first (undefined past the last). */
  at(i: number): Level | undefined {
    return i < this.count ? this.pool[this.slots[this.count - 1 - i] as number] : undefined;
  }

  /** The levels, best first. */
  get levels(): readonly Level[] {
    if (this.list === undefined) {
      const list: Level[] = [];
      for (let i = this.count - 1; i >= 0; i--) list.push(this.pool[this.slots[i] as number] as Level);
      this.list = list;
    }
    return this.list;
  }

  /** The index of the first level at or after `ticks` in the arrays' order (worst first). */
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

  /**
   * `indexFor(to)` found by walking from `at` (where `from` is): an amend moves by a few ticks, past a
   * few levels at most; a binary search after 16 steps.
   */
  private indexNear(to: number, from: number, at: number): number {
    const p = this.prices;
    const d = this.descending;
    if (d ? to < from : to > from) {
      // `to` comes after `from`: the first index from at + 1 whose price is not before it
      const stop = Math.min(this.count, at + 17);
      for (let j = at + 1; j < stop; j++) if (!(d ? (p[j] as number) > to : (p[j] as number) < to)) return j;
      return stop === this.count ? stop : this.indexFor(to);
    }
    // `to` comes before `from`: walk down while the price before is not before it
    const stop = Math.max(0, at - 16);
    for (let j = at; j > stop; j--) if (d ? (p[j - 1] as number) > to : (p[j - 1] as number) < to) return j;
    return stop === 0 ? 0 : this.indexFor(to);
  }

  /** The level at `ticks`, if there is one. */
  private find(ticks: number): Level | undefined {
    const i = this.indexFor(ticks);
    return i < this.count && this.prices[i] === ticks ? this.pool[this.slots[i] as number] : undefined;
  }

  add(order: Order): void {
    const ticks = order.ticks;
    const i = this.indexFor(ticks);
    if (i < this.count && this.prices[i] === ticks) {
      (this.pool[this.slots[i] as number] as Level).orders.push(order);
      return;
    }
    this.insertAt(i, order);
  }

  /** A new level at index `i` (where its price belongs) holding `order` alone. */
  private insertAt(i: number, order: Order): void {
    const ticks = order.ticks;
    if (this.count === this.prices.length) {
      const prices = new Float64Array(this.prices.length * 2);
      prices.set(this.prices);
      this.prices = prices;
      const slots = new Int32Array(this.slots.length * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    if (i < this.count) {
      this.prices.copyWithin(i + 1, i, this.count);
      this.slots.copyWithin(i + 1, i, this.count);
    }
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.pool.length;
      this.pool.push({ ticks, orders: [order] });
    } else {
      // an emptied level is reused: levels come and go on most amends, and a reused one is not copied
      // out of the young generation and collected later (levels are read within a command, never kept)
      const level = this.pool[slot] as { ticks: number; orders: Order[] };
      level.ticks = ticks;
      level.orders.push(order);
    }
    this.prices[i] = ticks;
    this.slots[i] = slot;
    this.count++;
    this.list = undefined;
  }

  /**
   * Moves an order from the level at `from` to the back of the queue at its (new) `ticks`: the same as
   * removing it at `from` and adding it at `ticks`. When it was alone at `from` and no level is at
   * `ticks`, its level object takes the new price and only the levels in between shift (an amend by a
   * few ticks moves a handful of entries, not the whole side twice).
   */
  move(order: Order, from: number): boolean {
    const to = order.ticks;
    const at = this.indexFor(from);
    if (at >= this.count || this.prices[at] !== from) return false;
    const slot = this.slots[at] as number;
    const level = this.pool[slot] as { ticks: number; orders: Order[] };
    if (to === from) {
      // the same price: to the back of its queue
      if (!dequeue(level.orders, order)) return false;
      level.orders.push(order);
      return true;
    }
    const lone = level.orders.length === 1 && level.orders[0] === order;
    if (!lone && !dequeue(level.orders, order)) return false;
    // where `to` is or goes, found from `at` (the level at `from` is still in place)
    const j = this.indexNear(to, from, at);
    if (j < this.count && this.prices[j] === to) {
      // a level is there already: the order joins its queue (and a lone order's level empties)
      (this.pool[this.slots[j] as number] as Level).orders.push(order);
      if (lone) {
        level.orders.pop();
        this.removeAt(at, slot);
      }
      return true;
    }
    if (!lone) {
      // a new level at j, the one at `from` keeps its other orders
      this.insertAt(j, order);
      return true;
    }
    // j is where `to` goes among the current prices (with `from` still at `at`)
    const p = this.prices;
    const q = this.slots;
    // (element by element: the walk found j within a few levels, where copyWithin's call costs more)
    if (j > at + 1) {
      for (let k = at; k < j - 1; k++) {
        p[k] = p[k + 1] as number;
        q[k] = q[k + 1] as number;
      }
      p[j - 1] = to;
      q[j - 1] = slot;
    } else if (j < at) {
      for (let k = at; k > j; k--) {
        p[k] = p[k - 1] as number;
        q[k] = q[k - 1] as number;
      }
      p[j] = to;
      q[j] = slot;
    } else {
      p[at] = to; // j is at or just after it: the order of the levels does not change
    }
    level.ticks = to;
    this.list = undefined;
    return true;
  }

  /** Puts `next` in `prev`'s place in its queue (same price): keeps time priority. */
  replace(prev: Order, next: Order): boolean {
    const level = this.find(prev.ticks);
    if (level === undefined || prev.ticks !== next.ticks) return false;
    const i = level.orders.indexOf(prev);
    if (i < 0) return false;
    level.orders[i] = next;
    return true;
  }

  remove(order: Order): boolean {
    const at = this.indexFor(order.ticks);
    if (at >= this.count || this.prices[at] !== order.ticks) return false;
    const slot = this.slots[at] as number;
    const orders = (this.pool[slot] as Level).orders;
    if (!dequeue(orders, order)) return false;
    if (orders.length === 0) this.removeAt(at, slot);
    return true;
  }

  private removeAt(at: number, slot: number): void {
    if (at + 1 < this.count) {
      this.prices.copyWithin(at, at + 1, this.count);
      this.slots.copyWithin(at, at + 1, this.count);
    }
    this.count--;
    this.list = undefined;
    this.free.push(slot);
  }

  best(): Level | undefined {
    return this.count === 0 ? undefined : this.pool[this.slots[this.count - 1] as number];
  }
}

export class OrderBook {
  readonly bids = new BookSide(false);
  readonly asks = new BookSide(true);

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

  /** An order whose price changed from `from` ticks to its `ticks` now: to the back of its new level. */
  move(order: Order, from: number): boolean {
    return this.sideFor(order).move(order, from);
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
