import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal, builtinInstruments, dec, liquidationPrice, type Instrument } from '../core/index.js';
import { marginSummary, viewOf, entryPrice } from './account-margin.js';
import type { Command, ModifyOrder, PlaceOrder } from './commands.js';
import { Exchange, type Result } from './exchange.js';
import { INSURANCE_FUND_ID, type Account } from './state.js';
import { restoreSnapshot, takeSnapshot, type EngineSnapshot } from './snapshot.js';

let clock = 1_700_000_000_000;
const t = () => ++clock;

function ok(ex: Exchange, cmd: Command): Result & { ok: true } {
  const r = ex.execute(cmd);
  if (!r.ok) assert.fail(`${cmd.type} rejected: ${JSON.stringify(r.error)}`);
  return r as Result & { ok: true };
}

/** Expects a rejection with `code` and an unchanged state hash. */
function rejected(ex: Exchange, cmd: Command, code: number, msg?: string): void {
  const before = ex.stateHash();
  const r = ex.execute(cmd);
  assert.equal(r.ok, false, `${cmd.type} should be rejected with ${code}`);
  if (!r.ok) {
    assert.equal(r.error.code, code, JSON.stringify(r.error));
    if (msg !== undefined) assert.equal(r.error.msg, msg);
  }
  assert.equal(ex.stateHash(), before, 'a rejected command changes nothing');
}

function setup(balances: Record<string, string> = { mm: '10000000', user: '10000' }): Exchange {
  const ex = new Exchange();
  for (const [id, amount] of Object.entries(balances)) {
    ok(ex, { type: 'createAccount', time: t(), accountId: id });
    ok(ex, { type: 'deposit', time: t(), accountId: id, asset: 'USDT', amount });
  }
  ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '60000' });
  ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'ETHUSDT', markPrice: '3000' });
  return ex;
}

const order = (accountId: string, side: 'BUY' | 'SELL', quantity: string, price?: string, extra: Partial<PlaceOrder> = {}): PlaceOrder => ({
  type: 'placeOrder',
  time: t(),
  accountId,
  symbol: 'BTCUSDT',
  side,
  orderType: price === undefined ? 'MARKET' : 'LIMIT',
  quantity,
  ...(price === undefined ? {} : { price }),
  ...extra,
});

/** A SELL STOP_MARKET that closes a long when the mark falls to 58,000 (the priceProtect tests). */
const CLOSE_LONG_AT_58000 = {
  orderType: 'STOP_MARKET',
  quantity: undefined,
  stopPrice: '58000',
  closePosition: true,
  workingType: 'MARK_PRICE',
} as const;

/** An amend of the user's BTCUSDT BUY order. */
const amendBuy = (orderId: number, quantity: string, price: string): ModifyOrder => ({
  type: 'modifyOrder',
  time: t(),
  accountId: 'user',
  symbol: 'BTCUSDT',
  orderId,
  side: 'BUY',
  quantity,
  price,
});

const acc = (ex: Exchange, id: string) => ex.accounts.get(id) as Account;
/** Puts `id`'s BTCUSDT on isolated margin at `leverage`. */
const isolatedAt = (ex: Exchange, id: string, leverage: number) => {
  ok(ex, { type: 'setMarginType', time: t(), accountId: id, symbol: 'BTCUSDT', marginType: 'ISOLATED' });
  ok(ex, { type: 'setLeverage', time: t(), accountId: id, symbol: 'BTCUSDT', leverage });
};
const pos = (ex: Exchange, id: string, symbol = 'BTCUSDT', side: 'BOTH' | 'LONG' | 'SHORT' = 'BOTH') =>
  acc(ex, id).positions.get(`${symbol}:${side}`);

describe('engine: the seed articles’ switching rules', () => {
  it('"close positions and cancel orders first": margin type cannot change with an open order (-4047) or a position (-4048)', () => {
    const ex = setup();
    ok(ex, order('user', 'BUY', '0.01', '59000'));
    rejected(
      ex,
      { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' },
      -4047,
      'Margin type cannot be changed if there exists open orders.',
    );
    ok(ex, { type: 'cancelAllOrders', time: t(), accountId: 'user', symbol: 'BTCUSDT' });
    ok(ex, order('mm', 'SELL', '0.01', '60000'));
    ok(ex, order('user', 'BUY', '0.01'));
    rejected(
      ex,
      { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' },
      -4048,
      'Margin type cannot be changed if there exists position.',
    );
    ok(ex, order('mm', 'BUY', '0.01', '60000'));
    ok(ex, order('user', 'SELL', '0.01', undefined, { reduceOnly: true }));
    assert.ok(pos(ex, 'user')?.amt.isZero());
    ok(ex, { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' });
    rejected(
      ex,
      { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' },
      -4046,
      'No need to change margin type.',
    );
  });

  it('"each pair is set independently": BTC isolated and ETH cross, leverage per symbol', () => {
    const ex = setup();
    ok(ex, { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' });
    ok(ex, { type: 'setLeverage', time: t(), accountId: 'user', symbol: 'ETHUSDT', leverage: 5 });
    assert.deepEqual(acc(ex, 'user').settings.get('BTCUSDT'), { leverage: 20, marginType: 'ISOLATED' });
    assert.deepEqual(acc(ex, 'user').settings.get('ETHUSDT'), { leverage: 5, marginType: 'CROSSED' });
    // an ETH position does not block switching BTC back
    ok(ex, { ...order('mm', 'SELL', '1', '3000'), symbol: 'ETHUSDT' });
    ok(ex, { ...order('user', 'BUY', '1'), symbol: 'ETHUSDT' });
    ok(ex, { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'CROSSED' });
  });

  it('"add margin pushes the liquidation price away": isolated long 0.5 @ 60,000 at 20x, +500 USDT', () => {
    const ex = setup();
    ok(ex, { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' });
    ok(ex, order('mm', 'SELL', '0.5', '60000'));
    ok(ex, order('user', 'BUY', '0.5'));
    const p = pos(ex, 'user');
    assert.ok(p);
    assert.equal(p.isolatedWallet.toString(), '1500', 'IM = 0.5 × 60,000 / 20 moved into the isolated wallet');
    const btc = (builtinInstruments().get('BTCUSDT') as Instrument).brackets;
    const lp = () => liquidationPrice([{ positionAmt: p.amt, entryPrice: entryPrice(p), brackets: btc }], p.isolatedWallet, dec('60000'));
    assert.equal(lp().toFixed(4), '57228.9157', 'spec Example A');
    const cross = acc(ex, 'user').crossWallet;
    const r = ok(ex, { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'BTCUSDT', amount: '500', marginType: 1 });
    assert.deepEqual(r.result, { amount: '500', code: 200, msg: 'Successfully modify position margin.', type: 1 });
    assert.equal(p.isolatedWallet.toString(), '2000');
    assert.equal(acc(ex, 'user').crossWallet.toString(), cross.sub(dec('500')).toString());
    // (2,000 − 30,000) / (0.5 × 0.004 − 0.5) = 56,224.90
    assert.equal(lp().toFixed(2), '56224.90');
    // remove margin: at most min(iso − MM, iso + uPnL − IM) = min(2000 − 120, 2000 − 1500) = 500
    rejected(ex, { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'BTCUSDT', amount: '500.01', marginType: 2 }, -4051);
    ok(ex, { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'BTCUSDT', amount: '500', marginType: 2 });
    assert.equal(lp().toFixed(4), '57228.9157');
    rejected(ex, { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'ETHUSDT', amount: '1', marginType: 1 }, -4049);
    rejected(ex, { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'BTCUSDT', amount: '0', marginType: 1 }, -4055);
    rejected(ex, { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'BTCUSDT', amount: '999999', marginType: 1 }, -4050);
  });

  it('spec §6.1 example: max removable 475 at mark 61,000', () => {
    const ex = setup();
    ok(ex, { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' });
    ok(ex, order('mm', 'SELL', '0.5', '60000'));
    ok(ex, order('user', 'BUY', '0.5'));
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '61000' });
    rejected(
      ex,
      { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'BTCUSDT', amount: '475.00000001', marginType: 2 },
      -4051,
    );
    ok(ex, { type: 'modifyIsolatedMargin', time: t(), accountId: 'user', symbol: 'BTCUSDT', amount: '475', marginType: 2 });
  });

  it('position mode: -4059 unchanged, -4067 with open orders, -4068 with a position; hedge needs LONG/SHORT (-4061)', () => {
    const ex = setup();
    rejected(
      ex,
      { type: 'setPositionMode', time: t(), accountId: 'user', dualSidePosition: false },
      -4059,
      'No need to change position side.',
    );
    ok(ex, order('user', 'BUY', '0.01', '59000'));
    rejected(ex, { type: 'setPositionMode', time: t(), accountId: 'user', dualSidePosition: true }, -4067);
    ok(ex, { type: 'cancelAllOrders', time: t(), accountId: 'user', symbol: 'BTCUSDT' });
    ok(ex, order('mm', 'SELL', '0.01', '60000'));
    ok(ex, order('user', 'BUY', '0.01'));
    rejected(ex, { type: 'setPositionMode', time: t(), accountId: 'user', dualSidePosition: true }, -4068);
    ok(ex, order('mm', 'BUY', '0.01', '60000'));
    ok(ex, order('user', 'SELL', '0.01'));
    ok(ex, { type: 'setPositionMode', time: t(), accountId: 'user', dualSidePosition: true });
    rejected(ex, order('user', 'BUY', '0.01', '59000'), -4061);
    rejected(ex, order('user', 'BUY', '0.01', '59000', { positionSide: 'LONG', reduceOnly: true }), -4062);
    ok(ex, order('user', 'BUY', '0.01', '59000', { positionSide: 'LONG' }));
  });

  it('leverage: -4028 out of range, -2027 above the bracket cap, maxNotionalValue per spec §2.2', () => {
    const ex = setup();
    rejected(
      ex,
      { type: 'setLeverage', time: t(), accountId: 'user', symbol: 'BTCUSDT', leverage: 126 },
      -4028,
      'Leverage 126 is not valid',
    );
    rejected(ex, { type: 'setLeverage', time: t(), accountId: 'user', symbol: 'BTCUSDT', leverage: 0 }, -4028);
    const r = ok(ex, { type: 'setLeverage', time: t(), accountId: 'user', symbol: 'BTCUSDT', leverage: 125 });
    assert.deepEqual(r.result, { leverage: 125, maxNotionalValue: '50000', symbol: 'BTCUSDT' });
    assert.equal(r.events[0]?.e, 'ACCOUNT_CONFIG_UPDATE');
    rejected(ex, order('user', 'BUY', '1', '59000'), -2027, 'Exceeded the maximum allowable position at current leverage.');
  });
});

describe('engine: orders, matching, fees and positions', () => {
  it('price-time priority, partial fills, maker/taker fees on fill notional', () => {
    const ex = setup({ a: '100000', b: '100000', c: '100000' });
    ok(ex, order('a', 'SELL', '0.1', '60010'));
    ok(ex, order('b', 'SELL', '0.1', '60000'));
    ok(ex, order('c', 'SELL', '0.1', '60000'));
    const r = ok(ex, order('a', 'BUY', '0.15', '60010', { selfTradePreventionMode: 'NONE' }));
    const trades = r.events.filter((e) => e.e === 'TRADE');
    assert.deepEqual(
      trades.map((e) => (e.e === 'TRADE' ? [e.p, e.q] : [])),
      [
        ['60000', '0.1'],
        ['60000', '0.05'],
      ],
      'best price first, then time',
    );
    assert.equal(pos(ex, 'b')?.amt.toString(), '-0.1');
    assert.equal(pos(ex, 'c')?.amt.toString(), '-0.05');
    assert.equal(pos(ex, 'a')?.amt.toString(), '0.15');
    // fees: maker 0.02 %, taker 0.05 % of 6,000 and 3,000
    assert.equal(acc(ex, 'b').commission.toString(), '1.2');
    assert.equal(acc(ex, 'c').commission.toString(), '0.6');
    assert.equal(acc(ex, 'a').commission.toString(), '4.5');
    assert.equal(ex.feesCollected.toString(), '6.3');
  });

  it('a taker that adds to its cross leg over several fills pays each fill its own rounded fee', () => {
    // a taker rate of 6 significant places makes every fee round at 8 places; the taker's fills are
    // applied to its account at once (exchange.ts takerSums): the sums must equal fill by fill
    const ex = setup({ m1: '100000', m2: '100000', m3: '100000' });
    ok(ex, { type: 'createAccount', time: t(), accountId: 'tk', takerCommissionRate: '0.00012345' });
    ok(ex, { type: 'deposit', time: t(), accountId: 'tk', asset: 'USDT', amount: '10000' });
    ok(ex, order('m1', 'SELL', '0.002', '60000'));
    ok(ex, order('tk', 'BUY', '0.002', '60000', { timeInForce: 'IOC' }));
    const wallet = acc(ex, 'tk').crossWallet;
    const commission = acc(ex, 'tk').commission;
    const collected = ex.feesCollected;
    const makes: [string, string, string][] = [
      ['m1', '0.001', '60000.1'],
      ['m2', '0.003', '60000.7'],
      ['m3', '0.002', '60001.3'],
    ];
    for (const [id, q, p] of makes) ok(ex, order(id, 'SELL', q, p));
    const r = ok(ex, order('tk', 'BUY', '0.006', '60002', { timeInForce: 'IOC' }));
    const takerFees = makes.map(([, q, p]) => dec(q).mul(dec(p)).mul(dec('0.00012345')).round(8, 'HALF_UP'));
    const makerFees = makes.map(([, q, p]) => dec(q).mul(dec(p)).mul(dec('0.0002')).round(8, 'HALF_UP'));
    assert.deepEqual(
      takerFees.map((f) => f.toString()),
      ['0.00740701', '0.02222126', '0.01481432'],
    );
    const fills = r.events.filter((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.x === 'TRADE' && e.accountId === 'tk');
    assert.deepEqual(
      fills.map((e) => (e.e === 'ORDER_TRADE_UPDATE' ? [e.o.l, e.o.L, e.o.n, e.o.rp] : [])),
      makes.map(([, q, p], i) => [q, p, takerFees[i]?.toString(), '0']),
    );
    const takerSum = Decimal.sum(takerFees);
    assert.equal(acc(ex, 'tk').crossWallet.toString(), wallet.sub(takerSum).toString());
    assert.equal(acc(ex, 'tk').commission.toString(), commission.add(takerSum).toString());
    assert.equal(ex.feesCollected.toString(), collected.add(takerSum).add(Decimal.sum(makerFees)).toString());
    assert.equal(pos(ex, 'tk')?.amt.toString(), '0.008');
    assert.equal(pos(ex, 'tk')?.cost.toString(), '480.0048', '120 + 60.0001 + 180.0021 + 120.0026');
    const update = r.events.find((e) => e.e === 'ACCOUNT_UPDATE' && e.accountId === 'tk');
    assert.ok(update?.e === 'ACCOUNT_UPDATE');
    assert.equal(update.a.B[0]?.cw, acc(ex, 'tk').crossWallet.toString());
    assert.equal(update.a.P[0]?.pa, '0.008');
  });

  it('average entry on increase, realized PnL on reduce, flip through zero (one-way)', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.2', '60000'));
    ok(ex, order('mm', 'SELL', '0.1', '60300'));
    ok(ex, order('user', 'BUY', '0.3', '60300'));
    const p = pos(ex, 'user');
    assert.equal(entryPrice(p!).toString(), '60100');
    ok(ex, order('mm', 'BUY', '0.5', '61000'));
    const before = acc(ex, 'user').realizedPnl;
    const r = ok(ex, order('user', 'SELL', '0.5'));
    assert.equal(acc(ex, 'user').realizedPnl.sub(before).toString(), '270', '0.3 × (61,000 − 60,100)');
    assert.equal(p!.amt.toString(), '-0.2', 'flipped short');
    assert.equal(entryPrice(p!).toString(), '61000');
    const tu = r.events.find((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.x === 'TRADE' && e.accountId === 'user');
    assert.ok(tu && tu.e === 'ORDER_TRADE_UPDATE' && tu.o.rp === '270');
  });

  it('isolated: IM moves into the position on increase and is released pro rata on reduce', () => {
    const ex = setup();
    isolatedAt(ex, 'user', 10);
    ok(ex, order('mm', 'SELL', '1', '60000'));
    ok(ex, order('user', 'BUY', '1'));
    const a = acc(ex, 'user');
    assert.equal(pos(ex, 'user')?.isolatedWallet.toString(), '6000');
    assert.equal(a.crossWallet.toString(), '3970', '10,000 − 6,000 IM − 30 taker fee');
    ok(ex, order('mm', 'BUY', '0.5', '61000'));
    ok(ex, order('user', 'SELL', '0.5'));
    // closing half: +500 PnL, fee 15.25 → iso 6,484.75, half released
    assert.equal(pos(ex, 'user')?.isolatedWallet.toString(), '3242.375');
    assert.equal(a.crossWallet.toString(), '7212.375');
    ok(ex, order('mm', 'BUY', '0.5', '61000'));
    ok(ex, order('user', 'SELL', '0.5'));
    assert.equal(pos(ex, 'user')?.isolatedWallet.toString(), '0');
    assert.equal(a.crossWallet.toString(), '10939.5', '10,000 + 1,000 PnL − 60.5 fees');
  });

  it('a fill after a leverage change or a position-mode round trip uses the settings and the leg as they are now', () => {
    const ex = setup();
    isolatedAt(ex, 'user', 10);
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    assert.equal(pos(ex, 'user')?.isolatedWallet.toString(), '600', '6,000 notional at 10x');
    // with the position open: the next fill's initial margin is at 20x (300, not 600)
    ok(ex, { type: 'setLeverage', time: t(), accountId: 'user', symbol: 'BTCUSDT', leverage: 20 });
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    assert.equal(pos(ex, 'user')?.isolatedWallet.toString(), '900');
    // flat, to hedge mode and back: the empty legs are dropped each way, and a new fill opens a leg the
    // account holds (a dropped one would trade unseen)
    ok(ex, order('mm', 'BUY', '0.2', '60000'));
    ok(ex, order('user', 'SELL', '0.2'));
    ok(ex, { type: 'setPositionMode', time: t(), accountId: 'user', dualSidePosition: true });
    assert.equal(pos(ex, 'user'), undefined);
    ok(ex, { type: 'setPositionMode', time: t(), accountId: 'user', dualSidePosition: false });
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    assert.equal(pos(ex, 'user')?.amt.toString(), '0.1');
    assert.equal(pos(ex, 'user')?.isolatedWallet.toString(), '300');
    assert.equal(acc(ex, 'user').positions.size, 1);
  });

  it('money is booked at 8 places: fees, isolated margin, funding (the fund takes the rounding)', () => {
    const ex = setup({ mm: '10000000', a: '100000', b: '100000', c: '100000' });
    // ETHUSDT: 0.003 × 3,000.01 = 9.00003; taker 0.05 % = 0.004500015 → 0.00450002, maker 0.02 % = 0.001800006 → 0.00180001
    ok(ex, { ...order('mm', 'SELL', '0.003', '3000.01'), symbol: 'ETHUSDT' });
    ok(ex, { ...order('a', 'BUY', '0.003', '3000.01'), symbol: 'ETHUSDT' });
    assert.equal(acc(ex, 'a').commission.toString(), '0.00450002');
    assert.equal(acc(ex, 'mm').commission.toString(), '0.00180001');
    assert.equal(ex.feesCollected.toString(), '0.00630003');
    // isolated at 3x: 0.013 × 60,000.5 / 3 = 260.0021666… moves into the position rounded up
    isolatedAt(ex, 'b', 3);
    ok(ex, order('mm', 'SELL', '0.013', '60000.5'));
    ok(ex, order('b', 'BUY', '0.013', '60000.5'));
    assert.equal(pos(ex, 'b')?.isolatedWallet.toString(), '260.00216667');
    assert.equal(acc(ex, 'b').crossWallet.toString(), '99739.60783008', '100,000 − 260.00216667 IM − 0.39000325 taker fee');
    // funding at rate 0.0001234567 on mark 60,000: b long 0.013 pays 0.096296226, c long 0.003 pays
    // 0.022222206, mm short 0.016 receives 0.118518432; booked at 8 places they leave −0.00000001
    ok(ex, order('mm', 'SELL', '0.003', '60000'));
    ok(ex, order('c', 'BUY', '0.003', '60000'));
    ok(ex, { type: 'setFundingRate', time: t(), symbol: 'BTCUSDT', fundingRate: '0.0001234567' });
    ok(ex, { type: 'settleFunding', time: t(), symbol: 'BTCUSDT' });
    assert.equal(acc(ex, 'b').funding.toString(), '-0.09629623');
    assert.equal(pos(ex, 'b')?.isolatedWallet.toString(), '259.90587044', 'an isolated position pays from its isolated wallet');
    assert.equal(acc(ex, 'c').funding.toString(), '-0.02222221');
    assert.equal(acc(ex, 'mm').funding.toString(), '0.11851843');
    assert.equal(acc(ex, INSURANCE_FUND_ID).funding.toString(), '0.00000001', 'the fund takes what rounding leaves');
    let sum = Decimal.ZERO;
    for (const x of ex.accounts.values()) sum = sum.add(x.funding);
    assert.equal(sum.toString(), '0');
    for (const x of ex.accounts.values()) assert.ok(x.crossWallet.normalize().e <= 8, `${x.accountId}: ${x.crossWallet.toString()}`);
  });

  it('-2019 when the order cost does not fit, nothing changed; reduce-only needs no margin', () => {
    const ex = setup({ mm: '10000000', user: '100' });
    rejected(ex, order('user', 'BUY', '0.04', '59000'), -2019, 'Margin is insufficient.'); // 2,360 / 20 = 118 > 100
    ok(ex, order('user', 'BUY', '0.03', '59000')); // 88.5
    rejected(ex, order('user', 'BUY', '0.01', '59000'), -2019);
    // a sell order of the same size in one-way mode nets against the bid: no extra margin
    ok(ex, order('user', 'SELL', '0.03', '61000'));
    const s = marginSummary(viewOf(acc(ex, 'user')), ex.symbols);
    assert.equal(s.crossOrderMargin.toString(), '91.5', 'max(|0 + 1,770|, |0 − 1,830|) / 20');
  });

  it('time in force: IOC expires the rest, FOK all-or-nothing (-5021), GTX post-only (-5022); cancel (-2011)', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    const ioc = ok(ex, order('user', 'BUY', '0.3', '60000', { timeInForce: 'IOC' }));
    assert.equal((ioc.result as { status: string; executedQty: string }).status, 'EXPIRED');
    assert.equal((ioc.result as { executedQty: string }).executedQty, '0.1');
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    rejected(ex, order('user', 'BUY', '0.2', '60000', { timeInForce: 'FOK' }), -5021);
    rejected(ex, order('user', 'BUY', '0.01', '60000', { timeInForce: 'GTX' }), -5022);
    const gtx = ok(ex, order('user', 'BUY', '0.01', '59990', { timeInForce: 'GTX' }));
    const id = (gtx.result as { orderId: number }).orderId;
    ok(ex, { type: 'cancelOrder', time: t(), accountId: 'user', symbol: 'BTCUSDT', orderId: id });
    rejected(ex, { type: 'cancelOrder', time: t(), accountId: 'user', symbol: 'BTCUSDT', orderId: id }, -2011, 'Unknown order sent.');
    rejected(ex, { type: 'cancelOrder', time: t(), accountId: 'mm', symbol: 'BTCUSDT', orderId: 1 }, -2011);
  });

  it('an amend that would make a GTX order trade cancels it (Binance); one off the tick grid is refused and leaves it', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    const gtx = ok(ex, order('user', 'BUY', '0.01', '59990', { timeInForce: 'GTX' }));
    const id = (gtx.result as { orderId: number }).orderId;
    const amend = (price: string) => amendBuy(id, '0.01', price);
    rejected(ex, amend('60000.05'), -4014);
    ok(ex, amend('59995'));
    const r = ok(ex, amend('60000'));
    assert.equal((r.result as { status: string }).status, 'CANCELED');
    const update = r.events.find((e) => e.e === 'ORDER_TRADE_UPDATE');
    assert.ok(update && update.e === 'ORDER_TRADE_UPDATE' && update.o.x === 'CANCELED');
    assert.equal(acc(ex, 'user').openOrders.size, 0);
    assert.equal(r.events.filter((e) => e.e === 'TRADE').length, 0, 'nothing traded');
    assert.equal(ex.symbols.get('BTCUSDT')?.book.bestBid(), undefined);
  });

  it('filters: -1111 precision, -4014 tick, -4164 min notional, -4016/-4024 price band, -1121 symbol', () => {
    const ex = setup();
    rejected(ex, order('user', 'BUY', '0.0001', '60000'), -1111);
    rejected(ex, order('user', 'BUY', '0.01', '60000.005'), -1111);
    rejected(ex, order('user', 'BUY', '0.01', '60000.05'), -4014, 'Price not increased by tick size.');
    rejected(ex, { ...order('user', 'BUY', '0.01', '3000.015'), symbol: 'ETHUSDT' }, -1111);
    rejected(ex, order('user', 'BUY', '0.001', '4000.1'), -4164);
    rejected(ex, order('user', 'BUY', '0.01', '63000.1'), -4016);
    rejected(ex, order('user', 'SELL', '0.01', '56999.9'), -4024);
    rejected(ex, { ...order('user', 'BUY', '0.01', '1'), symbol: 'NOPEUSDT' }, -1121);
    rejected(ex, order('user', 'BUY', '-1', '60000'), -4003);
    rejected(ex, order('user', 'BUY', 'abc', '60000'), -1102);
    rejected(ex, order('nobody', 'BUY', '0.01', '60000'), -2015);
  });

  it('self-trade prevention: EXPIRE_TAKER by default, EXPIRE_MAKER cancels the resting order', () => {
    const ex = setup();
    ok(ex, order('user', 'SELL', '0.01', '60000'));
    const r = ok(ex, order('user', 'BUY', '0.01', '60000'));
    assert.equal((r.result as { status: string }).status, 'EXPIRED_IN_MATCH');
    assert.equal(acc(ex, 'user').openOrders.size, 1);
    ok(ex, order('user', 'BUY', '0.01', '60000', { selfTradePreventionMode: 'EXPIRE_MAKER' }));
    const open = [...acc(ex, 'user').openOrders.values()];
    assert.equal(open.length, 1);
    assert.equal(open[0]?.side, 'BUY', 'the resting sell expired, the buy rests');
  });

  it('self-trade prevention takes no effect on a FOK order (Binance: IOC, GTC and GTD only): it fills against its own order', () => {
    const ex = setup();
    ok(ex, order('user', 'SELL', '0.01', '60000'));
    const ioc = ok(ex, order('user', 'BUY', '0.01', '60000', { timeInForce: 'IOC', selfTradePreventionMode: 'EXPIRE_BOTH' }));
    assert.equal((ioc.result as { status: string }).status, 'EXPIRED_IN_MATCH', 'an IOC is stopped');
    ok(ex, order('user', 'SELL', '0.01', '60000'));
    const fok = ok(ex, order('user', 'BUY', '0.01', '60000', { timeInForce: 'FOK', selfTradePreventionMode: 'EXPIRE_BOTH' }));
    assert.equal((fok.result as { status: string }).status, 'FILLED');
    assert.equal(acc(ex, 'user').openOrders.size, 0, 'its own resting sell filled');
    assert.equal(pos(ex, 'user')?.amt.toString(), '0', 'buyer and seller at once: no position');
    assert.equal(acc(ex, 'user').commission.toString(), '0.42', 'both fees: 0.12 maker + 0.3 taker on 600');
  });

  it('self-trade (NONE) on an isolated short: the margin check applies the resting side first, as the fill does (-2019)', () => {
    // user: isolated short 0.758 @ 60,000 (IM 2,274 and fee 22.74 from a 3,000 wallet), then mark 62,000,
    // a resting reduce-only BUY 0.758 @ 62,000 and a MARKET SELL 0.758 that trades with it (STP NONE).
    // Filled maker side first (as executeFill does): the BUY closes the short and releases 748.6 to cross,
    // the SELL then opens a new short taking 2,349.80 + 23.50 fee: cross ≈ −921, refused.
    const ex = setup({ mm: '10000000', user: '3000' });
    ok(ex, { type: 'setMarginType', time: t(), accountId: 'user', symbol: 'BTCUSDT', marginType: 'ISOLATED' });
    ok(ex, order('mm', 'BUY', '0.758', '60000'));
    ok(ex, order('user', 'SELL', '0.758'));
    assert.equal(acc(ex, 'user').crossWallet.toString(), '703.26');
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '62000' });
    ok(ex, order('user', 'BUY', '0.758', '62000', { reduceOnly: true }));
    rejected(ex, order('user', 'SELL', '0.758', undefined, { selfTradePreventionMode: 'NONE' }), -2019, 'Margin is insufficient.');
    // a smaller self-trade fits: 0.1 closes and reopens 0.1 of the short
    const r = ok(ex, order('user', 'SELL', '0.100', undefined, { selfTradePreventionMode: 'NONE' }));
    assert.equal((r.result as { status: string }).status, 'FILLED');
    assert.ok(!marginSummary(viewOf(acc(ex, 'user')), ex.symbols).available.isNegative());
  });

  it('a resting reduce-only order expires when its position closes or flips, and never fills past the position', () => {
    const ex = setup({ mm: '10000000', user: '100000', other: '100000' });
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1')); // long 0.1
    const ro = (qty: string, price: string) =>
      (ok(ex, order('user', 'SELL', qty, price, { reduceOnly: true })).result as { orderId: number }).orderId;
    const status = (id: number) => ex.orders.get(id)?.status;

    // 1. the user closes the long at market: the reduce-only SELL at 61,000 expires with it
    const first = ro('0.1', '61000');
    ok(ex, order('mm', 'BUY', '1', '59900'));
    const closed = ok(ex, order('user', 'SELL', '0.1'));
    assert.equal(pos(ex, 'user')?.amt.toString(), '0');
    assert.equal(status(first), 'EXPIRED');
    const expiry = closed.events.find((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.i === first);
    assert.ok(expiry && expiry.e === 'ORDER_TRADE_UPDATE' && expiry.o.x === 'EXPIRED' && expiry.o.R);
    // before, a later buyer at 61,000 would have filled it and opened a short
    ok(ex, order('other', 'BUY', '0.1', '61000', { timeInForce: 'IOC' }));
    assert.equal(pos(ex, 'user')?.amt.toString(), '0');

    // 2. long 0.1 and a reduce-only SELL 0.1; half the long is sold at market, then a buyer takes 0.1:
    //    the reduce-only order fills 0.05 (the long), its other 0.05 expires, the buyer's rest goes on
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const second = ro('0.1', '60500');
    ok(ex, order('mm', 'SELL', '0.2', '60600'));
    ok(ex, order('user', 'SELL', '0.05'));
    const take = ok(ex, order('other', 'BUY', '0.1', '60600'));
    assert.equal(pos(ex, 'user')?.amt.toString(), '0', 'closed, not flipped');
    assert.equal(ex.orders.get(second)?.executedQty.toString(), '0.05');
    assert.equal(status(second), 'EXPIRED');
    const fills = take.events.flatMap((e) =>
      e.e === 'ORDER_TRADE_UPDATE' && e.o.x === 'TRADE' && e.o.m ? [`${e.accountId} ${e.o.l}@${e.o.L}`] : [],
    );
    assert.deepEqual(fills, ['user 0.05@60500', 'mm 0.05@60600']);

    // 3. long 0.1 with a reduce-only SELL 0.05; a market SELL 0.2 flips it to short 0.1: the order would
    //    now add to the short, and expires
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const third = ro('0.05', '61000');
    ok(ex, order('user', 'SELL', '0.2'));
    assert.equal(pos(ex, 'user')?.amt.toString(), '-0.1');
    assert.equal(status(third), 'EXPIRED');
  });

  it('hedge mode: a resting close order of a leg expires when the leg closes', () => {
    const ex = setup({ mm: '10000000', user: '100000' });
    ok(ex, { type: 'setPositionMode', time: t(), accountId: 'user', dualSidePosition: true });
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1', undefined, { positionSide: 'LONG' }));
    const close = ok(ex, order('user', 'SELL', '0.1', '61000', { positionSide: 'LONG' }));
    const id = (close.result as { orderId: number }).orderId;
    ok(ex, order('mm', 'BUY', '1', '59900'));
    ok(ex, order('user', 'SELL', '0.1', undefined, { positionSide: 'LONG' }));
    assert.equal(pos(ex, 'user', 'BTCUSDT', 'LONG')?.amt.toString(), '0');
    assert.equal(ex.orders.get(id)?.status, 'EXPIRED');
  });

  it('withdraw is limited by max withdrawable (-2018)', () => {
    const ex = setup({ mm: '1000000', user: '1000' });
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const max = marginSummary(viewOf(acc(ex, 'user')), ex.symbols).maxWithdraw;
    rejected(
      ex,
      { type: 'withdraw', time: t(), accountId: 'user', asset: 'USDT', amount: max.add(dec('0.00000001')).round(8, 'UP').toString() },
      -2018,
    );
    ok(ex, { type: 'withdraw', time: t(), accountId: 'user', asset: 'USDT', amount: max.round(8, 'DOWN').toString() });
    assert.ok(Decimal.ZERO.lte(marginSummary(viewOf(acc(ex, 'user')), ex.symbols).available));
  });

  it('amend: price change loses queue place, quantity decrease keeps it, crossing amend trades, qty ≤ filled cancels', () => {
    const ex = setup({ a: '100000', b: '100000', c: '100000' });
    const id = (r: Result) => (r.ok ? (r.result as { orderId: number }).orderId : -1);
    const a1 = id(ok(ex, order('a', 'SELL', '0.1', '60010')));
    ok(ex, order('b', 'SELL', '0.1', '60010'));
    // a reduces its quantity: keeps first place
    const amend = ok(ex, {
      type: 'modifyOrder',
      time: t(),
      accountId: 'a',
      symbol: 'BTCUSDT',
      orderId: a1,
      side: 'SELL',
      quantity: '0.05',
      price: '60010',
    });
    assert.equal((amend.result as { origQty: string }).origQty, '0.05');
    assert.ok(amend.events.some((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.x === 'AMENDMENT'));
    let r = ok(ex, order('c', 'BUY', '0.05', '60010'));
    assert.ok(
      r.events.some((e) => e.e === 'ORDER_TRADE_UPDATE' && e.accountId === 'a' && e.o.X === 'FILLED'),
      'a still had priority',
    );
    // b moves away and back: goes behind a new order at that price
    const b2 = id(ok(ex, order('b', 'SELL', '0.1', '60020')));
    const a2 = id(ok(ex, order('a', 'SELL', '0.1', '60020')));
    const bFirst = [...acc(ex, 'b').openOrders.values()].find((o) => o.price.toString() === '60010');
    assert.ok(bFirst);
    ok(ex, {
      type: 'modifyOrder',
      time: t(),
      accountId: 'b',
      symbol: 'BTCUSDT',
      orderId: b2,
      side: 'SELL',
      quantity: '0.1',
      price: '60030',
    });
    ok(ex, {
      type: 'modifyOrder',
      time: t(),
      accountId: 'b',
      symbol: 'BTCUSDT',
      orderId: b2,
      side: 'SELL',
      quantity: '0.1',
      price: '60020',
    });
    ok(ex, { type: 'cancelOrder', time: t(), accountId: 'b', symbol: 'BTCUSDT', orderId: bFirst.orderId });
    r = ok(ex, order('c', 'BUY', '0.1', '60020'));
    assert.ok(
      r.events.some((e) => e.e === 'ORDER_TRADE_UPDATE' && e.accountId === 'a' && e.o.i === a2 && e.o.X === 'FILLED'),
      'a is ahead of the re-priced b',
    );
    // an amend that crosses trades at once
    const c1 = id(ok(ex, order('c', 'BUY', '0.1', '59000')));
    r = ok(ex, {
      type: 'modifyOrder',
      time: t(),
      accountId: 'c',
      symbol: 'BTCUSDT',
      orderId: c1,
      side: 'BUY',
      quantity: '0.1',
      price: '60020',
    });
    assert.equal((r.result as { status: string }).status, 'FILLED');
    // partial fill then amend to ≤ filled → canceled
    const a3 = id(ok(ex, order('a', 'SELL', '0.1', '60100')));
    ok(ex, order('c', 'BUY', '0.04', '60100'));
    r = ok(ex, {
      type: 'modifyOrder',
      time: t(),
      accountId: 'a',
      symbol: 'BTCUSDT',
      orderId: a3,
      side: 'SELL',
      quantity: '0.04',
      price: '60100',
    });
    assert.equal((r.result as { status: string }).status, 'CANCELED');
    rejected(
      ex,
      { type: 'modifyOrder', time: t(), accountId: 'a', symbol: 'BTCUSDT', orderId: a3, side: 'SELL', quantity: '0.1', price: '60100' },
      -2013,
    );
  });

  it("amend errors have Binance's codes: -5027 same order, -5025 not a LIMIT order, -5029 notional too small; -5039 bad STP mode", () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const limit = ok(ex, order('user', 'BUY', '0.01', '59000'));
    const id = (limit.result as { orderId: number }).orderId;
    rejected(ex, amendBuy(id, '0.01', '59000'), -5027, 'No need to modify the order.');
    rejected(ex, amendBuy(id, '0.010', '59000.0'), -5027);
    const eth = ok(ex, { ...order('user', 'BUY', '0.002', '2990'), symbol: 'ETHUSDT' });
    const ethId = (eth.result as { orderId: number }).orderId;
    // 0.001 × 2,990 = 2.99 < 5 (a new order's error would be -4164)
    rejected(ex, { ...amendBuy(ethId, '0.001', '2990'), symbol: 'ETHUSDT' }, -5029, "Order's notional must be no smaller than 5");
    ok(ex, amendBuy(id, '0.01', '59000.1'));
    const stop = ok(ex, order('user', 'BUY', '0.01', undefined, { orderType: 'STOP_MARKET', stopPrice: '61000' }));
    rejected(ex, amendBuy((stop.result as { orderId: number }).orderId, '0.01', '61000'), -5025, 'Only limit order is supported.');
    rejected(ex, order('user', 'BUY', '0.01', '59000', { selfTradePreventionMode: 'NEVER' as 'NONE' }), -5039);
  });

  it('an order can be amended 9,999 times: the 10,000th amend is -5026 (both paths), and a snapshot keeps the count', () => {
    for (const fastPath of [true, false]) {
      const ex = new Exchange(undefined, { fastPath });
      ok(ex, { type: 'createAccount', time: t(), accountId: 'user' });
      ok(ex, { type: 'deposit', time: t(), accountId: 'user', asset: 'USDT', amount: '100000' });
      ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '60000' });
      const id = (ok(ex, order('user', 'BUY', '0.01', '59000')).result as { orderId: number }).orderId;
      const amend = (i: number) => amendBuy(id, '0.01', i % 2 === 0 ? '59000.1' : '59000');
      for (let i = 0; i < 9_999; i++) ok(ex, amend(i));
      assert.equal(ex.orders.get(id)?.amendments, 9_999);
      const restored = restoreSnapshot(JSON.parse(JSON.stringify(takeSnapshot(ex))) as EngineSnapshot);
      for (const e of [ex, restored]) rejected(e, amend(9_999), -5026, 'Exceed maximum modify order limit.');
      ok(ex, { type: 'cancelOrder', time: t(), accountId: 'user', symbol: 'BTCUSDT', orderId: id });
    }
  });

  it('amend that needs more margin than available is refused with -2019 and the order stays as it was', () => {
    const ex = setup({ mm: '10000000', user: '100' });
    const r = ok(ex, order('user', 'BUY', '0.03', '59000'));
    const oid = (r.result as { orderId: number }).orderId;
    rejected(
      ex,
      { type: 'modifyOrder', time: t(), accountId: 'user', symbol: 'BTCUSDT', orderId: oid, side: 'BUY', quantity: '0.05', price: '59000' },
      -2019,
    );
    rejected(
      ex,
      {
        type: 'modifyOrder',
        time: t(),
        accountId: 'user',
        symbol: 'BTCUSDT',
        orderId: oid,
        side: 'SELL',
        quantity: '0.03',
        price: '59000',
      },
      -1102,
    );
    ok(ex, {
      type: 'modifyOrder',
      time: t(),
      accountId: 'user',
      symbol: 'BTCUSDT',
      orderId: oid,
      side: 'BUY',
      quantity: '0.02',
      price: '59500',
    });
  });

  it('conditional orders: STOP_MARKET closePosition on the mark, -2021 if already triggered, no margin reserved while waiting', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const before = marginSummary(viewOf(acc(ex, 'user')), ex.symbols).available;
    rejected(
      ex,
      order('user', 'SELL', '0', undefined, {
        orderType: 'STOP_MARKET',
        quantity: undefined,
        stopPrice: '60500',
        closePosition: true,
        workingType: 'MARK_PRICE',
      }),
      -2021,
      'Order would immediately trigger.',
    );
    const r = ok(
      ex,
      order('user', 'SELL', '0', undefined, {
        orderType: 'STOP_MARKET',
        quantity: undefined,
        stopPrice: '58000',
        closePosition: true,
        workingType: 'MARK_PRICE',
      }),
    );
    const stopId = (r.result as { orderId: number }).orderId;
    assert.equal((r.result as { stopPrice: string; closePosition: boolean }).stopPrice, '58000');
    assert.equal(
      marginSummary(viewOf(acc(ex, 'user')), ex.symbols).available.toString(),
      before.toString(),
      'a waiting stop reserves nothing',
    );
    ok(ex, order('mm', 'BUY', '0.5', '57900'));
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '58100' });
    assert.equal(pos(ex, 'user')?.amt.toString(), '0.1', 'not yet');
    const fired = ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '58000' });
    assert.equal(pos(ex, 'user')?.amt.toString(), '0', 'closed by the stop');
    const fill = fired.events.find((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.i === stopId && e.o.x === 'TRADE');
    assert.ok(fill && fill.e === 'ORDER_TRADE_UPDATE');
    assert.equal(fill.o.o, 'MARKET');
    assert.equal(fill.o.ot, 'STOP_MARKET');
    assert.equal(fill.o.L, '57900');
    assert.equal(ex.orders.get(stopId)?.status, 'FILLED');
  });

  it('the 11th waiting conditional order of a symbol is -4045 (maxNumAlgoOrders 10); other symbols and plain orders are not counted', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const stop = (stopPrice: string) =>
      order('user', 'SELL', '0.001', undefined, { orderType: 'STOP_MARKET', stopPrice, reduceOnly: true });
    for (let i = 0; i < 10; i++) ok(ex, stop(String(59000 - i * 10)));
    rejected(ex, stop('58000'), -4045, 'Reach max stop order limit.');
    ok(ex, order('user', 'BUY', '0.001', '50000')); // a LIMIT order is still accepted
    ok(ex, { ...stop('2900'), symbol: 'ETHUSDT', quantity: '0.01', reduceOnly: false }); // so is a stop on ETHUSDT
  });

  it('one waiting closePosition order per type and side: a second is -4130; a take-profit or the other side is not', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const close = (side: 'BUY' | 'SELL', orderType: 'STOP_MARKET' | 'TAKE_PROFIT_MARKET', stopPrice: string) =>
      order('user', side, '0', undefined, { orderType, quantity: undefined, stopPrice, closePosition: true });
    const sl = ok(ex, close('SELL', 'STOP_MARKET', '58000'));
    rejected(
      ex,
      close('SELL', 'STOP_MARKET', '57000'),
      -4130,
      'An open stop or take profit order with GTE and closePosition in the direction is existing.',
    );
    ok(ex, close('SELL', 'TAKE_PROFIT_MARKET', '62000'));
    rejected(ex, close('SELL', 'TAKE_PROFIT_MARKET', '63000'), -4130);
    ok(ex, close('BUY', 'STOP_MARKET', '62000'));
    // a plain stop (with a quantity) is not counted; once the first is cancelled, another may wait
    ok(ex, order('user', 'SELL', '0.05', undefined, { orderType: 'STOP_MARKET', stopPrice: '57500', reduceOnly: true }));
    ok(ex, { type: 'cancelOrder', time: t(), accountId: 'user', symbol: 'BTCUSDT', orderId: (sl.result as { orderId: number }).orderId });
    ok(ex, close('SELL', 'STOP_MARKET', '57000'));
  });

  it('TAKE_PROFIT (limit) on the last price: a trade at the stop sends it to the book', () => {
    const ex = setup({ mm: '10000000', user: '10000', other: '10000' });
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const r = ok(ex, order('user', 'SELL', '0.1', '61000', { orderType: 'TAKE_PROFIT', stopPrice: '61000', reduceOnly: true }));
    const id = (r.result as { orderId: number }).orderId;
    assert.equal(ex.symbols.get('BTCUSDT')?.book.bestAsk(), undefined, 'waiting outside the book');
    ok(ex, order('mm', 'SELL', '0.01', '61000'));
    ok(ex, order('other', 'BUY', '0.01', '61000'));
    assert.equal(ex.orders.get(id)?.type, 'LIMIT');
    assert.equal(ex.orders.get(id)?.status, 'NEW');
    assert.equal(ex.symbols.get('BTCUSDT')?.book.bestAsk(), 610000, 'resting at 61,000 (in ticks of 0.1)');
  });

  it('priceProtect: a protected stop waits while last and mark are more than triggerProtect (5 %) apart', () => {
    const run = (priceProtect: boolean) => {
      const ex = setup({ mm: '10000000', user: '10000', other: '10000' });
      ok(ex, order('mm', 'SELL', '0.1', '60000'));
      ok(ex, order('user', 'BUY', '0.1')); // the last price is now 60,000
      const r = ok(ex, order('user', 'SELL', '0', undefined, { ...CLOSE_LONG_AT_58000, priceProtect }));
      ok(ex, order('mm', 'BUY', '1', '57000'));
      // mark 57,100, last 60,000: 2,900 apart, 5.08 % of the mark (> 5 %)
      ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '57100' });
      return { ex, r, id: (r.result as { orderId: number }).orderId };
    };
    assert.equal(pos(run(false).ex, 'user')?.amt.toString(), '0', 'without the flag the stop fires');

    const { ex, r, id } = run(true);
    assert.equal((r.result as { priceProtect: boolean }).priceProtect, true, 'the answer shows the flag');
    const placed = r.events.find((e) => e.e === 'ORDER_TRADE_UPDATE');
    assert.ok(placed && placed.e === 'ORDER_TRADE_UPDATE' && placed.o.pP === true, 'so does the NEW update');
    assert.equal(pos(ex, 'user')?.amt.toString(), '0.1', 'with it the stop waits');
    assert.equal(ex.orders.get(id)?.status, 'NEW');
    // a trade at 57,000 makes that the last price, 100 from the mark: the stop fires in the same command
    const fired = ok(ex, order('other', 'SELL', '0.01', '57000'));
    assert.equal(pos(ex, 'user')?.amt.toString(), '0', 'fired once last and mark are close');
    const fill = fired.events.find((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.i === id && e.o.x === 'TRADE');
    assert.ok(fill && fill.e === 'ORDER_TRADE_UPDATE' && fill.o.pP === true, 'the triggered order keeps the flag');
  });

  it('priceProtect: the 5 % limit is inclusive; a bad flag is -1102; an unprotected order shows false', () => {
    const ex = setup({ mm: '10000000', user: '10000', other: '10000' });
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1')); // last 60,000
    rejected(ex, order('user', 'SELL', '0', undefined, { ...CLOSE_LONG_AT_58000, priceProtect: 'TRUE' as unknown as boolean }), -1102);
    const plain = ok(ex, order('user', 'BUY', '0.001', '50000'));
    assert.equal((plain.result as { priceProtect: boolean }).priceProtect, false);
    ok(ex, order('user', 'SELL', '0', undefined, { ...CLOSE_LONG_AT_58000, priceProtect: true }));
    ok(ex, order('mm', 'BUY', '1', '57000'));
    // 60,000 − 57,142.8 = 2,857.2 > 5 % of 57,142.8 (2,857.14): beyond the limit, the stop waits
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '57142.8' });
    assert.equal(pos(ex, 'user')?.amt.toString(), '0.1');
    // 60,000 − 57,142.9 = 2,857.1 ≤ 5 % of 57,142.9 (2,857.145): within the limit, the stop fires
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '57142.9' });
    assert.equal(pos(ex, 'user')?.amt.toString(), '0');
  });

  it('a mark-price trigger compares the mark cut down to the price precision (2 places for BTCUSDT)', () => {
    const ex = setup();
    ok(ex, order('mm', 'BUY', '0.1', '60000'));
    ok(ex, order('user', 'SELL', '0.1')); // short 0.1
    ok(ex, order('mm', 'SELL', '1', '59100'));
    const tp = {
      orderType: 'TAKE_PROFIT_MARKET',
      quantity: undefined,
      stopPrice: '59000',
      closePosition: true,
      workingType: 'MARK_PRICE',
    } as const;
    // a BUY take-profit triggers at a mark ≤ 59,000; 59,000.009 cuts down to 59,000.00: it would trigger at once
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '59000.009' });
    rejected(ex, order('user', 'BUY', '0', undefined, tp), -2021);
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '59000.01' });
    ok(ex, order('user', 'BUY', '0', undefined, tp));
    assert.equal(pos(ex, 'user')?.amt.toString(), '-0.1', 'waiting');
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '59000.004' });
    assert.equal(pos(ex, 'user')?.amt.toString(), '0', 'fired at a mark of 59,000.004');
  });

  it('TRAILING_STOP_MARKET: the activation price must lie beyond the working price (BUY below, SELL above), else -2021', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1')); // last 60,000; mark 60,000
    const trail = (side: 'BUY' | 'SELL', activationPrice: string, workingType: 'MARK_PRICE' | 'CONTRACT_PRICE' = 'CONTRACT_PRICE') =>
      order('user', side, '0.01', undefined, { orderType: 'TRAILING_STOP_MARKET', callbackRate: '1', activationPrice, workingType });
    rejected(ex, trail('SELL', '60000'), -2021, 'Order would immediately trigger.');
    rejected(ex, trail('SELL', '59990'), -2021);
    rejected(ex, trail('BUY', '60000'), -2021);
    ok(ex, trail('SELL', '60000.1'));
    ok(ex, trail('BUY', '59999.9'));
    // on the mark: 60,500 is above the last price but below the mark
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '61000' });
    ok(ex, trail('SELL', '60500'));
    rejected(ex, trail('SELL', '60500', 'MARK_PRICE'), -2021);
  });

  it('TRAILING_STOP_MARKET sell, callback 1 %: follows the high and fires 1 % below it', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    rejected(
      ex,
      order('user', 'SELL', '0.1', undefined, { orderType: 'TRAILING_STOP_MARKET', callbackRate: '11', reduceOnly: true }),
      -4071,
    );
    const r = ok(
      ex,
      order('user', 'SELL', '0.1', undefined, {
        orderType: 'TRAILING_STOP_MARKET',
        callbackRate: '1',
        workingType: 'MARK_PRICE',
        reduceOnly: true,
      }),
    );
    const id = (r.result as { orderId: number }).orderId;
    ok(ex, order('mm', 'BUY', '1', '61000'));
    for (const m of ['60500', '62000', '61500']) ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: m });
    assert.equal(ex.orders.get(id)?.trailExtreme?.toString(), '62000');
    assert.equal(pos(ex, 'user')?.amt.toString(), '0.1', '61,500 is above 62,000 × 0.99 = 61,380');
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '61380' });
    assert.equal(pos(ex, 'user')?.amt.toString(), '0');
    assert.equal(ex.orders.get(id)?.status, 'FILLED');
  });

  it('a triggered order that no longer fits expires (reduce-only stop with the position already gone)', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '60000'));
    ok(ex, order('user', 'BUY', '0.1'));
    const r = ok(
      ex,
      order('user', 'SELL', '0.1', undefined, {
        orderType: 'STOP_MARKET',
        stopPrice: '59000',
        reduceOnly: true,
        workingType: 'MARK_PRICE',
      }),
    );
    ok(ex, order('mm', 'BUY', '0.1', '60000'));
    ok(ex, order('user', 'SELL', '0.1'));
    const fired = ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '59000' });
    const id = (r.result as { orderId: number }).orderId;
    assert.equal(ex.orders.get(id)?.status, 'EXPIRED');
    assert.ok(fired.events.some((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.i === id && e.o.x === 'EXPIRED'));
    assert.equal(acc(ex, 'user').openOrders.size, 0);
  });

  it('market orders take liquidity only within marketTakeBound (5 %) of the mark: -4131 beyond it', () => {
    const ex = setup();
    ok(ex, order('mm', 'SELL', '0.1', '62900'));
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '59000' });
    rejected(ex, order('user', 'BUY', '0.01'), -4131);
    ok(ex, order('mm', 'SELL', '0.01', '61950'));
    const r = ok(ex, order('user', 'BUY', '0.05'));
    assert.equal((r.result as { executedQty: string }).executedQty, '0.01', 'stops at 59,000 × 1.05 = 61,950');
  });

  it('forgets closed orders after the retention (time or count, oldest first); open orders stay', () => {
    const ex = new Exchange(undefined, { retention: { closedOrders: 3, closedOrderMs: 60_000 } });
    ok(ex, { type: 'createAccount', time: t(), accountId: 'mm' });
    ok(ex, { type: 'deposit', time: t(), accountId: 'mm', asset: 'USDT', amount: '100000' });
    ok(ex, { type: 'setMarkPrice', time: t(), symbol: 'BTCUSDT', markPrice: '60000' });
    const resting = (ok(ex, order('mm', 'BUY', '0.01', '50000')).result as { orderId: number }).orderId;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (ok(ex, order('mm', 'BUY', '0.01', '50000')).result as { orderId: number }).orderId;
      ok(ex, { type: 'cancelOrder', time: t(), accountId: 'mm', symbol: 'BTCUSDT', orderId: id });
      ids.push(id);
    }
    // at most 3 closed orders are remembered: the two oldest cancelled ones are forgotten
    assert.deepEqual(
      ids.map((id) => ex.orders.has(id)),
      [false, false, true, true, true],
    );
    assert.equal(ex.orders.get(resting)?.status, 'NEW');
    // an hour later (engine time), any command lets the closed ones go; the open one stays
    ok(ex, { type: 'setMarkPrice', time: clock + 3_600_000, symbol: 'BTCUSDT', markPrice: '60000' });
    assert.deepEqual([...ex.orders.keys()], [resting]);
  });
});

describe('engine: GTD orders and price match', () => {
  it("countdownCancelAll: the symbol's orders are cancelled when the countdown runs out; a heartbeat restarts it, 0 stops it", () => {
    const ex = setup();
    const btc = (ok(ex, order('user', 'BUY', '0.01', '59000')).result as { orderId: number }).orderId;
    const stop = (
      ok(ex, order('user', 'BUY', '0.01', undefined, { orderType: 'STOP_MARKET', stopPrice: '61000' })).result as { orderId: number }
    ).orderId;
    const eth = (ok(ex, { ...order('user', 'BUY', '0.1', '2900'), symbol: 'ETHUSDT' }).result as { orderId: number }).orderId;
    const countdown = (countdownTime: number, symbol = 'BTCUSDT') =>
      ({ type: 'setCountdownCancelAll', time: t(), accountId: 'user', symbol, countdownTime }) as const;
    const start = clock + 1;
    assert.deepEqual(ok(ex, countdown(120_000)).result, { symbol: 'BTCUSDT', countdownTime: '120000' });
    assert.equal(ex.nextExpiry(), start + 120_000);
    // a heartbeat 30 s later moves the deadline
    clock = start + 30_000 - 1;
    ok(ex, countdown(120_000));
    assert.equal(ex.nextExpiry(), start + 150_000);
    assert.deepEqual(ok(ex, { type: 'expireOrders', time: start + 149_999 }).result, { expired: [], canceled: [] });
    const r = ok(ex, { type: 'expireOrders', time: start + 150_000 });
    assert.deepEqual(r.result, { expired: [], canceled: [btc, stop] }, 'the BTCUSDT orders, the waiting stop too');
    assert.deepEqual(
      r.events.map((e) => (e.e === 'ORDER_TRADE_UPDATE' ? `${e.o.i} ${e.o.x}/${e.o.X}` : e.e)),
      [`${btc} CANCELED/CANCELED`, `${stop} CANCELED/CANCELED`],
    );
    assert.deepEqual([...acc(ex, 'user').openOrders.keys()], [eth], 'ETHUSDT is another countdown');
    assert.equal(ex.nextExpiry(), undefined, 'a countdown runs out once');
    // 0 stops a countdown; bad values change nothing
    clock = start + 200_000;
    ok(ex, countdown(60_000, 'ETHUSDT'));
    ok(ex, countdown(0, 'ETHUSDT'));
    assert.equal(ex.nextExpiry(), undefined);
    rejected(ex, countdown(-1), -1102);
    rejected(ex, countdown(1.5), -1102);
    rejected(ex, countdown(1000, 'NOPEUSDT'), -1121);
  });

  it('GTD: goodTillDate cut to the second, Binance’s window (-5040), expiry by expireOrders at that time', () => {
    const ex = setup();
    const now = clock + 1;
    rejected(ex, order('user', 'BUY', '0.01', '59000', { timeInForce: 'GTD' }), -1102);
    rejected(ex, order('user', 'BUY', '0.01', '59000', { timeInForce: 'GTD', goodTillDate: now + 600_000 }), -5040);
    rejected(ex, order('user', 'BUY', '0.01', '59000', { timeInForce: 'GTD', goodTillDate: 253_402_300_799_000 }), -5040);
    const placed = ok(ex, order('user', 'BUY', '0.01', '59000', { timeInForce: 'GTD', goodTillDate: now + 3_600_123 }));
    const id = (placed.result as { orderId: number }).orderId;
    const gtd = Math.floor((now + 3_600_123) / 1000) * 1000;
    assert.equal((placed.result as { goodTillDate: number }).goodTillDate, gtd);
    assert.equal((placed.result as { timeInForce: string }).timeInForce, 'GTD');
    assert.equal(ex.nextExpiry(), gtd);
    // before its time nothing expires; at its time it does, as EXPIRED, and its margin is released
    assert.deepEqual(ok(ex, { type: 'expireOrders', time: gtd - 1 }).result, { expired: [], canceled: [] });
    const before = marginSummary(viewOf(acc(ex, 'user')), ex.symbols).available;
    const r = ok(ex, { type: 'expireOrders', time: gtd });
    assert.deepEqual(r.result, { expired: [id], canceled: [] });
    const update = r.events.find((e) => e.e === 'ORDER_TRADE_UPDATE');
    assert.equal(update?.e === 'ORDER_TRADE_UPDATE' && `${update.o.x}/${update.o.X}/${update.o.gtd}`, `EXPIRED/EXPIRED/${gtd}`);
    assert.equal(acc(ex, 'user').openOrders.size, 0);
    assert.ok(marginSummary(viewOf(acc(ex, 'user')), ex.symbols).available.gt(before));
    assert.equal(ex.nextExpiry(), undefined);
  });

  it('price match: OPPONENT / QUEUE levels of the book, -5041 on an empty level, never with a price', () => {
    const ex = setup();
    for (const p of ['60010', '60020', '60030', '60040', '60050']) ok(ex, order('mm', 'SELL', '0.01', p));
    for (const p of ['59990', '59980']) ok(ex, order('mm', 'BUY', '0.01', p));
    rejected(ex, order('user', 'BUY', '0.01', '59000', { priceMatch: 'QUEUE' }), -1106);
    rejected(ex, order('user', 'BUY', '0.01', undefined, { priceMatch: 'OPPONENT' }), -5038);
    rejected(ex, order('user', 'BUY', '0.01', undefined, { orderType: 'LIMIT', timeInForce: 'GTC', priceMatch: 'QUEUE_5' }), -5041);
    rejected(ex, order('user', 'BUY', '0.01', undefined, { orderType: 'LIMIT', priceMatch: 'BEST' as never }), -5037);
    // QUEUE: joins the best bid; OPPONENT_5: the fifth ask (and trades there, walking the asks up to it)
    const q = ok(ex, order('user', 'BUY', '0.01', undefined, { orderType: 'LIMIT', timeInForce: 'GTC', priceMatch: 'QUEUE' }));
    assert.equal((q.result as { price: string; priceMatch: string }).price, '59990');
    assert.equal((q.result as { priceMatch: string }).priceMatch, 'QUEUE');
    const o5 = ok(ex, order('user', 'BUY', '0.05', undefined, { orderType: 'LIMIT', timeInForce: 'IOC', priceMatch: 'OPPONENT_5' }));
    assert.equal((o5.result as { price: string }).price, '60050');
    assert.equal((o5.result as { executedQty: string }).executedQty, '0.05');
    // an amend may take its new price from the book too
    const qid = (q.result as { orderId: number }).orderId;
    ok(ex, order('mm', 'BUY', '0.01', '59995'));
    const moved = ok(ex, {
      type: 'modifyOrder',
      time: t(),
      accountId: 'user',
      symbol: 'BTCUSDT',
      orderId: qid,
      side: 'BUY',
      quantity: '0.01',
      priceMatch: 'QUEUE',
    });
    assert.equal((moved.result as { price: string }).price, '59995');
  });
});
