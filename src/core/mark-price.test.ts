import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec } from './decimal.js';
import { markPrice } from './mark-price.js';

describe('mark price', () => {
  it('is the median of Price 1, Price 2 and the last price', () => {
    // Price 1 = 60,000 × (1 + 0.0001 × 4h/8h) = 60,003; Price 2 = 60,000 + 10 = 60,010; last 60,020 → 60,010
    const r = markPrice({
      index: dec('60000'),
      lastFundingRate: dec('0.0001'),
      msUntilFunding: 4 * 3600_000,
      fundingIntervalMs: 8 * 3600_000,
      basis: [dec('5'), dec('15')],
      lastPrice: dec('60020'),
    });
    assert.equal(r.price1.toString(), '60003');
    assert.equal(r.price2.toString(), '60010');
    assert.equal(r.mark.toString(), '60010');
    // "if Price1 < Price2 < Last, the mark is Price2"; a last price below both pulls the median to Price 1
    assert.equal(
      markPrice({
        index: dec('60000'),
        lastFundingRate: dec('0.0001'),
        msUntilFunding: 4 * 3600_000,
        fundingIntervalMs: 8 * 3600_000,
        basis: [dec('10')],
        lastPrice: dec('59000'),
      }).mark.toString(),
      '60003',
    );
  });

  it('without basis samples or a last price it stays at the index (zero funding)', () => {
    assert.equal(
      markPrice({
        index: dec('3000'),
        lastFundingRate: dec('0'),
        msUntilFunding: 0,
        fundingIntervalMs: 8 * 3600_000,
        basis: [],
        lastPrice: undefined,
      }).mark.toString(),
      '3000',
    );
  });
});
