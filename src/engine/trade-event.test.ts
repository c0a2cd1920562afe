import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { dec } from '../core/index.js';
import { TradeEvent } from './trade-event.js';

describe('TradeEvent', () => {
  it('makes its text when read and serializes to the plain event, keys in order', () => {
    const t = new TradeEvent(1_700_000_000_000, 'BTCUSDT', 42, dec('60000.5'), dec('0.0130'), true);
    assert.equal(t.p, '60000.5');
    assert.equal(t.q, '0.013');
    assert.equal(t.price.toFixed(2), '60000.50', 'the fill as a decimal for consumers that compute with it');
    const plain = { e: 'TRADE', E: 1_700_000_000_000, s: 'BTCUSDT', t: 42, p: '60000.5', q: '0.013', m: true };
    assert.equal(JSON.stringify(t), JSON.stringify(plain));
    assert.deepEqual(JSON.parse(JSON.stringify(t)), plain);
    assert.equal(inspect(t), inspect(plain), 'console.log shows the plain event');
  });
});
