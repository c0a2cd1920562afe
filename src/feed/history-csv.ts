/**
 * Binance public-data CSVs (data/README.md): klines and funding rates, parsed by their header names, and
 * the series of a data directory (`SYMBOL-1m-klines-*.csv`, `SYMBOL-fundingRate-*.csv`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Kline {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

export interface FundingRow {
  /** settlement time (ms) */
  readonly time: number;
  /** the rate as written (a fraction: 0.0001 = 0.01 %) */
  readonly rate: string;
}

export interface SymbolSeries {
  readonly symbol: string;
  /** consecutive candles of `intervalMs`, oldest first */
  readonly klines: readonly Kline[];
  readonly intervalMs: number;
  readonly funding: readonly FundingRow[];
}

export class HistoryCsvError extends Error {
  override name = 'HistoryCsvError';
}

function rows(text: string, required: readonly string[], source: string): { get(row: string[], name: string): string; data: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i]));
  for (const name of required) if (!index.has(name)) throw new HistoryCsvError(`${source}: no column '${name}' in the header`);
  return {
    data: lines.slice(1).map((l) => l.split(',')),
    get: (row, name) => row[index.get(name) as number] ?? '',
  };
}

function num(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new HistoryCsvError(`${what}: not a number: ${JSON.stringify(text)}`);
  return n;
}

export function parseKlinesCsv(text: string, source = 'klines'): Kline[] {
  const t = rows(text, ['open_time', 'open', 'high', 'low', 'close'], source);
  return t.data.map((r, i) => {
    const at = `${source} row ${i + 2}`;
    const k = {
      openTime: num(t.get(r, 'open_time'), at),
      open: num(t.get(r, 'open'), at),
      high: num(t.get(r, 'high'), at),
      low: num(t.get(r, 'low'), at),
      close: num(t.get(r, 'close'), at),
    };
    if (!(k.low > 0) || k.high < k.low) throw new HistoryCsvError(`${at}: bad candle`);
    return k;
  });
}

export function parseFundingCsv(text: string, source = 'funding'): FundingRow[] {
  const t = rows(text, ['calc_time', 'last_funding_rate'], source);
  return t.data.map((r, i) => {
    const at = `${source} row ${i + 2}`;
    const rate = t.get(r, 'last_funding_rate').trim();
    num(rate, at);
    return { time: num(t.get(r, 'calc_time'), at), rate };
  });
}

/** Candle interval from the file name (`-1m-`, `-5m-`, `-1h-`…). */
function intervalOf(file: string): number | undefined {
  const m = /-(\d+)([mhd])-klines-/.exec(file);
  if (m === null) return undefined;
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/**
 * The series of every symbol in `dir` with a klines file (the finest interval if several, and every
 * funding file of the symbol), optionally only `symbols`.
 */
export function loadSeries(dir: string, symbols?: readonly string[]): SymbolSeries[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv'));
  const out: SymbolSeries[] = [];
  const names = new Set(files.map((f) => f.split('-')[0] as string));
  for (const symbol of [...names].sort()) {
    if (symbols !== undefined && !symbols.includes(symbol)) continue;
    const klineFiles = files
      .filter((f) => f.startsWith(`${symbol}-`) && /-\d+[mhd]-klines-/.test(f))
      .sort((a, b) => (intervalOf(a) as number) - (intervalOf(b) as number));
    const first = klineFiles[0];
    if (first === undefined) continue;
    const intervalMs = intervalOf(first) as number;
    const klines = klineFiles
      .filter((f) => intervalOf(f) === intervalMs)
      .flatMap((f) => parseKlinesCsv(readFileSync(join(dir, f), 'utf8'), f))
      .sort((a, b) => a.openTime - b.openTime);
    const funding = files
      .filter((f) => f.startsWith(`${symbol}-fundingRate-`))
      .flatMap((f) => parseFundingCsv(readFileSync(join(dir, f), 'utf8'), f))
      .sort((a, b) => a.time - b.time);
    out.push({ symbol, klines, intervalMs, funding });
  }
  return out;
}
