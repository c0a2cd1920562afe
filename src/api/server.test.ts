/**
 * The REST pipeline through fastify's inject: authentication, parameter errors, isolation between
 * accounts, rate limit, simulator control, and the endpoints' shapes. Every rejected request must leave
 * the engine's state hash unchanged and answer Binance's code, message and HTTP status.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ADMIN_TOKEN, Harness, seedMarket, type Credential } from './api-fixture.js';
import { sign } from './signature.js';

async function setup(): Promise<{ h: Harness; maker: Credential; me: Credential; other: Credential }> {
  const h = new Harness();
  const maker = await seedMarket(h);
  const me = await h.account('10000');
  const other = await h.account('10000');
  return { h, maker, me, other };
}

type Reply = { status: number; body: unknown };

function isError(r: Reply, status: number, code: number, msg?: string | RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  const body = r.body as { code: number; msg: string };
  assert.equal(body.code, code, JSON.stringify(r.body));
  if (typeof msg === 'string') assert.equal(body.msg, msg);
  else if (msg !== undefined) assert.match(body.msg, msg);
}

/** Sends a raw request (method, url with query, headers, body) through inject. */
async function raw(h: Harness, method: string, url: string, headers: Record<string, string> = {}, payload?: string): Promise<Reply> {
  const res = await h.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
  let body: unknown = res.body;
  try {
    body = res.json();
  } catch {
    // not JSON
  }
  return { status: res.statusCode, body };
}

function signedUrl(cred: Credential, path: string, qs: string): string {
  return `${path}?${qs}&signature=${sign(cred.apiSecret, qs)}`;
}

describe('authentication', () => {
  test('signature, timestamp, recvWindow and API key errors, state unchanged', async () => {
    const { h, me } = await setup();
    const hash = h.venue.exchange.stateHash();
    const order = 'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01';
    const now = Date.now();
    const key = { 'x-mbx-apikey': me.apiKey };

    // wrong signature
    isError(
      await raw(h, 'POST', `/fapi/v1/order?${order}&timestamp=${now}&signature=${'0'.repeat(64)}`, key),
      400,
      -1022,
      'Signature for this request is not valid.',
    );
    // signature of other parameters
    const qs = `${order}&timestamp=${now}`;
    isError(await raw(h, 'POST', `/fapi/v1/order?${qs.replace('0.01', '0.02')}&signature=${sign(me.apiSecret, qs)}`, key), 400, -1022);
    // timestamp too old, too far ahead, recvWindow too large
    isError(
      await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=${now - 10_000}`), key),
      400,
      -1021,
      'Timestamp for this request is outside of the recvWindow.',
    );
    isError(
      await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=${now + 60_000}`), key),
      400,
      -1021,
      "Timestamp for this request was 1000ms ahead of the server's time.",
    );
    isError(await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=${now}&recvWindow=60001`), key), 400, -1131);
    // a wider recvWindow accepts an older timestamp (the order then fails on its own merits, not on time)
    const old = await raw(h, 'GET', signedUrl(me, '/fapi/v1/openOrders', `timestamp=${now - 10_000}&recvWindow=20000`), key);
    assert.equal(old.status, 200);
    // missing or malformed timestamp, missing signature
    isError(
      await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', order), key),
      400,
      -1102,
      "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
    );
    isError(await raw(h, 'POST', `/fapi/v1/order?${order}&timestamp=${now}`, key), 400, -1102, /'signature'/);
    isError(await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=abc`), key), 400, -1100, /'timestamp'/);
    // API key: missing, malformed, unknown
    isError(await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=${now}`)), 401, -2014, 'API-key format invalid.');
    isError(await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=${now}`), { 'x-mbx-apikey': 'a b' }), 401, -2014);
    isError(
      await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=${now}`), { 'x-mbx-apikey': 'f'.repeat(64) }),
      401,
      -2015,
      'Invalid API-key, IP, or permissions for action.',
    );
    // another account's key with my signature
    const other = await h.account('1');
    const hash2 = h.venue.exchange.stateHash();
    isError(
      await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', `${order}&timestamp=${now}`), { 'x-mbx-apikey': other.apiKey }),
      400,
      -1022,
    );
    assert.notEqual(hash, hash2);
    assert.equal(h.venue.exchange.stateHash(), hash2);
  });

  test('signed parameters split between query and form body (CCXT style) and the signature in either part', async () => {
    const { h, me } = await setup();
    const body = `timestamp=${Date.now()}&symbol=BTCUSDT&leverage=7&recvWindow=10000`;
    const r = await raw(
      h,
      'POST',
      '/fapi/v1/leverage',
      { 'x-mbx-apikey': me.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
      `${body}&signature=${sign(me.apiSecret, body)}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { leverage: 7, maxNotionalValue: '230000000', symbol: 'BTCUSDT' });
    // query + body: the signature covers query then body; the signature itself in the query
    const query = 'symbol=BTCUSDT';
    const form = `leverage=8&timestamp=${Date.now()}`;
    const r2 = await raw(
      h,
      'POST',
      `/fapi/v1/leverage?${query}&signature=${sign(me.apiSecret, query + form)}`,
      { 'x-mbx-apikey': me.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
      form,
    );
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.equal((r2.body as { leverage: number }).leverage, 8);
    // URL-encoded values are signed as sent
    const enc = `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000&newClientOrderId=a%2Fb%3Ac&timestamp=${Date.now()}`;
    const r3 = await raw(h, 'POST', signedUrl(me, '/fapi/v1/order', enc), { 'x-mbx-apikey': me.apiKey });
    assert.equal(r3.status, 200, JSON.stringify(r3.body));
    assert.equal((r3.body as { clientOrderId: string }).clientOrderId, 'a/b:c');
  });
});

describe('parameters', () => {
  const cases: [string, Record<string, string>, number, number | RegExp | string][] = [
    [
      'missing symbol',
      { side: 'BUY', type: 'MARKET', quantity: '0.01' },
      -1102,
      "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
    ],
    ['empty symbol', { symbol: '', side: 'BUY', type: 'MARKET', quantity: '0.01' }, -1102, /'symbol'/],
    ['lower-case symbol', { symbol: 'btcusdt', side: 'BUY', type: 'MARKET', quantity: '0.01' }, -1100, /parameter 'symbol'/],
    ['unknown symbol', { symbol: 'FOOUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' }, -1121, 'Invalid symbol.'],
    ['wrong side', { symbol: 'BTCUSDT', side: 'BUYY', type: 'MARKET', quantity: '0.01' }, -1117, 'Invalid side.'],
    ['wrong type', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKETT', quantity: '0.01' }, -1116, 'Invalid orderType.'],
    [
      'wrong timeInForce',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59000', timeInForce: 'GTT' },
      -1115,
      'Invalid timeInForce.',
    ],
    [
      'LIMIT without timeInForce',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59000' },
      -1102,
      /'timeInForce'/,
    ],
    ['LIMIT without price', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', timeInForce: 'GTC' }, -1102, /'price'/],
    [
      'MARKET with price',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', price: '1' },
      -1106,
      "Parameter 'price' sent when not required.",
    ],
    [
      'wrong positionSide',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', positionSide: 'UP' },
      -4060,
      'Invalid position side.',
    ],
    [
      'positionSide vs one-way mode',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', positionSide: 'LONG' },
      -4061,
      /position side/,
    ],
    [
      'letters in quantity',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.0x' },
      -1100,
      /parameter 'quantity'.*legal range/,
    ],
    [
      'exponent in price',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '6e4', timeInForce: 'GTC' },
      -1100,
      /'price'/,
    ],
    ['negative quantity', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '-1' }, -1100, /'quantity'/],
    [
      'huge quantity',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '99999999999999999999' },
      -4005,
      'Quantity greater than max quantity.',
    ],
    ['too many digits', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '123456789012345678901' }, -1100, /'quantity'/],
    [
      'too many decimals',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.0101' },
      -1111,
      'Precision is over the maximum defined for this asset.',
    ],
    ['zero quantity', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0' }, -4003, /Quantity less than or equal to zero/],
    [
      'bad reduceOnly',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', reduceOnly: 'yes' },
      -1130,
      "Data sent for parameter 'reduceOnly' is not valid.",
    ],
    [
      'bad client id',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', newClientOrderId: 'a b' },
      -1100,
      /'newClientOrderId'/,
    ],
    [
      'garbage parameter',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', foo: 'bar' },
      -1104,
      "Not all sent parameters were read; read '4' parameter(s) but was sent '5'.",
    ],
    [
      'GTD without goodTillDate',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59000', timeInForce: 'GTD' },
      -1102,
      /goodTillDate/,
    ],
    [
      'GTD inside the 600 s window',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59000', timeInForce: 'GTD', goodTillDate: '1000' },
      -5040,
      /goodTillDate/,
    ],
    [
      'priceMatch with a price',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59000', timeInForce: 'GTC', priceMatch: 'QUEUE' },
      -1106,
      "Parameter 'price' sent when not required.",
    ],
    [
      'priceMatch on a MARKET order',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', priceMatch: 'OPPONENT' },
      -5038,
      /Price match only supports/,
    ],
    [
      'below min notional',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.001', price: '1000', timeInForce: 'GTC' },
      -4164,
      /no smaller than 5/,
    ],
    [
      'margin insufficient',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '5', price: '59000', timeInForce: 'GTC' },
      -2019,
      'Margin is insufficient.',
    ],
    [
      'reduce-only without position',
      { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01', reduceOnly: 'true' },
      -2022,
      'ReduceOnly Order is rejected.',
    ],
  ];

  test('each malformed order gets its Binance code with HTTP 400 and changes nothing', async () => {
    const { h, me } = await setup();
    const hash = h.venue.exchange.stateHash();
    for (const [name, params, code, msg] of cases) {
      const r = await h.signed(me, 'POST', '/fapi/v1/order', params);
      assert.equal(r.status, 400, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal((r.body as { code: number }).code, code, `${name}: ${JSON.stringify(r.body)}`);
      const text = (r.body as { msg: string }).msg;
      if (typeof msg === 'string') assert.equal(text, msg, name);
      else assert.match(text, msg as RegExp, name);
      assert.equal(h.venue.exchange.stateHash(), hash, name);
    }
  });

  test('duplicate parameters, other endpoints, huge numbers', async () => {
    const { h, me } = await setup();
    const hash = h.venue.exchange.stateHash();
    const qs = `symbol=BTCUSDT&symbol=ETHUSDT&leverage=5&timestamp=${Date.now()}`;
    isError(
      await raw(h, 'POST', signedUrl(me, '/fapi/v1/leverage', qs), { 'x-mbx-apikey': me.apiKey }),
      400,
      -1101,
      'Duplicate values for a parameter detected.',
    );
    isError(
      await h.signed(me, 'POST', '/fapi/v1/leverage', { symbol: 'BTCUSDT', leverage: '200' }),
      400,
      -4028,
      'Leverage 200 is not valid',
    );
    isError(await h.signed(me, 'POST', '/fapi/v1/leverage', { symbol: 'BTCUSDT', leverage: '99999999999999999999' }), 400, -1130);
    isError(await h.signed(me, 'POST', '/fapi/v1/leverage', { symbol: 'BTCUSDT', leverage: '1.5' }), 400, -1100);
    isError(await h.signed(me, 'POST', '/fapi/v1/marginType', { symbol: 'BTCUSDT', marginType: 'CROSS' }), 400, -1130);
    isError(
      await h.signed(me, 'POST', '/fapi/v1/marginType', { symbol: 'BTCUSDT', marginType: 'CROSSED' }),
      400,
      -4046,
      'No need to change margin type.',
    );
    isError(await h.signed(me, 'POST', '/fapi/v1/positionSide/dual', { dualSidePosition: 'maybe' }), 400, -1130);
    isError(
      await h.signed(me, 'POST', '/fapi/v1/positionSide/dual', { dualSidePosition: 'false' }),
      400,
      -4059,
      'No need to change position side.',
    );
    isError(await h.signed(me, 'POST', '/fapi/v1/positionMargin', { symbol: 'BTCUSDT', amount: '10', type: '3' }), 400, -1130);
    isError(await h.signed(me, 'POST', '/fapi/v1/positionMargin', { symbol: 'BTCUSDT', amount: '10', type: '1' }), 400, -4049);
    isError(
      await h.signed(me, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT' }),
      400,
      -1102,
      "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!",
    );
    isError(await h.signed(me, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: '99999999999999999999' }), 400, -1130);
    isError(await h.signed(me, 'GET', '/fapi/v1/allOrders', { symbol: 'BTCUSDT', limit: '5000' }), 400, -1130);
    isError(await raw(h, 'GET', '/fapi/v1/depth?symbol=BTCUSDT&limit=abc'), 400, -1100);
    isError(await raw(h, 'GET', '/fapi/v1/klines?symbol=BTCUSDT&interval=7m'), 400, -1120, 'Invalid interval.');
    isError(await raw(h, 'GET', '/fapi/v1/depth'), 400, -1102);
    isError(await raw(h, 'GET', '/fapi/v1/ticker/24hr?symbol=NOPE'), 400, -1121);
    isError(await raw(h, 'GET', '/fapi/v1/time?x=1'), 400, -1104);
    isError(await raw(h, 'GET', '/fapi/v1/nope'), 404, -5000);
    // a body that is not form-encoded is still read as parameters text, never a 5xx
    const junk = await raw(h, 'POST', '/fapi/v1/order', { 'x-mbx-apikey': me.apiKey, 'content-type': 'application/json' }, '{"a":1}');
    assert.equal(junk.status, 400);
    assert.equal(h.venue.exchange.stateHash(), hash);
  });

  test('property: no parameter set makes POST /fapi/v1/order answer a 5xx', async () => {
    const { h, me } = await setup();
    const keys = [
      'symbol',
      'side',
      'type',
      'quantity',
      'price',
      'timeInForce',
      'reduceOnly',
      'stopPrice',
      'closePosition',
      'positionSide',
      'callbackRate',
      'activationPrice',
      'workingType',
      'newOrderRespType',
      'x',
    ];
    const value = fc.oneof(
      fc.constantFrom(
        'BTCUSDT',
        'BUY',
        'SELL',
        'LIMIT',
        'MARKET',
        'STOP_MARKET',
        'TRAILING_STOP_MARKET',
        'GTC',
        'IOC',
        'GTX',
        'true',
        'false',
        'LONG',
        'BOTH',
        '0.01',
        '60000',
        '1',
        '0',
        '',
        'MARK_PRICE',
        'RESULT',
      ),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[0-9]{1,25}(\.[0-9]{0,22})?$/),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 9 }), async (params) => {
        const r = await h.signed(me, 'POST', '/fapi/v1/order', params);
        assert.ok(r.status < 500, `${JSON.stringify(params)} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(typeof (r.body as { code?: unknown }).code === 'number' || r.status === 200, true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('accounts are isolated', () => {
  test("another account's order id is -2013 on queries and -2011 on cancels, and its data never shows", async () => {
    const { h, me, other } = await setup();
    const mine = await h.limit(me, 'BUY', '0.01', '59000', { newClientOrderId: 'mine-1' });
    const id = String(mine['orderId']);
    const hash = h.venue.exchange.stateHash();
    isError(await h.signed(other, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: id }), 400, -2013, 'Order does not exist.');
    isError(await h.signed(other, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', origClientOrderId: 'mine-1' }), 400, -2013);
    isError(await h.signed(other, 'GET', '/fapi/v1/openOrder', { symbol: 'BTCUSDT', orderId: id }), 400, -2013);
    isError(await h.signed(other, 'DELETE', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: id }), 400, -2011, 'Unknown order sent.');
    isError(await h.signed(other, 'DELETE', '/fapi/v1/order', { symbol: 'BTCUSDT', origClientOrderId: 'mine-1' }), 400, -2011);
    isError(
      await h.signed(other, 'PUT', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: id, side: 'BUY', quantity: '0.02', price: '59000' }),
      400,
      -2013,
    );
    const batch = await h.ok(other, 'DELETE', '/fapi/v1/batchOrders', { symbol: 'BTCUSDT', orderIdList: `[${id}]` });
    assert.deepEqual(batch, [{ code: -2011, msg: 'Unknown order sent.' }]);
    assert.deepEqual(await h.ok(other, 'GET', '/fapi/v1/openOrders', {}), []);
    assert.deepEqual(await h.ok(other, 'GET', '/fapi/v1/allOrders', { symbol: 'BTCUSDT' }), []);
    assert.deepEqual(await h.ok(other, 'GET', '/fapi/v3/positionRisk', {}), []);
    assert.equal(h.venue.exchange.stateHash(), hash);
    // (an accepted command stamps the engine's time, so the hash moves; the order stays)
    const cancelAll = await h.ok(other, 'DELETE', '/fapi/v1/allOpenOrders', { symbol: 'BTCUSDT' });
    assert.equal(cancelAll['code'], 200);
    // the wrong symbol is as unknown as the wrong account
    isError(await h.signed(me, 'GET', '/fapi/v1/order', { symbol: 'ETHUSDT', orderId: id }), 400, -2013);
    const got = await h.ok(me, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: id });
    assert.equal(got['status'], 'NEW');
  });
});

describe('rate limit', () => {
  test('order count and request weight per minute: headers, then 429 with -1015 / -1003 and nothing executed', async () => {
    const h = new Harness({ rateLimits: { weightPerMinute: 12, ordersPerMinute: 2 } });
    const me = await h.account('10000');
    await h.mark('BTCUSDT', '60000');
    assert.equal((await raw(h, 'GET', '/fapi/v1/ping')).status, 200);
    const depth = await h.app.inject({ method: 'GET', url: '/fapi/v1/depth?symbol=BTCUSDT&limit=5' });
    assert.equal(depth.headers['x-mbx-used-weight-1m'], '3');
    const order = (price: string) => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price });
    for (let i = 0; i < 2; i++) {
      const r = await h.signed(me, 'POST', '/fapi/v1/order', order(String(59000 - i)));
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-mbx-order-count-1m'], String(i + 1));
    }
    let hash = h.venue.exchange.stateHash();
    isError(
      await h.signed(me, 'POST', '/fapi/v1/order', order('58000')),
      429,
      -1015,
      'Too many new orders; current limit is 2 orders per MINUTE.',
    );
    assert.equal(h.venue.exchange.stateHash(), hash);
    for (let used = 3; used < 12; used++) assert.equal((await raw(h, 'GET', '/fapi/v1/ping')).status, 200);
    hash = h.venue.exchange.stateHash();
    const r = await h.app.inject({ method: 'POST', url: '/fapi/v1/leverage?symbol=BTCUSDT&leverage=5' });
    assert.equal(r.statusCode, 429);
    assert.equal(r.json().code, -1003);
    assert.match(r.json().msg, /^Too many requests; current limit of IP\(.*\) request weight per minute is 12\./);
    assert.equal(h.venue.exchange.stateHash(), hash);
  });
});

describe('simulator control', () => {
  test('admin token required; accounts, deposits, marks, clock with funding', async () => {
    const { h, me } = await setup();
    const post = (url: string, headers: Record<string, string>, body: unknown) =>
      raw(h, 'POST', url, { 'content-type': 'application/json', ...headers }, JSON.stringify(body));
    isError(await post('/sim/v1/accounts', {}, {}), 401, -2015);
    isError(await post('/sim/v1/accounts', { 'x-perpsim-admin': 'wrong' }, {}), 401, -2015);
    isError(await post('/sim/v1/accounts', { authorization: 'Bearer wrong' }, {}), 401, -2015);
    const bearer = await post(
      '/sim/v1/accounts',
      { authorization: `Bearer ${ADMIN_TOKEN}` },
      { accountId: 'alice', balances: { USDT: 5 } },
    );
    assert.equal(bearer.status, 200, JSON.stringify(bearer.body));
    assert.equal((bearer.body as { accountId: string }).accountId, 'alice');
    const admin = { 'x-perpsim-admin': ADMIN_TOKEN };
    isError(await post('/sim/v1/accounts', admin, { accountId: 'alice' }), 400, -9001);
    isError(await post('/sim/v1/accounts', admin, { balances: { BTC: '1' } }), 400, -1130);
    isError(await post('/sim/v1/accounts', admin, { bogus: 1 }), 400, -1104);
    isError(await raw(h, 'POST', '/sim/v1/deposit', { 'content-type': 'application/json', ...admin }, '{not json'), 400, -1100);
    isError(await post('/sim/v1/deposit', admin, { accountId: 'alice', amount: '-1' }), 400, -4055);
    assert.equal((await post('/sim/v1/deposit', admin, { accountId: 'alice', asset: 'USDT', amount: '10' })).status, 200);
    assert.equal(h.venue.exchange.accounts.get('alice')?.crossWallet.toString(), '15');
    isError(await post('/sim/v1/markPrice', admin, { symbol: 'NOPE', price: '1' }), 400, -1121);

    // a long of 0.01 at 60000 pays 0.01 × 60000 × 0.0001 = 0.06 at the next funding time
    await h.ok(me, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    assert.equal((await post('/sim/v1/fundingRate', admin, { symbol: 'BTCUSDT', fundingRate: '0.0001' })).status, 200);
    const premium = (await raw(h, 'GET', '/fapi/v1/premiumIndex?symbol=BTCUSDT')).body as Record<string, unknown>;
    assert.equal(premium['lastFundingRate'], '0.00010000');
    assert.equal(premium['markPrice'], '60000.00000000');
    assert.equal((premium['nextFundingTime'] as number) % (8 * 3600_000), 0);
    // a GTD order rests until its goodTillDate; the clock passing it expires the order (a journaled command)
    const until = h.venue.now() + 3_600_123;
    const gtd = await h.ok(me, 'POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '59000',
      timeInForce: 'GTD',
      goodTillDate: String(until),
    });
    // the date is kept, cut to the second, and shown by the order's JSON
    const cut = Math.floor(until / 1000) * 1000;
    assert.deepEqual([gtd['timeInForce'], gtd['status'], gtd['goodTillDate'], gtd['priceMatch']], ['GTD', 'NEW', cut, 'NONE']);
    const queried = await h.ok(me, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(gtd['orderId']) });
    assert.equal(queried['goodTillDate'], cut);
    // a price-match order shows its match (QUEUE: priced at the best bid)
    const depth = (await raw(h, 'GET', '/fapi/v1/depth?symbol=BTCUSDT&limit=5')).body as { bids: string[][] };
    const matched = await h.ok(me, 'POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.01',
      priceMatch: 'QUEUE',
    });
    assert.deepEqual([matched['priceMatch'], Number(matched['price'])], ['QUEUE', Number(depth.bids[0]?.[0])]);
    const clock = await post('/sim/v1/clock', admin, { advanceMs: 8 * 3600_000 });
    assert.equal(clock.status, 200, JSON.stringify(clock.body));
    const expired = await h.ok(me, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(gtd['orderId']) });
    assert.equal(expired['status'], 'EXPIRED');
    const settled = (clock.body as { fundingSettlements: { symbol: string; fundingRate: string }[] }).fundingSettlements;
    assert.deepEqual(
      settled.map((s) => [s.symbol, s.fundingRate]),
      [['BTCUSDT', '0.0001']],
    );
    const income = await h.ok(me, 'GET', '/fapi/v1/income', { incomeType: 'FUNDING_FEE' });
    assert.deepEqual(
      income.map((r) => [r['symbol'], r['incomeType'], r['income']]),
      [['BTCUSDT', 'FUNDING_FEE', '-0.06']],
    );
    const all = await h.ok(me, 'GET', '/fapi/v1/income', {});
    assert.deepEqual(
      all.map((r) => [r['incomeType'], r['income']]),
      [
        ['TRANSFER', '10000'],
        ['COMMISSION', '-0.3'],
        ['FUNDING_FEE', '-0.06'],
      ],
    );
    const rates = (await raw(h, 'GET', '/fapi/v1/fundingRate?symbol=BTCUSDT')).body as Record<string, unknown>[];
    assert.deepEqual(
      rates.map((r) => [r['fundingRate'], r['markPrice']]),
      [['0.00010000', '60000.00000000']],
    );
    // a signed request stamped with the wall clock still passes after the venue clock moved on
    assert.equal((await h.signed(me, 'GET', '/fapi/v1/openOrders', {})).status, 200);
  });

  test('orderAmendment from the in-memory history: newest first; -2013 for an unknown order, -1102 without an id', async () => {
    const { h, me } = await setup();
    const id = String((await h.limit(me, 'SELL', '0.01', '61000'))['orderId']);
    for (const price of ['61000.5', '61001'])
      await h.ok(me, 'PUT', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: id, side: 'SELL', quantity: '0.01', price });
    const got = (await h.ok(me, 'GET', '/fapi/v1/orderAmendment', { symbol: 'BTCUSDT', orderId: id })) as unknown as {
      amendmentId: number;
      amendment: { price: { before: string; after: string }; count: number };
    }[];
    assert.deepEqual(
      got.map((a) => [a.amendment.price.before, a.amendment.price.after, a.amendment.count]),
      [
        ['61000.5', '61001', 2],
        ['61000', '61000.5', 1],
      ],
    );
    assert.ok((got[0]?.amendmentId ?? 0) > (got[1]?.amendmentId ?? 0));
    isError(await h.signed(me, 'GET', '/fapi/v1/orderAmendment', { symbol: 'BTCUSDT', orderId: '424242' }), 400, -2013);
    isError(await h.signed(me, 'GET', '/fapi/v1/orderAmendment', { symbol: 'BTCUSDT' }), 400, -1102);
  });

  test('countdownCancelAll: the open orders of the symbol are cancelled when the clock runs the countdown out', async () => {
    const { h, me } = await setup();
    const admin = { 'content-type': 'application/json', 'x-perpsim-admin': ADMIN_TOKEN };
    const advance = async (advanceMs: number) => {
      const r = await raw(h, 'POST', '/sim/v1/clock', admin, JSON.stringify({ advanceMs }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    const open = async () => (await h.ok(me, 'GET', '/fapi/v1/openOrders', { symbol: 'BTCUSDT' })).length;
    const rest = () => h.limit(me, 'BUY', '0.01', '59000');
    await rest();
    assert.deepEqual(await h.ok(me, 'POST', '/fapi/v1/countdownCancelAll', { symbol: 'BTCUSDT', countdownTime: '120000' }), {
      symbol: 'BTCUSDT',
      countdownTime: '120000',
    });
    await advance(100_000);
    await h.ok(me, 'POST', '/fapi/v1/countdownCancelAll', { symbol: 'BTCUSDT', countdownTime: '120000' }); // heartbeat
    await advance(100_000);
    assert.equal(await open(), 1, 'the heartbeat restarted the countdown');
    await advance(20_000);
    assert.equal(await open(), 0, 'no heartbeat for 120 s: cancelled');
    // 0 stops a countdown; countdownTime is mandatory and a non-negative integer
    await rest();
    await h.ok(me, 'POST', '/fapi/v1/countdownCancelAll', { symbol: 'BTCUSDT', countdownTime: '1000' });
    await h.ok(me, 'POST', '/fapi/v1/countdownCancelAll', { symbol: 'BTCUSDT', countdownTime: '0' });
    await advance(60_000);
    assert.equal(await open(), 1);
    isError(await h.signed(me, 'POST', '/fapi/v1/countdownCancelAll', { symbol: 'BTCUSDT' }), 400, -1102);
    isError(await h.signed(me, 'POST', '/fapi/v1/countdownCancelAll', { symbol: 'BTCUSDT', countdownTime: '-5' }), 400, -1100);
  });
});

describe('endpoints', () => {
  test('market data after a trade: depth update id, trades, klines, tickers, exchangeInfo, leverage brackets', async () => {
    const { h, me } = await setup();
    await h.ok(me, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.02' });
    const depth = (await raw(h, 'GET', '/fapi/v1/depth?symbol=BTCUSDT&limit=5')).body as Record<string, unknown>;
    assert.equal(depth['lastUpdateId'], h.venue.bookUpdateId('BTCUSDT'));
    assert.deepEqual(depth['bids'], [['59900.00', '0.500']]);
    assert.deepEqual(depth['asks'], [['60000.00', '0.480']]);
    const trades = (await raw(h, 'GET', '/fapi/v1/trades?symbol=BTCUSDT')).body as Record<string, unknown>[];
    assert.deepEqual(
      trades.map((t) => [t['price'], t['qty'], t['quoteQty'], t['isBuyerMaker']]),
      [['60000', '0.02', '1200', false]],
    );
    const klines = (await raw(h, 'GET', '/fapi/v1/klines?symbol=BTCUSDT&interval=1m')).body as unknown[][];
    assert.equal(klines.length, 1);
    assert.deepEqual(klines[0]?.slice(1, 6), ['60000', '60000', '60000', '60000', '0.02']);
    const t24 = (await raw(h, 'GET', '/fapi/v1/ticker/24hr?symbol=BTCUSDT')).body as Record<string, unknown>;
    assert.equal(t24['lastPrice'], '60000.00');
    assert.equal(t24['volume'], '0.02');
    assert.equal(t24['count'], 1);
    const book = (await raw(h, 'GET', '/fapi/v1/ticker/bookTicker?symbol=BTCUSDT')).body as Record<string, unknown>;
    assert.deepEqual([book['bidPrice'], book['bidQty'], book['askPrice'], book['askQty']], ['59900.00', '0.500', '60000.00', '0.480']);
    const price = (await raw(h, 'GET', '/fapi/v2/ticker/price?symbol=BTCUSDT')).body as Record<string, unknown>;
    assert.equal(price['price'], '60000.00');
    assert.equal(((await raw(h, 'GET', '/fapi/v1/ticker/price')).body as unknown[]).length, h.venue.exchange.symbols.size);
    // no trade yet: the mark stands in, rounded to the tick (0.0001) like a traded price
    assert.ok(h.venue.run({ type: 'setMarkPrice', symbol: 'XRPUSDT', markPrice: '0.61237' }).ok);
    const xrp = (await raw(h, 'GET', '/fapi/v1/ticker/price?symbol=XRPUSDT')).body as Record<string, unknown>;
    assert.equal(xrp['price'], '0.6124');
    const info = (await raw(h, 'GET', '/fapi/v1/exchangeInfo')).body as { symbols: Record<string, unknown>[] };
    const btc = info.symbols.find((s) => s['symbol'] === 'BTCUSDT') as { filters: Record<string, unknown>[] };
    assert.deepEqual(btc.filters[0], { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: '0.10' });
    assert.deepEqual(
      btc.filters.find((f) => f['filterType'] === 'MIN_NOTIONAL'),
      { filterType: 'MIN_NOTIONAL', notional: '5' },
    );
    const brackets = (await h.ok(me, 'GET', '/fapi/v1/leverageBracket', { symbol: 'BTCUSDT' })) as unknown as {
      brackets: Record<string, unknown>[];
    };
    assert.deepEqual(brackets.brackets[0], {
      bracket: 1,
      initialLeverage: 125,
      notionalCap: 50000,
      notionalFloor: 0,
      maintMarginRatio: 0.004,
      cum: 0,
    });
    assert.equal(((await h.ok(me, 'GET', '/fapi/v1/leverageBracket', {})) as unknown[]).length, h.venue.exchange.symbols.size);
  });

  test('orders: ACK and RESULT, amend, batch place and cancel, all orders, open order, cancel all', async () => {
    const { h, me } = await setup();
    const limit = (price: string, extra: Record<string, string> = {}) => ({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.01',
      price,
      ...extra,
    });
    const ack = await h.ok(me, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    assert.deepEqual([ack['status'], ack['executedQty'], ack['cumQty'], ack['avgPrice']], ['NEW', '0.000', '0.000', '0.00']);
    assert.equal(ack['time'], undefined);
    const result = await h.ok(me, 'POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01',
      newOrderRespType: 'RESULT',
    });
    assert.deepEqual(
      [result['status'], result['executedQty'], result['avgPrice'], result['cumQuote']],
      ['FILLED', '0.010', '60000', '600'],
    );
    const resting = await h.ok(me, 'POST', '/fapi/v1/order', limit('59000', { newClientOrderId: 'r1' }));
    const amended = await h.ok(me, 'PUT', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: 'r1',
      side: 'BUY',
      quantity: '0.02',
      price: '59100',
    });
    assert.deepEqual([amended['orderId'], amended['price'], amended['origQty']], [resting['orderId'], '59100.00', '0.020']);
    const batch = await h.ok(me, 'POST', '/fapi/v1/batchOrders', {
      batchOrders: JSON.stringify([limit('58000'), { ...limit('58000'), side: 'UP' }, { ...limit('58100'), quantity: 0.01 }]),
    });
    assert.equal(batch.length, 3);
    assert.equal(batch[0]?.['status'], 'NEW');
    assert.deepEqual(batch[1], { code: -1117, msg: 'Invalid side.' });
    assert.equal(batch[2]?.['price'], '58100.00');
    const open = await h.ok(me, 'GET', '/fapi/v1/openOrders', { symbol: 'BTCUSDT' });
    assert.equal(open.length, 3);
    const one = await h.ok(me, 'GET', '/fapi/v1/openOrder', { symbol: 'BTCUSDT', orderId: String(batch[0]?.['orderId']) });
    assert.equal(one['price'], '58000.00');
    const cancelled = await h.ok(me, 'DELETE', '/fapi/v1/batchOrders', {
      symbol: 'BTCUSDT',
      orderIdList: JSON.stringify([batch[0]?.['orderId'], 999999]),
    });
    assert.equal(cancelled[0]?.['status'], 'CANCELED');
    assert.deepEqual(cancelled[1], { code: -2011, msg: 'Unknown order sent.' });
    isError(await h.signed(me, 'GET', '/fapi/v1/openOrder', { symbol: 'BTCUSDT', orderId: String(batch[0]?.['orderId']) }), 400, -2013);
    const all = await h.ok(me, 'DELETE', '/fapi/v1/allOpenOrders', { symbol: 'BTCUSDT' });
    assert.deepEqual(all, { code: 200, msg: 'The operation of cancel all open order is done.' });
    const history = await h.ok(me, 'GET', '/fapi/v1/allOrders', { symbol: 'BTCUSDT' });
    assert.deepEqual(
      history.map((o) => o['status']),
      ['FILLED', 'FILLED', 'CANCELED', 'CANCELED', 'CANCELED'],
    );
    assert.deepEqual(
      (await h.ok(me, 'GET', '/fapi/v1/allOrders', { symbol: 'BTCUSDT', limit: '2' })).map((o) => o['status']),
      ['CANCELED', 'CANCELED'],
    );
    isError(await h.signed(me, 'DELETE', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(resting['orderId']) }), 400, -2011);
  });

  test('configuration, v2 views, position margin history, listen keys', async () => {
    const { h, me } = await setup();
    assert.deepEqual(await h.ok(me, 'GET', '/fapi/v1/positionSide/dual', {}), { dualSidePosition: false });
    assert.deepEqual(await h.ok(me, 'GET', '/fapi/v1/multiAssetsMargin', {}), { multiAssetsMargin: false });
    assert.deepEqual(await h.ok(me, 'GET', '/fapi/v1/commissionRate', { symbol: 'BTCUSDT' }), {
      symbol: 'BTCUSDT',
      makerCommissionRate: '0.0002',
      takerCommissionRate: '0.0005',
      rpiCommissionRate: '0',
    });
    await h.ok(me, 'POST', '/fapi/v1/marginType', { symbol: 'ETHUSDT', marginType: 'ISOLATED' });
    const cfg = await h.ok(me, 'GET', '/fapi/v1/symbolConfig', { symbol: 'ETHUSDT' });
    assert.deepEqual(cfg, [
      { symbol: 'ETHUSDT', marginType: 'ISOLATED', isAutoAddMargin: 'false', leverage: 20, maxNotionalValue: '65000000' },
    ]);
    await h.ok(me, 'POST', '/fapi/v1/leverage', { symbol: 'BTCUSDT', leverage: '5' });
    await h.ok(me, 'POST', '/fapi/v1/marginType', { symbol: 'BTCUSDT', marginType: 'ISOLATED' });
    await h.ok(me, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    const add = await h.ok(me, 'POST', '/fapi/v1/positionMargin', { symbol: 'BTCUSDT', amount: '10.5', type: '1' });
    assert.deepEqual(add, { amount: 10.5, code: 200, msg: 'Successfully modify position margin.', type: 1 });
    await h.ok(me, 'POST', '/fapi/v1/positionMargin', { symbol: 'BTCUSDT', amount: '0.5', type: '2' });
    const hist = await h.ok(me, 'GET', '/fapi/v1/positionMargin/history', { symbol: 'BTCUSDT' });
    assert.deepEqual(
      hist.map((m) => [m['type'], m['amount'], m['deltaType']]),
      [
        [1, '10.5', 'USER_ADJUST'],
        [2, '0.5', 'USER_ADJUST'],
      ],
    );
    // v2: every symbol, with leverage and margin type
    const v2 = await h.ok(me, 'GET', '/fapi/v2/positionRisk', {});
    assert.equal(v2.length, h.venue.exchange.symbols.size);
    const btc = v2.find((p) => p['symbol'] === 'BTCUSDT') as Record<string, unknown>;
    assert.deepEqual(
      [btc['leverage'], btc['marginType'], btc['positionAmt'], btc['isolatedWallet'], btc['isolatedMargin']],
      ['5', 'isolated', '0.010', '130.00000000', '130.00000000'],
    );
    const acc2 = await h.ok(me, 'GET', '/fapi/v2/account', {});
    assert.equal(acc2['totalWalletBalance'], '9999.70000000');
    assert.equal((acc2['positions'] as unknown[]).length, h.venue.exchange.symbols.size);
    const acc3 = await h.ok(me, 'GET', '/fapi/v3/account', {});
    assert.equal((acc3['positions'] as unknown[]).length, 1);
    assert.equal(((acc3['assets'] as Record<string, unknown>[])[0]?.['updateTime'] as number) > 0, true);
    const bal = await h.ok(me, 'GET', '/fapi/v2/balance', {});
    assert.equal(bal[0]?.['availableBalance'], '9869.70000000');

    // listen keys: API key only, no signature
    const key = { 'x-mbx-apikey': me.apiKey };
    const created = await raw(h, 'POST', '/fapi/v1/listenKey', key);
    assert.equal(created.status, 200);
    const lk = (created.body as { listenKey: string }).listenKey;
    assert.match(lk, /^[A-Za-z0-9]{64}$/); // Binance's shape: 64 alphanumeric characters
    assert.equal(((await raw(h, 'POST', '/fapi/v1/listenKey', key)).body as { listenKey: string }).listenKey, lk);
    assert.deepEqual((await raw(h, 'PUT', '/fapi/v1/listenKey', key)).body, { listenKey: lk });
    assert.deepEqual((await raw(h, 'DELETE', '/fapi/v1/listenKey', key)).body, {});
    isError(await raw(h, 'PUT', '/fapi/v1/listenKey', key), 400, -1125, 'This listenKey does not exist.');
    isError(await raw(h, 'POST', '/fapi/v1/listenKey'), 401, -2014);
  });
});
