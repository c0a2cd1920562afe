/**
 * lightweight-charts "options" chart (price on the horizontal axis): account equity against one symbol's
 * price, with the liquidation prices and the chosen move marked. Coordinates are floats; the figures in
 * the labels are the exact decimals. The chart is made once per mode; new figures only replace its data.
 */
import { useEffect, useRef } from 'react';
import {
  createOptionsChart,
  createSeriesMarkers,
  LineSeries,
  LineStyle,
  type IChartApiBase,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
} from 'lightweight-charts';
import { groupDecimal } from '../ui/decimal-text.js';
import { baseAsset } from './draft-account.js';
import type { EquityCurve } from './equity-curve.js';

export interface EquityChartProps {
  readonly curve: EquityCurve;
  readonly wallet: number;
  readonly color: string;
  readonly moveLabel: string;
  readonly testId?: string;
}

const AXIS_TEXT = '#8a93a6';
const GRID = 'rgba(138, 147, 166, 0.12)';
const LIQ = '#f0616d';
const WHOLE = { type: 'price', precision: 0, minMove: 1 } as const;

interface Parts {
  readonly chart: IChartApiBase<number>;
  readonly equity: ISeriesApi<'Line', number>;
  readonly unliquidated: ISeriesApi<'Line', number>;
  readonly markers: ISeriesMarkersPluginApi<number>;
  walletLine: IPriceLine | undefined;
}

export function EquityChart({ curve, wallet, color, moveLabel, testId }: EquityChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const parts = useRef<Parts | undefined>(undefined);

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const chart = createOptionsChart(el, {
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: AXIS_TEXT, fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: GRID }, horzLines: { color: GRID } },
      rightPriceScale: { borderVisible: false },
      timeScale: { borderVisible: false, fixLeftEdge: true, fixRightEdge: true },
      localization: { precision: 0 },
      handleScroll: false,
      handleScale: false,
    });
    const unliquidated = chart.addSeries(LineSeries, {
      color: 'rgba(138, 147, 166, 0.55)',
      lineWidth: 1,
      lineStyle: LineStyle.Dashed,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
      title: 'without liquidation',
      priceFormat: WHOLE,
    });
    const equity = chart.addSeries(LineSeries, {
      color,
      lineWidth: 2,
      priceLineVisible: false,
      lastValueVisible: false,
      title: 'equity',
      priceFormat: WHOLE,
    });
    parts.current = { chart, equity, unliquidated, markers: createSeriesMarkers(equity, []), walletLine: undefined };
    return () => {
      parts.current = undefined;
      chart.remove();
    };
  }, [color]);

  useEffect(() => {
    const p = parts.current;
    if (p === undefined) return;
    p.unliquidated.setData(curve.points.map((pt) => ({ time: pt.price, value: pt.marginBalance })));
    p.equity.setData(curve.points.map((pt) => ({ time: pt.price, value: pt.equity })));
    if (p.walletLine !== undefined) p.equity.removePriceLine(p.walletLine);
    p.walletLine = p.equity.createPriceLine({
      price: wallet,
      color: AXIS_TEXT,
      lineStyle: LineStyle.Dotted,
      lineWidth: 1,
      axisLabelVisible: true,
      title: 'wallet',
    });
    const markers: SeriesMarker<number>[] = curve.liquidationPrices.map((lp) => ({
      time: lp.round(2, 'DOWN').toNumber(),
      position: 'aboveBar',
      shape: 'arrowDown',
      color: LIQ,
      text: `liq. ${groupDecimal(lp.round(2, 'HALF_UP').toString())}`,
    }));
    markers.push({ time: curve.movedPrice.toNumber(), position: 'belowBar', shape: 'circle', color, text: moveLabel });
    p.markers.setMarkers(markers.sort((a, b) => a.time - b.time));
    p.chart.timeScale().fitContent();
  }, [curve, wallet, color, moveLabel]);

  return (
    <figure className="chart-figure">
      <div ref={box} className="chart-box" data-testid={testId} data-points={curve.points.length} />
      <figcaption>
        Equity (USDT) against the {baseAsset(curve.symbol)} price, other marks at the chosen move; dashed: the margin balance if nothing
        were liquidated.
      </figcaption>
    </figure>
  );
}
