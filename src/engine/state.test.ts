import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/index.js';
import { Exchange } from './exchange.js';
import {
  forgetLookups,
  hasClientOrderId,
  internedId,
  legOf,
  newAccount,
  newLimitOrder,
  newOrder,
  Touched,
  type EnginePosition,
} from './state.js';

const d = Decimal.parse;
const T = 1_700_000_000_000;

const limit = (orderId: number, clientOrderId: string | undefined) =>
  newLimitOrder(orderId, clientOrderId, 'u', 'BTCUSDT', 'BUY', 'GTC', d('60000'), 600000, d('0.01'), 'EXPIRE_TAKER', T);

describe('orders (state.ts)', () => {
  it('an order placed without a client order id has perpsim-<orderId>, spelled out when read', () => {
    const o = limit(42, undefined);
    assert.equal(o.clientOrderId, 'perpsim-42');
    assert.equal(o.givenClientOrderId, undefined);
    assert.equal(hasClientOrderId(o, 'perpsim-42'), true);
    assert.equal(hasClientOrderId(o, 'perpsim-4'), false);
    assert.equal(hasClientOrderId(o, '42'), false);
    const given = limit(43, 'my-id');
    assert.equal(given.clientOrderId, 'my-id');
    assert.equal(hasClientOrderId(given, 'my-id'), true);
    assert.equal(hasClientOrderId(given, 'perpsim-43'), false);
    // a client may pick an id of the default's form for itself
    const lookalike = limit(44, 'perpsim-7');
    assert.equal(hasClientOrderId(lookalike, 'perpsim-7'), true);
    assert.equal(hasClientOrderId(lookalike, 'perpsim-44'), false);
  });

  it("orders without conditional terms share them, and one order's trailing state never reaches another's", () => {
    const a = limit(1, undefined);
    const b = limit(2, undefined);
    assert.equal(a.stopPrice, Decimal.ZERO);
    assert.equal(a.workingType, 'CONTRACT_PRICE');
    assert.equal(a.goodTillDate, 0);
    a.trailActive = true;
    a.trailExtreme = d('61000');
    assert.equal(a.trailActive, true);
    assert.equal(a.trailExtreme?.toString(), '61000');
    assert.equal(b.trailActive, false);
    assert.equal(b.trailExtreme, undefined);
    assert.equal(limit(3, undefined).trailActive, false);
    const stop = newOrder({
      orderId: 4,
      clientOrderId: undefined,
      accountId: 'u',
      symbol: 'BTCUSDT',
      side: 'SELL',
      positionSide: 'BOTH',
      type: 'STOP_MARKET',
      price: Decimal.ZERO,
      ticks: 0,
      origQty: Decimal.ZERO,
      time: T,
      stopPrice: d('59000'),
      workingType: 'MARK_PRICE',
      closePosition: true,
    });
    assert.equal(stop.stopPrice.toString(), '59000');
    assert.equal(stop.workingType, 'MARK_PRICE');
    assert.equal(stop.closePosition, true);
    assert.equal(b.closePosition, false);
  });

  it('a new client order id equal to an open order’s default one is a duplicate (-4116), on every path', () => {
    const ex = new Exchange();
    ex.execute({ type: 'createAccount', time: T, accountId: 'u' });
    ex.execute({ type: 'deposit', time: T, accountId: 'u', asset: 'USDT', amount: '100000' });
    ex.execute({ type: 'setMarkPrice', time: T, symbol: 'BTCUSDT', markPrice: '60000' });
    const place = (over: Record<string, unknown>) =>
      ex.execute({
        type: 'placeOrder',
        time: T,
        accountId: 'u',
        symbol: 'BTCUSDT',
        side: 'BUY',
        orderType: 'LIMIT',
        quantity: '0.010',
        price: '59000',
        timeInForce: 'GTC',
        ...over,
      } as Parameters<Exchange['execute']>[0]);
    const first = place({});
    assert.ok(first.ok);
    const id = (first.result as { orderId: number }).orderId;
    const before = ex.stateHash();
    // a resting LIMIT order (the fast path), an IOC and a stop order (the general path)
    for (const over of [
      {},
      { timeInForce: 'IOC', price: '61000', side: 'SELL' },
      { orderType: 'STOP_MARKET', side: 'SELL', stopPrice: '58000', price: undefined },
    ]) {
      const r = place({ ...over, newClientOrderId: `perpsim-${id}` });
      assert.deepEqual(r.ok ? r : r.error, { code: -4116, msg: 'ClientOrderId is duplicated.' });
    }
    assert.equal(ex.stateHash(), before);
    // once it is closed, its id is free again; the order keeps it for queries
    assert.ok(ex.execute({ type: 'cancelOrder', time: T, accountId: 'u', symbol: 'BTCUSDT', orderId: id }).ok);
    const again = place({ newClientOrderId: `perpsim-${id}` });
    assert.ok(again.ok);
    assert.equal(ex.orders.get(id)?.clientOrderId, `perpsim-${id}`);
    // cancel by client order id finds the default one
    const third = place({});
    assert.ok(third.ok);
    const thirdId = (third.result as { orderId: number }).orderId;
    const c = ex.execute({ type: 'cancelOrder', time: T, accountId: 'u', symbol: 'BTCUSDT', origClientOrderId: `perpsim-${thirdId}` });
    assert.ok(c.ok);
    assert.equal((c.result as { orderId: number }).orderId, thirdId);
  });
});

describe('accounts (state.ts)', () => {
  it('keeps an account id as given, in one shared copy (the map key and the account hold the same text)', () => {
    for (const id of ['alice', 'acc0001', 'a-b_c', '42', 'x'.repeat(64)]) {
      const built = ['', id].join(''); // a string made at run time, as an id read from a request is
      assert.equal(internedId(built), id);
      assert.equal(newAccount(built, d('0.0002'), d('0.0005')).accountId, id);
    }
    const ex = new Exchange();
    ex.execute({ type: 'createAccount', time: T, accountId: ['bo', 'b'].join('') });
    assert.equal(ex.accounts.get('bob')?.accountId, 'bob');
    assert.deepEqual(
      [...ex.accounts.keys()].filter((k) => k === 'bob'),
      ['bob'],
    );
  });

  it('legOf answers the leg in the map, remembers it, and forgets it with forgetLookups', () => {
    const a = newAccount('u', d('0.0002'), d('0.0005'));
    const leg: EnginePosition = { symbol: 'BTCUSDT', positionSide: 'BOTH', amt: d('1'), cost: d('60000'), isolatedWallet: Decimal.ZERO };
    assert.equal(legOf(a, 'BTCUSDT:BOTH'), undefined);
    assert.equal(a.lookedUpLegKey, undefined, 'a missing leg is not remembered');
    a.positions.set('BTCUSDT:BOTH', leg);
    assert.equal(legOf(a, 'BTCUSDT:BOTH'), leg);
    assert.equal(a.lookedUpLeg, leg);
    // the map changes behind the cache's back: only forgetLookups makes the next lookup see it
    a.positions.delete('BTCUSDT:BOTH');
    forgetLookups(a);
    assert.equal(legOf(a, 'BTCUSDT:BOTH'), undefined);
  });
});

describe('the legs a trade touched (Touched)', () => {
  it('keeps each account once, in first-fill order, with each of its legs once, in first-change order', () => {
    const [x, y] = [newAccount('x', d('0'), d('0')), newAccount('y', d('0'), d('0'))];
    const leg = (symbol: string): EnginePosition => ({
      symbol,
      positionSide: 'BOTH',
      amt: Decimal.ZERO,
      cost: Decimal.ZERO,
      isolatedWallet: Decimal.ZERO,
    });
    const [xb, xe, yb] = [leg('BTCUSDT'), leg('ETHUSDT'), leg('BTCUSDT')];
    const t = new Touched();
    assert.equal(t.size, 0);
    t.add(y, yb);
    t.add(x, xb);
    t.add(y, yb);
    t.add(x, xe);
    t.add(x, xb);
    assert.equal(t.size, 2);
    assert.deepEqual(t.accounts, [y, x]);
    assert.deepEqual(t.legs, [[yb], [xb, xe]]);
  });
});
