import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec } from './decimal.js';
import { fundingPayment, fundingRate, premiumIndex, weightedPremium } from './funding-rate.js';

describe('funding rate', () => {
  it('spec §8.2 table: P 0.02 % → 0.01 %, 0.10 % → 0.05 %, −0.03 % → 0.01 %, −0.20 % → −0.15 %', () => {
    assert.equal(fundingRate(dec('0.0002')).toString(), '0.0001');
    assert.equal(fundingRate(dec('0.001')).toString(), '0.0005');
    assert.equal(fundingRate(dec('-0.0003')).toString(), '0.0001');
    assert.equal(fundingRate(dec('-0.002')).toString(), '-0.0015');
  });

  it('is capped to the symbol cap/floor', () => {
    assert.equal(fundingRate(dec('0.05')).toString(), '0.003');
    assert.equal(fundingRate(dec('-0.05')).toString(), '-0.003');
  });

  it('premium from impact prices, weighted average 1..n', () => {
    assert.equal(premiumIndex(dec('60060'), dec('60070'), dec('60000')).toString(), '0.001');
    assert.equal(premiumIndex(dec('59930'), dec('59940'), dec('60000')).toString(), '-0.001');
    assert.equal(premiumIndex(dec('59990'), dec('60010'), dec('60000')).toString(), '0');
    assert.equal(weightedPremium([dec('0.0003'), dec('0.0006')]).toString(), '0.0005'); // (0.0003 + 2 × 0.0006) / 3
  });

  it('long 2 BTC at mark 60,000 and 0.01 % pays 12 USDT; the matching short receives 12', () => {
    assert.equal(fundingPayment(dec('2'), dec('60000'), dec('0.0001')).toString(), '12');
    assert.equal(fundingPayment(dec('-2'), dec('60000'), dec('0.0001')).toString(), '-12');
  });
});
