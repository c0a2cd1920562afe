/**
 * Price chart of one symbol: 1-minute candles of the venue's trades (GET /fapi/v1/klines, then the
 * `<symbol>@kline_1m` stream) and the mark price line (`<symbol>@markPrice@1s`), with the latest mark,
 * index and funding rate above it.
 */
import { useEffect, useRef, useState } from 'react';
import { CandlestickSeries, createChart, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { DecimalNumber } from '../ui/DecimalNumber.js';
import { percentText, trimDecimal } from '../ui/decimal-text.js';
import { Decimal } from '../../../src/core/index.js';
import { publicGet } from './binance-rest.js';
import { stepDecimals, type SymbolInfo } from './exchange-info.js';
import { useStreamSocket, type SocketState } from './stream-socket.js';

interface MarkTick {
  readonly mark: string;
  readonly index: string;
  readonly fundingRate: string;
}

type KlineRow = [number, string, string, string, string, ...unknown[]];
interface KlineEvent {
  e: 'kline';
  k: { t: number; o: string; h: string; l: string; c: string };
}
interface MarkEvent {
  e: 'markPriceUpdate';
  E: number;
  p: string;
  i: string;
  r: string;
}

const fundingText = (rate: string) => {
  const d = Decimal.tryParse(rate);
  return d === undefined ? rate : percentText(d, 4);
};

const sec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

export function CandleChart({ info }: { readonly info: SymbolInfo }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{ chart: IChartApi; candles: ISeriesApi<'Candlestick'>; mark: ISeriesApi<'Line'> } | undefined>(undefined);
  const [tick, setTick] = useState<MarkTick | undefined>(undefined);
  const [last, setLast] = useState<string | undefined>(undefined);
  const [candleCount, setCandleCount] = useState(0);
  const symbol = info.symbol;
  const lower = symbol.toLowerCase();

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const c = createChart(el, {
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: '#8a93a6', fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: 'rgba(138,147,166,0.1)' }, horzLines: { color: 'rgba(138,147,166,0.1)' } },
      rightPriceScale: { borderVisible: false },
      timeScale: { borderVisible: false, timeVisible: true, secondsVisible: false },
    });
    const precision = stepDecimals(info.tickSize);
    const priceFormat = { type: 'price' as const, precision, minMove: Number(info.tickSize) };
    const candles = c.addSeries(CandlestickSeries, {
      upColor: '#2ebd85',
      downColor: '#f0616d',
      borderVisible: false,
      wickUpColor: '#2ebd85',
      wickDownColor: '#f0616d',
      priceFormat,
    });
    const mark = c.addSeries(LineSeries, { color: '#e2a93b', lineWidth: 1, priceFormat, title: 'mark', lastValueVisible: true });
    chart.current = { chart: c, candles, mark };
    let live = true;
    publicGet<KlineRow[]>('/fapi/v1/klines', { symbol, interval: '1m', limit: 500 }).then(
      (rows) => {
        if (!live) return;
        candles.setData(
          rows.map((r) => ({ time: sec(r[0]), open: Number(r[1]), high: Number(r[2]), low: Number(r[3]), close: Number(r[4]) })),
        );
        setCandleCount(rows.length);
        const lastRow = rows[rows.length - 1];
        if (lastRow !== undefined) setLast(lastRow[4]);
      },
      () => undefined,
    );
    return () => {
      live = false;
      chart.current = undefined;
      c.remove();
    };
  }, [symbol, info.tickSize]);

  const state: SocketState = useStreamSocket(`/market/stream?streams=${lower}@kline_1m/${lower}@markPrice@1s`, (payload) => {
    const data = (payload as { data?: KlineEvent | MarkEvent }).data;
    const c = chart.current;
    if (data === undefined || c === undefined) return;
    try {
      if (data.e === 'kline') {
        const k = data.k;
        c.candles.update({ time: sec(k.t), open: Number(k.o), high: Number(k.h), low: Number(k.l), close: Number(k.c) });
        setCandleCount(c.candles.data().length);
        setLast(k.c);
      } else if (data.e === 'markPriceUpdate') {
        c.mark.update({ time: sec(data.E), value: Number(data.p) });
        setTick({ mark: data.p, index: data.i, fundingRate: data.r });
      }
    } catch {
      // an update older than the last bar (a reconnect replaying): skip it
    }
  });

  return (
    <section className="panel chart-panel" data-testid="candle-chart">
      <div className="ticker">
        <strong className="ticker-symbol">{symbol}</strong>
        <span className="ticker-item">
          <span className="stat-label">Mark</span>
          {tick ? <DecimalNumber value={trimDecimal(tick.mark)} testId="live-mark" /> : <span className="muted">—</span>}
        </span>
        <span className="ticker-item">
          <span className="stat-label">Index</span>
          {tick ? <DecimalNumber value={trimDecimal(tick.index)} /> : <span className="muted">—</span>}
        </span>
        <span className="ticker-item">
          <span className="stat-label">Last trade</span>
          {last !== undefined ? (
            <DecimalNumber value={trimDecimal(last)} testId="live-last" />
          ) : (
            <span className="muted">no trades yet</span>
          )}
        </span>
        <span className="ticker-item">
          <span className="stat-label">Funding rate</span>
          {tick ? <span className="num">{fundingText(tick.fundingRate)} %</span> : <span className="muted">—</span>}
        </span>
        <span className={`stream-state stream-${state}`} title="market stream" data-testid="market-stream-state">
          {state}
        </span>
      </div>
      <div ref={box} className="candle-box" data-candles={candleCount} />
    </section>
  );
}
