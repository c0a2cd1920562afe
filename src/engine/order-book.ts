/**
 * One central limit order book per symbol: price levels keyed by price in ticks, each a FIFO queue
 * (price-time priority). Read best first: bids highest first, asks lowest first.
 */
import { Level } from './price-level.js';
import type { Order } from './state.js';

export { Level };

/** Ticks per page of a book side (a power of two): a page holds the levels of PAGE consecutive prices. */
const PAGE_BITS = 10;
const PAGE = 1 << PAGE_BITS;
const WORDS = PAGE >> 5;

/**
 * The levels of PAGE consecutive prices, by price (ticks mod PAGE), a bit per price that has one, and a
 * bit per word of those that is not zero (`words`).
 */
interface Page {
  no: number;
  readonly levels: (Level | undefined)[];
  readonly bits: Uint32Array;
  words: number;
  count: number;
}

/** The highest bit set in `w` (non-zero), 0..31. */
function highBit(w: number): number {
  return 31 - Math.clz32(w);
}

/** The lowest bit set in `w` (non-zero), 0..31. */
function lowBit(w: number): number {
  return 31 - Math.clz32(w & -w);
}

/**
 * One side of the book: a price ladder in pages. Each page holds the levels of PAGE consecutive prices
 * in an array indexed by price, with a bitmap of the prices that have a level, so that finding, adding
 * and removing a level is an array access and a bit, whatever the side's size; the pages with levels
 * are kept in a short sorted list (worst first, best last) to walk from the best price. The sorted
 * typed arrays this replaced shifted the levels behind a new or emptied one on every such change (a
 * native call and a memory move on most amends). Levels are walked best first by `at(i)` with a cursor:
 * reading i = 0, 1, 2… costs a bitmap step each. Emptied pages are reused; a new level is a new object
 * (with its queue next to it in memory, where a pool of old level objects scattered them over the heap:
 * measured, ~90–130 fewer instructions a message of the bench without the pool).
 */
class BookSide {
  private readonly pages = new Map<number, Page>();
  /** numbers of the pages with levels, worst first, best last (bids ascending, asks descending) */
  private pageNos = new Float64Array(8);
  private pageCount = 0;
  private count = 0;
  private readonly freePages: Page[] = [];
  /** the page used last */
  private last: Page | undefined = undefined;
  /** `at`'s cursor: the level at index `cursorIndex` (-1: none), its page's place in pageNos */
  private cursorIndex = -1;
  private cursorLevel: Level | undefined = undefined;
  private cursorPage = 0;
  /** the best level (null: to be found again) */
  private bestLevel: Level | undefined | null = undefined;
  private list: Level[] | undefined = [];
  /** `descending`: asks (their worst price is the highest); bids ascend */
  constructor(private readonly descending: boolean) {}

  /** Number of price levels. */
  get size(): number {
    return this.count;
  }

  /** The i-th level, best first (undefined past the last). */
  at(i: number): Level | undefined {
    if (i < 0 || i >= this.count) return undefined;
    if (i === this.cursorIndex) return this.cursorLevel;
    if (i !== this.cursorIndex + 1 || this.cursorLevel === undefined) {
      // from the best level
      this.cursorPage = this.pageCount - 1;
      this.cursorLevel = this.bestIn(this.pageAt(this.cursorPage));
      this.cursorIndex = 0;
    }
    while (this.cursorIndex < i) {
      this.cursorLevel = this.worseThan(this.cursorLevel as Level);
      this.cursorIndex++;
    }
    return this.cursorLevel;
  }

  /** The levels, best first. */
  get levels(): readonly Level[] {
    if (this.list === undefined) {
      const list: Level[] = [];
      for (let i = 0; i < this.count; i++) list.push(this.at(i) as Level);
      this.list = list;
    }
    return this.list;
  }

  best(): Level | undefined {
    if (this.bestLevel === null) this.bestLevel = this.count === 0 ? undefined : this.bestIn(this.pageAt(this.pageCount - 1));
    return this.bestLevel;
  }

  add(order: Order): void {
    const ticks = order.ticks;
    const page = this.pageFor(ticks, true) as Page;
    const level = page.levels[ticks % PAGE];
    if (level !== undefined) level.push(order);
    else this.newLevel(page, ticks, order);
  }

  /**
   * Moves an order from the level at `from` to the back of the queue at its (new) `ticks`: the same as
   * removing it at `from` and adding it at `ticks`.
   */
  move(order: Order, from: number): boolean {
    const level = this.find(from);
    if (level === undefined || !level.remove(order)) return false;
    if (level.size === 0 && order.ticks !== from) this.dropLevel(level);
    this.add(order);
    return true;
  }

  /** Puts `next` in `prev`'s place in its queue (same price): keeps time priority. */
  replace(prev: Order, next: Order): boolean {
    const level = this.find(prev.ticks);
    if (level === undefined || prev.ticks !== next.ticks) return false;
    return level.replace(prev, next);
  }

  remove(order: Order): boolean {
    const level = this.find(order.ticks);
    if (level === undefined || !level.remove(order)) return false;
    if (level.size === 0) this.dropLevel(level);
    return true;
  }

  /** The level at `ticks`, if there is one. */
  private find(ticks: number): Level | undefined {
    return this.pageFor(ticks, false)?.levels[ticks % PAGE];
  }

  /** The page of `ticks` (made, and listed among those with levels, when `make`). */
  private pageFor(ticks: number, make: boolean): Page | undefined {
    const no = (ticks - (ticks % PAGE)) / PAGE;
    const last = this.last;
    if (last !== undefined && last.no === no) return last;
    let page = this.pages.get(no);
    if (page === undefined) {
      if (!make) return undefined;
      page = this.freePages.pop() ?? {
        no,
        levels: new Array<Level | undefined>(PAGE).fill(undefined),
        bits: new Uint32Array(WORDS),
        words: 0,
        count: 0,
      };
      page.no = no;
      this.pages.set(no, page);
      this.listPage(no);
    }
    this.last = page;
    return page;
  }

  private pageAt(k: number): Page {
    const no = this.pageNos[k] as number;
    const last = this.last;
    return last !== undefined && last.no === no ? last : (this.pages.get(no) as Page);
  }

  /** Lists a new page's number in its place (worst first). */
  private listPage(no: number): void {
    if (this.pageCount === this.pageNos.length) {
      const grown = new Float64Array(this.pageNos.length * 2);
      grown.set(this.pageNos);
      this.pageNos = grown;
    }
    const nos = this.pageNos;
    let k = this.pageCount;
    // from the best end: new pages are most often near the best price
    while (k > 0 && (this.descending ? (nos[k - 1] as number) < no : (nos[k - 1] as number) > no)) {
      nos[k] = nos[k - 1] as number;
      k--;
    }
    nos[k] = no;
    this.pageCount++;
  }

  private unlistPage(page: Page): void {
    const nos = this.pageNos;
    let k = this.pageCount - 1;
    while (k >= 0 && nos[k] !== page.no) k--;
    for (; k < this.pageCount - 1; k++) nos[k] = nos[k + 1] as number;
    this.pageCount--;
    this.pages.delete(page.no);
    if (this.last === page) this.last = undefined;
    if (this.freePages.length < 4) this.freePages.push(page);
  }

  private newLevel(page: Page, ticks: number, order: Order): void {
    const level = new Level(ticks, order);
    const i = ticks % PAGE;
    page.levels[i] = level;
    page.bits[i >> 5] = (page.bits[i >> 5] as number) | (1 << (i & 31));
    page.words |= 1 << (i >> 5);
    page.count++;
    this.count++;
    this.changed();
  }

  /** An emptied level leaves. */
  private dropLevel(level: Level): void {
    const page = this.pageFor(level.ticks, false) as Page;
    const i = level.ticks % PAGE;
    page.levels[i] = undefined;
    const w = (page.bits[i >> 5] as number) & ~(1 << (i & 31));
    page.bits[i >> 5] = w;
    if (w === 0) page.words &= ~(1 << (i >> 5));
    this.count--;
    if (--page.count === 0) this.unlistPage(page);
    this.changed();
  }

  private changed(): void {
    this.list = undefined;
    this.bestLevel = null;
    this.cursorIndex = -1;
    this.cursorLevel = undefined;
  }

  /** The best level of a page with levels: its highest price for bids, lowest for asks. */
  private bestIn(page: Page): Level | undefined {
    if (page.words === 0) return undefined;
    if (this.descending) {
      const w = lowBit(page.words);
      return page.levels[(w << 5) + lowBit(page.bits[w] as number)];
    }
    const w = highBit(page.words);
    return page.levels[(w << 5) + highBit(page.bits[w] as number)];
  }

  /** The next level after `level` (at the cursor's page), worse priced: lower for bids, higher for asks. */
  private worseThan(level: Level): Level | undefined {
    const page = this.pageAt(this.cursorPage);
    const i = level.ticks % PAGE;
    const bits = page.bits;
    let w = i >> 5;
    const b = i & 31;
    if (this.descending) {
      // asks: the lowest set bit above i, in its word or the first non-zero word after it
      const x = b === 31 ? 0 : (bits[w] as number) & (~0 << (b + 1));
      if (x !== 0) return page.levels[(w << 5) + lowBit(x)];
      const after = w === 31 ? 0 : page.words & (~0 << (w + 1));
      if (after !== 0) {
        w = lowBit(after);
        return page.levels[(w << 5) + lowBit(bits[w] as number)];
      }
    } else {
      // bids: the highest set bit below i, in its word or the last non-zero word before it
      const x = (bits[w] as number) & ((1 << b) - 1);
      if (x !== 0) return page.levels[(w << 5) + highBit(x)];
      const before = page.words & ((1 << w) - 1);
      if (before !== 0) {
        w = highBit(before);
        return page.levels[(w << 5) + highBit(bits[w] as number)];
      }
    }
    // the next page with levels, towards the worst
    if (this.cursorPage === 0) return undefined;
    this.cursorPage--;
    return this.bestIn(this.pageAt(this.cursorPage));
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
