/**
 * The orders the exchange remembers, by orderId: open ones, and closed ones until they are forgotten.
 *
 * Order ids are handed out in sequence, so ids sit in pages of consecutive ids (an array per page) found
 * by their page number: a lookup is two array reads, and adding an order never rehashes a table. A page is
 * dropped once all its orders are forgotten. (A Map of tens of thousands of orders cost most of a new
 * order's bookkeeping: its inserts and periodic rehashes missed the CPU's caches.)
 */
import type { Order } from './state.js';

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;

interface Page {
  readonly orders: (Order | undefined)[];
  live: number;
}

export class OrderIndex {
  private readonly pages = new Map<number, Page>();
  /** the page used last, and its number */
  private lastNo = -1;
  private last: Page | undefined;
  private count = 0;

  /** How many orders it holds. */
  get size(): number {
    return this.count;
  }

  private page(no: number): Page | undefined {
    if (no === this.lastNo) return this.last;
    const p = this.pages.get(no);
    if (p !== undefined) {
      this.lastNo = no;
      this.last = p;
    }
    return p;
  }

  get(orderId: number): Order | undefined {
    if (!Number.isSafeInteger(orderId) || orderId < 0) return undefined;
    return this.page(Math.floor(orderId / PAGE))?.orders[orderId % PAGE];
  }

  has(orderId: number): boolean {
    return this.get(orderId) !== undefined;
  }

  /** Keeps `o` under its id (replacing the order of the same id, if any). */
  set(orderId: number, o: Order): void {
    if (!Number.isSafeInteger(orderId) || orderId < 0) throw new RangeError(`order id ${orderId}`);
    const no = Math.floor(orderId / PAGE);
    let p = this.page(no);
    if (p === undefined) {
      p = { orders: new Array<Order | undefined>(PAGE).fill(undefined), live: 0 };
      this.pages.set(no, p);
      this.lastNo = no;
      this.last = p;
    }
    const i = orderId % PAGE;
    if (p.orders[i] === undefined) {
      p.live++;
      this.count++;
    }
    p.orders[i] = o;
  }

  /** Forgets the order of `orderId`; true when there was one. */
  delete(orderId: number): boolean {
    if (!Number.isSafeInteger(orderId) || orderId < 0) return false;
    const no = Math.floor(orderId / PAGE);
    const p = this.page(no);
    const i = orderId % PAGE;
    if (p === undefined || p.orders[i] === undefined) return false;
    p.orders[i] = undefined;
    p.live--;
    this.count--;
    if (p.live === 0) {
      this.pages.delete(no);
      if (this.lastNo === no) {
        this.lastNo = -1;
        this.last = undefined;
      }
    }
    return true;
  }

  /** The orders in ascending orderId. */
  *values(): IterableIterator<Order> {
    for (const [, o] of this.entries()) yield o;
  }

  /** The ids in ascending order. */
  *keys(): IterableIterator<number> {
    for (const [id] of this.entries()) yield id;
  }

  /** [orderId, order] in ascending orderId. */
  *entries(): IterableIterator<[number, Order]> {
    for (const no of [...this.pages.keys()].sort((x, y) => x - y)) {
      const orders = (this.pages.get(no) as Page).orders;
      for (let i = 0; i < PAGE; i++) {
        const o = orders[i];
        if (o !== undefined) yield [no * PAGE + i, o];
      }
    }
  }
}
