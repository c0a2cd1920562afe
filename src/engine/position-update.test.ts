import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal, dec } from '../core/index.js';
import { applyFill } from './position-update.js';

describe('applyFill', () => {
  it('averages the entry on increase and realizes PnL on reduce', () => {
    let r = applyFill(Decimal.ZERO, Decimal.ZERO, dec('1'), dec('60000'));
    r = applyFill(r.amt, r.cost, dec('1'), dec('62000'));
    assert.equal(r.cost.div(r.amt, 8).toString(), '61000');
    r = applyFill(r.amt, r.cost, dec('-0.5'), dec('63000'));
    assert.equal(r.realized.toString(), '1000', '0.5 × (63,000 − 61,000)');
    assert.equal(r.amt.toString(), '1.5');
    assert.equal(r.cost.div(r.amt, 8).toString(), '61000', 'a reduce keeps the entry');
  });

  it('flips through zero: closes the old side, opens the rest at the fill price', () => {
    const r = applyFill(dec('-1'), dec('-60000'), dec('3'), dec('59000'));
    assert.equal(r.realized.toString(), '1000');
    assert.equal(r.amt.toString(), '2');
    assert.equal(r.cost.toString(), '118000');
    assert.equal(r.closedQty.toString(), '1');
    assert.equal(r.openedQty.toString(), '2');
  });

  it('books a partial close’s realized profit at 8 places; the cost basis gives up the rest of the cash', () => {
    // 0.003 @ 60,000.1 + 0.004 @ 60,000.3: cost 420.0015 over 0.007 (entry 60,000.2142857…)
    let r = applyFill(Decimal.ZERO, Decimal.ZERO, dec('0.003'), dec('60000.1'));
    r = applyFill(r.amt, r.cost, dec('0.004'), dec('60000.3'));
    assert.equal(r.cost.toString(), '420.0015');
    // sell 0.002 @ 60,010: cash 120.02, closed cost 420.0015 × 2/7 = 120.000428571428…
    r = applyFill(r.amt, r.cost, dec('-0.002'), dec('60010'));
    assert.equal(r.realized.toString(), '0.01957143', '120.02 − 120.000428571… = 0.019571428… → 8 places');
    assert.equal(r.cost.toString(), '300.00107143', '420.0015 − (120.02 − 0.01957143)');
    assert.equal(r.amt.toString(), '0.005');
    // a loss rounds half away from zero too: buy back a short's part
    const s = applyFill(dec('-0.007'), dec('-420.0015'), dec('0.002'), dec('60010'));
    assert.equal(s.realized.toString(), '-0.01957143');
    assert.equal(s.cost.toString(), '-300.00107143');
  });

  it('every fill’s cash equals the change of (realized − cost basis), exactly; both stay at 8 places', () => {
    const fill = fc.tuple(
      fc.integer({ min: -5000, max: 5000 }).filter((q) => q !== 0),
      fc.integer({ min: 500000, max: 700000 }),
    );
    fc.assert(
      fc.property(fc.array(fill, { minLength: 1, maxLength: 60 }), (fills) => {
        let amt = Decimal.ZERO;
        let cost = Decimal.ZERO;
        let realized = Decimal.ZERO;
        let cash = Decimal.ZERO;
        for (const [q, p] of fills) {
          const qty = Decimal.fromUnits(BigInt(q), 3);
          const price = Decimal.fromUnits(BigInt(p), 1);
          const r = applyFill(amt, cost, qty, price);
          assert.ok(r.realized.normalize().e <= 8, r.realized.toString());
          assert.ok(r.cost.normalize().e <= 8, r.cost.toString());
          cash = cash.sub(qty.mul(price));
          realized = realized.add(r.realized);
          amt = r.amt;
          cost = r.cost;
        }
        assert.equal(cash.toString(), realized.sub(cost).toString());
        if (amt.isZero()) assert.equal(cost.toString(), '0');
      }),
      { numRuns: 1000 },
    );
  });
});
