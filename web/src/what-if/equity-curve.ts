/**
 * Account equity as a function of one symbol's price, the other marks held at the chosen move: the
 * scenario's account snapshot re-evaluated by the margin core at each sampled price. Decimals throughout;
 * the points are converted to floats only as chart coordinates.
 */
import { Decimal, evaluateAccount, type AccountSnapshot } from '../../../src/core/index.js';
import { accountOutcome, type ModeOutcome } from './margin-outcome.js';

export interface CurvePoint {
  /** the chart symbol's price (chart coordinate) */
  readonly price: number;
  /** equity after liquidations */
  readonly equity: number;
  /** margin balance if nothing were liquidated (wallet + unrealized PnL) */
  readonly marginBalance: number;
}

export interface EquityCurve {
  readonly symbol: string;
  readonly points: readonly CurvePoint[];
  /** liquidation prices of the chart symbol's positions at the chosen move (> 0 only) */
  readonly liquidationPrices: readonly Decimal[];
  readonly movedPrice: Decimal;
  readonly markPrice: Decimal;
}

/** at least this many grid points (at most 2.5 times as many: the step is rounded down to a round number) */
const SAMPLES = 120;
const NICE = ['5', '2.5', '2', '1'].map((t) => Decimal.parse(t));
const CENT = Decimal.parse('0.01');

/** The largest of 1, 2, 2.5, 5 × 10^k not above `raw` (at least a cent), so the axis shows round prices. */
function niceStep(raw: Decimal): Decimal {
  const ten = Decimal.of(10);
  let unit = CENT;
  while (unit.mul(ten).lte(raw)) unit = unit.mul(ten).normalize();
  for (const n of NICE) {
    const s = unit.mul(n).normalize();
    if (s.lte(raw)) return s;
  }
  return unit;
}

function withMark(snapshot: AccountSnapshot, symbol: string, price: Decimal): AccountSnapshot {
  const symbols = new Map(snapshot.symbols);
  const input = symbols.get(symbol);
  if (input !== undefined) symbols.set(symbol, { ...input, markPrice: price });
  return { ...snapshot, symbols };
}

export function equityCurve(outcome: ModeOutcome, symbol: string): EquityCurve | undefined {
  const parsed = outcome.evaluation.parsed;
  const scenario = parsed.scenarios[0];
  const markPrice = parsed.base.symbols.get(symbol)?.markPrice;
  const movedPrice = scenario?.snapshot.symbols.get(symbol)?.markPrice;
  if (scenario === undefined || markPrice === undefined || movedPrice === undefined) return undefined;

  const liquidationPrices = outcome.moved.risk.positions
    .filter((p) => p.position.symbol === symbol && p.liquidationPrice.isPositive())
    .map((p) => p.liquidationPrice);
  const anchors = [markPrice, movedPrice, ...liquidationPrices];
  const lowest = anchors.reduce((a, b) => (b.lt(a) ? b : a));
  const highest = anchors.reduce((a, b) => (b.gt(a) ? b : a));
  const from = lowest.mul(Decimal.parse('0.85'));
  const to = highest.mul(Decimal.parse('1.1'));
  const step = niceStep(to.sub(from).div(Decimal.of(SAMPLES), 8, 'UP'));
  const lo = Decimal.max(from.div(step, 0, 'FLOOR').mul(step), step);

  // the grid, plus the prices where something happens: a cent either side of each liquidation price
  // (the cliff), the mark and the moved price
  const prices = new Map<string, Decimal>();
  const add = (p: Decimal) => {
    if (p.isPositive()) prices.set(p.toString(), p);
  };
  for (let p = lo; p.lte(to.add(step)); p = p.add(step)) add(p);
  for (const lp of liquidationPrices) {
    const cents = lp.round(2, 'DOWN');
    add(cents);
    add(cents.add(CENT));
  }
  add(markPrice);
  add(movedPrice);

  const points = [...prices.values()]
    .sort((a, b) => a.cmp(b))
    .map((price): CurvePoint => {
      const risk = evaluateAccount(withMark(scenario.snapshot, symbol, price));
      const o = accountOutcome(risk);
      return { price: price.toNumber(), equity: o.equity.toNumber(), marginBalance: risk.totalMarginBalance.toNumber() };
    })
    // a chart needs strictly increasing coordinates
    .filter((p, i, all) => i === 0 || p.price > (all[i - 1] as CurvePoint).price);
  return { symbol, points, liquidationPrices, movedPrice, markPrice };
}
