import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryHistory } from './history.js';
import { Venue } from './venue.js';

test('trades, income and order ids are recorded per account from the engine events', () => {
  let t = Date.UTC(2025, 0, 1);
  const venue = new Venue({ wallClock: () => t });
  const history = new MemoryHistory(venue.hub);
  for (const id of ['maker', 'me']) {
    venue.run({ type: 'createAccount', accountId: id });
    venue.run({ type: 'deposit', accountId: id, asset: 'USDT', amount: '1000' });
  }
  venue.run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '60000' });
  venue.run({
    type: 'placeOrder',
    accountId: 'maker',
    symbol: 'BTCUSDT',
    side: 'SELL',
    orderType: 'LIMIT',
    quantity: '0.01',
    price: '60000',
  });
  t += 1000;
  venue.run({ type: 'placeOrder', accountId: 'me', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.01' });
  const [trade] = history.userTrades('me', 'BTCUSDT');
  assert.deepEqual(
    [trade?.side, trade?.price, trade?.qty, trade?.quoteQty, trade?.commission, trade?.maker, trade?.buyer, trade?.time],
    ['BUY', '60000', '0.01', '600', '0.3', false, true, t],
  );
  assert.equal(history.userTrades('maker', 'BTCUSDT')[0]?.maker, true);
  assert.deepEqual(
    history.income('me').map((r) => [r.incomeType, r.income]),
    [
      ['TRANSFER', '1000'],
      ['COMMISSION', '-0.3'],
    ],
  );
  assert.deepEqual(history.orderIds('me', 'BTCUSDT'), [2]);
  assert.deepEqual(history.orderIds('maker', 'BTCUSDT'), [1]);
  assert.equal(history.marketTrades('BTCUSDT').length, 1);
  assert.equal(history.positionUpdateTime('me', 'BTCUSDT', 'BOTH'), t);
  assert.equal(history.accountUpdateTime('me'), t);
  history.unsubscribe();
});

test('a GTD order expires once the venue clock passes its date, with no other command (expireDueNow)', () => {
  let t = Date.UTC(2025, 0, 1);
  const venue = new Venue({ wallClock: () => t });
  const history = new MemoryHistory(venue.hub);
  venue.run({ type: 'createAccount', accountId: 'me' });
  venue.run({ type: 'deposit', accountId: 'me', asset: 'USDT', amount: '1000' });
  venue.run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '60000' });
  const gtd = venue.run({
    type: 'placeOrder',
    accountId: 'me',
    symbol: 'BTCUSDT',
    side: 'BUY',
    orderType: 'LIMIT',
    quantity: '0.01',
    price: '59000',
    timeInForce: 'GTD',
    goodTillDate: t + 3_600_000,
  });
  assert.ok(gtd.ok, JSON.stringify(gtd));
  const id = (gtd.result as { orderId: number }).orderId;
  const open = () => venue.exchange.accounts.get('me')?.openOrders.has(id);
  t += 3_599_000;
  venue.expireDueNow();
  assert.equal(open(), true, 'a second before its date it still rests');
  t += 1_000;
  venue.expireDueNow();
  assert.equal(open(), false, 'at its date it expires');
  assert.equal(venue.exchange.orders.get(id)?.status, 'EXPIRED');
  assert.deepEqual(history.orderIds('me', 'BTCUSDT'), [id]);
  let published = 0;
  venue.hub.subscribe(() => published++);
  t += 60_000;
  venue.expireDueNow();
  assert.equal(published, 0, 'nothing due: no command, no event');
});
