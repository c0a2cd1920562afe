import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec } from '../core/index.js';
import { Exchange } from './exchange.js';
import { SnapshotError, restoreSnapshot, takeSnapshot, type EngineSnapshot } from './snapshot.js';

function market(): Exchange {
  const ex = new Exchange();
  let time = 1;
  const run = (c: Parameters<Exchange['execute']>[0]) => assert.ok(ex.execute(c).ok, JSON.stringify(c));
  for (const id of ['maker', 'taker']) {
    run({ type: 'createAccount', time: time++, accountId: id });
    run({ type: 'deposit', time: time++, accountId: id, asset: 'USDT', amount: '10000' });
  }
  run({ type: 'setMarkPrice', time: time++, symbol: 'BTCUSDT', markPrice: '60000' });
  run({ type: 'setMarginType', time: time++, accountId: 'taker', symbol: 'BTCUSDT', marginType: 'ISOLATED' });
  for (const [price, qty] of [
    ['60010', '0.05'],
    ['60020', '0.1'],
    ['60010', '0.02'],
  ] as const)
    run({
      type: 'placeOrder',
      time: time++,
      accountId: 'maker',
      symbol: 'BTCUSDT',
      side: 'SELL',
      orderType: 'LIMIT',
      timeInForce: 'GTC',
      price,
      quantity: qty,
    });
  run({ type: 'placeOrder', time: time++, accountId: 'taker', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.06' });
  run({
    type: 'placeOrder',
    time,
    accountId: 'taker',
    symbol: 'BTCUSDT',
    side: 'SELL',
    orderType: 'STOP_MARKET',
    stopPrice: '59000',
    quantity: '0.06',
    reduceOnly: true,
  });
  return ex;
}

describe('engine snapshots', () => {
  it('restore gives the same state hash, the same book queue order and the same open orders', () => {
    const ex = market();
    const restored = restoreSnapshot(JSON.parse(JSON.stringify(takeSnapshot(ex))) as EngineSnapshot);
    assert.equal(restored.stateHash(), ex.stateHash());
    const queue = (e: Exchange) => e.symbols.get('BTCUSDT')?.book.asks.levels.map((l) => [l.ticks, l.orders.map((o) => o.orderId)]);
    assert.deepEqual(queue(restored), queue(ex));
    assert.equal(restored.accounts.get('taker')?.openOrders.size, 1, 'the stop order waits');
    assert.deepEqual([...(restored.holders.get('BTCUSDT') ?? [])].map((a) => a.accountId).sort(), ['maker', 'taker']);
    // ids continue where they were
    const next = (e: Exchange) =>
      e.execute({
        type: 'placeOrder',
        time: 100,
        accountId: 'maker',
        symbol: 'BTCUSDT',
        side: 'BUY',
        orderType: 'LIMIT',
        price: '59000',
        quantity: '0.01',
      });
    // answers and events compared as Binance JSON (they are formatted when read)
    const json = (r: unknown) => JSON.parse(JSON.stringify(r)) as unknown;
    assert.deepEqual(json(next(restored)), json(next(ex)));
  });

  it('refuses what is not a snapshot, an unknown symbol, a dangling order id, fees that are not the commissions and a wrong state hash', () => {
    const good = takeSnapshot(market());
    const copy = (): EngineSnapshot => JSON.parse(JSON.stringify(good)) as EngineSnapshot;
    assert.throws(() => restoreSnapshot({} as EngineSnapshot), SnapshotError);
    assert.throws(() => restoreSnapshot({ ...copy(), version: 99 } as unknown as EngineSnapshot), /unsupported snapshot version 99/);
    const unknown = copy();
    (unknown.symbols[0] as { symbol: string }).symbol = 'NOPEUSDT';
    assert.throws(() => restoreSnapshot(unknown), /NOPEUSDT/);
    const dangling = copy();
    const open = dangling.accounts.find((a) => a.accountId === 'maker')?.openOrders[0];
    dangling.orders = dangling.orders.filter((o) => o.orderId !== open);
    assert.throws(() => restoreSnapshot(dangling), /refers to order/);
    const tampered = copy();
    (tampered.accounts[1] as { crossWallet: string }).crossWallet = '1000000';
    assert.throws(() => restoreSnapshot(tampered), /state hash/);
    // the venue's fees are its accounts' commissions added up: a total that is not is refused
    assert.ok(!dec(good.feesCollected).isZero(), 'the market traded');
    const fees = copy();
    fees.feesCollected = dec(fees.feesCollected).add(dec('0.00000001')).toString();
    assert.throws(() => restoreSnapshot(fees), /fees collected/);
  });
});
