import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { klineCloseTime, klineOpenTime, parseStreamName } from './stream-names.js';

const known = (s: string) => s === 'BTCUSDT' || s === 'ETHUSDT';

describe('stream names', () => {
  it('parses every stream perpsim serves, with default speeds folded into one key', () => {
    const cases: [string, unknown, string][] = [
      ['btcusdt@markPrice', { kind: 'markPrice', symbol: 'BTCUSDT', speedMs: 3000 }, 'markPrice:BTCUSDT:3000'],
      ['btcusdt@markPrice@1s', { kind: 'markPrice', symbol: 'BTCUSDT', speedMs: 1000 }, 'markPrice:BTCUSDT:1000'],
      ['!markPrice@arr', { kind: 'markPriceAll', speedMs: 3000 }, 'markPriceAll:3000'],
      ['!markPrice@arr@1s', { kind: 'markPriceAll', speedMs: 1000 }, 'markPriceAll:1000'],
      ['ethusdt@aggTrade', { kind: 'aggTrade', symbol: 'ETHUSDT' }, 'aggTrade:ETHUSDT'],
      ['btcusdt@trade', { kind: 'trade', symbol: 'BTCUSDT' }, 'trade:BTCUSDT'],
      ['btcusdt@depth', { kind: 'depth', symbol: 'BTCUSDT', speedMs: 250 }, 'depth:BTCUSDT:250'],
      ['btcusdt@depth@250ms', { kind: 'depth', symbol: 'BTCUSDT', speedMs: 250 }, 'depth:BTCUSDT:250'],
      ['btcusdt@depth@100ms', { kind: 'depth', symbol: 'BTCUSDT', speedMs: 100 }, 'depth:BTCUSDT:100'],
      ['btcusdt@depth@500ms', { kind: 'depth', symbol: 'BTCUSDT', speedMs: 500 }, 'depth:BTCUSDT:500'],
      ['btcusdt@depth5', { kind: 'depthPartial', symbol: 'BTCUSDT', levels: 5, speedMs: 250 }, 'depthPartial:BTCUSDT:5:250'],
      ['btcusdt@depth20@100ms', { kind: 'depthPartial', symbol: 'BTCUSDT', levels: 20, speedMs: 100 }, 'depthPartial:BTCUSDT:20:100'],
      ['btcusdt@bookTicker', { kind: 'bookTicker', symbol: 'BTCUSDT' }, 'bookTicker:BTCUSDT'],
      ['!bookTicker', { kind: 'bookTickerAll' }, 'bookTickerAll'],
      ['btcusdt@kline_1m', { kind: 'kline', symbol: 'BTCUSDT', interval: '1m' }, 'kline:BTCUSDT:1m'],
      ['btcusdt@kline_1M', { kind: 'kline', symbol: 'BTCUSDT', interval: '1M' }, 'kline:BTCUSDT:1M'],
      ['btcusdt@forceOrder', { kind: 'forceOrder', symbol: 'BTCUSDT' }, 'forceOrder:BTCUSDT'],
      ['!forceOrder@arr', { kind: 'forceOrderAll' }, 'forceOrderAll'],
      ['btcusdt@ticker', { kind: 'ticker', symbol: 'BTCUSDT' }, 'ticker:BTCUSDT'],
      ['btcusdt@miniTicker', { kind: 'miniTicker', symbol: 'BTCUSDT' }, 'miniTicker:BTCUSDT'],
      ['!ticker@arr', { kind: 'tickerAll' }, 'tickerAll'],
      ['!miniTicker@arr', { kind: 'miniTickerAll' }, 'miniTickerAll'],
    ];
    for (const [name, spec, key] of cases) {
      const p = parseStreamName(name, known);
      assert.deepEqual(p, { spec, key }, name);
    }
  });

  it('refuses malformed names, unknown symbols and unsupported streams', () => {
    for (const bad of [
      '',
      '@depth',
      'btcusdt',
      'btcusdt@depth@200ms',
      'btcusdt@depth15',
      'btcusdt@kline_2m',
      'BTCUSDT@aggTrade',
      'btc usdt@trade',
      'dogeusdt@trade',
      'btcusdt@markPrice@3s',
      '!markPrice',
      42,
    ]) {
      assert.equal(parseStreamName(bad, known), undefined, String(bad));
    }
    // without a symbol check any well-formed symbol parses
    assert.equal(parseStreamName('dogeusdt@trade')?.key, 'trade:DOGEUSDT');
  });

  it('kline open and close times (UTC; weeks from Monday, months from the 1st)', () => {
    const t = Date.UTC(2025, 4, 8, 13, 47, 12, 345); // Thursday 2025-05-08
    assert.equal(klineOpenTime('1m', t), Date.UTC(2025, 4, 8, 13, 47));
    assert.equal(klineCloseTime('1m', klineOpenTime('1m', t)), Date.UTC(2025, 4, 8, 13, 48) - 1);
    assert.equal(klineOpenTime('4h', t), Date.UTC(2025, 4, 8, 12));
    assert.equal(klineOpenTime('1d', t), Date.UTC(2025, 4, 8));
    assert.equal(klineOpenTime('1w', t), Date.UTC(2025, 4, 5)); // Monday
    assert.equal(klineOpenTime('1M', t), Date.UTC(2025, 4, 1));
    assert.equal(klineCloseTime('1M', Date.UTC(2025, 4, 1)), Date.UTC(2025, 5, 1) - 1);
  });
});
