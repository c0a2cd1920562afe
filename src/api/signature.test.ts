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
