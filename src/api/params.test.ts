import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ApiError } from './api-errors.js';
import { bool, decimal, integer, mergeParams, parseParams, side, symbol, type Shape } from './params.js';
import { orderShape } from './routes/orders.js';

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

/** The reference: the shape parsed by zod itself (the schemas' transforms), errors mapped as parseParams maps them. */
function viaZod(shape: Shape, raw: Record<string, string>): [number, string] | unknown {
  const input: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== '') input[k] = v;
  const r = z.object(shape).safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0] as z.ZodIssue;
  const api = (issue as { params?: { api?: unknown } }).params?.api;
  if (api instanceof ApiError) return [api.code, api.message];
  const field = String(issue.path[0]);
  return input[field] === undefined
    ? [-1102, `Mandatory parameter '${field}' was not sent, was empty/null, or malformed.`]
    : [-1130, `Data sent for parameter '${field}' is not valid.`];
}

test('the direct field checks give what zod gives: the same values, the same first error (random order parameters)', () => {
  // a seeded generator (mulberry32): the same cases every run
  let seed = 12345;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const valid: Record<string, readonly string[]> = {
    symbol: ['BTCUSDT', 'ETHUSDT'],
    side: ['BUY', 'SELL'],
    type: ['MARKET', 'LIMIT', 'STOP'],
    positionSide: ['BOTH', 'LONG'],
    timeInForce: ['GTC', 'GTD'],
    workingType: ['MARK_PRICE'],
    newOrderRespType: ['RESULT', 'ACK'],
    priceMatch: ['NONE'],
    selfTradePreventionMode: ['EXPIRE_MAKER'],
    reduceOnly: ['true', 'FALSE'],
    closePosition: ['false'],
    priceProtect: ['TRUE'],
    newClientOrderId: ['my-id_1', 'a:b/c.d'],
    goodTillDate: ['1767225600000'],
  };
  const invalid = ['', 'btcusdt', 'buy', '.5', '6e4', '-1', '12345678901234567890', 'a b', 'x'.repeat(40), 'LONG', 'NONE', 'true'];
  const names = Object.keys(orderShape);
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const raw: Record<string, string> = {};
    for (const n of names) {
      if (random() >= (n === 'symbol' || n === 'side' || n === 'type' ? 0.95 : 0.3)) continue;
      raw[n] = random() < 0.8 ? pick(valid[n] ?? ['0.5', '60000', '1']) : pick(invalid);
    }
    let fast: unknown;
    try {
      fast = parseParams(orderShape, raw, false);
      accepted++;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      fast = [e.code, e.message];
    }
    assert.deepEqual(fast, viaZod(orderShape, raw), JSON.stringify(raw));
  }
  assert.ok(accepted > 300 && accepted < 2700, `both outcomes exercised (${accepted} accepted)`);
});

test('query decoding without escapes gives what URLSearchParams gives', () => {
  for (const part of ['a=1&b=2', 'a&b=', '=x&&c=3&', 'a==b&c=d=e', '&&', 'x=1&y', 'k=v&K=V', 'a=1&b=%2F+x', 'a=%ZZ&b=+']) {
    const expected: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(part)) expected[k] = v;
    assert.deepEqual(mergeParams(part, ''), expected, part);
  }
});
