import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/decimal.js';
import { TickerWindow } from './ticker-window.js';

const d = (s: string) => Decimal.parse(s);

describe('ticker window', () => {
  it('rolls 24 hours of trades in minute buckets', () => {
    const w = new TickerWindow();
    const t0 = Date.UTC(2025, 0, 1);
    w.add('BTCUSDT', d('100'), d('1'), 1, t0);
    w.add('BTCUSDT', d('90'), d('2'), 2, t0 + 30_000);
    w.add('BTCUSDT', d('120'), d('1'), 3, t0 + 3_600_000);
    let s = w.stats('BTCUSDT', t0 + 3_600_000)!;
    assert.deepEqual([s.open, s.high, s.low, s.last, s.volume, s.quoteVolume].map(String), ['100', '120', '90', '120', '4', '400']);
    assert.deepEqual([s.count, s.firstId, s.lastId], [3, 1, 3]);
    // a day later the first minute has left the window
    s = w.stats('BTCUSDT', t0 + 86_400_000 + 60_000)!;
    assert.deepEqual([s.open, s.low, s.volume, s.count, s.firstId].map(String), ['120', '120', '1', '1', '3']);
    assert.equal(w.stats('BTCUSDT', t0 + 3 * 86_400_000), undefined);
    assert.equal(w.stats('ETHUSDT', t0), undefined);
  });
});
