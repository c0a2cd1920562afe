/**
 * The replay feed (`--feed replay --speed N`): real Binance candles (data/binance-um/, docs/feed.md)
 * drive the venue's index and mark prices, N seconds of history per wall second, looping.
 *
 * - Within a candle the price walks open → low → high → close for a rising candle (open → high → low →
 *   close for a falling one), at constant speed along that path, so it moves smoothly through the
 *   candle's whole range.
 * - Looping rescales: pass k runs the data again multiplied by (last close / first open)^k, so the price
 *   continues from where the previous pass ended instead of jumping back (no artificial liquidations).
 * - Starting on a venue that already has a mark (a restarted server) the series is scaled to continue
 *   from that mark, for the same reason (`continueFromMark`, default true).
 * - Funding: the rate of the next settlement in the file is given to the engine (setFundingRate) so the
 *   mark-price stream shows the real predicted rate; with `settleFunding`, settlements also happen at the
 *   file's settlement times in replayed history (i.e. every 8 h / N of wall time).
 * - Each step goes through `applyPrice` (the market maker re-quotes around the new price).
 */
import { Decimal } from '../core/decimal.js';
import type { Venue } from '../api/venue.js';
import { applyPrice, type MarkMode } from './apply-price.js';
import type { Kline, SymbolSeries } from './history-csv.js';
import type { MarketMaker } from './market-maker.js';

/** The timer the feed runs on (tests inject a manual one). */
export interface FeedTimer {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realTimer: FeedTimer = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface ReplayFeedOptions {
  readonly series: readonly SymbolSeries[];
  /** seconds of history per wall second (default 60) */
  readonly speed?: number;
  /** wall ms between price steps (default 250) */
  readonly stepMs?: number;
  /** default `computed` (see apply-price.ts) */
  readonly markMode?: MarkMode;
  readonly marketMaker?: MarketMaker;
  /** give the engine the file's funding rates (default true) */
  readonly fundingRates?: boolean;
  /** settle funding at the file's settlement times in replayed history (default false) */
  readonly settleFunding?: boolean;
  /** scale each series so it starts at the symbol's current mark, when it has one (default true) */
  readonly continueFromMark?: boolean;
  /** history offset (ms from the first candle) to start at (default 0) */
  readonly startOffsetMs?: number;
  readonly timer?: FeedTimer;
}

export interface ReplayStats {
  steps: number;
  rejected: number;
  settlements: number;
  lastError?: { symbol: string; code: number; msg: string };
}

/** Price at `frac` ∈ [0, 1] of the way through a candle (open → first extreme → second extreme → close). */
export function candlePrice(k: Kline, frac: number): number {
  const [first, second] = k.close >= k.open ? [k.low, k.high] : [k.high, k.low];
  const points = [k.open, first, second, k.close];
  const legs = [Math.abs(k.open - first), Math.abs(first - second), Math.abs(second - k.close)];
  const total = legs[0]! + legs[1]! + legs[2]!;
  if (total === 0) return k.open;
  let d = Math.min(Math.max(frac, 0), 1) * total;
  for (let i = 0; i < 3; i++) {
    const leg = legs[i]!;
    if (d <= leg) return leg === 0 ? points[i]! : points[i]! + ((points[i + 1]! - points[i]!) * d) / leg;
    d -= leg;
  }
  return k.close;
}

interface Track {
  readonly series: SymbolSeries;
  readonly spanMs: number;
  /** price multiplier per pass */
  readonly passRatio: number;
  readonly decimals: number;
  /** price multiplier (continueFromMark) */
  scale: number;
  lastRate?: string;
  /** history time of the previous step (ms), for settlement crossings */
  lastHistoryTime?: number;
}

export class ReplayFeed {
  readonly stats: ReplayStats = { steps: 0, rejected: 0, settlements: 0 };
  /** history elapsed since the first candle (grows past the end: the feed loops) */
  elapsedMs: number;
  private readonly tracks: Track[] = [];
  private readonly speed: number;
  private readonly stepMs: number;
  private readonly timer: FeedTimer;
  private handle: unknown;

  constructor(
    private readonly venue: Venue,
    private readonly options: ReplayFeedOptions,
  ) {
    this.speed = options.speed ?? 60;
    this.stepMs = options.stepMs ?? 250;
    if (!(this.speed > 0) || !(this.stepMs > 0)) throw new Error('replay feed: speed and stepMs must be positive');
    this.timer = options.timer ?? realTimer;
    this.elapsedMs = options.startOffsetMs ?? 0;
    for (const series of options.series) {
      const s = venue.exchange.symbols.get(series.symbol);
      const first = series.klines[0];
      const last = series.klines[series.klines.length - 1];
      if (s === undefined || first === undefined || last === undefined) continue;
      this.tracks.push({
        series,
        spanMs: series.klines.length * series.intervalMs,
        passRatio: last.close / first.open,
        decimals: Math.min(8, s.instrument.pricePrecision + 2),
        scale: 1,
      });
    }
    if (this.tracks.length === 0) throw new Error('replay feed: no series for a symbol of the exchange');
  }

  /** The symbols the feed drives. */
  get symbols(): string[] {
    return this.tracks.map((t) => t.series.symbol);
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  /** Starts the market maker, applies the first prices and steps every `stepMs`. */
  start(): void {
    if (this.handle !== undefined) return;
    if (this.options.continueFromMark !== false) {
      for (const t of this.tracks) {
        const mark = this.venue.exchange.symbols.get(t.series.symbol)?.markPrice;
        if (mark !== undefined) t.scale = mark.toNumber() / (this.position(t, this.elapsedMs).price / t.scale);
      }
    }
    this.options.marketMaker?.start();
    this.apply();
    this.handle = this.timer.setInterval(() => this.step(), this.stepMs);
  }

  stop(): void {
    if (this.handle === undefined) return;
    this.timer.clearInterval(this.handle);
    this.handle = undefined;
  }

  /** Advances history by `wallMs × speed` (default one step) and applies the prices. */
  step(wallMs = this.stepMs): void {
    this.elapsedMs += wallMs * this.speed;
    this.apply();
  }

  /** History time (ms, within the data) and price of a symbol at the current position. */
  priceAt(symbol: string, elapsedMs = this.elapsedMs): { historyTime: number; price: number; pass: number } | undefined {
    const t = this.tracks.find((x) => x.series.symbol === symbol);
    return t === undefined ? undefined : this.position(t, elapsedMs);
  }

  private position(t: Track, elapsedMs: number): { historyTime: number; price: number; pass: number } {
    const pass = Math.floor(elapsedMs / t.spanMs);
    const within = elapsedMs - pass * t.spanMs;
    const i = Math.min(Math.floor(within / t.series.intervalMs), t.series.klines.length - 1);
    const k = t.series.klines[i] as Kline;
    const frac = (within - i * t.series.intervalMs) / t.series.intervalMs;
    const first = t.series.klines[0] as Kline;
    return { historyTime: first.openTime + within, price: candlePrice(k, frac) * t.passRatio ** pass * t.scale, pass };
  }

  private apply(): void {
    this.stats.steps++;
    for (const t of this.tracks) {
      const symbol = t.series.symbol;
      const { historyTime, price } = this.position(t, this.elapsedMs);
      if (this.options.fundingRates !== false) this.funding(t, historyTime);
      const indexPrice = Decimal.parse(price.toFixed(t.decimals)).normalize().toString();
      const r = applyPrice(this.venue, { symbol, indexPrice }, this.options.markMode ?? 'computed', this.options.marketMaker);
      if (!r.ok) this.reject(symbol, r.error);
      t.lastHistoryTime = historyTime;
    }
  }

  private funding(t: Track, h: number): void {
    const symbol = t.series.symbol;
    const rows = t.series.funding;
    if (rows.length === 0) return;
    const prev = t.lastHistoryTime;
    if (this.options.settleFunding === true && prev !== undefined && this.venue.exchange.symbols.get(symbol)?.markPrice !== undefined) {
      // a settlement time crossed since the previous step (across the loop's wrap too)
      const crossed = rows.filter((r) => (h >= prev ? r.time > prev && r.time <= h : r.time > prev || r.time <= h));
      const row = crossed[crossed.length - 1];
      if (row !== undefined) {
        if (Decimal.parse(row.rate).abs().lte(Decimal.parse('0.1')))
          this.venue.run({ type: 'setFundingRate', symbol, fundingRate: row.rate });
        const r = this.venue.run({ type: 'settleFunding', symbol });
        if (r.ok) this.stats.settlements++;
        else this.reject(symbol, r.error);
        delete t.lastRate;
      }
    }
    const next = rows.find((r) => r.time > h) ?? rows[0];
    if (next === undefined || next.rate === t.lastRate) return;
    if (Decimal.parse(next.rate).abs().gt(Decimal.parse('0.1'))) return;
    const r = this.venue.run({ type: 'setFundingRate', symbol, fundingRate: next.rate });
    if (r.ok) t.lastRate = next.rate;
    else this.reject(symbol, r.error);
  }

  private reject(symbol: string, error: { code: number; msg: string }): void {
    this.stats.rejected++;
    this.stats.lastError = { symbol, ...error };
  }
}
