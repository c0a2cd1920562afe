/**
 * `--feed manual`: no timer. Prices change only when asked (the REST sim endpoint `/sim/v1/markPrice`);
 * each change goes through the venue like any command and the market maker re-quotes around it.
 */
import type { Result } from '../engine/index.js';
import type { Venue } from '../api/venue.js';
import { applyPrice, type MarkMode } from './apply-price.js';
import type { MarketMaker } from './market-maker.js';

export interface ManualFeedOptions {
  readonly marketMaker?: MarketMaker;
  /** how an index-only change sets the mark (default `computed`: the engine's formula) */
  readonly markMode?: MarkMode;
}

export interface ManualPrice {
  readonly symbol: string;
  /** given: the mark is set directly (index = indexPrice, or the mark) */
  readonly markPrice?: string;
  /** alone: the mark follows by `markMode` */
  readonly indexPrice?: string;
}

export class ManualFeed {
  constructor(
    private readonly venue: Venue,
    private readonly options: ManualFeedOptions = {},
  ) {}

  get marketMaker(): MarketMaker | undefined {
    return this.options.marketMaker;
  }

  /** Sets the prices of one symbol; the engine's result (rejections carry Binance's code and message). */
  set(p: ManualPrice): Result {
    const indexPrice = p.indexPrice ?? p.markPrice;
    if (indexPrice === undefined)
      return { ok: false, error: { code: -1102, msg: "Mandatory parameter 'markPrice' was not sent, was empty/null, or malformed." } };
    return applyPrice(
      this.venue,
      { symbol: p.symbol, indexPrice, ...(p.markPrice === undefined ? {} : { markPrice: p.markPrice }) },
      p.markPrice !== undefined ? 'direct' : (this.options.markMode ?? 'computed'),
      this.options.marketMaker,
    );
  }

  start(): void {
    this.options.marketMaker?.start();
  }

  stop(): void {
    this.options.marketMaker?.stop();
  }
}
