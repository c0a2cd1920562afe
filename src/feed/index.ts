/**
 * Price feeds and the built-in market maker (docs/feed.md), and `startFeed`, what `perpsim serve --feed
 * replay|manual --speed N` needs in one call.
 */
import { fileURLToPath } from 'node:url';
import type { Venue } from '../api/venue.js';
import { loadSeries } from './history-csv.js';
import { ManualFeed } from './manual-feed.js';
import { MarketMaker, type MarketMakerOptions } from './market-maker.js';
import { ReplayFeed, type ReplayFeedOptions } from './replay-feed.js';

export * from './apply-price.js';
export * from './history-csv.js';
export * from './manual-feed.js';
export * from './market-maker.js';
export * from './replay-feed.js';

/** The data slice shipped with perpsim (`data/binance-um/` at the package root, resolved from dist/src/feed/). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../data/binance-um/', import.meta.url));

export interface StartFeedOptions {
  readonly feed: 'replay' | 'manual';
  /** replay: seconds of history per wall second (default 60) */
  readonly speed?: number;
  /** replay: the CSV directory (default DEFAULT_DATA_DIR) */
  readonly dataDir?: string;
  /** the built-in market maker (false: none) */
  readonly marketMaker?: MarketMakerOptions | false;
  /** further replay options */
  readonly replay?: Omit<ReplayFeedOptions, 'series' | 'speed' | 'marketMaker'>;
}

export interface RunningFeed {
  readonly marketMaker: MarketMaker | undefined;
  /** set when `feed` is manual: the REST sim endpoint's setter */
  readonly manual: ManualFeed | undefined;
  readonly replay: ReplayFeed | undefined;
  /** stops the timer and the maker's re-quoting; its orders stay on the book */
  stop(): void;
}

/** Builds and starts the feed (and the market maker, quoting the symbols the feed drives). */
export function startFeed(venue: Venue, options: StartFeedOptions): RunningFeed {
  if (options.feed === 'manual') {
    const mm = options.marketMaker === false ? undefined : new MarketMaker(venue, options.marketMaker ?? {});
    const manual = new ManualFeed(venue, mm === undefined ? {} : { marketMaker: mm });
    manual.start();
    return { marketMaker: mm, manual, replay: undefined, stop: () => mm?.stop(false) };
  }
  const series = loadSeries(options.dataDir ?? DEFAULT_DATA_DIR).filter((s) => venue.exchange.symbols.has(s.symbol));
  const mm =
    options.marketMaker === false ? undefined : new MarketMaker(venue, { symbols: series.map((s) => s.symbol), ...options.marketMaker });
  const replay = new ReplayFeed(venue, {
    ...options.replay,
    series,
    ...(options.speed === undefined ? {} : { speed: options.speed }),
    ...(mm === undefined ? {} : { marketMaker: mm }),
  });
  replay.start();
  return {
    marketMaker: mm,
    manual: undefined,
    replay,
    stop: () => {
      replay.stop();
      mm?.stop(false);
    },
  };
}
