import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './api-errors.js';
import { bool, decimal, integer, mergeParams, parseParams, side, symbol } from './params.js';

function code(f: () => unknown): [number, string] {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return [e.code, e.message];
    throw e;
  }
  return [0, ''];
}

test('query and body merge, body wins; a repeated parameter is -1101', () => {
  assert.deepEqual(mergeParams('a=1&b=2', 'b=3&c=%2F+x'), { a: '1', b: '3', c: '/ x' });
  assert.deepEqual(
    code(() => mergeParams('a=1&a=2', '')),
    [-1101, 'Duplicate values for a parameter detected.'],
  );
});

test('schema errors map to Binance codes', () => {
  const shape = {
    symbol: symbol(),
    side: side(),
    qty: decimal('qty').optional(),
    n: integer('n', 1, 10).optional(),
    flag: bool('flag').optional(),
  };
  assert.deepEqual(parseParams(shape, { symbol: 'BTCUSDT', side: 'BUY', qty: '0.5', n: '3', flag: 'TRUE', timestamp: '1' }, true), {
    symbol: 'BTCUSDT',
    side: 'BUY',
    qty: '0.5',
    n: 3,
    flag: true,
  });
  assert.equal(code(() => parseParams(shape, { side: 'BUY' }, true))[0], -1102);
  assert.equal(code(() => parseParams(shape, { symbol: 'BTCUSDT', side: 'BUY', timestamp: '1' }, false))[0], -1104);
  assert.equal(code(() => parseParams(shape, { symbol: 'BTCUSDT', side: 'buy' }, true))[0], -1117);
  assert.equal(code(() => parseParams(shape, { symbol: 'BTCUSDT', side: 'BUY', qty: '.5' }, true))[0], -1100);
  assert.equal(code(() => parseParams(shape, { symbol: 'BTCUSDT', side: 'BUY', n: '11' }, true))[0], -1130);
  assert.equal(code(() => parseParams(shape, { symbol: 'BTCUSDT', side: 'BUY', flag: '1' }, true))[0], -1130);
  // empty values count as not sent
  assert.deepEqual(parseParams(shape, { symbol: 'BTCUSDT', side: 'BUY', qty: '' }, true), { symbol: 'BTCUSDT', side: 'BUY' });
});
