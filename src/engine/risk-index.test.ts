import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../core/index.js';
import type { Command } from './commands.js';
import { Exchange, type Result } from './exchange.js';
import { crossState, isolatedSlack } from './liquidation.js';
import { exactDecimal } from './margin-sweep.js';
import { RiskIndex } from './risk-index.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';
import { INSURANCE_FUND_ID, type Account } from './state.js';

/** A command without its time (distributed over the union). */
type Untimed = Command extends infer C ? (C extends Command ? Omit<C, 'time'> : never) : never;

/**
 * A reference exchange whose ticks look at every holder of the symbol (what the engine did before the
 * index). The index must never make a tick skip an account the scan would act on, so the two must produce
 * the same events and the same state after every command.
 */
function scanningExchange(): Exchange {
  const ex = new Exchange();
  ex.risk.due = function (this: RiskIndex, symbol: string, mark: Decimal): Account[] {
    RiskIndex.prototype.due.call(this, symbol, mark);
    return [...(ex.holders.get(symbol) ?? [])];
  };
  return ex;
}

const SYMBOLS = [
  { symbol: 'BTCUSDT', price: 60000, tick: 0.1, step: 0.001 },
  { symbol: 'ETHUSDT', price: 3000, tick: 0.01, step: 0.001 },
  { symbol: 'SOLUSDT', price: 150, tick: 0.01, step: 0.01 },
] as const;

const priceText = (p: number, tick: number) => (Math.round(p / tick) * tick).toFixed(tick < 0.1 ? 2 : 1);

interface Setup {
  readonly hedge: boolean;
  readonly isolated: readonly boolean[];
  readonly leverage: number;
  readonly wallet: number;
}

function commandsFor(
  setups: readonly Setup[],
  moves: readonly { s: number; pct: number; kind: number; who: number; amt: number }[],
): Command[] {
  const out: Command[] = [];
  let time = 1;
  const c = (cmd: Untimed) => out.push({ ...cmd, time: time++ } as Command);
  c({ type: 'createAccount', accountId: 'mm' });
  c({ type: 'deposit', accountId: 'mm', asset: 'USDT', amount: '1000000000' });
  for (const s of SYMBOLS) c({ type: 'setMarkPrice', symbol: s.symbol, markPrice: String(s.price) });
  setups.forEach((u, i) => {
    const id = `t${i}`;
    c({ type: 'createAccount', accountId: id });
    c({ type: 'deposit', accountId: id, asset: 'USDT', amount: String(u.wallet) });
    if (u.hedge) c({ type: 'setPositionMode', accountId: id, dualSidePosition: true });
    SYMBOLS.forEach((s, k) => {
      if (u.isolated[k]) c({ type: 'setMarginType', accountId: id, symbol: s.symbol, marginType: 'ISOLATED' });
      c({ type: 'setLeverage', accountId: id, symbol: s.symbol, leverage: u.leverage });
      // one long or short per symbol (hedge: both legs on the first symbol), sized at most ~ wallet × leverage / 4
      const notional = (u.wallet * u.leverage) / 4;
      const qty = Math.max(s.step, Math.floor(notional / s.price / s.step) * s.step).toFixed(s.step < 0.01 ? 3 : 2);
      const sides = u.hedge && k === 0 ? (['BUY', 'SELL'] as const) : ([(i + k) % 2 === 0 ? 'BUY' : 'SELL'] as const);
      for (const side of sides) {
        c({
          type: 'placeOrder',
          accountId: 'mm',
          symbol: s.symbol,
          side: side === 'BUY' ? 'SELL' : 'BUY',
          orderType: 'LIMIT',
          quantity: qty,
          price: String(s.price),
        });
        c({
          type: 'placeOrder',
          accountId: id,
          symbol: s.symbol,
          side,
          orderType: 'MARKET',
          quantity: qty,
          ...(u.hedge ? { positionSide: side === 'BUY' ? 'LONG' : 'SHORT' } : {}),
        });
      }
    });
  });
  const marks = SYMBOLS.map((s) => s.price as number);
  for (const m of moves) {
    const s = SYMBOLS[m.s % SYMBOLS.length] as (typeof SYMBOLS)[number];
    const k = m.s % SYMBOLS.length;
    const who = `t${m.who % setups.length}`;
    switch (m.kind) {
      case 0: // funding at a random rate
        c({ type: 'setFundingRate', symbol: s.symbol, fundingRate: (m.pct / 1000).toFixed(4) });
        c({ type: 'settleFunding', symbol: s.symbol });
        break;
      case 1: // a deposit or a withdrawal
        c({ type: 'deposit', accountId: who, asset: 'USDT', amount: String(1 + m.amt) });
        break;
      case 2:
        c({ type: 'withdraw', accountId: who, asset: 'USDT', amount: String(1 + m.amt) });
        break;
      default: {
        // a mark move of up to ±6 %, with liquidity for the liquidations on both sides of it
        marks[k] = Math.max(s.price * 0.3, (marks[k] as number) * (1 + m.pct / 100));
        const p = marks[k] as number;
        c({
          type: 'placeOrder',
          accountId: 'mm',
          symbol: s.symbol,
          side: 'BUY',
          orderType: 'LIMIT',
          quantity: '5',
          price: priceText(p * 0.98, s.tick),
        });
        c({
          type: 'placeOrder',
          accountId: 'mm',
          symbol: s.symbol,
          side: 'SELL',
          orderType: 'LIMIT',
          quantity: '5',
          price: priceText(p * 1.02, s.tick),
        });
        c({ type: 'setMarkPrice', symbol: s.symbol, markPrice: priceText(p, s.tick) });
      }
    }
  }
  return out;
}

/** Random accounts (mode, margin types, leverage, wallet) for commandsFor. */
const setupsArb = (maxLength: number) =>
  fc.array(
    fc.record({
      hedge: fc.boolean(),
      isolated: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      leverage: fc.integer({ min: 1, max: 75 }),
      wallet: fc.integer({ min: 50, max: 20000 }),
    }),
    { minLength: 1, maxLength },
  );

/** Random orders and price moves for commandsFor. */
const movesArb = (maxLength: number) =>
  fc.array(
    fc.record({
      s: fc.nat(),
      pct: fc.integer({ min: -6, max: 6 }),
      kind: fc.integer({ min: 0, max: 12 }),
      who: fc.nat(),
      amt: fc.integer({ min: 0, max: 500 }),
    }),
    { minLength: 5, maxLength },
  );

describe('risk index', () => {
  it('a tick acts exactly as a scan of every holder would: same events, same state (random accounts and price walks)', () => {
    let runs = 0;
    let liquidatedRuns = 0;
    fc.assert(
      fc.property(setupsArb(8), movesArb(80), fc.nat(), fc.boolean(), (setups, moves, restoreAt, exact) => {
        let indexed = new Exchange();
        // the slacks from the margin sweep (the default) or from the exact decimal checks
        if (exact) indexed.risk.slacksFrom = 'exact';
        const scanning = scanningExchange();
        let liquidations = 0;
        const commands = commandsFor(setups, moves);
        const restoreIndex = restoreAt % commands.length;
        for (const [i, cmd] of commands.entries()) {
          if (i === restoreIndex) {
            // a restored snapshot indexes every account again (markAllDirty): the sweep's shadow is rebuilt
            indexed = restoreSnapshot(JSON.parse(JSON.stringify(takeSnapshot(indexed))));
            if (exact) indexed.risk.slacksFrom = 'exact';
          }
          const a: Result = indexed.execute(cmd);
          const b: Result = scanning.execute(cmd);
          // compared as Binance JSON (events are formatted when read: order-update-fields.ts)
          assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)), `${cmd.type} at ${cmd.time}`);
          if (a.ok) liquidations += a.events.filter((e) => e.e === 'LIQUIDATION').length;
        }
        assert.equal(indexed.stateHash(), scanning.stateHash());
        runs++;
        if (liquidations > 0) liquidatedRuns++;
      }),
      { numRuns: 150 },
    );
    // the walks must really liquidate, or the comparison proves little
    assert.ok(liquidatedRuns >= runs / 4, `${liquidatedRuns} of ${runs} runs liquidated someone`);
  });

  it('the slacks the triggers come from (sweep figures less their bounds) never exceed the exact slacks, and are close to them', () => {
    let legs = 0;
    let crossAccounts = 0;
    fc.assert(
      fc.property(setupsArb(6), movesArb(40), (setups, moves) => {
        const ex = new Exchange();
        const sweep = ex.risk.sweep;
        const check = () => {
          sweep.prepare();
          for (const a of ex.accounts.values()) {
            if (a.accountId === INSURANCE_FUND_ID) continue;
            const ai = sweep.evaluateAccount(a);
            assert.ok(ai >= 0, 'every symbol has a mark');
            const c = crossState(ex, a);
            for (const factor of ['1', '1.25']) {
              const low = sweep.crossSlackLow(ai, Number(factor));
              const exact = c.marginBalance.sub(c.maintMargin.mul(Decimal.parse(factor)));
              assert.ok(exactDecimal(low).lte(exact), `${a.accountId} cross slack ${low} > exact ${exact}`);
              // not vacuous: within a millionth of the account's margin balance plus MM
              const scale = c.marginBalance.abs().add(c.maintMargin).add(Decimal.ONE);
              assert.ok(
                exact.sub(exactDecimal(low)).lte(scale.mul(Decimal.parse('0.000001'))),
                `${a.accountId} cross slack ${low} ≪ ${exact}`,
              );
            }
            if (c.legs.length > 0) crossAccounts++;
            for (let r = sweep.rowStart(ai); r < sweep.rowEnd(ai); r++) {
              if (!sweep.rowIsolated(r)) continue;
              const p = sweep.rowPosition(r);
              const low = sweep.isolatedSlackLow(r);
              const exact = isolatedSlack(ex, p);
              assert.ok(exactDecimal(low).lte(exact), `${a.accountId} ${p.symbol} isolated slack ${low} > exact ${exact}`);
              assert.ok(exact.sub(exactDecimal(low)).lte(p.isolatedWallet.abs().add(Decimal.ONE).mul(Decimal.parse('0.000001'))));
              legs++;
            }
          }
        };
        for (const cmd of commandsFor(setups, moves)) {
          ex.execute(cmd);
          check();
        }
      }),
      { numRuns: 60 },
    );
    assert.ok(legs > 100 && crossAccounts > 100, `${legs} isolated legs, ${crossAccounts} cross accounts checked`);
  });

  it('a quiet tick pops nobody; a tick past a trigger pops that account', () => {
    const ex = new Exchange();
    const run = (cmd: Untimed) => {
      const r = ex.execute({ ...cmd, time: 1 } as Command);
      assert.ok(r.ok, JSON.stringify(r));
      return r;
    };
    run({ type: 'createAccount', accountId: 'mm' });
    run({ type: 'deposit', accountId: 'mm', asset: 'USDT', amount: '10000000' });
    run({ type: 'createAccount', accountId: 'long' });
    run({ type: 'deposit', accountId: 'long', asset: 'USDT', amount: '1000' });
    run({ type: 'setLeverage', accountId: 'long', symbol: 'BTCUSDT', leverage: 10 });
    run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '60000' });
    run({ type: 'placeOrder', accountId: 'mm', symbol: 'BTCUSDT', side: 'SELL', orderType: 'LIMIT', quantity: '0.1', price: '60000' });
    run({ type: 'placeOrder', accountId: 'long', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.1' });
    // 6,000 notional on 1,000 (less the fee): the margin-call trigger (MB = 1.25 MM) lies near 50,281 (liquidation at 50,231)
    assert.deepEqual(ex.risk.due('BTCUSDT', ex.symbols.get('BTCUSDT')?.markPrice as Decimal), []);
    assert.equal(ex.risk.size().live, 2, 'the long and the market maker’s short, indexed by the tick');
    run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '55000' });
    assert.equal(ex.risk.size().live, 2, 'still indexed: nobody popped');
    run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '50260' }); // MB 23 > MM 20.10, but ≤ 1.25 × MM
    assert.equal(ex.accounts.get('long')?.marginCall, true, 'the tick past the trigger found it: margin call');
    // from now on it is looked at on every tick (to re-arm the call when the ratio falls back)
    run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '50270' });
    assert.equal(ex.risk.size().hot, 1);
  });
});
