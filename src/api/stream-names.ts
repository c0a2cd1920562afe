/**
 * Binance USDⓈ-M market stream names (spec api.md §6.1): parsing a name such as `btcusdt@depth@100ms` into
 * what it asks for. Symbols are lower-case in names and upper-case in payloads; a name parses to the same
 * `key` whatever its spelling of the default speed (`btcusdt@depth` and `btcusdt@depth@250ms` share one
 * event sequence), so subscribers of one key see the same update ids.
 */

export type KlineInterval = (typeof KLINE_INTERVALS)[number];

export const KLINE_INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'] as const;

export type StreamSpec =
  | { readonly kind: 'markPrice'; readonly symbol: string; readonly speedMs: 1000 | 3000 }
  | { readonly kind: 'markPriceAll'; readonly speedMs: 1000 | 3000 }
  | { readonly kind: 'aggTrade'; readonly symbol: string }
  | { readonly kind: 'trade'; readonly symbol: string }
  | { readonly kind: 'depth'; readonly symbol: string; readonly speedMs: 100 | 250 | 500 }
  | { readonly kind: 'depthPartial'; readonly symbol: string; readonly levels: 5 | 10 | 20; readonly speedMs: 100 | 250 | 500 }
  | { readonly kind: 'bookTicker'; readonly symbol: string }
  | { readonly kind: 'bookTickerAll' }
  | { readonly kind: 'kline'; readonly symbol: string; readonly interval: KlineInterval }
  | { readonly kind: 'forceOrder'; readonly symbol: string }
  | { readonly kind: 'forceOrderAll' }
  | { readonly kind: 'ticker'; readonly symbol: string }
  | { readonly kind: 'tickerAll' }
  | { readonly kind: 'miniTicker'; readonly symbol: string }
  | { readonly kind: 'miniTickerAll' };

export interface ParsedStream {
  readonly spec: StreamSpec;
  /** canonical identity: names with the same key receive the same events */
  readonly key: string;
}

const SYMBOL_RE = /^[a-z0-9]{2,30}$/;
const DEPTH_SPEEDS: Record<string, 100 | 250 | 500> = { '': 250, '@100ms': 100, '@250ms': 250, '@500ms': 500 };

/** The canonical key of a parsed spec. */
export function streamKey(spec: StreamSpec): string {
  switch (spec.kind) {
    case 'markPrice':
      return `markPrice:${spec.symbol}:${spec.speedMs}`;
    case 'markPriceAll':
      return `markPriceAll:${spec.speedMs}`;
    case 'depth':
      return `depth:${spec.symbol}:${spec.speedMs}`;
    case 'depthPartial':
      return `depthPartial:${spec.symbol}:${spec.levels}:${spec.speedMs}`;
    case 'kline':
      return `kline:${spec.symbol}:${spec.interval}`;
    case 'bookTickerAll':
    case 'forceOrderAll':
    case 'tickerAll':
    case 'miniTickerAll':
      return spec.kind;
    default:
      return `${spec.kind}:${spec.symbol}`;
  }
}

/**
 * Parses one stream name; undefined when it is not a stream perpsim serves. `isSymbol`, when given, is
 * asked whether an upper-case symbol exists (unknown symbols are refused rather than left silent).
 */
export function parseStreamName(name: unknown, isSymbol?: (symbol: string) => boolean): ParsedStream | undefined {
  if (typeof name !== 'string' || name.length > 100) return undefined;
  const spec = parseSpec(name);
  if (spec === undefined) return undefined;
  if ('symbol' in spec && isSymbol !== undefined && !isSymbol(spec.symbol)) return undefined;
  return { spec, key: streamKey(spec) };
}

function parseSpec(name: string): StreamSpec | undefined {
  switch (name) {
    case '!markPrice@arr':
      return { kind: 'markPriceAll', speedMs: 3000 };
    case '!markPrice@arr@1s':
      return { kind: 'markPriceAll', speedMs: 1000 };
    case '!bookTicker':
      return { kind: 'bookTickerAll' };
    case '!forceOrder@arr':
      return { kind: 'forceOrderAll' };
    case '!ticker@arr':
      return { kind: 'tickerAll' };
    case '!miniTicker@arr':
      return { kind: 'miniTickerAll' };
  }
  const at = name.indexOf('@');
  if (at <= 0) return undefined;
  const lower = name.slice(0, at);
  if (!SYMBOL_RE.test(lower)) return undefined;
  const symbol = lower.toUpperCase();
  const rest = name.slice(at + 1);
  switch (rest) {
    case 'markPrice':
      return { kind: 'markPrice', symbol, speedMs: 3000 };
    case 'markPrice@1s':
      return { kind: 'markPrice', symbol, speedMs: 1000 };
    case 'aggTrade':
      return { kind: 'aggTrade', symbol };
    case 'trade':
      return { kind: 'trade', symbol };
    case 'bookTicker':
      return { kind: 'bookTicker', symbol };
    case 'forceOrder':
      return { kind: 'forceOrder', symbol };
    case 'ticker':
      return { kind: 'ticker', symbol };
    case 'miniTicker':
      return { kind: 'miniTicker', symbol };
  }
  const depth = /^depth(5|10|20)?(@100ms|@250ms|@500ms)?$/.exec(rest);
  if (depth !== null) {
    const speedMs = DEPTH_SPEEDS[depth[2] ?? ''] as 100 | 250 | 500;
    if (depth[1] === undefined) return { kind: 'depth', symbol, speedMs };
    return { kind: 'depthPartial', symbol, levels: Number(depth[1]) as 5 | 10 | 20, speedMs };
  }
  if (rest.startsWith('kline_')) {
    const interval = rest.slice('kline_'.length);
    if ((KLINE_INTERVALS as readonly string[]).includes(interval)) return { kind: 'kline', symbol, interval: interval as KlineInterval };
  }
  return undefined;
}

/** Length of a kline interval in ms (1M is calendar-based: see klineOpenTime). */
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Open time of the kline of `interval` containing `time` (UTC; weeks start on Monday, months on the 1st). */
export function klineOpenTime(interval: KlineInterval, time: number): number {
  if (interval === '1M') {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const n = Number(interval.slice(0, -1));
  const unit = interval.slice(-1);
  const len = n * (UNIT_MS[unit] as number);
  // 1970-01-01 was a Thursday: weekly candles are aligned on Monday 1970-01-05
  const origin = unit === 'w' ? 4 * 86_400_000 : 0;
  return Math.floor((time - origin) / len) * len + origin;
}

/** Close time (inclusive, ms) of the kline of `interval` that opens at `openTime`. */
export function klineCloseTime(interval: KlineInterval, openTime: number): number {
  if (interval === '1M') {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1;
  }
  const n = Number(interval.slice(0, -1));
  return openTime + n * (UNIT_MS[interval.slice(-1)] as number) - 1;
}
