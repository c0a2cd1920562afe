/**
 * A price level of the book: its price in ticks and its queue of orders, first in first out (time
 * priority).
 *
 * The first QUEUE_SLOTS orders sit in fields of the level itself, the rest in an array: the bench's book
 * has ~1.3 orders a level, and an amend takes an order out of one level and puts it at the back of
 * another, so a queue held as an array cost each level two more objects to reach (the array and its
 * elements), read cold (docs/engine.md, "Levels hold their first orders").
 */
import type { Order } from './state.js';

/** Orders a level holds in its own fields. */
const QUEUE_SLOTS = 4;

export class Level {
  /** orders in the queue */
  size = 1;
  private o0: Order | undefined;
  private o1: Order | undefined = undefined;
  private o2: Order | undefined = undefined;
  private o3: Order | undefined = undefined;
  /** the orders past the first QUEUE_SLOTS, in order */
  private more: Order[] | undefined = undefined;

  /** A level at `ticks` whose queue is `first`. */
  constructor(
    readonly ticks: number,
    first: Order,
  ) {
    this.o0 = first;
  }

  /** The i-th order of the queue (0 is the first), for 0 ≤ i < size. */
  order(i: number): Order {
    switch (i) {
      case 0:
        return this.o0 as Order;
      case 1:
        return this.o1 as Order;
      case 2:
        return this.o2 as Order;
      case 3:
        return this.o3 as Order;
      default:
        return (this.more as Order[])[i - QUEUE_SLOTS] as Order;
    }
  }

  private set(i: number, o: Order | undefined): void {
    switch (i) {
      case 0:
        this.o0 = o;
        return;
      case 1:
        this.o1 = o;
        return;
      case 2:
        this.o2 = o;
        return;
      case 3:
        this.o3 = o;
        return;
      default:
        (this.more as Order[])[i - QUEUE_SLOTS] = o as Order;
    }
  }

  /** The queue, first first (a new array: for readers outside the matching). */
  get orders(): Order[] {
    const out: Order[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.order(i));
    return out;
  }

  /** Where `o` is in the queue, or -1. */
  indexOf(o: Order): number {
    for (let i = 0; i < this.size; i++) if (this.order(i) === o) return i;
    return -1;
  }

  /** `o` joins the back of the queue. */
  push(o: Order): void {
    const n = this.size;
    if (n < QUEUE_SLOTS) this.set(n, o);
    else (this.more ??= []).push(o);
    this.size = n + 1;
  }

  /**
   * Takes `o` out of the queue (the orders behind it move up); false when it is not there. The array's
   * head leaves by `shift`, which V8 does without copying a long queue (a long queue's first order is the
   * one fills take).
   */
  remove(o: Order): boolean {
    const i = this.indexOf(o);
    if (i < 0) return false;
    const n = this.size;
    const more = this.more;
    if (i < QUEUE_SLOTS) {
      const last = Math.min(n, QUEUE_SLOTS) - 1;
      for (let k = i; k < last; k++) this.set(k, this.order(k + 1));
      this.set(last, more !== undefined && more.length > 0 ? more.shift() : undefined);
    } else {
      const arr = more as Order[];
      const j = i - QUEUE_SLOTS;
      if (j === 0) arr.shift();
      else {
        for (let k = j + 1; k < arr.length; k++) arr[k - 1] = arr[k] as Order;
        arr.pop();
      }
    }
    this.size = n - 1;
    return true;
  }

  /** Puts `next` in `prev`'s place (its time priority); false when `prev` is not in the queue. */
  replace(prev: Order, next: Order): boolean {
    const i = this.indexOf(prev);
    if (i < 0) return false;
    this.set(i, next);
    return true;
  }
}
