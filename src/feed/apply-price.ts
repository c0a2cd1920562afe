/**
 * One price step of a feed: sets a symbol's index (and mark) through the venue and keeps the market
 * maker's ladder around it.
 *
 * - `computed` (default): the engine computes the mark from the index (setIndexPrice: funding term, the
 *   book's basis moving average, last trade). The maker first re-quotes around the new index, so the
 *   basis the engine samples is the maker's mid against the index it is about to get, and the mark
 *   follows the index instead of lagging it through its own basis average.
 * - `direct`: mark = the given mark or the index (setMarkPrice with both).
 */
import type { Result } from '../engine/index.js';
import type { Venue } from '../api/venue.js';
import type { MarketMaker } from './market-maker.js';

export type MarkMode = 'computed' | 'direct';

export interface PriceStep {
  readonly symbol: string;
  readonly indexPrice: string;
  /** only with mode `direct` (default: the index) */
  readonly markPrice?: string;
}

export function applyPrice(venue: Venue, step: PriceStep, mode: MarkMode, marketMaker?: MarketMaker): Result {
  let r: Result;
  if (mode === 'computed' && step.markPrice === undefined) {
    marketMaker?.quote(step.symbol, step.indexPrice);
    r = venue.run({ type: 'setIndexPrice', symbol: step.symbol, indexPrice: step.indexPrice });
  } else {
    r = venue.run({ type: 'setMarkPrice', symbol: step.symbol, markPrice: step.markPrice ?? step.indexPrice, indexPrice: step.indexPrice });
  }
  if (r.ok) marketMaker?.quote(step.symbol);
  return r;
}
