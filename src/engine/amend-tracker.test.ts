import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmendTracker, type AmendedOrderFields } from './amend-tracker.js';

const update = (x: string, X: string, p: string, q: string, T: number, i = 7): AmendedOrderFields => ({
  i,
  s: 'BTCUSDT',
  c: 'my-1',
  x,
  X,
  p,
  q,
  T,
});

describe('amend tracker', () => {
  it('answers each amend with its before, after and count; forgets the order when it closes', () => {
    const t = new AmendTracker();
    const never = () => assert.fail('the tracker saw the order open');
    assert.equal(t.follow(update('NEW', 'NEW', '30002', '1', 1), never), undefined);
    assert.deepEqual(t.follow(update('AMENDMENT', 'NEW', '30005', '1', 2), never), {
      symbol: 'BTCUSDT',
      orderId: 7,
      clientOrderId: 'my-1',
      time: 2,
      priceBefore: '30002',
      priceAfter: '30005',
      qtyBefore: '1',
      qtyAfter: '1',
      count: 1,
    });
    assert.equal(t.follow(update('TRADE', 'PARTIALLY_FILLED', '30005', '1', 3), never), undefined);
    const second = t.follow(update('AMENDMENT', 'PARTIALLY_FILLED', '30004', '2', 4), never);
    assert.deepEqual(
      [second?.priceBefore, second?.priceAfter, second?.qtyBefore, second?.qtyAfter, second?.count],
      ['30005', '30004', '1', '2', 2],
    );
    t.follow(update('CANCELED', 'CANCELED', '30004', '2', 5), never);
    // closed: a later update of the same id asks for its base again
    let asked = 0;
    const third = t.follow(update('AMENDMENT', 'NEW', '30003.2', '2', 6), () => {
      asked++;
      return { p: '30004', q: '2', n: 2 };
    });
    assert.equal(asked, 1);
    assert.deepEqual([third?.priceBefore, third?.count], ['30004', 3]);
  });
});
