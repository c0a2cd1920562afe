import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/index.js';
import { OrderBook } from './order-book.js';
import { newOrder, type Order } from './state.js';

let id = 0;
function order(side: 'BUY' | 'SELL', ticks: number): Order {
  id++;
  return newOrder({
    orderId: id,
    clientOrderId: `c${id}`,
    accountId: 'a',
    symbol: 'BTCUSDT',
    side,
    positionSide: 'BOTH',
    type: 'LIMIT',
    price: Decimal.fromUnits(BigInt(ticks), 1),
    ticks,
    origQty: Decimal.ONE,
    time: 0,
  });
}

describe('OrderBook', () => {
  it('keeps bids best-first (highest), asks best-first (lowest), FIFO within a level', () => {
    const b = new OrderBook();
    const [b1, b2, b3] = [order('BUY', 100), order('BUY', 102), order('BUY', 102)];
    const [a1, a2] = [order('SELL', 110), order('SELL', 105)];
    for (const o of [b1, b2, b3, a1, a2]) b.add(o);
    assert.deepEqual(
      b.bids.levels.map((l) => Number(l.ticks)),
      [102, 100],
    );
    assert.deepEqual(
      b.asks.levels.map((l) => Number(l.ticks)),
      [105, 110],
    );
    assert.deepEqual(
      b.bids.levels[0]?.orders.map((o) => o.orderId),
      [b2.orderId, b3.orderId],
    );
    assert.equal(b.bestBid(), 102);
    assert.equal(b.bestAsk(), 105);
  });

  it('removes orders and empty levels; replace keeps the queue place', () => {
    const b = new OrderBook();
    const [x, y, z] = [order('SELL', 105), order('SELL', 105), order('SELL', 107)];
    for (const o of [x, y, z]) b.add(o);
    const x2 = { ...x, origQty: Decimal.parse('0.5') };
    assert.ok(b.replace(x, x2));
    assert.deepEqual(
      b.asks.levels[0]?.orders.map((o) => o),
      [x2, y],
    );
    assert.ok(b.remove(x2));
    assert.ok(b.remove(y));
    assert.equal(b.bestAsk(), 107, 'the emptied level is gone');
    assert.equal(b.remove(y), false);
    assert.ok(b.remove(z));
    assert.equal(b.bestAsk(), undefined);
  });
});
