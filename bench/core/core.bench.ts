/**
 * bench/core: throughput of the margin core (run with `npm run bench`; never part of `npm test`).
 *
 * 1. Liquidation prices per second: cross accounts with 10 positions each (10 symbols), the official
 *    formula with bracket re-selection, TMM1/UPNL1 of the other nine symbols folded in.
 * 2. Full account evaluation (every positionRisk and account field) per second.
 * 3. Decimal multiply-add per second, perpsim's Decimal against decimal.js on the same inputs.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import {
  Decimal,
  builtinInstruments,
  evaluateAccount,
  liquidationPrice,
  maintenanceMargin,
  unrealizedPnl,
  type AccountSnapshot,
  type LiquidationLeg,
  type Position,
  type SymbolRiskInput,
} from '../../src/core/index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

// ---- accounts -------------------------------------------------------------------------------
const builtin = [...builtinInstruments().values()];
const SYMBOLS = Array.from({ length: 10 }, (_, i) => ({ name: `SYM${i}USDT`, inst: builtin[i % builtin.length]! }));
const BASE = [60000, 3000, 150, 0.6];
const random = rng(42);

function makeAccount(): AccountSnapshot {
  const symbols = new Map<string, SymbolRiskInput>();
  const positions: Position[] = [];
  let notionalSum = 0;
  for (let i = 0; i < SYMBOLS.length; i++) {
    const { name, inst } = SYMBOLS[i]!;
    const base = BASE[i % BASE.length]!;
    const entry = Decimal.parse((base * (0.9 + 0.2 * random())).toFixed(4)).roundToStep(inst.tickSize, 'HALF_UP');
    const mark = Decimal.parse((base * (0.9 + 0.2 * random())).toFixed(4)).roundToStep(inst.tickSize, 'HALF_UP');
    // notionals from 1k to ~5M: many positions change bracket between the mark and the liquidation price
    const notional = 1000 * 5000 ** random();
    notionalSum += notional;
    const qty = Decimal.parse((notional / base).toFixed(6))
      .roundToStep(inst.stepSize, 'DOWN')
      .add(inst.stepSize);
    symbols.set(name, { brackets: inst.brackets, markPrice: mark });
    positions.push({
      symbol: name,
      positionSide: 'BOTH',
      positionAmt: random() < 0.5 ? qty : qty.neg(),
      entryPrice: entry,
      leverage: 5,
      marginType: 'cross',
      isolatedWallet: Decimal.ZERO,
    });
  }
  return { positionMode: 'one-way', crossWalletBalance: Decimal.parse((notionalSum * 0.2).toFixed(2)), positions, symbols };
}

const ACCOUNTS = 2000;
const accounts = Array.from({ length: ACCOUNTS }, makeAccount);

interface AccountTotals {
  readonly mm: Decimal[];
  readonly upnl: Decimal[];
  readonly mmSum: Decimal;
  readonly upnlSum: Decimal;
}

/** Σ cross MM and Σ cross uPnL at the marks: what an engine keeps per account for its liquidation check. */
function accountTotals(a: AccountSnapshot): AccountTotals {
  let mmSum = Decimal.ZERO;
  let upnlSum = Decimal.ZERO;
  const mm: Decimal[] = [];
  const upnl: Decimal[] = [];
  for (const p of a.positions) {
    const s = a.symbols.get(p.symbol)!;
    const m = maintenanceMargin(s.brackets, p.positionAmt.mul(s.markPrice)).amount;
    const u = unrealizedPnl(p.positionAmt, p.entryPrice, s.markPrice);
    mm.push(m);
    upnl.push(u);
    mmSum = mmSum.add(m);
    upnlSum = upnlSum.add(u);
  }
  return { mm, upnl, mmSum, upnlSum };
}

// What an engine holds per position: the leg (size, entry, bracket table) and the symbol's mark.
const held = accounts.map((a) =>
  a.positions.map((p) => {
    const s = a.symbols.get(p.symbol)!;
    return {
      legs: [{ positionAmt: p.positionAmt, entryPrice: p.entryPrice, brackets: s.brackets }] as LiquidationLeg[],
      mark: s.markPrice,
    };
  }),
);

/** Every symbol's cross liquidation price: WB − TMM1 + UPNL1, then the formula with bracket re-selection. */
function crossLiquidationPrices(ai: number, t: AccountTotals, out: Decimal[]): void {
  const a = accounts[ai]!;
  const h = held[ai]!;
  const rest = a.crossWalletBalance.sub(t.mmSum).add(t.upnlSum);
  for (let i = 0; i < h.length; i++) {
    const { legs, mark } = h[i]!;
    const walletTerm = rest.add(t.mm[i]!).sub(t.upnl[i]!);
    out.push(liquidationPrice(legs, walletTerm, mark));
  }
}

{
  const sink: Decimal[] = [];
  const totals = accounts.map(accountTotals);
  accounts.forEach((_, i) => crossLiquidationPrices(i, totals[i]!, sink));
  let withPrice = 0;
  let reselected = 0;
  accounts.forEach((a, i) =>
    a.positions.forEach((p, j) => {
      const lp = sink[i * SYMBOLS.length + j]!;
      if (!lp.isPositive()) return;
      withPrice++;
      const s = a.symbols.get(p.symbol)!;
      if (
        maintenanceMargin(s.brackets, p.positionAmt.mul(lp)).bracket !==
        maintenanceMargin(s.brackets, p.positionAmt.mul(s.markPrice)).bracket
      )
        reselected++;
    }),
  );
  const n = ACCOUNTS * SYMBOLS.length;
  let bestLp = Infinity;
  let bestAll = Infinity;
  for (let r = 0; r < 10; r++) {
    sink.length = 0;
    let t0 = process.hrtime.bigint();
    accounts.forEach((_, i) => crossLiquidationPrices(i, totals[i]!, sink));
    bestLp = Math.min(bestLp, seconds(t0));
    sink.length = 0;
    t0 = process.hrtime.bigint();
    accounts.forEach((a, i) => crossLiquidationPrices(i, accountTotals(a), sink));
    bestAll = Math.min(bestAll, seconds(t0));
  }
  console.log(
    `liquidation prices (cross, 10 positions/account, bracket re-selection), given the account's MM/uPnL totals: ${fmt(n / bestLp)} /s`,
  );
  console.log(`liquidation prices including recomputing the account totals from scratch: ${fmt(n / bestAll)} /s`);
  console.log(
    `  ${ACCOUNTS} accounts × 10 positions; ${withPrice} of ${n} have a price; ${reselected} of those are in another bracket than at the mark`,
  );
}

{
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (const a of accounts) evaluateAccount(a);
    best = Math.min(best, seconds(t0));
  }
  console.log(
    `full account evaluation (every positionRisk + account field, 10 positions): ${fmt(ACCOUNTS / best)} accounts/s = ${fmt((ACCOUNTS * 10) / best)} positions/s`,
  );
}

// ---- decimal multiply-add -----------------------------------------------------------------------
{
  const N = 1000;
  const r = rng(7);
  const text = (scale: number, digits: number) => (Math.floor(r() * 10 ** digits) / 10 ** scale).toFixed(scale);
  const as = Array.from({ length: N }, () => text(3, 7)); // quantities
  const bs = Array.from({ length: N }, () => text(2, 8)); // prices
  const cs = Array.from({ length: N }, () => text(8, 14)); // balances
  const da = as.map((s) => Decimal.parse(s));
  const db = bs.map((s) => Decimal.parse(s));
  const dc = cs.map((s) => Decimal.parse(s));
  const ja = as.map((s) => new DecimalJs(s));
  const jb = bs.map((s) => new DecimalJs(s));
  const jc = cs.map((s) => new DecimalJs(s));
  // same results
  for (let i = 0; i < N; i++) {
    if (dc[i]!.add(da[i]!.mul(db[i]!)).toString() !== jc[i]!.plus(ja[i]!.times(jb[i]!)).toString()) {
      throw new Error(`mismatch at ${i}`);
    }
  }
  const OPS = 3_000_000;
  const run = (f: (i: number) => void) => {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < OPS; i++) f(i % N);
      best = Math.min(best, seconds(t0));
    }
    return OPS / best;
  };
  let sink = 0;
  const ours = run((i) => {
    sink += dc[i]!.add(da[i]!.mul(db[i]!)).e;
  });
  let jsink = 0;
  const theirs = run((i) => {
    jsink += jc[i]!.plus(ja[i]!.times(jb[i]!)).e;
  });
  console.log(`decimal multiply-add: perpsim Decimal ${fmt(ours)} /s, decimal.js ${fmt(theirs)} /s, ratio ${(ours / theirs).toFixed(1)}×`);
  if (sink === -1 || jsink === -1) console.log('');
}
