import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../core/index.js';
import { Level } from './price-level.js';
import { newLimitOrder, type Order } from './state.js';

const order = (id: number): Order =>
  newLimitOrder(id, undefined, 'u', 'BTCUSDT', 'BUY', 'GTC', Decimal.parse('60000'), 600000, Decimal.parse('0.01'), 'EXPIRE_TAKER', 0);
const ids = (l: Level) => l.orders.map((o) => o.orderId);

describe('a price level and its queue (Level)', () => {
  it('keeps time priority past the orders it holds in its own fields: out of the head, the middle and the tail', () => {
    const os = Array.from({ length: 8 }, (_, i) => order(i + 1));
    const l = new Level(600000, os[0] as Order);
    for (const o of os.slice(1)) l.push(o);
    assert.equal(l.size, 8);
    assert.deepEqual(ids(l), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(l.remove(os[0] as Order), true); // the head: the fifth order moves into the fields
    assert.deepEqual(ids(l), [2, 3, 4, 5, 6, 7, 8]);
    assert.equal(l.remove(os[2] as Order), true); // from the fields
    assert.deepEqual(ids(l), [2, 4, 5, 6, 7, 8]);
    assert.equal(l.remove(os[6] as Order), true); // from the array's middle
    assert.deepEqual(ids(l), [2, 4, 5, 6, 8]);
    assert.equal(l.remove(os[7] as Order), true); // the tail
    assert.deepEqual(ids(l), [2, 4, 5, 6]);
    assert.equal(l.remove(os[7] as Order), false, 'an order not in the queue');
    l.push(os[0] as Order);
    assert.deepEqual(ids(l), [2, 4, 5, 6, 1]);
    assert.equal(l.indexOf(os[0] as Order), 4);
    assert.equal(l.order(4), os[0]);
  });

  it('puts a replacement in the replaced order’s place', () => {
    const [a, b, c, d] = [order(1), order(2), order(3), order(4)];
    const l = new Level(1, a);
    l.push(b);
    assert.equal(l.replace(b, c), true);
    assert.deepEqual(ids(l), [1, 3]);
    assert.equal(l.replace(d, a), false);
    assert.deepEqual(ids(l), [1, 3]);
  });

  it('behaves as an array queue under any pushes and removals (property)', () => {
    const pool = Array.from({ length: 12 }, (_, i) => order(i + 1));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 11 })), { maxLength: 80 }), (ops) => {
        const l = new Level(7, pool[0] as Order);
        const model: Order[] = [pool[0] as Order];
        for (const [push, k] of ops) {
          const o = pool[k] as Order;
          if (push && !model.includes(o)) {
            l.push(o);
            model.push(o);
          } else if (!push) {
            const i = model.indexOf(o);
            assert.equal(l.remove(o), i >= 0);
            if (i >= 0) model.splice(i, 1);
          }
          assert.equal(l.size, model.length);
          assert.deepEqual(l.orders, model);
          for (let i = 0; i < model.length; i++) assert.equal(l.order(i), model[i]);
        }
      }),
    );
  });
});
