/**
 * End to end with Binance's official modular connector (`@binance/derivatives-trading-usds-futures`, spec
 * api.md §1.3) pointed at an in-process server with only `basePath` / `wsURL` changed: the same flow as the
 * CCXT and SDK tests through the connector's own REST methods (it sends no recvWindow and no client order
 * id), its error classes (400 → BadRequestError, 401 → UnauthorizedError, Binance's `code` kept), then its
 * WebSocket streams: markPriceStream on /market and userData(listenKey) on /private.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BadRequestError,
  DerivativesTradingUsdsFutures,
  DerivativesTradingUsdsFuturesRestAPI as Rest,
  DerivativesTradingUsdsFuturesWebsocketStreams as Streams,
  UnauthorizedError,
} from '@binance/derivatives-trading-usds-futures';
import { calculate } from '../cli/calc.js';
import { Decimal } from '../core/index.js';
import { Harness, seedMarket, type Credential } from './api-fixture.js';
import { attachStreams, type AttachedStreams } from './streams.js';

// the connector's logger prints every connect and close at 'info'; it reads LOG_LEVEL when first used
process.env['LOG_LEVEL'] ??= 'warn';

const SYMBOL = 'BTCUSDT';
const WAIT_MS = 15_000;

let h: Harness;
let streams: AttachedStreams;
let me: Credential;

/** Every /fapi request as it reached the server: method, path, raw query string, raw body. */
const requests: { method: string; path: string; query: string; body: string }[] = [];

before(async () => {
  h = new Harness();
  h.app.addHook('preHandler', async (req) => {
    const [path = '', query = ''] = req.url.split('?');
    if (path.startsWith('/fapi/')) requests.push({ method: req.method, path, query, body: typeof req.body === 'string' ? req.body : '' });
  });
  await h.listen();
  streams = attachStreams(h.app.server, h.venue);
  await seedMarket(h);
  me = await h.account('10000');
});

after(async () => {
  await streams.close();
  await h.close();
});

function connector(cred: { apiKey: string; apiSecret: string }) {
  return new DerivativesTradingUsdsFutures({
    // `timeout` (the connector's default is 1 s per request) only guards against a loaded test machine
    configurationRestAPI: { apiKey: cred.apiKey, apiSecret: cred.apiSecret, basePath: h.base, timeout: 10_000 },
    configurationWebsocketStreams: { wsURL: h.base.replace('http', 'ws') },
  });
}

/** A step that never settles fails the test instead of hanging the suite. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** What `perpsim calc` says about a one-way isolated BTCUSDT long at 10x, with 8 decimals as the API prints it. */
function calcLiquidationPrice(amt: string, entry: string, wallet: string, mark: string): string {
  const out = calculate({
    positionMode: 'one-way',
    crossWalletBalance: '0',
    markPrices: { BTCUSDT: mark },
    positions: [{ symbol: SYMBOL, positionAmt: amt, entryPrice: entry, leverage: 10, marginType: 'isolated', isolatedWallet: wallet }],
  }) as { positions: { liquidationPrice: string }[] };
  return Decimal.parse((out.positions[0] as { liquidationPrice: string }).liquidationPrice).toFixed(8);
}

/** Binance's error shape as the connector throws it: the class for the HTTP status, `code` and message kept. */
function binanceError(cls: new (...a: never[]) => Error, code: number, msg: string) {
  return (e: unknown) => {
    assert.ok(e instanceof cls, `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.equal((e as { code?: number }).code, code);
    assert.equal((e as Error).message, msg);
    return true;
  };
}

test('official connector REST: leverage, isolated, market buy, resting limit, positions, add margin, account, cancel, -4048, close', async () => {
  const rest = connector(me).restAPI;
  const first = requests.length;

  const infoRes = await rest.exchangeInformation();
  assert.equal(infoRes.status, 200);
  const info = await infoRes.data();
  const btc = info.symbols?.find((s) => s.symbol === SYMBOL);
  assert.equal(btc?.contractType, 'PERPETUAL');
  assert.equal(btc?.marginAsset, 'USDT');
  assert.deepEqual(
    btc?.filters
      ?.filter((f) => f.filterType === 'PRICE_FILTER' || f.filterType === 'LOT_SIZE')
      .map((f) => [f.filterType, f.tickSize ?? f.stepSize]),
    [
      ['PRICE_FILTER', '0.10'],
      ['LOT_SIZE', '0.001'],
    ],
  );

  const lev = await (await rest.changeInitialLeverage({ symbol: SYMBOL, leverage: 10 })).data();
  assert.equal(lev.leverage, 10);
  assert.equal(lev.symbol, SYMBOL);
  const mode = await (await rest.changeMarginType({ symbol: SYMBOL, marginType: Rest.ChangeMarginTypeMarginTypeEnum.ISOLATED })).data();
  assert.deepEqual(mode, { code: 200, msg: 'success' });

  // ACK by default; the connector adds no client order id, so the server issues one
  const ack = await (
    await rest.newOrder({ symbol: SYMBOL, side: Rest.NewOrderSideEnum.BUY, type: Rest.NewOrderTypeEnum.MARKET, quantity: 0.01 })
  ).data();
  assert.equal(ack.status, 'NEW');
  assert.equal(typeof ack.orderId, 'number');
  assert.ok(typeof ack.clientOrderId === 'string' && ack.clientOrderId.length > 0);
  const filled = await (await rest.queryOrder({ symbol: SYMBOL, orderId: ack.orderId as number })).data();
  assert.equal(filled.status, 'FILLED');
  assert.equal(filled.avgPrice, '60000');
  assert.equal(filled.executedQty, '0.010');
  assert.equal(filled.cumQuote, '600');

  const limit = await (
    await rest.newOrder({
      symbol: SYMBOL,
      side: Rest.NewOrderSideEnum.SELL,
      type: Rest.NewOrderTypeEnum.LIMIT,
      timeInForce: Rest.NewOrderTimeInForceEnum.GTC,
      quantity: 0.01,
      price: 61000,
      newOrderRespType: Rest.NewOrderNewOrderRespTypeEnum.RESULT,
    })
  ).data();
  assert.equal(limit.status, 'NEW');
  assert.equal(limit.price, '61000.00');
  assert.equal(limit.origQty, '0.010');
  const open = await (await rest.currentAllOpenOrders({ symbol: SYMBOL })).data();
  assert.deepEqual(
    open.map((o) => [o.orderId, o.side, o.type, o.price, o.origQty]),
    [[limit.orderId, 'SELL', 'LIMIT', '61000.00', '0.010']],
  );
  const queried = await (await rest.queryOrder({ symbol: SYMBOL, origClientOrderId: limit.clientOrderId as string })).data();
  assert.equal(queried.orderId, limit.orderId);
  assert.equal(queried.status, 'NEW');

  // isolated wallet = 0.01 × 60000 / 10 = 60; the taker fee (0.3) is paid from the cross wallet
  const positions = await (await rest.positionInformationV3({ symbol: SYMBOL })).data();
  assert.equal(positions.length, 1);
  const [pos] = positions;
  assert.equal(pos?.positionAmt, '0.010');
  assert.equal(pos?.positionSide, 'BOTH');
  assert.equal(pos?.entryPrice, '60000.00000000');
  assert.equal(pos?.markPrice, '60000.00000000');
  assert.equal(pos?.isolatedWallet, '60.00000000');
  assert.equal(pos?.isolatedMargin, '60.00000000');
  assert.equal(pos?.notional, '600.00000000');
  assert.equal(pos?.maintMargin, '2.40000000'); // 600 × 0.4 %
  assert.equal(pos?.liquidationPrice, calcLiquidationPrice('0.01', '60000', '60', '60000'));

  const margin = await (await rest.modifyIsolatedPositionMargin({ symbol: SYMBOL, amount: 20, type: 1 })).data();
  assert.equal(margin.code, 200);
  assert.equal(margin.amount, 20);
  assert.equal(margin.type, 1);
  const [pos2] = await (await rest.positionInformationV3({ symbol: SYMBOL })).data();
  assert.equal(pos2?.isolatedWallet, '80.00000000');
  assert.equal(pos2?.liquidationPrice, calcLiquidationPrice('0.01', '60000', '80', '60000'));

  // wallet 10000 − 0.3 fee; cross wallet 10000 − 60 − 0.3 − 20; the reducing limit sell needs no margin
  const account = await (await rest.accountInformationV3()).data();
  assert.equal(account.totalWalletBalance, '9999.70000000');
  assert.equal(account.availableBalance, '9919.70000000');
  assert.deepEqual(
    account.positions?.map((p) => [p.symbol, p.positionAmt, p.isolatedWallet]),
    [[SYMBOL, '0.010', '80.00000000']],
  );
  const balances = await (await rest.futuresAccountBalanceV3()).data();
  const usdt = balances.find((b) => b.asset === 'USDT');
  assert.equal(usdt?.balance, '9999.70000000');
  assert.equal(usdt?.crossWalletBalance, '9919.70000000');
  assert.equal(usdt?.availableBalance, '9919.70000000');

  const canceled = await (await rest.cancelOrder({ symbol: SYMBOL, orderId: limit.orderId as number })).data();
  assert.equal(canceled.status, 'CANCELED');
  assert.equal(canceled.orderId, limit.orderId);
  assert.deepEqual(await (await rest.currentAllOpenOrders({ symbol: SYMBOL })).data(), []);

  await assert.rejects(
    rest.changeMarginType({ symbol: SYMBOL, marginType: Rest.ChangeMarginTypeMarginTypeEnum.CROSSED }),
    binanceError(BadRequestError, -4048, 'Margin type cannot be changed if there exists position.'),
  );

  const close = await (
    await rest.newOrder({
      symbol: SYMBOL,
      side: Rest.NewOrderSideEnum.SELL,
      type: Rest.NewOrderTypeEnum.MARKET,
      quantity: 0.01,
      reduceOnly: Rest.NewOrderReduceOnlyEnum.TRUE,
      newOrderRespType: Rest.NewOrderNewOrderRespTypeEnum.RESULT,
    })
  ).data();
  assert.equal(close.status, 'FILLED');
  assert.equal((close as { avgPrice?: string }).avgPrice, '59900'); // RESULT carries it; the connector's type omits it
  assert.equal(close.reduceOnly, true);
  assert.deepEqual(await (await rest.positionInformationV3({ symbol: SYMBOL })).data(), []);
  // 10000 − 0.3 − 0.2995 (fees) − 1 (realized: 0.01 × (59900 − 60000))
  const end = await (await rest.accountInformationV3()).data();
  assert.equal(end.totalWalletBalance, '9998.40050000');
  assert.equal(end.availableBalance, '9998.40050000');

  // what the connector sent (spec §1.3, §2.3): every parameter in the query string, timestamp and signature
  // last, no recvWindow (the server's default of 5000 applied) and no client order id
  const sent = requests.slice(first).filter((r) => r.path !== '/fapi/v1/exchangeInfo');
  assert.equal(sent.length, 18);
  for (const r of sent) {
    assert.match(r.query, /(^|&)timestamp=\d{13}&signature=[0-9a-f]{64}$/, `${r.method} ${r.path}?${r.query}`);
    assert.doesNotMatch(r.query, /recvWindow/);
    assert.equal(r.body, '');
  }
  const orders = sent.filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
  assert.equal(orders.length, 3);
  for (const r of orders) assert.doesNotMatch(r.query, /newClientOrderId/);
  assert.match(orders[0]?.query ?? '', /^symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0\.01&timestamp=/);
});

test('official connector errors: unknown key is UnauthorizedError -2015 (HTTP 401), bad signature BadRequestError -1022 (HTTP 400)', async () => {
  const stranger = connector({ apiKey: 'NoSuchKey0123456789', apiSecret: 'whatever' }).restAPI;
  await assert.rejects(
    stranger.accountInformationV3(),
    binanceError(UnauthorizedError, -2015, 'Invalid API-key, IP, or permissions for action.'),
  );
  const forger = connector({ apiKey: me.apiKey, apiSecret: `${me.apiSecret}x` }).restAPI;
  await assert.rejects(forger.accountInformationV3(), binanceError(BadRequestError, -1022, 'Signature for this request is not valid.'));
  // a USER_STREAM endpoint with an unknown key: 401 as well
  await assert.rejects(
    stranger.startUserDataStream(),
    binanceError(UnauthorizedError, -2015, 'Invalid API-key, IP, or permissions for action.'),
  );
});

test('official connector streams: markPriceStream on /market, userData(listenKey) on /private after a fill', async () => {
  const trader = await h.account('10000');
  const c = connector(trader);
  const listenKey = (await (await c.restAPI.startUserDataStream()).data()).listenKey as string;
  assert.match(listenKey, /^[A-Za-z0-9]{64}$/);

  const conn = await within(c.websocketStreams.connect(), WAIT_MS, 'websocketStreams.connect');
  try {
    assert.equal(conn.isConnected(), true);
    const marks: Streams.MarkPriceStreamResponse[] = [];
    const user: Streams.UserDataStreamEventsResponse[] = [];
    let wake = () => {};
    conn.markPriceStream({ symbol: 'btcusdt', updateSpeed: Streams.MarkPriceStreamUpdateSpeedEnum.UPDATE_SPEED_1s }).on('message', (m) => {
      marks.push(m);
      wake();
    });
    conn.userData(listenKey).on('message', (m) => {
      user.push(m);
      wake();
    });
    const until = async <T>(list: T[], pred: (m: T) => boolean, what: string): Promise<T> => {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const found = list.find(pred);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`${what}: not received in ${WAIT_MS} ms; got ${JSON.stringify(list).slice(0, 400)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    };
    // both SUBSCRIBE frames must have reached the server before the market moves
    const subscribed = Date.now() + WAIT_MS;
    while (streams.connections < 3 || !conn.isSubscribed('btcusdt@markPrice@1s') || !conn.isSubscribed(listenKey)) {
      if (Date.now() > subscribed) throw new Error('subscriptions not set up');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));

    await h.mark(SYMBOL, '60100');
    const mark = await until(marks, (m) => m.p === '60100.00000000', 'markPriceUpdate at 60100');
    assert.equal(mark.e, 'markPriceUpdate');
    assert.equal(mark.s, SYMBOL);
    assert.equal(mark.i, '60100.00000000');
    assert.equal(typeof mark.E, 'number');
    assert.equal(typeof mark.T, 'number');
    assert.equal((mark.T as number) % (8 * 3600_000), 0);
    assert.match(mark.r ?? '', /^-?\d+\.\d{8}$/);
    await h.mark(SYMBOL, '60000');

    const buy = await (
      await c.restAPI.newOrder({ symbol: SYMBOL, side: Rest.NewOrderSideEnum.BUY, type: Rest.NewOrderTypeEnum.MARKET, quantity: 0.01 })
    ).data();
    const fill = (await until(
      user,
      (m) => m.e === 'ORDER_TRADE_UPDATE' && (m as Streams.OrderTradeUpdate).o?.x === 'TRADE',
      'ORDER_TRADE_UPDATE TRADE',
    )) as Streams.OrderTradeUpdate;
    assert.equal(fill.o?.i, buy.orderId);
    assert.equal(fill.o?.s, SYMBOL);
    assert.equal(fill.o?.S, 'BUY');
    assert.equal(fill.o?.X, 'FILLED');
    assert.equal(fill.o?.L, '60000');
    assert.equal(fill.o?.c, buy.clientOrderId);
    const acct = (await until(user, (m) => m.e === 'ACCOUNT_UPDATE', 'ACCOUNT_UPDATE')) as Streams.AccountUpdate;
    assert.equal(acct.a?.m, 'ORDER');
    assert.equal(acct.a?.P?.[0]?.s, SYMBOL);
    assert.equal(acct.a?.P?.[0]?.pa, '0.01');
    assert.equal(acct.a?.B?.[0]?.a, 'USDT');
    // the NEW event came first, and only this account's events arrived
    const orderEvents = user.filter((m) => m.e === 'ORDER_TRADE_UPDATE') as Streams.OrderTradeUpdate[];
    assert.equal(orderEvents[0]?.o?.x, 'NEW');
    assert.ok(orderEvents.every((m) => m.o?.i === buy.orderId));
  } finally {
    await conn.disconnect();
    await within(c.restAPI.closeUserDataStream(), WAIT_MS, 'closeUserDataStream');
  }
  const deadline = Date.now() + WAIT_MS;
  while (streams.connections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(streams.connections, 0);
});
