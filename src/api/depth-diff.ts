/**
 * Order-book depth as the streams publish it: aggregated price levels of one symbol's book, and the diff
 * events of `<sym>@depth[@speed]` with Binance's update-id chain (spec api.md §6.2):
 *
 * - the venue raises the symbol's update id by one for every accepted command that touched the book
 *   (`Venue.bookUpdateId`), and REST depth reports the current one as `lastUpdateId`;
 * - an event covers the ids after the previous event up to now: `U` = previous `u` + 1, `u` = the
 *   current id, `pu` = the previous event's `u`;
 * - levels are absolute quantities (`"0"` removes a level), so an event that overlaps a snapshot applies
 *   idempotently; an interval in which no level changed sends nothing (the next event's `U`..`u` range
 *   covers the quiet ids, so `U <= lastUpdateId + 1 <= u` still holds for the first event after any
 *   snapshot and `pu` always equals the previous event's `u`).
 */
import { Decimal } from '../core/decimal.js';
import type { SymbolState } from '../engine/index.js';

/** [price, quantity] as Binance sends them (strings at the symbol's precision). */
export type DepthLevel = [string, string];

export interface DepthSides {
  readonly bids: DepthLevel[];
  readonly asks: DepthLevel[];
}

/** Price text of a level (ticks × tickSize at the symbol's price precision). */
export function levelPrice(s: SymbolState, ticks: number): string {
  return Decimal.fromUnits(BigInt(ticks), 0).mul(s.instrument.tickSize).toFixed(s.instrument.pricePrecision);
}

function levelQty(s: SymbolState, orders: readonly { origQty: Decimal; executedQty: Decimal }[]): string {
  let q = Decimal.ZERO;
  for (const o of orders) q = q.add(o.origQty.sub(o.executedQty));
  return q.toFixed(s.instrument.quantityPrecision);
}

/** The best `limit` levels of each side, best first (every level when limit is undefined). */
export function depthLevels(s: SymbolState, limit?: number): DepthSides {
  const side = (levels: readonly { ticks: number; orders: readonly { origQty: Decimal; executedQty: Decimal }[] }[]) => {
    const out: DepthLevel[] = [];
    for (const level of levels) out.push([levelPrice(s, level.ticks), levelQty(s, level.orders)]);
    return out;
  };
  return limit === undefined
    ? { bids: side(s.book.bids.levels), asks: side(s.book.asks.levels) }
    : { bids: side(s.book.depth('BUY', limit)), asks: side(s.book.depth('SELL', limit)) };
}

/** Best bid and ask with their quantities (undefined sides when empty). */
export function topOfBook(s: SymbolState): { bid?: DepthLevel; ask?: DepthLevel } {
  const bid = s.book.bids.best();
  const ask = s.book.asks.best();
  return {
    ...(bid === undefined ? {} : { bid: [levelPrice(s, bid.ticks), levelQty(s, bid.orders)] as DepthLevel }),
    ...(ask === undefined ? {} : { ask: [levelPrice(s, ask.ticks), levelQty(s, ask.orders)] as DepthLevel }),
  };
}

export interface DepthDiff {
  readonly U: number;
  readonly u: number;
  readonly pu: number;
  readonly b: DepthLevel[];
  readonly a: DepthLevel[];
}

/** One diff sequence (one symbol at one speed): remembers what it last published. */
export class DepthDiffer {
  private bids: Map<string, string>;
  private asks: Map<string, string>;
  private lastU: number;

  constructor(
    private readonly state: SymbolState,
    private readonly updateId: () => number,
  ) {
    const now = depthLevels(state);
    this.bids = new Map(now.bids);
    this.asks = new Map(now.asks);
    this.lastU = updateId();
  }

  /** The update id of the last event (or of the start). */
  get lastUpdateId(): number {
    return this.lastU;
  }

  /** The diff since the previous event; undefined when the book did not change. */
  next(): DepthDiff | undefined {
    const id = this.updateId();
    if (id === this.lastU) return undefined;
    const now = depthLevels(this.state);
    const zero = Decimal.ZERO.toFixed(this.state.instrument.quantityPrecision);
    const b = diffSide(this.bids, now.bids, zero);
    const a = diffSide(this.asks, now.asks, zero);
    if (b.length === 0 && a.length === 0) return undefined; // quiet ids: the next event's range covers them
    const event: DepthDiff = { U: this.lastU + 1, u: id, pu: this.lastU, b, a };
    this.bids = new Map(now.bids);
    this.asks = new Map(now.asks);
    this.lastU = id;
    return event;
  }
}

function diffSide(before: ReadonlyMap<string, string>, now: readonly DepthLevel[], zero: string): DepthLevel[] {
  const out: DepthLevel[] = [];
  const seen = new Set<string>();
  for (const [price, qty] of now) {
    seen.add(price);
    if (before.get(price) !== qty) out.push([price, qty]);
  }
  for (const price of before.keys()) if (!seen.has(price)) out.push([price, zero]);
  return out;
}
