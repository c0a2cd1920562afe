/**
 * Liquidation price of USDⓈ-M positions (spec margin.md §4): Binance's official formula
 *
 *          WB − TMM1 + UPNL1 + Σ cum_i − Σ q_i × EP_i
 *   LP = ───────────────────────────────────────────────        (q_i signed: + long, − short)
 *               Σ |q_i| × MMR_i − Σ q_i
 *
 * over the legs i of one symbol ("contract 1": the BOTH leg in one-way mode, LONG and SHORT in hedge
 * mode), where MMR_i and cum_i must be those of the bracket the leg's notional |q_i| × LP falls in.
 *
 * - Isolated: WB is the position's isolated wallet and TMM1 = UPNL1 = 0; each leg is priced alone.
 * - Cross: WB is the cross wallet balance; TMM1 and UPNL1 are the maintenance margin and unrealized PnL of
 *   every other cross symbol at its current mark. LONG and SHORT of a symbol share one price.
 *
 * The caller passes `walletTerm` = WB − TMM1 + UPNL1. The result is 0 when there is no liquidation
 * price (it would be ≤ 0), as Binance's API reports "0".
 *
 * Bracket re-selection: start from the brackets at the current mark, evaluate the formula, move each leg
 * to the bracket its notional at that price falls in, and repeat until the brackets stop changing (a
 * fixed point is a root: the formula holds with the brackets that are in force there). A single leg has
 * exactly one root (margin balance minus MM is strictly monotone in the price), so if the iteration does
 * not settle the root is taken directly: the largest per-bracket root for a long, the smallest for a
 * short (MM is the maximum of its bracket lines, see docs/margin.md). Two legs (hedge mode, cross) can
 * have two roots; every bracket segment is then solved and the root on the losing side of the mark is
 * reported.
 */
import { bracketIndexForNotional, type Bracket, type BracketTable } from './brackets.js';
import { Decimal } from './decimal.js';
import { maintenanceMargin } from './maintenance-margin.js';
import { CALC_SCALE } from './precision.js';

export interface LiquidationLeg {
  /** signed size: > 0 long, < 0 short */
  readonly positionAmt: Decimal;
  readonly entryPrice: Decimal;
  readonly brackets: BracketTable;
}

const MAX_FIXED_POINT_ROUNDS = 8;

/** The official formula with bracket index ks[i] for leg i; undefined when the denominator is 0. */
function formulaRoot(legs: readonly LiquidationLeg[], ks: readonly number[], walletTerm: Decimal): Decimal | undefined {
  let num = walletTerm;
  let den = Decimal.ZERO;
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i] as LiquidationLeg;
    const b = leg.brackets[ks[i] as number] as Bracket;
    num = num.add(b.cum).sub(leg.positionAmt.mul(leg.entryPrice));
    den = den.add(leg.positionAmt.abs().mul(b.maintMarginRatio)).sub(leg.positionAmt);
  }
  if (den.isZero()) return undefined;
  return num.div(den, CALC_SCALE);
}

function bracketAt(leg: LiquidationLeg, price: Decimal): number {
  if (!price.isPositive()) return 0;
  return bracketIndexForNotional(leg.brackets, leg.positionAmt.mul(price));
}

/** Margin balance minus maintenance margin of the legs at `price` (liquidatable when ≤ 0). */
export function liquidationHeadroom(legs: readonly LiquidationLeg[], walletTerm: Decimal, price: Decimal): Decimal {
  let f = walletTerm;
  for (const leg of legs) {
    f = f.add(leg.positionAmt.mul(price.sub(leg.entryPrice)));
    f = f.sub(maintenanceMargin(leg.brackets, leg.positionAmt.mul(price)).amount);
  }
  return f;
}

// ---- one leg: exact bigint kernel ----------------------------------------------------------------
// The single-leg case is the hot path (every one-way position, every isolated position). It works on
// bigint mantissas at fixed scales, cached per bracket table, so that one formula evaluation plus the
// bracket check is about ten bigint operations and no Decimal allocations.

interface TableKernel {
  /** MMR mantissas at scale mmrScale */
  readonly mmr: bigint[];
  readonly mmrScale: number;
  /** cum mantissas by scale */
  readonly cum: Map<number, bigint[]>;
  /** cap mantissas by scale */
  readonly caps: Map<number, bigint[]>;
}

const kernels = new WeakMap<BracketTable, TableKernel>();

function kernelOf(table: BracketTable): TableKernel {
  let k = kernels.get(table);
  if (k === undefined) {
    const mmrScale = Math.max(...table.map((b) => b.maintMarginRatio.e));
    k = {
      mmr: table.map((b) => b.maintMarginRatio.m * POW(mmrScale - b.maintMarginRatio.e)),
      mmrScale,
      cum: new Map(),
      caps: new Map(),
    };
    kernels.set(table, k);
  }
  return k;
}

const POW10: bigint[] = Array.from({ length: 80 }, (_, i) => 10n ** BigInt(i));

function POW(n: number): bigint {
  return n < 80 ? (POW10[n] as bigint) : 10n ** BigInt(n);
}

function scaledColumn(
  cache: Map<number, bigint[]>,
  table: BracketTable,
  scale: number,
  pick: (b: Bracket) => Decimal,
): bigint[] | undefined {
  let col = cache.get(scale);
  if (col === undefined) {
    if (table.some((b) => pick(b).e > scale)) return undefined;
    col = table.map((b) => pick(b).m * POW(scale - pick(b).e));
    cache.set(scale, col);
  }
  return col;
}

/** floor-free rounding division, half away from zero (same rule as Decimal.div). */
function divHalfUp(a: bigint, b: bigint): bigint {
  if (b < 0n) {
    a = -a;
    b = -b;
  }
  const q = a / b;
  const r = a - q * b;
  if (r === 0n) return q;
  const r2 = (r < 0n ? -r : r) * 2n;
  if (r2 >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

function singleLeg(leg: LiquidationLeg, walletTerm: Decimal, markPrice: Decimal): Decimal {
  const table = leg.brackets;
  const kern = kernelOf(table);
  const q = leg.positionAmt;
  const ep = leg.entryPrice;
  // numerator scale: W, cum and q × EP aligned
  let sn = Math.max(walletTerm.e, q.e + ep.e);
  let cum = scaledColumn(kern.cum, table, sn, (b) => b.cum);
  if (cum === undefined) {
    sn = Math.max(sn, ...table.map((b) => b.cum.e));
    cum = scaledColumn(kern.cum, table, sn, (b) => b.cum) as bigint[];
  }
  const wAt = sn === walletTerm.e ? walletTerm.m : walletTerm.m * POW(sn - walletTerm.e);
  const qEp = q.m * ep.m;
  const base = wAt - (sn === q.e + ep.e ? qEp : qEp * POW(sn - q.e - ep.e));
  // denominator scale q.e + mmrScale: |q| × MMR − q  (never 0 for one leg: MMR < 1)
  const qAbs = q.m < 0n ? -q.m : q.m;
  const qAtDen = q.m * POW(kern.mmrScale);
  const mmr = kern.mmr;
  // P has scale CALC_SCALE: P_m = num / den × 10^(CALC_SCALE + (q.e + mmrScale) − sn)
  const shift = CALC_SCALE + q.e + kern.mmrScale - sn;
  const numScale = shift >= 0 ? POW(shift) : 1n;
  const denScale = shift >= 0 ? 1n : POW(-shift);
  // notional |q| × P has scale q.e + CALC_SCALE
  const caps = scaledColumn(kern.caps, table, q.e + CALC_SCALE, (b) => b.notionalCap) as bigint[];
  const last = caps.length - 1;

  // start from the bracket at the mark
  let k = 0;
  const markCaps = scaledColumn(kern.caps, table, q.e + markPrice.e, (b) => b.notionalCap);
  if (markCaps !== undefined) {
    const n = qAbs * markPrice.m;
    while (k < last && n > (markCaps[k] as bigint)) k++;
  } else {
    k = bracketAt(leg, markPrice);
  }
  // Each round checks the bracket exactly without dividing: with P = num/den, the notional |q| × P is at
  // most cap ⇔ |q| × num × 10^mmrScale ≤ cap × 10^sn × den (den > 0; both sides negated otherwise).
  const capsSn = scaledColumn(kern.caps, table, sn, (b) => b.notionalCap);
  const mmrPow = POW(kern.mmrScale);
  for (let round = 0; round < MAX_FIXED_POINT_ROUNDS; round++) {
    let num = base + (cum[k] as bigint);
    let den = qAbs * (mmr[k] as bigint) - qAtDen;
    if (capsSn === undefined) {
      const pm = divHalfUp(shift === 0 ? num : shift > 0 ? num * numScale : num, shift < 0 ? den * denScale : den);
      let next = 0;
      if (pm > 0n) {
        const n = qAbs * pm;
        while (next < last && n > (caps[next] as bigint)) next++;
      }
      if (next === k) return pm > 0n ? new Decimal(pm, CALC_SCALE) : Decimal.ZERO;
      k = next;
      continue;
    }
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    let next = 0;
    if (num > 0n) {
      const a = qAbs * num * mmrPow;
      while (next < last && a > (capsSn[next] as bigint) * den) next++;
    }
    if (next === k) {
      if (num <= 0n) return Decimal.ZERO;
      const pm = divHalfUp(shift === 0 ? num : shift > 0 ? num * numScale : num, shift < 0 ? den * denScale : den);
      return pm > 0n ? new Decimal(pm, CALC_SCALE) : Decimal.ZERO;
    }
    k = next;
  }
  // No fixed point reached (a root sitting on a bracket boundary): take the root directly.
  const long = q.m > 0n;
  let best: bigint | undefined;
  for (let j = 0; j <= last; j++) {
    const pm = divHalfUp((base + (cum[j] as bigint)) * numScale, (qAbs * (mmr[j] as bigint) - qAtDen) * denScale);
    if (best === undefined || (long ? pm > best : pm < best)) best = pm;
  }
  return best !== undefined && best > 0n ? new Decimal(best, CALC_SCALE) : Decimal.ZERO;
}

function multiLeg(legs: readonly LiquidationLeg[], walletTerm: Decimal, markPrice: Decimal): Decimal {
  // Fast path: the fixed-point iteration from the current brackets, accepted when it lands on the
  // root on the losing side of the mark (checked below by the segment scan only when it does not).
  const points: Decimal[] = [];
  for (const leg of legs) {
    const q = leg.positionAmt.abs();
    for (let j = 0; j < leg.brackets.length - 1; j++) {
      points.push((leg.brackets[j] as Bracket).notionalCap.div(q, CALC_SCALE));
    }
  }
  points.sort((a, b) => a.cmp(b));
  const roots: Decimal[] = [];
  let lo = Decimal.ZERO;
  for (let s = 0; s <= points.length; s++) {
    const hi = points[s];
    if (hi !== undefined && !hi.gt(lo)) continue;
    const probe = hi === undefined ? lo.mulInt(2).add(Decimal.ONE) : lo.add(hi).div(Decimal.of(2), CALC_SCALE + 1);
    const ks = legs.map((leg) => bracketAt(leg, probe));
    const p = formulaRoot(legs, ks, walletTerm);
    if (p !== undefined && p.isPositive() && p.gte(lo) && (hi === undefined || p.lte(hi))) {
      if (!roots.some((r) => r.eq(p))) roots.push(p);
    }
    if (hi !== undefined) lo = hi;
  }
  if (roots.length === 0) return Decimal.ZERO;
  let below: Decimal | undefined;
  let above: Decimal | undefined;
  for (const r of roots) {
    if (r.lt(markPrice)) {
      if (below === undefined || r.gt(below)) below = r;
    } else if (above === undefined || r.lt(above)) above = r;
  }
  const healthy = liquidationHeadroom(legs, walletTerm, markPrice).isPositive();
  if (!healthy) {
    // Already past a root: report the nearest one.
    if (below === undefined) return above as Decimal;
    if (above === undefined) return below;
    return markPrice.sub(below).lte(above.sub(markPrice)) ? below : above;
  }
  const net = Decimal.sum(legs.map((l) => l.positionAmt));
  const result = net.isPositive() ? (below ?? above) : (above ?? below);
  return result as Decimal;
}

/**
 * Liquidation price of the legs of one symbol. `walletTerm` is WB − TMM1 + UPNL1 (cross) or the
 * isolated wallet (isolated). Legs of size 0 are ignored; with no legs the result is 0.
 */
export function liquidationPrice(legs: readonly LiquidationLeg[], walletTerm: Decimal, markPrice: Decimal): Decimal {
  if (legs.length === 1) {
    const leg = legs[0] as LiquidationLeg;
    return leg.positionAmt.isZero() ? Decimal.ZERO : singleLeg(leg, walletTerm, markPrice);
  }
  const open = legs.filter((l) => !l.positionAmt.isZero());
  if (open.length === 0) return Decimal.ZERO;
  if (open.length === 1) return singleLeg(open[0] as LiquidationLeg, walletTerm, markPrice);
  return multiLeg(open, walletTerm, markPrice);
}
