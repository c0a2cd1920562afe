import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sign, signedPayload } from './signature.js';

// Binance's documented HMAC example (API docs, "SIGNED endpoint examples")
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

test('HMAC-SHA256 of the total parameters, as in Binance’s example', () => {
  const all = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
  assert.equal(sign(SECRET, all), 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
  // query and body concatenated with no separator
  const { payload } = signedPayload(
    'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC',
    'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
  );
  assert.equal(sign(SECRET, payload), '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77');
});

test('the signature parameter is taken out of whichever part holds it, wherever it is', () => {
  assert.deepEqual(signedPayload('a=1&b=2&signature=abc', ''), { payload: 'a=1&b=2', signature: 'abc' });
  assert.deepEqual(signedPayload('', 'a=1&signature=abc'), { payload: 'a=1', signature: 'abc' });
  assert.deepEqual(signedPayload('signature=abc&a=1', 'b=2'), { payload: 'a=1b=2', signature: 'abc' });
  assert.deepEqual(signedPayload('a=%2F1', ''), { payload: 'a=%2F1', signature: undefined });
});

test('taking the signature out: the shortcut for a last signature parameter agrees with the general rule', () => {
  // the general rule: every `&`-separated part starting with `signature=` is removed, the last one is the signature
  const reference = (part: string): { kept: string; signature: string | undefined } => {
    let signature: string | undefined;
    const kept: string[] = [];
    for (const kv of part.split('&')) {
      if (kv.startsWith('signature=')) signature = kv.slice('signature='.length);
      else kept.push(kv);
    }
    return { kept: kept.join('&'), signature };
  };
  const pieces = ['a=1', 'signature=abc', 'signature=', 'xsignature=1', '', 'b=signature=2', 'signature=d&', 'c=3'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const n = 1 + Math.floor(next() * 4);
    const part = Array.from({ length: n }, () => pieces[Math.floor(next() * pieces.length)]).join('&');
    const ref = reference(part);
    const got = signedPayload(part, '');
    if (part.includes('signature=')) assert.deepEqual(got, { payload: ref.kept, signature: ref.signature }, part);
    else assert.deepEqual(got, { payload: part, signature: undefined }, part);
  }
});
