/**
 * End to end with an unmodified CCXT binanceusdm pointed at the server (spec api.md §1.1, §7): the P0 flow
 * plus open orders, balance, the -4048 rejection and closing the position, asserting the numbers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import ccxt from 'ccxt';
import { calculate } from '../cli/calc.js';
import { Decimal } from '../core/index.js';
import { Harness, ccxtFapiUrls, seedMarket, type Credential } from './api-fixture.js';

const SYMBOL = 'BTC/USDT:USDT';
let h: Harness;
let me: Credential;

before(async () => {
  h = await new Harness().listen();
  await seedMarket(h);
  me = await h.account('10000');
});

after(async () => {
  await h.close();
});

function client(cred: Credential) {
  const base = h.base;
  const ex = new ccxt.binanceusdm({
    apiKey: cred.apiKey,
    secret: cred.apiSecret,
    enableRateLimit: false,
    options: { fetchCurrencies: false },
    urls: {
      api: {
        ...ccxtFapiUrls(base),
        sapi: `${base}/sapi/v1`,
        public: `${base}/api/v3`,
        private: `${base}/api/v3`,
      },
    } as never,
  });
  return ex;
}

/** What `perpsim calc` says about a one-way isolated BTCUSDT long. */
function calcLiquidationPrice(amt: string, entry: string, wallet: string, mark: string): string {
  const out = calculate({
    positionMode: 'one-way',
    crossWalletBalance: '0',
    markPrices: { BTCUSDT: mark },
    positions: [{ symbol: 'BTCUSDT', positionAmt: amt, entryPrice: entry, leverage: 10, marginType: 'isolated', isolatedWallet: wallet }],
  }) as { positions: { liquidationPrice: string }[] };
  return (out.positions[0] as { liquidationPrice: string }).liquidationPrice;
}

test('CCXT binanceusdm: leverage, isolated, market buy, resting limit, positions, add margin, balance, cancel, -4048, close', async () => {
  const ex = client(me);
  const markets = await ex.loadMarkets();
  const m = markets[SYMBOL];
  assert.ok(m, 'BTC/USDT:USDT market');
  assert.equal(m.linear, true);
  assert.equal(m.swap, true);
  assert.equal(m.precision.amount, 0.001);
  assert.equal(m.precision.price, 0.1);
  assert.equal(m.limits.cost?.min, 5);

  const lev = (await ex.setLeverage(10, SYMBOL)) as { leverage: number };
  assert.equal(lev.leverage, 10);
  const mode = (await ex.setMarginMode('isolated', SYMBOL)) as { code: number };
  assert.equal(mode.code, 200);

  const buy = await ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
  assert.equal(buy.status, 'closed');
  assert.equal(buy.filled, 0.01);
  assert.equal(buy.average, 60000);
  assert.equal(buy.cost, 600);

  const sell = await ex.createOrder(SYMBOL, 'limit', 'sell', 0.01, 61000);
  assert.equal(sell.status, 'open');
  assert.equal(sell.price, 61000);
  assert.equal(sell.amount, 0.01);

  const open = await ex.fetchOpenOrders(SYMBOL);
  assert.deepEqual(
    open.map((o) => [o.id, o.side, o.price, o.amount]),
    [[sell.id, 'sell', 61000, 0.01]],
  );

  // isolated wallet = 0.01 × 60000 / 10 = 60; the taker fee (0.3) is paid from the cross wallet
  const [pos, ...more] = await ex.fetchPositions([SYMBOL]);
  assert.equal(more.length, 0);
  assert.ok(pos);
  assert.equal(pos.side, 'long');
  assert.equal(pos.contracts, 0.01);
  assert.equal(pos.entryPrice, 60000);
  assert.equal(pos.marginMode, 'isolated');
  assert.equal(pos.collateral, 60);
  const expected = calcLiquidationPrice('0.01', '60000', '60', '60000');
  assert.equal((pos.info as Record<string, string>)['liquidationPrice'], Decimal.parse(expected).toFixed(8));
  assert.equal(pos.liquidationPrice, Number(expected));
  assert.equal((pos.info as Record<string, string>)['isolatedWallet'], '60.00000000');

  const added = (await ex.addMargin(SYMBOL, 20)) as { status: string; amount: number };
  assert.equal(added.status, 'ok');
  assert.equal(added.amount, 20);
  const [pos2] = await ex.fetchPositions([SYMBOL]);
  assert.equal(pos2?.collateral, 80);
  assert.equal(pos2?.liquidationPrice, Number(calcLiquidationPrice('0.01', '60000', '80', '60000')));

  // wallet 10000 − 0.3 fee; cross wallet 10000 − 60 − 0.3 − 20; the reducing limit sell needs no margin
  const bal = await ex.fetchBalance();
  assert.equal(bal['USDT']?.total, 9999.7);
  assert.equal(bal['USDT']?.free, 9919.7);

  const canceled = await ex.cancelOrder(sell.id as string, SYMBOL);
  assert.equal(canceled.status, 'canceled');
  assert.equal((await ex.fetchOpenOrders(SYMBOL)).length, 0);

  await assert.rejects(ex.setMarginMode('cross', SYMBOL), (e: Error) => {
    assert.ok(e instanceof ccxt.OperationRejected, `${e.constructor.name}: ${e.message}`);
    assert.match(e.message, /-4048/);
    return true;
  });

  const close = await ex.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
  assert.equal(close.status, 'closed');
  assert.equal(close.average, 59900);
  assert.equal(close.reduceOnly, true);
  assert.deepEqual(await ex.fetchPositions([SYMBOL]), []);

  // 10000 − 0.3 − 0.2995 (fees) − 1 (realized: 0.01 × (59900 − 60000))
  const end = await ex.fetchBalance();
  assert.equal(end['USDT']?.total, 9998.4005);
  assert.equal(end['USDT']?.free, 9998.4005);

  const trades = await ex.fetchMyTrades(SYMBOL);
  assert.deepEqual(
    trades.map((t) => [t.side, t.price, t.amount, t.takerOrMaker, t.fee?.cost]),
    [
      ['buy', 60000, 0.01, 'taker', 0.3],
      ['sell', 59900, 0.01, 'taker', 0.2995],
    ],
  );
  assert.equal(h.venue.exchange.accounts.get(me.accountId)?.realizedPnl.toString(), '-1');
});

test('CCXT binanceusdm: stop-loss through /fapi/v1/algoOrder, listed, cancelled, and one triggered by the mark', async () => {
  const trader = await h.account('10000');
  const ex = client(trader);
  await ex.loadMarkets();
  await ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
  const sl = await ex.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, { stopLossPrice: 59000, reduceOnly: true });
  assert.equal(sl.status, 'open');
  assert.equal(sl.triggerPrice, 59000);
  const listed = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
  assert.deepEqual(
    listed.map((o) => [o.id, o.type, o.triggerPrice]),
    [[sl.id, 'market', 59000]],
  );
  const fetched = await ex.fetchOrder(sl.id as string, SYMBOL, { trigger: true });
  assert.equal(fetched.status, 'open');
  const canceled = await ex.cancelOrder(sl.id as string, SYMBOL, { trigger: true });
  assert.equal((canceled.info as Record<string, string>)['code'], '200');
  assert.deepEqual(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true }), []);

  const onMark = await ex.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, {
    stopLossPrice: 59000,
    reduceOnly: true,
    workingType: 'MARK_PRICE',
  });
  await h.mark('BTCUSDT', '58990');
  const done = await ex.fetchOrder(onMark.id as string, SYMBOL, { trigger: true });
  assert.equal((done.info as Record<string, string>)['algoStatus'], 'FINISHED');
  assert.equal(done.status, 'closed');
  assert.deepEqual(await ex.fetchPositions([SYMBOL]), []);
  await h.mark('BTCUSDT', '60000');
});

test('CCXT binanceusdm: the wider unified surface reaches the server and parses', async () => {
  const trader = await h.account('10000');
  const ex = client(trader);
  await ex.loadMarkets();
  const book = await ex.fetchOrderBook(SYMBOL, 5);
  assert.equal(book.nonce, h.venue.bookUpdateId('BTCUSDT'));
  assert.ok(book.bids.length > 0 && book.asks.length > 0);
  const ticker = await ex.fetchTicker(SYMBOL);
  assert.ok((ticker.last ?? 0) > 0);
  const funding = await ex.fetchFundingRate(SYMBOL);
  assert.equal(funding.markPrice, 60000);
  const tiers = await ex.fetchLeverageTiers([SYMBOL]);
  assert.equal(tiers[SYMBOL]?.[0]?.maxLeverage, 125);
  const fee = await ex.fetchTradingFee(SYMBOL);
  assert.deepEqual([fee.maker, fee.taker], [0.0002, 0.0005]);
  const posMode = await ex.fetchPositionMode(SYMBOL);
  assert.equal(posMode.hedged, false);
  const leverage = await ex.fetchLeverage(SYMBOL);
  assert.equal(leverage.longLeverage, 20);
  const marginMode = await ex.fetchMarginMode(SYMBOL);
  assert.equal(marginMode.marginMode, 'cross');
  const trades = await ex.fetchTrades(SYMBOL);
  assert.ok(trades.length > 0);
  const ohlcv = await ex.fetchOHLCV(SYMBOL, '1m');
  assert.ok(ohlcv.length > 0);

  const resting = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 58000);
  const edited = await ex.editOrder(resting.id as string, SYMBOL, 'limit', 'buy', 0.02, 58100);
  assert.deepEqual([edited.id, edited.amount, edited.price], [resting.id, 0.02, 58100]);
  const batch = await ex.createOrders([
    { symbol: SYMBOL, type: 'limit', side: 'buy', amount: 0.01, price: 57000 },
    { symbol: SYMBOL, type: 'limit', side: 'buy', amount: 0.01, price: 57100 },
  ]);
  assert.deepEqual(
    batch.map((o) => o.status),
    ['open', 'open'],
  );
  const canceled = await ex.cancelOrders(
    batch.map((o) => o.id as string),
    SYMBOL,
  );
  assert.deepEqual(
    canceled.map((o) => o.status),
    ['canceled', 'canceled'],
  );
  await ex.cancelAllOrders(SYMBOL);
  const orders = await ex.fetchOrders(SYMBOL);
  assert.deepEqual(
    orders.map((o) => o.status),
    ['canceled', 'canceled', 'canceled'],
  );
  assert.deepEqual(await ex.fetchFundingHistory(SYMBOL), []);
  const ledger = await ex.fetchLedger('USDT');
  assert.equal(ledger.length, 1);
  assert.equal(ledger[0]?.amount, 10000);
});

test('CCXT binanceusdm: a liquidation comes back from fetchMyLiquidations (/fapi/v1/forceOrders); the countdownCancelAll endpoint', async () => {
  const trader = await h.account('300');
  const ex = client(trader);
  await ex.loadMarkets();
  // 0.09 BTC at 20x: 270 of initial margin from a 300 wallet; a fall to 56,500 loses 315, more than the wallet
  await ex.createOrder(SYMBOL, 'market', 'buy', 0.09);
  await h.mark('BTCUSDT', '56500');
  try {
    const liquidations = await ex.fetchMyLiquidations(SYMBOL);
    assert.ok(liquidations.length >= 1);
    assert.equal(liquidations[0]?.symbol, SYMBOL);
    assert.equal(liquidations[0]?.side, 'sell');
    assert.equal(Number(liquidations.reduce((n, l) => n + (l.contracts ?? 0), 0).toFixed(3)), 0.09);
    assert.ok((liquidations[0]?.price ?? 0) > 0 && (liquidations[0]?.timestamp ?? 0) > 0);
    assert.deepEqual(await ex.fetchPositions([SYMBOL]), []);
  } finally {
    await h.mark('BTCUSDT', '60000');
  }
  // the raw endpoint (CCXT has no unified call for it): its answer echoes the symbol and the time
  const answer = (await (
    ex as unknown as { fapiPrivatePostCountdownCancelAll(p: object): Promise<unknown> }
  ).fapiPrivatePostCountdownCancelAll({
    symbol: 'BTCUSDT',
    countdownTime: 0,
  })) as Record<string, unknown>;
  assert.deepEqual(answer, { symbol: 'BTCUSDT', countdownTime: '0' });
});
