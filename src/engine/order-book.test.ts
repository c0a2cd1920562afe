import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../core/index.js';
import { OrderBook } from './order-book.js';
import { checkSequences } from './random-commands.js';
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

  it('agrees with a plain model (levels sorted best first, FIFO queues) over random adds, removes, replaces and moves', () => {
    // adds outnumber removes (the book fills up), moves of any size: levels empty and come back (reused level objects), a
    // lone order's level moves past others; prices crowd a few ticks (long queues) or spread over pages of the ladder
    // (1,024 ticks each: 32-bit words' first and last bits, pages that empty and come back)
    const MAX = 5000;
    const ticks = fc.oneof(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: MAX }),
      fc.constantFrom(1023, 1024, 1025, 2047, 2048, 31, 32, 63, 64),
    );
    const op = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ k: fc.constant('add' as const), side: fc.constantFrom('BUY' as const, 'SELL' as const), ticks }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('remove' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('replace' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('move' as const), pick: fc.nat(), to: fc.oneof(ticks, fc.constant(-1)) }) },
      {
        weight: 1,
        arbitrary: fc.record({ k: fc.constant('peek' as const), side: fc.constantFrom('BUY' as const, 'SELL' as const), at: fc.nat(30) }),
      },
    );
    checkSequences(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400, size: 'max' }), (ops) => {
        const book = new OrderBook();
        const live: Order[] = [];
        for (const o of ops) {
          if (o.k === 'add') {
            const x = order(o.side, o.ticks);
            book.add(x);
            live.push(x);
          } else if (o.k === 'peek') {
            // a level read out of order (the walk's cursor starts over), checked against the model below
            (o.side === 'BUY' ? book.bids : book.asks).at(o.at);
          } else if (live.length > 0) {
            const i = o.pick % live.length;
            const x = live[i] as Order;
            if (o.k === 'move') {
              // an amend to another price (or the same): out of its queue, to the back of the new level's
              const from = x.ticks;
              x.ticks = o.to < 0 ? from : o.to;
              assert.ok(book.move(x, from));
              live.splice(i, 1);
              live.push(x);
            } else if (o.k === 'remove') {
              assert.ok(book.remove(x));
              assert.equal(book.remove(x), false, 'a removed order is not found again');
              live.splice(i, 1);
            } else {
              const y = { ...x, origQty: Decimal.parse('0.5') };
              assert.ok(book.replace(x, y));
              live[i] = y;
            }
          }
          // the model: live orders grouped by price (arrival order kept), best price first
          for (const [side, ob, dir] of [
            ['BUY', book.bids, -1],
            ['SELL', book.asks, 1],
          ] as const) {
            const mine = live.filter((x) => x.side === side);
            const prices = [...new Set(mine.map((x) => x.ticks))].sort((p, q) => (p - q) * dir);
            const want = prices.map((t) => ({ ticks: t, ids: mine.filter((x) => x.ticks === t).map((x) => x.orderId) }));
            const got = ob.levels.map((l) => ({ ticks: l.ticks, ids: l.orders.map((x) => x.orderId) }));
            assert.deepEqual(got, want);
            assert.equal(ob.size, want.length);
            assert.equal(ob.best()?.ticks, want[0]?.ticks);
            for (let i = 0; i <= want.length; i++) assert.equal(ob.at(i)?.ticks, want[i]?.ticks);
            // out of order: from the worst back to the best
            for (let i = want.length - 1; i >= 0; i -= 3) assert.equal(ob.at(i)?.ticks, want[i]?.ticks);
          }
          // every live order is found by its price
          for (const x of live) assert.ok(book.replace(x, x), `order ${x.orderId} at ${x.ticks} not found`);
        }
      }),
      150,
      process.env,
    );
  });
});
