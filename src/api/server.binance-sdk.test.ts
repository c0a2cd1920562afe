/**
 * End to end with tiagosiebler's `binance` SDK (USDMClient, REST only; spec api.md §1.2, §7): every signed
 * parameter in the query string, recvWindow 5000, its own client order ids, ACK responses by default.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { USDMClient } from 'binance';
import { calculate } from '../cli/calc.js';
import { Decimal } from '../core/index.js';
import { Harness, seedMarket, type Credential } from './api-fixture.js';

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

test('binance USDMClient: leverage, isolated, market buy, resting limit, positions, add margin, balance, cancel, -4048, close', async () => {
  const c = new USDMClient({ api_key: me.apiKey, api_secret: me.apiSecret, baseUrl: h.base });
  const info = await c.getExchangeInfo();
  const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT');
  assert.equal(btc?.contractType, 'PERPETUAL');

  const lev = await c.setLeverage({ symbol: 'BTCUSDT', leverage: 10 });
  assert.equal(lev.leverage, 10);
  const mode = await c.setMarginType({ symbol: 'BTCUSDT', marginType: 'ISOLATED' });
  assert.equal(mode.code, 200);

  const ack = await c.submitNewOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01 });
  assert.equal(ack.status, 'NEW'); // ACK: the order as accepted
  assert.match(ack.clientOrderId, /^x-15PC4ZJy/);
  const filled = await c.getOrder({ symbol: 'BTCUSDT', orderId: ack.orderId });
  assert.equal(filled.status, 'FILLED');
  assert.equal(filled.avgPrice, '60000');
  assert.equal(filled.executedQty, '0.010');
  assert.equal(filled.cumQuote, '600');

  const limit = await c.submitNewOrder({
    symbol: 'BTCUSDT',
    side: 'SELL',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: 0.01,
    price: 61000,
    newOrderRespType: 'RESULT',
  });
  assert.equal(limit.status, 'NEW');
  assert.equal(limit.price, '61000.00');
  const open = await c.getAllOpenOrders({ symbol: 'BTCUSDT' });
  assert.deepEqual(
    open.map((o) => o.orderId),
    [limit.orderId],
  );

  const [pos] = await c.getPositionsV3({ symbol: 'BTCUSDT' });
  assert.ok(pos);
  assert.equal(pos.positionAmt, '0.010');
  assert.equal(pos.entryPrice, '60000.00000000');
  assert.equal(pos.isolatedWallet, '60.00000000');
  assert.equal(pos.isolatedMargin, '60.00000000');
  assert.equal(pos.notional, '600.00000000');
  assert.equal(pos.maintMargin, '2.40000000'); // 600 × 0.4 %
  const calc = calculate({
    positionMode: 'one-way',
    crossWalletBalance: '0',
    markPrices: { BTCUSDT: '60000' },
    positions: [
      { symbol: 'BTCUSDT', positionAmt: '0.01', entryPrice: '60000', leverage: 10, marginType: 'isolated', isolatedWallet: '60' },
    ],
  }) as { positions: { liquidationPrice: string }[] };
  assert.equal(pos.liquidationPrice, Decimal.parse(calc.positions[0]?.liquidationPrice ?? '').toFixed(8));

  const margin = await c.setIsolatedPositionMargin({ symbol: 'BTCUSDT', amount: 20, type: '1' });
  assert.equal(margin.code, 200);
  assert.equal(margin.amount, 20);

  const [bal] = await c.getBalanceV3();
  assert.equal(bal?.asset, 'USDT');
  assert.equal(bal?.balance, '9999.70000000');
  assert.equal(bal?.crossWalletBalance, '9919.70000000');
  assert.equal(bal?.availableBalance, '9919.70000000');

  const canceled = await c.cancelOrder({ symbol: 'BTCUSDT', orderId: limit.orderId });
  assert.equal(canceled.status, 'CANCELED');

  await assert.rejects(c.setMarginType({ symbol: 'BTCUSDT', marginType: 'CROSSED' }), (e: { code: number; message: string }) => {
    assert.equal(e.code, -4048);
    assert.equal(e.message, 'Margin type cannot be changed if there exists position.');
    return true;
  });

  const close = await c.submitNewOrder({
    symbol: 'BTCUSDT',
    side: 'SELL',
    type: 'MARKET',
    quantity: 0.01,
    reduceOnly: 'true',
    newOrderRespType: 'RESULT',
  });
  assert.equal(close.status, 'FILLED');
  assert.equal(close.avgPrice, '59900');
  assert.deepEqual(await c.getPositionsV3({ symbol: 'BTCUSDT' }), []);
  const account = await c.getAccountInformationV3();
  assert.equal(account.totalWalletBalance, '9998.40050000');
  assert.equal(account.availableBalance, '9998.40050000');

  const trades = await c.getAccountTrades({ symbol: 'BTCUSDT' });
  assert.deepEqual(
    trades.map((t) => [t.side, t.price, t.qty, t.realizedPnl, t.commission]),
    [
      ['BUY', '60000', '0.01', '0', '0.3'],
      ['SELL', '59900', '0.01', '-1', '0.2995'],
    ],
  );
});
