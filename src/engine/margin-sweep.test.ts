import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BUILTIN_INSTRUMENTS } from '../core/builtin-instruments.js';
import { CALC_SCALE, Decimal, builtinInstruments, loadInstrument, maintenanceMargin, type Instrument } from '../core/index.js';
import { entryPrice, marginSummary, settingsOf, unrealized, viewOf } from './account-margin.js';
import type { Command } from './commands.js';
import type { EngineEvent } from './events.js';
import { Exchange } from './exchange.js';
import { MARGIN_CALL_RATIO, checkMarginCalls, crossState, isolatedSlack } from './liquidation.js';
import { exactDecimal, marginSweep, type Bounded, type MarginSweepResult } from './margin-sweep.js';
import { checkSequences, commandSequences, fresh } from './random-commands.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';
import type { CommandPositionSide } from './commands.js';
import { INSURANCE_FUND_ID, newAccount, type Account, type EnginePosition, type SymbolState } from './state.js';

/** Asserts |figure − exact| ≤ its bound, comparing exactly. */
function within(f: Bounded, exact: Decimal, what: string): void {
  assert.ok(Number.isFinite(f.value) && f.error >= 0, `${what}: ${f.value} ± ${f.error}`);
  if (f.error === Number.POSITIVE_INFINITY) return;
  const off = exactDecimal(f.value).sub(exact).abs();
  assert.ok(off.lte(exactDecimal(f.error)), `${what}: float ${f.value} ± ${f.error} is ${off} away from the exact ${exact}`);
}

/**
 * BTCUSDT's brackets with a cum one cent off the recurrence at the first two caps (the most a table may
 * be off, brackets.ts): MM jumps by 0.01 there, so a notional on the wrong side of a cap moves MM by a cent.
 */
function discontinuous(): Instrument {
  const btc = BUILTIN_INSTRUMENTS[0];
  assert.ok(btc !== undefined);
  const brackets = btc.brackets.map((b) => (b.bracket === 2 ? { ...b, cum: (Number(b.cum) + 0.01).toFixed(2) } : b));
  return loadInstrument({ ...btc, symbol: 'DISCUSDT', baseAsset: 'DISC', brackets });
}
const INSTRUMENTS = [...builtinInstruments().values(), discontinuous()];
/** per symbol: prices that make round notionals land exactly on a cap, besides random ones */
const NICE: Record<string, string[]> = {
  BTCUSDT: ['50000', '60000', '125000'],
  ETHUSDT: ['2500', '3000', '5000'],
  SOLUSDT: ['150', '125', '100'],
  XRPUSDT: ['0.5', '0.625', '1'],
  DISCUSDT: ['50000', '60000', '125000'],
};

const d = (s: string | number | bigint) =>
  typeof s === 'string' ? Decimal.parse(s) : typeof s === 'number' ? Decimal.parse(String(s)) : Decimal.of(s);
/** 10^−n */
const tiny = (n: number) => new Decimal(1n, n);

/** How an account's margin balance sits against its threshold (a relative offset of MM, exact). */
const OFFSETS = ['0', '1e-19', '-1e-19', '1e-16', '-1e-16', '1e-12', '-1e-12', '0.000001', '-0.000001', '0.05', '-0.05'];
const offsetOf = (mm: Decimal, k: string): Decimal => {
  if (k === '0') return Decimal.ZERO;
  const [mant, exp] = k.split('e');
  const base = d(mant as string);
  return exp === undefined ? mm.mul(base) : mm.mul(base).mul(tiny(-Number(exp)));
};

const legArb = fc.record({
  sym: fc.nat({ max: INSTRUMENTS.length - 1 }),
  side: fc.constantFrom<CommandPositionSide>('BOTH', 'LONG', 'SHORT'),
  short: fc.boolean(),
  kind: fc.constantFrom('random', 'edge', 'edge', 'round'),
  edge: fc.nat(),
  units: fc.integer({ min: 1, max: 3_000_000 }),
  nudge: fc.integer({ min: -3, max: 3 }),
  entryBp: fc.integer({ min: -3000, max: 3000 }),
  costDust: fc.integer({ min: -5, max: 5 }),
  isolated: fc.boolean(),
  leverage: fc.integer({ min: 1, max: 125 }),
  isoTarget: fc.constantFrom('threshold', 'random'),
  isoOffset: fc.constantFrom(...OFFSETS),
  isoRandom: fc.integer({ min: 0, max: 200_000 }),
});

const accountArb = fc.record({
  legs: fc.array(legArb, { maxLength: 7 }),
  target: fc.constantFrom('liquidation', 'marginCall', 'ratioRounding', 'random'),
  offset: fc.constantFrom(...OFFSETS),
  /** the margin ratio this far below 0.8 (×1e-19): 4 and 5 round up to 0.8, 6 does not */
  ratioGap: fc.integer({ min: 3, max: 7 }),
  random: fc.integer({ min: -1000, max: 2_000_000 }),
});

const marksArb = fc.array(
  fc.record({ nice: fc.nat(), pct: fc.integer({ min: -5000, max: 5000 }), digits: fc.integer({ min: 0, max: 9 }), useNice: fc.boolean() }),
  { minLength: INSTRUMENTS.length, maxLength: INSTRUMENTS.length },
);

type AccountSpec = typeof accountArb extends fc.Arbitrary<infer T> ? T : never;
type MarkSpec = typeof marksArb extends fc.Arbitrary<infer T> ? T : never;

/** An exchange whose accounts are written directly (no orders): any sizes, costs and wallets, near caps and thresholds. */
function build(marks: MarkSpec, specs: readonly AccountSpec[]): Exchange {
  const ex = new Exchange(INSTRUMENTS);
  INSTRUMENTS.forEach((inst, i) => {
    const m = marks[i] as MarkSpec[number];
    const nice = NICE[inst.symbol] as string[];
    const base = d(nice[1] as string);
    const mark = m.useNice
      ? d(nice[m.nice % nice.length] as string)
      : base
          .mul(d(10000 + m.pct))
          .div(d(10000), m.digits, 'HALF_UP')
          .add(tiny(8).mulInt(m.nice % 7));
    (ex.symbols.get(inst.symbol) as SymbolState).markPrice = mark.isPositive() ? mark : base;
  });
  specs.forEach((spec, i) => {
    const a = newAccount(`t${i}`, Decimal.ZERO, Decimal.ZERO);
    ex.accounts.set(a.accountId, a);
    for (const leg of spec.legs) {
      const inst = INSTRUMENTS[leg.sym] as Instrument;
      const mark = (ex.symbols.get(inst.symbol) as SymbolState).markPrice as Decimal;
      let size: Decimal;
      if (leg.kind === 'random') size = new Decimal(BigInt(leg.units), 3);
      else {
        // a notional on (or a few 1e-18 of size around) a bracket cap
        const caps = inst.brackets.slice(0, -1).map((b) => b.notionalCap);
        const cap = caps[leg.edge % caps.length] as Decimal;
        size = leg.kind === 'round' ? cap.div(mark, 3, 'HALF_UP') : cap.div(mark, 18, 'HALF_UP').add(tiny(18).mulInt(leg.nudge));
        if (!size.isPositive()) size = new Decimal(1n, 3);
      }
      const amt = leg.short ? size.neg() : size;
      const entry = mark.mul(d(10000 + leg.entryBp)).div(d(10000), 8, 'HALF_UP');
      const cost = amt.mul(entry).add(tiny(18).mulInt(leg.costDust));
      a.settings.set(inst.symbol, { leverage: leg.leverage, marginType: leg.isolated ? 'ISOLATED' : 'CROSSED' });
      a.positions.set(`${inst.symbol}:${leg.side}`, {
        symbol: inst.symbol,
        positionSide: leg.side,
        amt,
        cost,
        isolatedWallet: Decimal.ZERO,
      });
    }
    // isolated wallets around each leg's threshold (or random); the cross wallet around the account's
    const done = new Set<EnginePosition>();
    for (const leg of spec.legs) {
      const inst = INSTRUMENTS[leg.sym] as Instrument;
      const p = a.positions.get(`${inst.symbol}:${leg.side}`) as EnginePosition;
      if (done.has(p) || settingsOf(a, p.symbol).marginType !== 'ISOLATED') continue;
      done.add(p);
      const mark = (ex.symbols.get(inst.symbol) as SymbolState).markPrice as Decimal;
      const legMm = maintenanceMargin(inst.brackets, p.amt.mul(mark)).amount;
      p.isolatedWallet =
        leg.isoTarget === 'threshold'
          ? legMm.sub(unrealized(p, mark)).add(offsetOf(legMm, leg.isoOffset))
          : new Decimal(BigInt(leg.isoRandom), 2);
    }
    const c = crossState(ex, a);
    const mm = c.maintMargin;
    const upnl = c.marginBalance; // the cross uPnL: the cross wallet is still 0
    switch (spec.target) {
      case 'liquidation': // MB = MM (+ offset)
        a.crossWallet = mm.sub(upnl).add(offsetOf(mm, spec.offset));
        break;
      case 'marginCall': // MB = 1.25 MM (+ offset): MM / MB = 0.8
        a.crossWallet = mm.mul(d('1.25')).sub(upnl).add(offsetOf(mm, spec.offset));
        break;
      case 'ratioRounding': // MM / MB = 0.8 − gap × 1e-19: rounds to 0.8 at 18 places when gap ≤ 5
        a.crossWallet = mm.isZero() ? d(spec.random) : mm.div(MARGIN_CALL_RATIO.sub(tiny(19).mulInt(spec.ratioGap)), 40).sub(upnl);
        break;
      default:
        a.crossWallet = new Decimal(BigInt(spec.random), 2);
    }
  });
  return ex;
}

interface Tally {
  accounts: number;
  rechecked: number;
  crossLiquidatable: number;
  marginCalls: number;
  isolatedLiquidatable: number;
  isolatedLegs: number;
}

/**
 * Compares a sweep with the exact decimal functions for every account of the exchange: every figure within
 * its bound, every decision equal, and the result's sets equal the exact sets. `checkIm`: also the cross
 * position margin (which depends on the leverage).
 */
function compare(ex: Exchange, r: MarginSweepResult, tally?: Tally, checkIm = true): void {
  const crossLiq: string[] = [];
  const calls: string[] = [];
  const isoLiq: string[] = [];
  let positions = 0;
  for (const a of ex.accounts.values()) {
    const f = r.figures(a);
    assert.ok(f !== undefined, `figures of ${a.accountId}`);
    const id = a.accountId;
    const c = crossState(ex, a);
    const summary = marginSummary(viewOf(a), ex.symbols);
    within(f.crossWallet, a.crossWallet, `${id} cross wallet`);
    within(f.crossUnrealized, summary.crossUnrealized, `${id} cross uPnL`);
    within(f.crossMarginBalance, c.marginBalance, `${id} cross margin balance`);
    within(f.crossMaintMargin, c.maintMargin, `${id} cross MM`);
    if (checkIm) within(f.crossPositionMargin, summary.crossPositionMargin, `${id} cross position margin`);
    if (c.marginBalance.isPositive()) within(f.crossMarginRatio, c.maintMargin.div(c.marginBalance, CALC_SCALE), `${id} margin ratio`);
    assert.equal(f.crossLegs, c.legs.length, `${id} cross legs`);
    positions += c.legs.length;
    const decide = id !== INSURANCE_FUND_ID;
    const liq = decide && c.legs.length > 0 && c.marginBalance.lte(c.maintMargin);
    const call =
      decide &&
      c.legs.length > 0 &&
      (!c.marginBalance.isPositive() || c.maintMargin.div(c.marginBalance, CALC_SCALE).gte(MARGIN_CALL_RATIO));
    assert.equal(f.crossLiquidatable, liq, `${id} cross liquidatable (MB ${c.marginBalance}, MM ${c.maintMargin})`);
    assert.equal(f.marginCall, call, `${id} margin call (MB ${c.marginBalance}, MM ${c.maintMargin})`);
    if (liq) crossLiq.push(id);
    if (call) calls.push(id);
    const isolated = [...a.positions.values()].filter((p) => !p.amt.isZero() && settingsOf(a, p.symbol).marginType === 'ISOLATED');
    assert.equal(f.isolated.length, isolated.length, `${id} isolated legs`);
    for (const leg of f.isolated) {
      const p = leg.position;
      const s = ex.symbols.get(p.symbol) as SymbolState;
      const mark = s.markPrice ?? entryPrice(p);
      within(leg.marginBalance, p.isolatedWallet.add(unrealized(p, mark)), `${id} ${p.symbol} isolated margin balance`);
      within(leg.maintMargin, maintenanceMargin(s.instrument.brackets, p.amt.mul(mark)).amount, `${id} ${p.symbol} isolated MM`);
      const l = decide && !isolatedSlack(ex, p).isPositive();
      assert.equal(leg.liquidatable, l, `${id} ${p.symbol}:${p.positionSide} isolated liquidatable`);
      if (l) isoLiq.push(`${id}/${p.symbol}:${p.positionSide}`);
      positions++;
      if (tally !== undefined) tally.isolatedLegs++;
    }
    if (tally !== undefined) tally.rechecked += f.rechecked ? 1 : 0;
  }
  assert.equal(r.positions, positions, 'positions swept');
  assert.deepEqual(
    r.crossLiquidatable.map((a) => a.accountId),
    crossLiq.sort(),
  );
  assert.deepEqual(
    r.marginCall.map((a) => a.accountId),
    calls.sort(),
  );
  assert.deepEqual(
    r.isolatedLiquidatable.map((x) => `${x.account.accountId}/${x.position.symbol}:${x.position.positionSide}`).sort(),
    isoLiq.sort(),
  );
  if (tally !== undefined) {
    tally.accounts += r.accounts;
    tally.crossLiquidatable += crossLiq.length;
    tally.marginCalls += calls.length;
    tally.isolatedLiquidatable += isoLiq.length;
  }
}

const newTally = (): Tally => ({
  accounts: 0,
  rechecked: 0,
  crossLiquidatable: 0,
  marginCalls: 0,
  isolatedLiquidatable: 0,
  isolatedLegs: 0,
});

describe('margin sweep', () => {
  it('figures lie within their bounds of the exact decimals, and the decisions equal the exact ones (random accounts at caps and thresholds)', () => {
    const tally = newTally();
    fc.assert(
      fc.property(marksArb, fc.array(accountArb, { minLength: 1, maxLength: 12 }), (marks, specs) => {
        const ex = build(marks, specs);
        const r = marginSweep(ex);
        assert.equal(r.rechecked, [...ex.accounts.values()].filter((a) => r.figures(a)?.rechecked).length);
        compare(ex, r, tally);
        // the engine's own margin-call check agrees with the sweep's set
        const events: EngineEvent[] = [];
        for (const s of ex.symbols.keys()) checkMarginCalls(ex, s, 0, events, [...ex.accounts.values()]);
        assert.deepEqual(
          [...ex.accounts.values()]
            .filter((a) => a.marginCall)
            .map((a) => a.accountId)
            .sort(),
          r.marginCall.map((a) => a.accountId),
        );
      }),
      { numRuns: 300 },
    );
    // the runs must reach every branch: decided by the floats and rechecked, both sides of each threshold
    assert.ok(tally.rechecked > 50 && tally.accounts - tally.rechecked > 50, JSON.stringify(tally));
    assert.ok(tally.crossLiquidatable > 50 && tally.marginCalls > tally.crossLiquidatable, JSON.stringify(tally));
    assert.ok(tally.isolatedLiquidatable > 50 && tally.isolatedLiquidatable < tally.isolatedLegs, JSON.stringify(tally));
  });

  it('a position in a symbol without a mark: figures and decisions from the exact functions (entry price)', () => {
    const ex = new Exchange();
    const a = newAccount('x', Decimal.ZERO, Decimal.ZERO);
    ex.accounts.set('x', a);
    a.crossWallet = d('100');
    a.positions.set('BTCUSDT:BOTH', {
      symbol: 'BTCUSDT',
      positionSide: 'BOTH',
      amt: d('0.1'),
      cost: d('6000.5'),
      isolatedWallet: Decimal.ZERO,
    });
    a.settings.set('ETHUSDT', { leverage: 10, marginType: 'ISOLATED' });
    a.positions.set('ETHUSDT:BOTH', { symbol: 'ETHUSDT', positionSide: 'BOTH', amt: d('-2'), cost: d('-6000'), isolatedWallet: d('0.5') });
    const r = marginSweep(ex);
    assert.equal(r.rechecked, 1);
    compare(ex, r);
    assert.equal(r.figures(a)?.rechecked, true);
  });

  it('follows every command through the dirty marks (random command sequences, a snapshot restored half-way)', () => {
    let sweeps = 0;
    let liquidated = 0;
    checkSequences(
      fc.property(
        commandSequences(() => current),
        (makers) => {
          let { ex } = fresh();
          let time = 1000;
          for (const [i, make] of makers.entries()) {
            current = ex;
            if (i === Math.floor(makers.length / 2)) {
              // restoring re-marks every account (RiskIndex.markAllDirty): the restored exchange's sweep starts afresh
              ex = restoreSnapshot(JSON.parse(JSON.stringify(takeSnapshot(ex))));
              current = ex;
              compare(ex, marginSweep(ex));
            }
            const cmd: Command = make(time++, ex);
            time = Math.max(time, cmd.time + 1);
            const res = ex.execute(cmd);
            if (res.ok) liquidated += res.events.filter((e) => e.e === 'LIQUIDATION').length;
            // a sweep after some commands only: between sweeps, changes pile up in the dirty set
            if (i % 3 === 0 || i === makers.length - 1) {
              compare(ex, marginSweep(ex));
              sweeps++;
            }
          }
        },
      ),
      100,
      process.env,
    );
    assert.ok(sweeps > 1000 && liquidated > 3, `${sweeps} sweeps, ${liquidated} liquidations`);
  });

  it('a leverage change with an open position reaches the sweep (position margin)', () => {
    const { ex } = fresh();
    let time = 100;
    const run = (cmd: Record<string, unknown>) => {
      const r = ex.execute({ ...cmd, time: time++ } as Command);
      assert.ok(r.ok, JSON.stringify(r));
    };
    run({ type: 'placeOrder', accountId: 'a', symbol: 'BTCUSDT', side: 'SELL', orderType: 'LIMIT', quantity: '0.01', price: '60000' });
    run({ type: 'placeOrder', accountId: 'b', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.01' });
    compare(ex, marginSweep(ex));
    run({ type: 'setLeverage', accountId: 'b', symbol: 'BTCUSDT', leverage: 5 });
    compare(ex, marginSweep(ex));
  });

  it('accounts that grow are moved to new blocks, and the rows are compacted (figures still exact)', () => {
    const ex = new Exchange();
    const symbols = [...ex.symbols.keys()];
    const accounts: Account[] = [];
    for (let i = 0; i < 40; i++) {
      const a = newAccount(`g${i}`, Decimal.ZERO, Decimal.ZERO);
      a.crossWallet = d(1000 + i);
      ex.accounts.set(a.accountId, a);
      accounts.push(a);
    }
    for (const [k, s] of symbols.entries()) (ex.symbols.get(s) as SymbolState).markPrice = d(['60000', '3000', '150', '0.6'][k] as string);
    for (let n = 1; n <= 24; n++) {
      for (const [i, a] of accounts.entries()) {
        const symbol = symbols[(n + i) % symbols.length] as string;
        a.positions.set(`leg${n}`, {
          symbol,
          positionSide: 'BOTH',
          amt: new Decimal(BigInt((n * 7 + i) * (n % 2 === 0 ? 1 : -1)), 3),
          cost: new Decimal(BigInt(n * 1000 + i), 2),
          isolatedWallet: Decimal.ZERO,
        });
        // one leg closes again now and then (the block keeps its room)
        if (n % 5 === 0) a.positions.get(`leg${n - 1}`)!.amt = Decimal.ZERO;
        ex.risk.markDirty(a);
      }
      compare(ex, marginSweep(ex));
    }
  });
});

let current: Exchange | undefined;
