import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal } from '../core/decimal.js';
import { Exchange, type Command, type Order } from '../engine/index.js';
import type { UnstampedCommand } from './venue.js';
import { orderAck, orderResponse, orderView } from './views.js';

/** The responses as first defined: the query view without `time`, plus `cumQty`; ACK = that as accepted. */
function responseRef(ex: Exchange, o: Order): Record<string, unknown> {
  const rest = orderView(ex, o);
  delete rest['time'];
  return { ...rest, cumQty: rest['executedQty'] };
}

function ackRef(ex: Exchange, o: Order): Record<string, unknown> {
  const s = ex.symbols.get(o.symbol);
  const zeroQty = Decimal.ZERO.toFixed(s?.instrument.quantityPrecision ?? 0);
  return {
    ...responseRef(ex, o),
    status: 'NEW',
    avgPrice: Decimal.ZERO.toFixed(s?.instrument.pricePrecision ?? 0),
    executedQty: zeroQty,
    cumQty: zeroQty,
    cumQuote: '0',
    updateTime: o.time,
  };
}

test('order responses (RESULT, ACK) are the query view re-keyed: same fields, same order, same values', () => {
  const ex = new Exchange();
  let time = 1_000;
  const run = (c: UnstampedCommand) => {
    const r = ex.execute({ ...c, time: ++time } as Command);
    assert.ok(r.ok, JSON.stringify(r));
    return r.result as { orderId?: number } | undefined;
  };
  for (const id of ['maker', 'user']) {
    run({ type: 'createAccount', accountId: id });
    run({ type: 'deposit', accountId: id, asset: 'USDT', amount: '1000000' });
  }
  run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '60000' });
  run({
    type: 'placeOrder',
    accountId: 'maker',
    symbol: 'BTCUSDT',
    side: 'SELL',
    orderType: 'LIMIT',
    timeInForce: 'GTC',
    price: '60010',
    quantity: '1',
  });
  const ids = [
    run({ type: 'placeOrder', accountId: 'user', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.003' }),
    run({
      type: 'placeOrder',
      accountId: 'user',
      symbol: 'BTCUSDT',
      side: 'BUY',
      orderType: 'LIMIT',
      timeInForce: 'GTC',
      price: '59000',
      quantity: '0.01',
    }),
    run({
      type: 'placeOrder',
      accountId: 'user',
      symbol: 'BTCUSDT',
      side: 'SELL',
      orderType: 'TRAILING_STOP_MARKET',
      quantity: '0.003',
      callbackRate: '1',
    }),
  ].map((r) => r?.orderId as number);
  for (const id of ids) {
    const o = ex.orders.get(id) as Order;
    assert.equal(JSON.stringify(orderResponse(ex, o)), JSON.stringify(responseRef(ex, o)));
    assert.equal(JSON.stringify(orderAck(ex, o)), JSON.stringify(ackRef(ex, o)));
    assert.ok('time' in orderView(ex, o) && !('cumQty' in orderView(ex, o)));
  }
});
