import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../core/index.js';
import { OrderIndex } from './order-index.js';
import { newOrder, type Order } from './state.js';

function order(orderId: number): Order {
  return newOrder({
    orderId,
    clientOrderId: `c${orderId}`,
    accountId: 'a',
    symbol: 'BTCUSDT',
    side: 'BUY',
    positionSide: 'BOTH',
    type: 'LIMIT',
    price: Decimal.ONE,
    ticks: 1,
    origQty: Decimal.ONE,
    time: 0,
  });
}

describe('OrderIndex', () => {
  it('answers as a map of orders by id does, and lists them in ascending id', () => {
    // ids mostly increasing (as the exchange hands them out), some old ones forgotten or replaced, a few far apart
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), gap: fc.integer({ min: 1, max: 3000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('far' as const), id: fc.integer({ min: 0, max: 2 ** 40 }) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('forget' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const index = new OrderIndex();
        const model = new Map<number, Order>();
        let next = 0;
        for (const o of ops) {
          const ids = [...model.keys()];
          if (o.kind === 'add' || o.kind === 'far') {
            const id = o.kind === 'add' ? (next += o.gap) : o.id;
            const x = order(id);
            index.set(id, x);
            model.set(id, x);
          } else if (ids.length > 0) {
            const id = ids[o.pick % ids.length] as number;
            if (o.kind === 'forget') assert.equal(index.delete(id), model.delete(id));
            else {
              const x = order(id);
              index.set(id, x);
              model.set(id, x);
            }
          }
          assert.equal(index.size, model.size);
        }
        for (const [id, x] of model) assert.equal(index.get(id), x);
        assert.equal(index.get(next + 1), undefined);
        assert.equal(index.get(-1), undefined);
        assert.equal(index.get(1.5), undefined);
        assert.equal(index.delete(next + 1), false);
        const ascending = [...model.keys()].sort((x, y) => x - y);
        assert.deepEqual([...index.keys()], ascending);
        assert.deepEqual(
          [...index.values()].map((x) => x.orderId),
          ascending,
        );
      }),
      { numRuns: 300 },
    );
  });
});
