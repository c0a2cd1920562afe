/**
 * Public market data (security NONE): ping, time, exchangeInfo, depth, trades, aggTrades, klines,
 * ticker/price, ticker/24hr, ticker/bookTicker, premiumIndex, fundingRate (spec api.md §4, §5.1).
 *
 * Trades, klines and the 24 h ticker come from the trades history.ts keeps in memory; klines are built
 * from them on request (no trades in an interval → no candle) [inference: Binance repeats the last close
 * in empty intervals; perpsim leaves them out].
 */
import type { FastifyInstance } from 'fastify';
import { Decimal } from '../../core/index.js';
import type { SymbolState } from '../../engine/index.js';
import { nextFundingRate } from '../../engine/funding.js';
import { API } from '../api-errors.js';
import type { PublicTrade } from '../history.js';
import { integer, oneOf, symbol } from '../params.js';
import { depthWeight, klinesWeight } from '../rate-limit.js';
import { defineRoute, symbolState, type ApiContext } from '../route.js';
import { f8 } from '../views.js';

/** Listed in exchangeInfo; the venue enforces the first one and the ORDERS minute limit. */
export function rateLimitsJSON(weightPerMinute: number, ordersPerMinute: number) {
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightPerMinute },
    { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: ordersPerMinute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
  ];
}

function symbolInfo(s: SymbolState): Record<string, unknown> {
  const i = s.instrument;
  const p = (d: Decimal) => d.toFixed(Math.max(i.pricePrecision, d.normalize().e));
  return {
    symbol: i.symbol,
    pair: i.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: i.baseAsset,
    quoteAsset: i.quoteAsset,
    marginAsset: i.marginAsset,
    pricePrecision: i.pricePrecision,
    quantityPrecision: i.quantityPrecision,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: i.triggerProtect.toString(),
    liquidationFee: i.liquidationFee.toString(),
    marketTakeBound: i.marketTakeBound.toString(),
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: p(i.minPrice), maxPrice: i.maxPrice.toString(), tickSize: p(i.tickSize) },
      { filterType: 'LOT_SIZE', minQty: i.minQty.toString(), maxQty: i.maxQty.toString(), stepSize: i.stepSize.toString() },
      {
        filterType: 'MARKET_LOT_SIZE',
        minQty: i.marketMinQty.toString(),
        maxQty: i.marketMaxQty.toString(),
        stepSize: i.marketStepSize.toString(),
      },
      { filterType: 'MAX_NUM_ORDERS', limit: i.maxNumOrders },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: i.maxNumAlgoOrders },
      { filterType: 'MIN_NOTIONAL', notional: i.minNotional.toString() },
      {
        filterType: 'PERCENT_PRICE',
        multiplierUp: i.multiplierUp.toFixed(i.multiplierDecimal),
        multiplierDown: i.multiplierDown.toFixed(i.multiplierDecimal),
        multiplierDecimal: String(i.multiplierDecimal),
      },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    permissionSets: ['GRID', 'COPY'],
  };
}

function levelsOf(s: SymbolState, side: 'BUY' | 'SELL', limit: number): [string, string][] {
  const i = s.instrument;
  return s.book.depth(side, limit).map((level) => {
    let qty = Decimal.ZERO;
    for (const o of level.orders) qty = qty.add(o.origQty.sub(o.executedQty));
    const price = Decimal.fromUnits(BigInt(level.ticks), 0).mul(i.tickSize);
    return [price.toFixed(i.pricePrecision), qty.toFixed(i.quantityPrecision)];
  });
}

const INTERVALS: Record<string, number> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
  '1w': 604_800_000,
};

/** Trades in [from, to] (times inclusive), oldest first; binary search on the time-ordered list. */
function tradesBetween(list: readonly PublicTrade[], from: number, to: number): readonly PublicTrade[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as PublicTrade).time < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < list.length && (list[end] as PublicTrade).time <= to) end++;
  return list.slice(lo, end);
}

export function fundingIntervalMs(s: SymbolState): number {
  return s.fundingIntervalHours * 3_600_000;
}

export function nextFundingTime(s: SymbolState, now: number): number {
  const interval = fundingIntervalMs(s);
  return (Math.floor(now / interval) + 1) * interval;
}

const optionalSymbol = { symbol: symbol().optional() };

export function registerMarketRoutes(app: FastifyInstance, ctx: ApiContext, exchangeInfoLimits: ReturnType<typeof rateLimitsJSON>): void {
  const ex = ctx.venue.exchange;
  const all = <T>(sym: string | undefined, f: (s: SymbolState) => T): T | T[] =>
    sym !== undefined ? f(symbolState(ctx, sym)) : [...ex.symbols.values()].map(f);

  defineRoute(app, ctx, { method: 'GET', url: '/fapi/v1/ping', security: 'NONE', weight: 1, params: {}, handler: () => ({}) });
  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/time',
    security: 'NONE',
    weight: 1,
    params: {},
    handler: () => ({ serverTime: ctx.venue.now() }),
  });
  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/exchangeInfo',
    security: 'NONE',
    weight: 1,
    params: {},
    handler: () => ({
      timezone: 'UTC',
      serverTime: ctx.venue.now(),
      futuresType: 'U_MARGINED',
      rateLimits: exchangeInfoLimits,
      exchangeFilters: [],
      assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
      symbols: [...ex.symbols.values()].map(symbolInfo),
    }),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/depth',
    security: 'NONE',
    weight: (raw) => depthWeight(Number(raw['limit'] ?? 500) || 500),
    params: { symbol: symbol(), limit: integer('limit', 1, 1000).optional() },
    handler: ({ params }) => {
      const s = symbolState(ctx, params.symbol);
      const limit = params.limit ?? 500;
      const now = ctx.venue.now();
      return {
        lastUpdateId: ctx.venue.bookUpdateId(params.symbol),
        E: now,
        T: now,
        bids: levelsOf(s, 'BUY', limit),
        asks: levelsOf(s, 'SELL', limit),
      };
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/trades',
    security: 'NONE',
    weight: 5,
    params: { symbol: symbol(), limit: integer('limit', 1, 1000).optional() },
    handler: ({ params }) => {
      symbolState(ctx, params.symbol);
      const list = ctx.history.marketTrades(params.symbol);
      return list.slice(Math.max(0, list.length - (params.limit ?? 500))).map((t) => ({
        id: t.id,
        price: t.price,
        qty: t.qty,
        quoteQty: t.quoteQty,
        time: t.time,
        isBuyerMaker: t.isBuyerMaker,
      }));
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/aggTrades',
    security: 'NONE',
    weight: 20,
    params: {
      symbol: symbol(),
      fromId: integer('fromId').optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      limit: integer('limit', 1, 1000).optional(),
    },
    handler: ({ params }) => {
      symbolState(ctx, params.symbol);
      let list = ctx.history.marketTrades(params.symbol);
      const limit = params.limit ?? 500;
      if (params.startTime !== undefined || params.endTime !== undefined) {
        list = tradesBetween(list, params.startTime ?? 0, params.endTime ?? Number.MAX_SAFE_INTEGER);
      }
      if (params.fromId !== undefined) {
        const from = params.fromId;
        list = list.filter((t) => t.id >= from).slice(0, limit);
      } else list = params.startTime !== undefined ? list.slice(0, limit) : list.slice(Math.max(0, list.length - limit));
      return list.map((t) => ({ a: t.id, p: t.price, q: t.qty, nq: t.qty, f: t.id, l: t.id, T: t.time, m: t.isBuyerMaker }));
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/klines',
    security: 'NONE',
    weight: (raw) => klinesWeight(Number(raw['limit'] ?? 500) || 500),
    params: {
      symbol: symbol(),
      interval: oneOf('interval', Object.keys(INTERVALS), API.invalidInterval),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      limit: integer('limit', 1, 1500).optional(),
    },
    handler: ({ params }) => {
      symbolState(ctx, params.symbol);
      const ms = INTERVALS[params.interval] as number;
      const limit = params.limit ?? 500;
      const trades = tradesBetween(
        ctx.history.marketTrades(params.symbol),
        params.startTime ?? 0,
        params.endTime ?? Number.MAX_SAFE_INTEGER,
      );
      const candles: unknown[][] = [];
      let cur:
        | { open: number; o: string; h: Decimal; l: Decimal; c: string; v: Decimal; q: Decimal; n: number; tb: Decimal; tq: Decimal }
        | undefined;
      const flush = () => {
        if (cur === undefined) return;
        candles.push([
          cur.open,
          cur.o,
          cur.h.toString(),
          cur.l.toString(),
          cur.c,
          cur.v.toString(),
          cur.open + ms - 1,
          cur.q.toString(),
          cur.n,
          cur.tb.toString(),
          cur.tq.toString(),
          '0',
        ]);
      };
      for (const t of trades) {
        const open = Math.floor(t.time / ms) * ms;
        const price = Decimal.parse(t.price);
        const qty = Decimal.parse(t.qty);
        const quote = Decimal.parse(t.quoteQty);
        if (cur === undefined || cur.open !== open) {
          flush();
          cur = {
            open,
            o: t.price,
            h: price,
            l: price,
            c: t.price,
            v: Decimal.ZERO,
            q: Decimal.ZERO,
            n: 0,
            tb: Decimal.ZERO,
            tq: Decimal.ZERO,
          };
        }
        if (price.gt(cur.h)) cur.h = price;
        if (price.lt(cur.l)) cur.l = price;
        cur.c = t.price;
        cur.v = cur.v.add(qty);
        cur.q = cur.q.add(quote);
        cur.n++;
        if (!t.isBuyerMaker) {
          cur.tb = cur.tb.add(qty);
          cur.tq = cur.tq.add(quote);
        }
      }
      flush();
      return params.startTime !== undefined ? candles.slice(0, limit) : candles.slice(Math.max(0, candles.length - limit));
    },
  });

  const priceTicker = (s: SymbolState) => ({
    symbol: s.instrument.symbol,
    // before the first trade, the mark stands in, on the tick grid like any traded price [inference]
    price: (s.lastPrice ?? s.markPrice?.roundToStep(s.instrument.tickSize, 'HALF_UP') ?? Decimal.ZERO).toFixed(s.instrument.pricePrecision),
    time: ctx.venue.now(),
  });
  defineRoute(app, ctx, {
    method: 'GET',
    url: ['/fapi/v1/ticker/price', '/fapi/v2/ticker/price'],
    security: 'NONE',
    weight: (raw) => (raw['symbol'] === undefined ? 2 : 1),
    params: optionalSymbol,
    handler: ({ params }) => all(params.symbol, priceTicker),
  });

  const bookTicker = (s: SymbolState) => {
    const bid = levelsOf(s, 'BUY', 1)[0];
    const ask = levelsOf(s, 'SELL', 1)[0];
    const zeroP = Decimal.ZERO.toFixed(s.instrument.pricePrecision);
    const zeroQ = Decimal.ZERO.toFixed(s.instrument.quantityPrecision);
    const now = ctx.venue.now();
    return {
      symbol: s.instrument.symbol,
      bidPrice: bid?.[0] ?? zeroP,
      bidQty: bid?.[1] ?? zeroQ,
      askPrice: ask?.[0] ?? zeroP,
      askQty: ask?.[1] ?? zeroQ,
      time: now,
      lastUpdateId: ctx.venue.bookUpdateId(s.instrument.symbol),
    };
  };
  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/ticker/bookTicker',
    security: 'NONE',
    weight: (raw) => (raw['symbol'] === undefined ? 5 : 2),
    params: optionalSymbol,
    handler: ({ params }) => all(params.symbol, bookTicker),
  });

  const ticker24 = (s: SymbolState) => {
    const now = ctx.venue.now();
    const list = tradesBetween(ctx.history.marketTrades(s.instrument.symbol), now - 86_400_000, now);
    const pp = s.instrument.pricePrecision;
    const first = list[0];
    const last = list[list.length - 1];
    let high = Decimal.ZERO;
    let low = Decimal.ZERO;
    let volume = Decimal.ZERO;
    let quote = Decimal.ZERO;
    for (const t of list) {
      const p = Decimal.parse(t.price);
      if (t === first || p.gt(high)) high = p;
      if (t === first || p.lt(low)) low = p;
      volume = volume.add(Decimal.parse(t.qty));
      quote = quote.add(Decimal.parse(t.quoteQty));
    }
    const open = first === undefined ? Decimal.ZERO : Decimal.parse(first.price);
    const lastPrice = s.lastPrice ?? Decimal.ZERO;
    const change = first === undefined ? Decimal.ZERO : lastPrice.sub(open);
    return {
      symbol: s.instrument.symbol,
      priceChange: change.toFixed(pp),
      priceChangePercent: open.isZero() ? '0.000' : change.mulInt(100).div(open, 3).toFixed(3),
      weightedAvgPrice: volume.isZero() ? '0' : quote.div(volume, pp).toString(),
      lastPrice: lastPrice.toFixed(pp),
      lastQty: last?.qty ?? '0',
      openPrice: open.toFixed(pp),
      highPrice: high.toFixed(pp),
      lowPrice: low.toFixed(pp),
      volume: volume.toString(),
      quoteVolume: quote.toString(),
      openTime: first?.time ?? now - 86_400_000,
      closeTime: last?.time ?? now,
      firstId: first?.id ?? 0,
      lastId: last?.id ?? 0,
      count: list.length,
    };
  };
  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/ticker/24hr',
    security: 'NONE',
    weight: (raw) => (raw['symbol'] === undefined ? 40 : 1),
    params: optionalSymbol,
    handler: ({ params }) => all(params.symbol, ticker24),
  });

  const premium = (s: SymbolState) => {
    const now = ctx.venue.now();
    return {
      symbol: s.instrument.symbol,
      markPrice: f8(s.markPrice ?? Decimal.ZERO),
      indexPrice: f8(s.indexPrice ?? Decimal.ZERO),
      estimatedSettlePrice: f8(s.indexPrice ?? Decimal.ZERO),
      lastFundingRate: f8(nextFundingRate(s)),
      interestRate: '0.00010000',
      nextFundingTime: nextFundingTime(s, now),
      time: now,
    };
  };
  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/premiumIndex',
    security: 'NONE',
    weight: (raw) => (raw['symbol'] === undefined ? 10 : 1),
    params: optionalSymbol,
    handler: ({ params }) => all(params.symbol, premium),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/fundingRate',
    security: 'NONE',
    weight: 1,
    params: {
      symbol: symbol().optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      limit: integer('limit', 1, 1000).optional(),
    },
    handler: ({ params }) => {
      const syms = params.symbol !== undefined ? [symbolState(ctx, params.symbol).instrument.symbol] : [...ex.symbols.keys()];
      const from = params.startTime ?? 0;
      const to = params.endTime ?? Number.MAX_SAFE_INTEGER;
      const list = syms
        .flatMap((s) => ctx.history.fundingRates(s))
        .filter((r) => r.fundingTime >= from && r.fundingTime <= to)
        .sort((a, b) => a.fundingTime - b.fundingTime);
      const limit = params.limit ?? 100;
      const page = params.startTime !== undefined ? list.slice(0, limit) : list.slice(Math.max(0, list.length - limit));
      return page.map((r) => ({
        symbol: r.symbol,
        fundingRate: f8(Decimal.parse(r.fundingRate)),
        fundingTime: r.fundingTime,
        markPrice: f8(Decimal.parse(r.markPrice)),
      }));
    },
  });
}
