/**
 * The market streams' producers: from the venue's engine events and state to Binance payloads (spec
 * api.md §6.3). Streams with a subscriber are "active"; each active stream key gets its payloads through
 * `publish(key, data)`, once per event whatever the number of subscribers. Timed streams (mark price,
 * depth, klines) are produced by `tick(periodMs)`, which the WebSocket layer calls from its timers.
 */
import { Decimal } from '../core/decimal.js';
import type { EngineEvent, LiquidationExplanation, OrderUpdate, SymbolState, TradeEvent } from '../engine/index.js';
import { nextFundingRate } from '../engine/funding.js';
import type { Venue } from './venue.js';
import { DepthDiffer, depthLevels, topOfBook } from './depth-diff.js';
import { TickerWindow } from './ticker-window.js';
import { klineCloseTime, klineOpenTime, type KlineInterval, type ParsedStream, type StreamSpec } from './stream-names.js';

export type Publish = (key: string, data: unknown) => void;

/** The periods (ms) at which `tick` must be called. */
export const TICK_PERIODS = [100, 250, 500, 1000, 2000, 3000] as const;

/** Binance: a symbol's ticker every 2 s, the all-market arrays every 1 s. */
const TICKER_MS = 2000;
const TICKER_ALL_MS = 1000;

interface PendingAgg {
  readonly symbol: string;
  readonly taker: number;
  readonly p: string;
  q: Decimal;
  readonly f: number;
  l: number;
  readonly T: number;
  readonly m: boolean;
}

interface Candle {
  readonly t: number;
  readonly T: number;
  o: Decimal;
  h: Decimal;
  l: Decimal;
  c: Decimal;
  v: Decimal;
  q: Decimal;
  n: number;
  f: number;
  L: number;
  V: Decimal;
  Q: Decimal;
}

interface KlineState {
  readonly symbol: string;
  readonly interval: KlineInterval;
  candle: Candle | undefined;
  dirty: boolean;
}

export class MarketStreams {
  /** active keys and what they ask for */
  private readonly active = new Map<string, StreamSpec>();
  private readonly differs = new Map<string, DepthDiffer>();
  /** depth partial: update id of the last event per key */
  private readonly partialIds = new Map<string, number>();
  private readonly klines = new Map<string, KlineState>();
  /** bookTicker: the last top of book sent per symbol (JSON) */
  private readonly lastTop = new Map<string, string>();
  /** time of the last command that touched each symbol's book */
  private readonly bookTime = new Map<string, number>();
  private lastTaker: { s: string; i: number; t: number; type: string } | undefined;
  private pendingAgg: PendingAgg | undefined;
  private flushScheduled = false;
  private readonly unsubscribe: () => void;
  /** 24 h statistics, kept from the start whether or not a ticker stream is subscribed */
  private readonly tickers = new TickerWindow();

  constructor(
    private readonly venue: Venue,
    private readonly publish: Publish,
  ) {
    this.unsubscribe = venue.hub.subscribe((event, time) => this.onEvent(event, time));
  }

  close(): void {
    this.unsubscribe();
    this.flushAgg();
  }

  /** Called when a key gets its first subscriber. */
  activate(parsed: ParsedStream): void {
    if (this.active.has(parsed.key)) return;
    const spec = parsed.spec;
    this.active.set(parsed.key, spec);
    const s = 'symbol' in spec ? this.venue.exchange.symbols.get(spec.symbol) : undefined;
    if (spec.kind === 'depth' && s !== undefined) {
      this.differs.set(parsed.key, new DepthDiffer(s, () => this.venue.bookUpdateId(spec.symbol)));
    } else if (spec.kind === 'depthPartial') {
      this.partialIds.set(parsed.key, -1);
    } else if (spec.kind === 'kline' && s !== undefined) {
      const k: KlineState = { symbol: spec.symbol, interval: spec.interval, candle: undefined, dirty: false };
      if (s.lastPrice !== undefined) k.candle = this.emptyCandle(spec.interval, this.venue.now(), s.lastPrice);
      this.klines.set(parsed.key, k);
    }
  }

  /** Called when a key loses its last subscriber. */
  deactivate(key: string): void {
    this.active.delete(key);
    this.differs.delete(key);
    this.partialIds.delete(key);
    this.klines.delete(key);
  }

  // ---- event-driven streams ------------------------------------------------------------------------

  private onEvent(event: EngineEvent, time: number): void {
    switch (event.e) {
      case 'ORDER_TRADE_UPDATE':
        this.onOrderUpdate(event, time);
        break;
      case 'TRADE':
        this.onTrade(event, time);
        break;
      case 'LIQUIDATION':
        this.onLiquidation(event, time);
        break;
    }
  }

  private onOrderUpdate(event: OrderUpdate, time: number): void {
    const o = event.o;
    if (o.x === 'TRADE' && !o.m) this.lastTaker = { s: o.s, i: o.i, t: o.t, type: o.o };
    this.bookTime.set(o.s, time);
    // the command is applied in full before its events are published: the first update shows the final book
    if (this.active.size > 0 && (this.active.has(`bookTicker:${o.s}`) || this.active.has('bookTickerAll'))) this.sendBookTicker(o.s, time);
  }

  private sendBookTicker(symbol: string, time: number): void {
    const s = this.venue.exchange.symbols.get(symbol);
    if (s === undefined) return;
    const top = topOfBook(s);
    const zeroPrice = Decimal.ZERO.toFixed(s.instrument.pricePrecision);
    const zeroQty = Decimal.ZERO.toFixed(s.instrument.quantityPrecision);
    const text = JSON.stringify(top);
    if (this.lastTop.get(symbol) === text) return;
    this.lastTop.set(symbol, text);
    const data = {
      e: 'bookTicker',
      u: this.venue.bookUpdateId(symbol),
      E: time,
      T: time,
      s: symbol,
      b: top.bid?.[0] ?? zeroPrice,
      B: top.bid?.[1] ?? zeroQty,
      a: top.ask?.[0] ?? zeroPrice,
      A: top.ask?.[1] ?? zeroQty,
    };
    this.publish(`bookTicker:${symbol}`, data);
    this.publish('bookTickerAll', data);
  }

  private onTrade(trade: TradeEvent, time: number): void {
    const s = this.venue.exchange.symbols.get(trade.s);
    if (s === undefined) return;
    const inst = s.instrument;
    const { price, qty } = trade;
    this.tickers.add(trade.s, price, qty, trade.t, trade.E);
    if (this.active.size === 0) return; // (the 24 h window is kept for streams subscribed later; nothing else is)
    const p = price.toFixed(inst.pricePrecision);
    const q = qty.toFixed(inst.quantityPrecision);
    const taker = this.lastTaker !== undefined && this.lastTaker.t === trade.t && this.lastTaker.s === trade.s ? this.lastTaker : undefined;
    if (this.active.has(`trade:${trade.s}`)) {
      const X = taker?.type === 'LIQUIDATION' ? 'LIQUIDATION' : 'MARKET';
      this.publish(`trade:${trade.s}`, { e: 'trade', E: time, T: trade.E, s: trade.s, t: trade.t, p, q, X, m: trade.m });
    }
    if (this.active.has(`aggTrade:${trade.s}`)) {
      const pending = this.pendingAgg;
      const takerId = taker?.i ?? -trade.t;
      if (pending !== undefined && pending.symbol === trade.s && pending.taker === takerId && pending.p === p && pending.T === trade.E) {
        pending.q = pending.q.add(qty);
        pending.l = trade.t;
      } else {
        this.flushAgg();
        this.pendingAgg = { symbol: trade.s, taker: takerId, p, q: qty, f: trade.t, l: trade.t, T: trade.E, m: trade.m };
      }
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flushAgg());
      }
    }
    for (const k of this.klines.values()) {
      if (k.symbol === trade.s) this.klineTrade(k, price, qty, trade, time);
    }
  }

  /** Sends the pending aggregate trade (fills of one taker order at one price, within one command). */
  private flushAgg(): void {
    this.flushScheduled = false;
    const a = this.pendingAgg;
    if (a === undefined) return;
    this.pendingAgg = undefined;
    const s = this.venue.exchange.symbols.get(a.symbol) as SymbolState;
    // the aggregate's id is its first trade id: unique and increasing, and equal to REST /fapi/v1/aggTrades's
    // id (one trade per aggregate there) whenever the aggregate is a single fill
    const id = a.f;
    const q = a.q.toFixed(s.instrument.quantityPrecision);
    this.publish(`aggTrade:${a.symbol}`, { e: 'aggTrade', E: a.T, s: a.symbol, a: id, p: a.p, q, nq: q, f: a.f, l: a.l, T: a.T, m: a.m });
  }

  private onLiquidation(event: LiquidationExplanation, time: number): void {
    if (!this.active.has(`forceOrder:${event.symbol}`) && !this.active.has('forceOrderAll')) return;
    const s = this.venue.exchange.symbols.get(event.symbol);
    if (s === undefined) return;
    let qty = Decimal.ZERO;
    let value = Decimal.ZERO;
    for (const c of event.closed) {
      const q = Decimal.parse(c.qty);
      qty = qty.add(q);
      value = value.add(q.mul(Decimal.parse(c.avgPrice)));
    }
    if (qty.isZero()) return;
    const inst = s.instrument;
    const q = qty.toFixed(inst.quantityPrecision);
    const data = {
      e: 'forceOrder',
      E: time,
      o: {
        s: event.symbol,
        S: Decimal.parse(event.positionAmt).isNegative() ? 'BUY' : 'SELL',
        o: 'LIMIT',
        f: 'IOC',
        q,
        p: Decimal.parse(event.bankruptcyPrice).toFixed(inst.pricePrecision),
        ap: value.div(qty, inst.pricePrecision).toFixed(inst.pricePrecision),
        X: 'FILLED',
        l: q,
        z: q,
        T: time,
      },
    };
    this.publish(`forceOrder:${event.symbol}`, data);
    this.publish('forceOrderAll', data);
  }

  // ---- klines ----------------------------------------------------------------------------------------

  private emptyCandle(interval: KlineInterval, time: number, price: Decimal): Candle {
    const t = klineOpenTime(interval, time);
    const z = Decimal.ZERO;
    return { t, T: klineCloseTime(interval, t), o: price, h: price, l: price, c: price, v: z, q: z, n: 0, f: -1, L: -1, V: z, Q: z };
  }

  private klineTrade(k: KlineState, price: Decimal, qty: Decimal, trade: TradeEvent, time: number): void {
    if (k.candle !== undefined && time > k.candle.T) this.closeCandle(k, time);
    const c = (k.candle ??= this.emptyCandle(k.interval, time, price));
    if (c.n === 0) {
      // the first trade opens the candle (an empty candle showed the previous close)
      c.o = c.h = c.l = price;
      c.f = trade.t;
    }
    c.h = Decimal.max(c.h, price);
    c.l = Decimal.min(c.l, price);
    c.c = price;
    c.v = c.v.add(qty);
    c.q = c.q.add(qty.mul(price));
    c.n++;
    c.L = trade.t;
    if (!trade.m) {
      // the buyer was the taker
      c.V = c.V.add(qty);
      c.Q = c.Q.add(qty.mul(price));
    }
    k.dirty = true;
  }

  /** Sends the candle as closed and opens the next one at its close price. */
  private closeCandle(k: KlineState, time: number): void {
    const c = k.candle as Candle;
    this.sendKline(k, c, true, time);
    k.candle = this.emptyCandle(k.interval, time, c.c);
    k.dirty = true;
  }

  private sendKline(k: KlineState, c: Candle, closed: boolean, time: number): void {
    const s = this.venue.exchange.symbols.get(k.symbol) as SymbolState;
    const pp = s.instrument.pricePrecision;
    const qp = s.instrument.quantityPrecision;
    this.publish(`kline:${k.symbol}:${k.interval}`, {
      e: 'kline',
      E: time,
      s: k.symbol,
      k: {
        t: c.t,
        T: c.T,
        s: k.symbol,
        i: k.interval,
        f: c.f,
        L: c.L,
        o: c.o.toFixed(pp),
        c: c.c.toFixed(pp),
        h: c.h.toFixed(pp),
        l: c.l.toFixed(pp),
        v: c.v.toFixed(qp),
        n: c.n,
        x: closed,
        q: c.q.toFixed(8),
        V: c.V.toFixed(qp),
        Q: c.Q.toFixed(8),
        B: '0',
      },
    });
  }

  // ---- timed streams -------------------------------------------------------------------------------

  /** Produces the timed streams due every `periodMs`. */
  tick(periodMs: number): void {
    if (this.active.size === 0) return;
    const now = this.venue.now();
    for (const [key, spec] of this.active) {
      switch (spec.kind) {
        case 'depth':
          if (spec.speedMs === periodMs) this.sendDepthDiff(key, spec.symbol, now);
          break;
        case 'depthPartial':
          if (spec.speedMs === periodMs) this.sendDepthPartial(key, spec.symbol, spec.levels, now);
          break;
        case 'markPrice':
          if (spec.speedMs === periodMs) {
            const data = this.markPricePayload(spec.symbol, now);
            if (data !== undefined) this.publish(key, data);
          }
          break;
        case 'markPriceAll':
          if (spec.speedMs === periodMs) {
            const all = [];
            for (const symbol of this.venue.exchange.symbols.keys()) {
              const data = this.markPricePayload(symbol, now);
              if (data !== undefined) all.push(data);
            }
            if (all.length > 0) this.publish(key, all);
          }
          break;
        case 'kline':
          if (periodMs === 250) this.klineTick(key, now);
          break;
        case 'ticker':
        case 'miniTicker':
          if (periodMs === TICKER_MS) {
            const data = this.tickerPayload(spec.symbol, now, spec.kind === 'miniTicker');
            if (data !== undefined) this.publish(key, data);
          }
          break;
        case 'tickerAll':
        case 'miniTickerAll':
          if (periodMs === TICKER_ALL_MS) {
            const all = [];
            for (const symbol of this.venue.exchange.symbols.keys()) {
              const data = this.tickerPayload(symbol, now, spec.kind === 'miniTickerAll');
              if (data !== undefined) all.push(data);
            }
            if (all.length > 0) this.publish(key, all);
          }
          break;
      }
    }
  }

  private sendDepthDiff(key: string, symbol: string, now: number): void {
    const d = this.differs.get(key)?.next();
    if (d === undefined) return;
    const T = this.bookTime.get(symbol) ?? now;
    this.publish(key, { e: 'depthUpdate', E: now, T, s: symbol, U: d.U, u: d.u, pu: d.pu, b: d.b, a: d.a });
  }

  private sendDepthPartial(key: string, symbol: string, levels: number, now: number): void {
    const s = this.venue.exchange.symbols.get(symbol);
    const last = this.partialIds.get(key);
    if (s === undefined || last === undefined) return;
    const id = this.venue.bookUpdateId(symbol);
    if (id === last) return;
    const depth = depthLevels(s, levels);
    const pu = last < 0 ? id : last;
    this.partialIds.set(key, id);
    const T = this.bookTime.get(symbol) ?? now;
    this.publish(key, { e: 'depthUpdate', E: now, T, s: symbol, U: last < 0 ? id : last + 1, u: id, pu, b: depth.bids, a: depth.asks });
  }

  private klineTick(key: string, now: number): void {
    const k = this.klines.get(key);
    if (k === undefined) return;
    if (k.candle === undefined) {
      const last = this.venue.exchange.symbols.get(k.symbol)?.lastPrice;
      if (last === undefined) return;
      k.candle = this.emptyCandle(k.interval, now, last);
      k.dirty = true;
    }
    if (now > k.candle.T) this.closeCandle(k, now);
    if (k.dirty) {
      k.dirty = false;
      this.sendKline(k, k.candle, false, now);
    }
  }

  /** `<sym>@ticker` / `@miniTicker` payload: rolling 24 h statistics (undefined with no trade in them). */
  tickerPayload(symbol: string, now: number, mini: boolean): Record<string, unknown> | undefined {
    const s = this.venue.exchange.symbols.get(symbol);
    const t = this.tickers.stats(symbol, now);
    if (s === undefined || t === undefined) return undefined;
    const pp = s.instrument.pricePrecision;
    const qp = s.instrument.quantityPrecision;
    const base = {
      s: symbol,
      c: t.last.toFixed(pp),
      o: t.open.toFixed(pp),
      h: t.high.toFixed(pp),
      l: t.low.toFixed(pp),
      v: t.volume.toFixed(qp),
      q: t.quoteVolume.toFixed(2),
    };
    if (mini) return { e: '24hrMiniTicker', E: now, ...base };
    const change = t.last.sub(t.open);
    return {
      e: '24hrTicker',
      E: now,
      s: symbol,
      p: change.toFixed(pp),
      P: change.mul(Decimal.of(100)).div(t.open, 3).toFixed(3),
      w: t.quoteVolume.div(t.volume, pp).toFixed(pp),
      c: base.c,
      Q: t.lastQty.toFixed(qp),
      o: base.o,
      h: base.h,
      l: base.l,
      v: base.v,
      q: base.q,
      O: t.openTime,
      C: t.closeTime,
      F: t.firstId,
      L: t.lastId,
      n: t.count,
    };
  }

  /** `<sym>@markPrice` payload from the engine's mark, index and funding state (undefined before a mark). */
  markPricePayload(symbol: string, now: number): Record<string, unknown> | undefined {
    const s = this.venue.exchange.symbols.get(symbol);
    if (s === undefined || s.markPrice === undefined) return undefined;
    const index = s.indexPrice ?? s.markPrice;
    const intervalMs = s.fundingIntervalHours * 3_600_000;
    return {
      e: 'markPriceUpdate',
      E: now,
      s: symbol,
      p: s.markPrice.toFixed(8),
      i: index.toFixed(8),
      P: index.toFixed(8),
      r: nextFundingRate(s).toFixed(8),
      T: (Math.floor(now / intervalMs) + 1) * intervalMs,
    };
  }
}
