import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal, dec, liquidationPrice, maintenanceMargin } from '../core/index.js';
import { entryPrice, settingsOf, unrealized } from './account-margin.js';
import type { Command, PlaceOrder } from './commands.js';
import type { LiquidationExplanation } from './events.js';
import { Exchange, type Result } from './exchange.js';
import { adlQuantile } from './liquidation.js';
import { INSURANCE_FUND_ID, type Account, type EnginePosition } from './state.js';

let clock = 1_700_000_000_000;
const t = () => ++clock;

function ok(ex: Exchange, cmd: Command): Result & { ok: true } {
  const r = ex.execute(cmd);
  if (!r.ok) assert.fail(`${cmd.type} rejected: ${JSON.stringify(r.error)} ${JSON.stringify(cmd)}`);
  return r as Result & { ok: true };
}

const limit = (accountId: string, symbol: string, side: 'BUY' | 'SELL', quantity: string, price: string): PlaceOrder => ({
  type: 'placeOrder',
  time: t(),
  accountId,
  symbol,
  side,
  orderType: 'LIMIT',
  quantity,
  price,
});
const market = (accountId: string, symbol: string, side: 'BUY' | 'SELL', quantity: string): PlaceOrder => ({
  type: 'placeOrder',
  time: t(),
  accountId,
  symbol,
  side,
  orderType: 'MARKET',
  quantity,
});
const acc = (ex: Exchange, id: string) => ex.accounts.get(id) as Account;
const leg = (ex: Exchange, id: string, symbol: string, side: 'BOTH' | 'LONG' | 'SHORT' = 'BOTH') =>
  acc(ex, id).positions.get(`${symbol}:${side}`) as EnginePosition;

/** The seed article's account: 1,000 USDT, BTC and ETH longs at 10x, in Cross (Case A) or Isolated (Case B). */
function seedAccount(marginType: 'CROSSED' | 'ISOLATED', btcQty: string, ethQty: string): Exchange {
  const ex = new Exchange();
  ok(ex, { type: 'createAccount', time: t(), accountId: 'mm' });
  ok(ex, { type: 'deposit', time: t(), accountId: 'mm', asset: 'USDT', amount: '100000000' });
  ok(ex, { type: 'createAccount', time: t(), accountId: 'trader' });
  ok(ex, { type: 'deposit', time: t(), accountId: 'trader', asset: 'USDT', amount: '1000' });
  ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '100000' });
  ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'ETHUSDT', markPrice: '2500' });
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    if (marginType === 'ISOLATED') ok(ex, { type: 'setMarginType', time: t(), accountId: 'trader', symbol, marginType });
    ok(ex, { type: 'setLeverage', time: t(), accountId: 'trader', symbol, leverage: 10 });
  }
  // Both orders rest first (their margin, 2 × 500 in Case A, fits the 1,000 exactly), then fill as maker.
  // (Taking one after the other would not fit: after the first fill's fee only 997.50 is left for the
  // second 500 of margin; Binance would refuse it too. The article leaves fees out.)
  ok(ex, limit('trader', 'BTCUSDT', 'BUY', btcQty, '100000'));
  ok(ex, limit('trader', 'ETHUSDT', 'BUY', ethQty, '2500'));
  ok(ex, market('mm', 'BTCUSDT', 'SELL', btcQty));
  ok(ex, market('mm', 'ETHUSDT', 'SELL', ethQty));
  return ex;
}

/** ETH +5 %, then BTC down in 100 USDT steps (the market maker bids at each new mark) until the trader is liquidated. */
function walkBtcDown(ex: Exchange): { mark: string; events: LiquidationExplanation[] } {
  ok(ex, { type: 'cancelAllOrders', time: t(), accountId: 'mm', symbol: 'ETHUSDT' });
  ok(ex, limit('mm', 'ETHUSDT', 'BUY', '10', '2625'));
  ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'ETHUSDT', markPrice: '2625' });
  for (let p = 99900; p > 50000; p -= 100) {
    ok(ex, { type: 'cancelAllOrders', time: t(), accountId: 'mm', symbol: 'BTCUSDT' });
    ok(ex, limit('mm', 'BTCUSDT', 'BUY', '1', String(p)));
    const r = ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: String(p) });
    const liq = r.events.filter((e): e is LiquidationExplanation => e.e === 'LIQUIDATION');
    if (liq.length > 0) return { mark: String(p), events: liq };
  }
  return assert.fail('never liquidated');
}

describe('liquidation: the seed scenario (1,000 USDT, BTC and ETH longs, BTC falls)', () => {
  it('Case A (Cross): liquidated at BTC 75,700; the whole 1,000 USDT is gone, ETH’s profit included', () => {
    const ex = seedAccount('CROSSED', '0.05', '2');
    const trader = acc(ex, 'trader');
    assert.equal(trader.crossWallet.toString(), '998', 'maker fees 1 + 1');
    const { mark, events } = walkBtcDown(ex);
    // cross LP of BTC with ETH at +5 %: (998 − 21 + 250 − 5,000) / (0.05 × 0.004 − 0.05) = 75,763.05
    assert.equal(mark, '75700');
    assert.equal(events[0]?.symbol, 'BTCUSDT', 'the losing position goes first');
    assert.equal(events[0]?.liquidationPrice, '75763.05220884');
    assert.equal(events[0]?.bankruptcyPrice, '75040');
    assert.deepEqual(events[0]?.closed, [{ via: 'book', qty: '0.05', avgPrice: '75700' }]);
    // BTC closed at 75,700: −1,215; margin left 33 all taken by the clearance fee (47.3125 capped)
    assert.equal(events[0]?.clearanceFee, '33');
    // ETH then has no margin left: closed at its bankruptcy price 2,625, +250, fee 0
    assert.equal(events[1]?.symbol, 'ETHUSDT');
    assert.equal(events[1]?.clearanceFee, '0');
    assert.equal(trader.crossWallet.toString(), '0');
    assert.equal(leg(ex, 'trader', 'BTCUSDT').amt.toString(), '0');
    assert.equal(leg(ex, 'trader', 'ETHUSDT').amt.toString(), '0');
    // 1,000 = 2 fees + 1,215 BTC loss + 33 clearance − 250 ETH profit
    assert.equal(trader.commission.toString(), '2');
    assert.equal(trader.realizedPnl.toString(), '-965');
    assert.equal(trader.insuranceClear.toString(), '-33');
    assert.equal(acc(ex, INSURANCE_FUND_ID).crossWallet.toString(), '33');
  });

  it('Case B (Isolated): BTC liquidated at 90,300 loses its 100 (and its 0.20 fee); ETH’s margin is intact', () => {
    const ex = seedAccount('ISOLATED', '0.01', '0.4');
    const trader = acc(ex, 'trader');
    assert.equal(trader.crossWallet.toString(), '799.6', '1,000 − 2 × 100 isolated − 2 × 0.20 maker fees');
    const { mark, events } = walkBtcDown(ex);
    assert.equal(mark, '90300', 'LP (100 − 1,000) / (0.01 × 0.004 − 0.01) = 90,361.45');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.marginType, 'isolated');
    assert.equal(events[0]?.liquidationPrice, '90361.44578313');
    assert.equal(events[0]?.bankruptcyPrice, '90000');
    assert.deepEqual(events[0]?.closed, [{ via: 'book', qty: '0.01', avgPrice: '90300' }]);
    // closed at 90,300: −97, the 3 left goes to the insurance fund as clearance fee (11.2875 capped)
    assert.equal(events[0]?.clearanceFee, '3');
    assert.equal(trader.crossWallet.toString(), '799.6', 'the cross wallet is untouched');
    assert.equal(leg(ex, 'trader', 'ETHUSDT').isolatedWallet.toString(), '100', 'ETH keeps its margin');
    assert.equal(leg(ex, 'trader', 'ETHUSDT').amt.toString(), '0.4');
    assert.equal(leg(ex, 'trader', 'BTCUSDT').isolatedWallet.toString(), '0');
    // what Case B lost: the BTC margin and the fees, 100.40; Case A lost all 1,000
    const equity = trader.crossWallet
      .add(leg(ex, 'trader', 'ETHUSDT').isolatedWallet)
      .add(unrealized(leg(ex, 'trader', 'ETHUSDT'), dec('2625')));
    assert.equal(equity.toString(), '949.6', '799.60 + 100 + 50 ETH profit');
  });
});

describe('liquidation: insurance fund, ADL, funding', () => {
  function opened(marginType: 'CROSSED' | 'ISOLATED'): Exchange {
    const ex = new Exchange();
    for (const [id, amount] of [
      ['mm', '10000000'],
      ['winner', '1000000'],
      ['trader', '1000'],
    ] as const) {
      ok(ex, { type: 'createAccount', time: t(), accountId: id });
      ok(ex, { type: 'deposit', time: t(), accountId: id, asset: 'USDT', amount });
    }
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '100000' });
    ok(ex, { type: 'setMarginType', time: t(), accountId: 'trader', symbol: 'BTCUSDT', marginType });
    ok(ex, { type: 'setLeverage', time: t(), accountId: 'trader', symbol: 'BTCUSDT', leverage: 10 });
    ok(ex, limit('winner', 'BTCUSDT', 'SELL', '0.05', '100000'));
    ok(ex, market('trader', 'BTCUSDT', 'BUY', '0.05'));
    return ex;
  }

  it('an empty book: the insurance fund takes the position over at the bankruptcy price', () => {
    const ex = opened('ISOLATED');
    ok(ex, { type: 'deposit', time: t(), accountId: INSURANCE_FUND_ID, asset: 'USDT', amount: '10000' });
    const r = ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '90000' });
    const x = r.events.find((e): e is LiquidationExplanation => e.e === 'LIQUIDATION');
    assert.deepEqual(x?.closed, [{ via: 'insurance', qty: '0.05', avgPrice: '90000' }]);
    assert.equal(leg(ex, INSURANCE_FUND_ID, 'BTCUSDT').amt.toString(), '0.05');
    assert.equal(leg(ex, 'trader', 'BTCUSDT').isolatedWallet.toString(), '0');
    assert.ok(
      r.events.some(
        (e) => e.e === 'ORDER_TRADE_UPDATE' && e.accountId === 'trader' && e.o.o === 'LIQUIDATION' && e.o.c.startsWith('autoclose-'),
      ),
    );
  });

  it('no insurance fund: auto-deleveraging closes the most profitable short at the bankruptcy price, no fee', () => {
    const ex = opened('ISOLATED');
    // winner is short 0.05 from 100,000: profitable as BTC falls; ADL quantile high
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '95000' });
    assert.equal(adlQuantile(ex, 'winner', leg(ex, 'winner', 'BTCUSDT')), 0, 'the only short: ranked against itself');
    const r = ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '90000' });
    const x = r.events.find((e): e is LiquidationExplanation => e.e === 'LIQUIDATION');
    assert.deepEqual(x?.closed, [{ via: 'adl', qty: '0.05', avgPrice: '90000', counterparty: 'winner' }]);
    assert.equal(leg(ex, 'winner', 'BTCUSDT').amt.toString(), '0');
    assert.equal(acc(ex, 'winner').realizedPnl.toString(), '500', '0.05 × (100,000 − 90,000)');
    assert.ok(r.events.some((e) => e.e === 'ORDER_TRADE_UPDATE' && e.accountId === 'winner' && e.o.c === 'adl_autoclose'));
  });

  it('two bankruptcies in one tick share one ADL queue: the best-ranked short first, then the next', () => {
    const ex = new Exchange();
    for (const [id, amount] of [
      ['hi', '1000'],
      ['lo', '100000'],
      ['t1', '1000'],
      ['t2', '1000'],
    ] as const) {
      ok(ex, { type: 'createAccount', time: t(), accountId: id });
      ok(ex, { type: 'deposit', time: t(), accountId: id, asset: 'USDT', amount });
    }
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '100000' });
    for (const id of ['t1', 't2']) {
      ok(ex, { type: 'setMarginType', time: t(), accountId: id, symbol: 'BTCUSDT', marginType: 'ISOLATED' });
      ok(ex, { type: 'setLeverage', time: t(), accountId: id, symbol: 'BTCUSDT', leverage: 10 });
    }
    // hi: short 0.05 on a 1,000 wallet (high PnL % and margin ratio); lo: short 0.05 on 100,000 (low)
    ok(ex, limit('hi', 'BTCUSDT', 'SELL', '0.05', '100000'));
    ok(ex, market('t1', 'BTCUSDT', 'BUY', '0.05'));
    ok(ex, limit('lo', 'BTCUSDT', 'SELL', '0.05', '100000'));
    ok(ex, market('t2', 'BTCUSDT', 'BUY', '0.05'));
    const r = ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '90000' });
    const closed = r.events.filter((e): e is LiquidationExplanation => e.e === 'LIQUIDATION').map((x) => [x.accountId, x.closed]);
    assert.deepEqual(closed, [
      ['t1', [{ via: 'adl', qty: '0.05', avgPrice: '90000', counterparty: 'hi' }]],
      ['t2', [{ via: 'adl', qty: '0.05', avgPrice: '90000', counterparty: 'lo' }]],
    ]);
    assert.equal(leg(ex, 'hi', 'BTCUSDT').amt.toString(), '0');
    assert.equal(leg(ex, 'lo', 'BTCUSDT').amt.toString(), '0');
  });

  it('funding moves isolated margin and therefore the liquidation price', () => {
    const ex = opened('ISOLATED');
    const p = leg(ex, 'trader', 'BTCUSDT');
    const table = ex.symbols.get('BTCUSDT')?.instrument.brackets as never;
    const lp = () =>
      liquidationPrice([{ positionAmt: p.amt, entryPrice: entryPrice(p), brackets: table }], p.isolatedWallet, dec('100000'));
    assert.equal(p.isolatedWallet.toString(), '500');
    const before = lp();
    ok(ex, { type: 'setFundingRate', time: t(), symbol: 'BTCUSDT', fundingRate: '0.001' });
    const r = ok(ex, { type: 'settleFunding', time: t(), symbol: 'BTCUSDT' });
    assert.deepEqual(r.result, { symbol: 'BTCUSDT', fundingRate: '0.001', fundingTime: clock, markPrice: '100000' });
    assert.equal(p.isolatedWallet.toString(), '495', 'the long pays 0.05 × 100,000 × 0.1 %');
    assert.equal(acc(ex, 'winner').funding.toString(), '5', 'the short receives it');
    assert.ok(lp().gt(before), `liquidation price moved up: ${before} → ${lp()}`);
    assert.ok(r.events.some((e) => e.e === 'ACCOUNT_UPDATE' && e.a.m === 'FUNDING_FEE' && e.accountId === 'trader'));
    // with no given rate the premium formula applies: an empty book gives premium 0 → rate = interest 0.01 %
    const r2 = ok(ex, { type: 'settleFunding', time: t(), symbol: 'BTCUSDT' });
    assert.equal((r2.result as { fundingRate: string }).fundingRate, '0.0001');
  });
});

describe('liquidation: the engine liquidates at the formula’s price, never earlier', () => {
  it('random accounts, zero fees and funding: safe on the mark side of the liquidation price, liquidated one tick past it', () => {
    let checked = 0;
    fc.assert(
      fc.property(
        fc.record({
          hedge: fc.boolean(),
          isolated: fc.boolean(),
          long: fc.boolean(),
          both: fc.boolean(),
          qty: fc.integer({ min: 1, max: 30000 }),
          qty2: fc.integer({ min: 1, max: 30000 }),
          lev: fc.integer({ min: 1, max: 50 }),
          wallet: fc.integer({ min: 100, max: 200000 }),
          eth: fc.integer({ min: 0, max: 300 }),
          steps: fc.integer({ min: 3, max: 12 }),
        }),
        (g) => {
          const ex = new Exchange();
          for (const [id, rate] of [
            ['mm', '0'],
            ['u', '0'],
          ] as const) {
            ok(ex, { type: 'createAccount', time: t(), accountId: id, makerCommissionRate: rate, takerCommissionRate: rate });
          }
          ok(ex, { type: 'deposit', time: t(), accountId: 'mm', asset: 'USDT', amount: '1000000000' });
          ok(ex, { type: 'deposit', time: t(), accountId: 'u', asset: 'USDT', amount: String(g.wallet) });
          ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '60000' });
          ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'ETHUSDT', markPrice: '3000' });
          if (g.hedge) ok(ex, { type: 'setPositionMode', time: t(), accountId: 'u', dualSidePosition: true });
          if (g.isolated) ok(ex, { type: 'setMarginType', time: t(), accountId: 'u', symbol: 'BTCUSDT', marginType: 'ISOLATED' });
          ok(ex, { type: 'setLeverage', time: t(), accountId: 'u', symbol: 'BTCUSDT', leverage: g.lev });
          const open = (side: 'BUY' | 'SELL', qty: string, symbol = 'BTCUSDT', price = '60000', positionSide?: 'LONG' | 'SHORT') => {
            ok(ex, limit('mm', symbol, side === 'BUY' ? 'SELL' : 'BUY', qty, price));
            return ex.execute({ ...market('u', symbol, side, qty), ...(positionSide === undefined ? {} : { positionSide }) });
          };
          const side = g.long ? 'BUY' : 'SELL';
          const first = open(side, (g.qty / 1000).toFixed(3), 'BTCUSDT', '60000', g.hedge ? (g.long ? 'LONG' : 'SHORT') : undefined);
          if (!first.ok) return; // too big for the wallet: -2019 / -2027
          if (g.hedge && g.both && !g.isolated)
            open(g.long ? 'SELL' : 'BUY', (g.qty2 / 1000).toFixed(3), 'BTCUSDT', '60000', g.long ? 'SHORT' : 'LONG');
          if (g.eth > 0 && !g.isolated) open('BUY', (g.eth / 100).toFixed(2), 'ETHUSDT', '3000', g.hedge ? 'LONG' : undefined);
          ok(ex, { type: 'cancelAllOrders', time: t(), accountId: 'mm', symbol: 'BTCUSDT' });
          ok(ex, { type: 'cancelAllOrders', time: t(), accountId: 'mm', symbol: 'ETHUSDT' });

          const u = acc(ex, 'u');
          const legs = [...u.positions.values()].filter((p) => p.symbol === 'BTCUSDT' && !p.amt.isZero());
          if (legs.length === 0) return;
          const table = ex.symbols.get('BTCUSDT')?.instrument.brackets as never;
          const mark = dec('60000');
          // the formula's price from the engine's own state
          let lp: Decimal;
          if (settingsOf(u, 'BTCUSDT').marginType === 'ISOLATED') {
            const p = legs[0] as EnginePosition;
            lp = liquidationPrice([{ positionAmt: p.amt, entryPrice: entryPrice(p), brackets: table }], p.isolatedWallet, mark);
          } else {
            let others = u.crossWallet;
            for (const p of u.positions.values()) {
              if (p.symbol === 'BTCUSDT' || p.amt.isZero()) continue;
              const m = ex.symbols.get(p.symbol)?.markPrice as Decimal;
              const tbl = ex.symbols.get(p.symbol)?.instrument.brackets as never;
              others = others.add(unrealized(p, m)).sub(maintenanceMargin(tbl, p.amt.mul(m)).amount);
            }
            lp = liquidationPrice(
              legs.map((p) => ({ positionAmt: p.amt, entryPrice: entryPrice(p), brackets: table })),
              others,
              mark,
            );
          }
          if (lp.isZero()) return;
          const tick = dec('0.1');
          const down = lp.lt(mark);
          // the first tick price past the liquidation price, and the last one before it
          const past = down ? lp.roundToStep(tick, 'FLOOR') : lp.roundToStep(tick, 'CEIL');
          const safe = down ? past.add(tick) : past.sub(tick);
          if (!past.isPositive() || past.lt(dec('600')) || past.gt(dec('4000000')) || safe.sub(mark).abs().lt(tick.mulInt(2))) return;
          const liquidated = (price: Decimal) => {
            const r = ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: price.toString() });
            return r.events.some((e) => e.e === 'LIQUIDATION');
          };
          // walk toward it: nothing happens before
          for (let i = 1; i <= g.steps; i++) {
            const p = mark.add(
              safe
                .sub(mark)
                .mulInt(i)
                .div(Decimal.of(g.steps), 1, down ? 'CEIL' : 'FLOOR'),
            );
            assert.equal(liquidated(p), false, `liquidated early at ${p} (LP ${lp}, safe ${safe})`);
          }
          assert.equal(liquidated(past), true, `not liquidated at ${past} (LP ${lp})`);
          checked++;
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(checked > 100, `only ${checked} accounts reached a check`);
  });
});

describe('mark price from the index, and MARGIN_CALL', () => {
  it('samples the premium index once per 5 seconds of engine time, however often the mark moves', () => {
    const ex = new Exchange();
    const at = (time: number, index: string) => ok(ex, { type: 'setIndexPrice', time, symbol: 'BTCUSDT', indexPrice: index });
    const samples = () => ex.symbols.get('BTCUSDT')?.premiumSamples.length;
    at(1_000_000_000, '60000');
    at(1_000_001_000, '60001');
    at(1_000_004_999, '60002');
    assert.equal(samples(), 1, 'three updates in one 5-second bucket');
    at(1_000_005_000, '60003');
    at(1_000_030_000, '60004');
    assert.equal(samples(), 3);
  });

  it('setIndexPrice computes the mark as median(Price 1, Price 2, last)', () => {
    const ex = new Exchange();
    ok(ex, { type: 'createAccount', time: t(), accountId: 'mm' });
    ok(ex, { type: 'deposit', time: t(), accountId: 'mm', asset: 'USDT', amount: '1000000' });
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '60000' });
    ok(ex, limit('mm', 'BTCUSDT', 'BUY', '1', '59990'));
    ok(ex, limit('mm', 'BTCUSDT', 'SELL', '1', '60030'));
    // no trade yet, lastFundingRate 0: Price 1 = index; basis = 60,010 − 60,000 = 10 → Price 2 = 60,010; last = index → mark 60,000
    let r = ok(ex, { type: 'setIndexPrice', time: t(), symbol: 'BTCUSDT', indexPrice: '60000' });
    assert.deepEqual(r.result, { markPrice: '60000', indexPrice: '60000' });
    // a trade at 60,030 makes the last price 60,030: median(60,000, 60,010, 60,030) = 60,010
    ok(ex, { type: 'createAccount', time: t(), accountId: 'x' });
    ok(ex, { type: 'deposit', time: t(), accountId: 'x', asset: 'USDT', amount: '10000' });
    ok(ex, market('x', 'BTCUSDT', 'BUY', '0.01'));
    r = ok(ex, { type: 'setIndexPrice', time: t(), symbol: 'BTCUSDT', indexPrice: '60000' });
    assert.equal((r.result as { markPrice: string }).markPrice, '60010', 'median(60,000, 60,010, last 60,030)');
  });

  it('MARGIN_CALL once when the cross margin ratio reaches 80 %, again only after it fell back', () => {
    const ex = new Exchange();
    for (const [id, amount] of [
      ['mm', '10000000'],
      ['u', '1000'],
    ] as const) {
      ok(ex, { type: 'createAccount', time: t(), accountId: id });
      ok(ex, { type: 'deposit', time: t(), accountId: id, asset: 'USDT', amount });
    }
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '100000' });
    ok(ex, limit('mm', 'BTCUSDT', 'SELL', '0.1', '100000'));
    ok(ex, market('u', 'BTCUSDT', 'BUY', '0.1'));
    // wallet 995; MB = 995 + 0.1 (P − 100,000); MM = 0.0004 P → ratio 0.8 at P = 90,502.5, liquidation at 90,416.25
    const calls = (p: string) =>
      ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: p }).events.filter((e) => e.e === 'MARGIN_CALL');
    assert.equal(calls('91000').length, 0);
    const first = calls('90500');
    assert.equal(first.length, 1);
    assert.equal(first[0]?.e === 'MARGIN_CALL' && first[0].p[0]?.mm, '36.2');
    assert.equal(calls('90490').length, 0, 'not repeated while it stays high');
    assert.equal(calls('95000').length, 0);
    assert.equal(calls('90500').length, 1, 're-armed after recovering');
  });
});
