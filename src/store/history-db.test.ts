import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Decimal } from '../core/decimal.js';
import { Exchange, type Command } from '../engine/index.js';
import { Harness, seedMarket } from '../api/api-fixture.js';
import { Venue } from '../api/venue.js';
import { HistoryDb } from './history-db.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs commands on an exchange and feeds their events to the history with their sequence numbers. */
function feed(ex: Exchange, h: HistoryDb, cmds: Command[], firstSeq: number): number {
  let seq = firstSeq;
  for (const c of cmds) {
    const r = ex.execute(c);
    assert.ok(r.ok, JSON.stringify(r));
    for (const e of r.events) h.add(e, c.time, seq);
    seq++;
  }
  return seq;
}

const setup: Command[] = [
  { type: 'createAccount', time: 1, accountId: 'mm' },
  { type: 'deposit', time: 2, accountId: 'mm', asset: 'USDT', amount: '100000' },
  { type: 'createAccount', time: 3, accountId: 'u' },
  { type: 'deposit', time: 4, accountId: 'u', asset: 'USDT', amount: '10000' },
  { type: 'setMarkPrice', time: 5, symbol: 'BTCUSDT', markPrice: '60000' },
  { type: 'placeOrder', time: 6, accountId: 'mm', symbol: 'BTCUSDT', side: 'SELL', orderType: 'LIMIT', price: '60000', quantity: '1' },
];
const trade = (time: number): Command => ({
  type: 'placeOrder',
  time,
  accountId: 'u',
  symbol: 'BTCUSDT',
  side: 'BUY',
  orderType: 'MARKET',
  quantity: '0.01',
});

/**
 * A venue whose engine forgets every closed order but the last, its history in a new SQLite file, an API
 * on it with a seeded BTCUSDT market, and an account with 100,000 USDT.
 */
async function forgetfulVenue() {
  const dir = mkdtempSync(join(tmpdir(), 'perpsim-history-'));
  dirs.push(dir);
  const history = new HistoryDb(join(dir, 'history.sqlite'));
  const venue = new Venue({ exchange: new Exchange(undefined, { retention: { closedOrders: 1, closedOrderMs: 3_600_000 } }) });
  venue.hub.subscribe((e, time, seq) => history.add(e, time, seq));
  const h = new Harness({ history }, venue);
  await seedMarket(h, '60000', '59900', '60000', '0.5');
  return { history, venue, h, me: await h.account('100000') };
}

/**
 * A venue whose history is a new SQLite file, an API on it with a seeded BTCUSDT market, and a way to restart
 * the history (and the API) on the same file while the venue goes on: `h` and `history` are the current ones.
 */
async function reopenableHistory() {
  const dir = mkdtempSync(join(tmpdir(), 'perpsim-history-'));
  dirs.push(dir);
  const file = join(dir, 'history.sqlite');
  const venue = new Venue();
  const t = {
    history: new HistoryDb(file),
    h: undefined as unknown as Harness,
    async reopen(): Promise<void> {
      t.history.close();
      t.history = new HistoryDb(file);
      await t.h.close();
      t.h = new Harness({ history: t.history }, venue);
    },
    async close(): Promise<void> {
      await t.h.close();
      t.history.close();
    },
  };
  venue.hub.subscribe((e, time, seq) => t.history.add(e, time, seq));
  t.h = new Harness({ history: t.history }, venue);
  await seedMarket(t.h, '60000', '59900', '60000', '1');
  return t;
}

describe('history database (SQLite)', () => {
  it('keeps trades, income and order ids across a reopen, and skips events it already holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpsim-history-'));
    dirs.push(dir);
    const file = join(dir, 'history.sqlite');
    const ex = new Exchange();
    const h = new HistoryDb(file);
    const next = feed(ex, h, [...setup, trade(7), trade(8)], 1);
    h.close();
    const again = new HistoryDb(file);
    assert.equal(again.seq, next - 1);
    const trades = again.userTrades('u', 'BTCUSDT');
    assert.deepEqual(
      trades.map((t) => [t.qty, t.price, t.commission, t.maker]),
      [
        ['0.01', '60000', '0.3', false],
        ['0.01', '60000', '0.3', false],
      ],
    );
    assert.deepEqual(
      again.income('u').map((i) => [i.incomeType, i.income]),
      [
        ['TRANSFER', '10000'],
        ['COMMISSION', '-0.3'],
        ['COMMISSION', '-0.3'],
      ],
    );
    assert.equal(again.orderIds('mm', 'BTCUSDT').length, 1);
    // a replay after a restart feeds the same sequence numbers again: nothing is written twice
    assert.equal(again.needs(next - 1), false);
    const replayed = ex.execute(trade(9));
    assert.ok(replayed.ok);
    for (const e of replayed.events) again.add(e, 9, next - 1);
    assert.equal(again.userTrades('u', 'BTCUSDT').length, 2);
    again.close();
  });

  it('the writer thread and the inline writer keep the same rows; a read sees every event added before it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpsim-history-'));
    dirs.push(dir);
    const worker = new HistoryDb(join(dir, 'worker.sqlite'));
    const inline = new HistoryDb(join(dir, 'inline.sqlite'), { writer: 'inline' });
    const ex = new Exchange();
    // several commands in one batch: the maker's order is filled twice and its state is written once, last
    const cmds: Command[] = [
      ...setup,
      trade(7),
      trade(8),
      {
        type: 'placeOrder',
        time: 9,
        accountId: 'u',
        symbol: 'BTCUSDT',
        side: 'SELL',
        orderType: 'LIMIT',
        timeInForce: 'GTC',
        price: '61000',
        quantity: '0.01',
      },
      { type: 'cancelAllOrders', time: 10, accountId: 'u', symbol: 'BTCUSDT' },
      {
        type: 'placeOrder',
        time: 11,
        accountId: 'mm',
        symbol: 'BTCUSDT',
        side: 'BUY',
        orderType: 'LIMIT',
        timeInForce: 'GTC',
        price: '59000',
        quantity: '1',
      },
      { type: 'placeOrder', time: 12, accountId: 'u', symbol: 'BTCUSDT', side: 'SELL', orderType: 'MARKET', quantity: '0.02' },
    ];
    let seq = 1;
    for (const c of cmds) {
      const r = ex.execute(c);
      assert.ok(r.ok, JSON.stringify(r));
      for (const e of r.events) {
        worker.add(e, c.time, seq);
        inline.add(e, c.time, seq);
      }
      if (seq === 8) {
        const change = {
          symbol: 'BTCUSDT',
          type: 1,
          deltaType: 'USER_ADJUST',
          amount: '5',
          asset: 'USDT',
          time: 9,
          positionSide: 'BOTH',
        } as const;
        worker.recordMarginChange('u', change);
        inline.recordMarginChange('u', change);
      }
      seq++;
    }
    // (decimals compared by value: a Decimal caches its text once printed)
    const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (v instanceof Decimal ? v.toString() : v)));
    const all = (h: HistoryDb) => ({
      trades: h.userTrades('u', 'BTCUSDT'),
      makerTrades: h.userTrades('mm', 'BTCUSDT'),
      income: h.income('u'),
      makerIncome: h.income('mm'),
      margin: h.marginChanges('u'),
      orders: h.orderIds('u', 'BTCUSDT').map((id) => h.order('u', id)),
      makerOrders: h.orderIds('mm', 'BTCUSDT').map((id) => h.order('mm', id)),
      market: h.marketTrades('BTCUSDT'),
      times: [h.accountUpdateTime('u'), h.positionUpdateTime('u', 'BTCUSDT', 'BOTH'), h.accountUpdateTime('mm')],
      seq: h.seq,
    });
    // read at once: the worker's reads wait for what was handed to it
    const a = all(worker);
    assert.equal(a.trades.length, 3);
    assert.equal(a.makerTrades.length, 3);
    assert.equal(a.orders.length, 4);
    assert.deepEqual(
      a.makerOrders.map((o) => [o?.executedQty.toString(), o?.status]),
      [
        ['0.02', 'PARTIALLY_FILLED'],
        ['0.02', 'PARTIALLY_FILLED'],
      ],
      "the maker orders' last states",
    );
    assert.equal(a.margin.length, 1);
    assert.equal(a.seq, cmds.length);
    assert.deepEqual(plain(a), plain(all(inline)));
    worker.close();
    inline.close();
    const reopened = new HistoryDb(join(dir, 'worker.sqlite'));
    assert.deepEqual(plain(all(reopened)), plain(a));
    reopened.close();
  });

  it('truncateAfter drops the rows of commands beyond the journal (a crash before their sync)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpsim-history-'));
    dirs.push(dir);
    const h = new HistoryDb(join(dir, 'history.sqlite'));
    const ex = new Exchange();
    const journalEnd = feed(ex, h, [...setup, trade(7)], 1) - 1;
    feed(ex, h, [trade(8), trade(9)], journalEnd + 1); // written to the history, lost by the journal
    assert.equal(h.userTrades('u', 'BTCUSDT').length, 3);
    assert.ok(h.truncateAfter(journalEnd) > 0);
    assert.equal(h.seq, journalEnd);
    assert.equal(h.userTrades('u', 'BTCUSDT').length, 1);
    assert.equal(h.income('u').filter((i) => i.incomeType === 'COMMISSION').length, 1);
    assert.equal(h.marketTrades('BTCUSDT').length, 1);
    assert.equal(h.needs(journalEnd + 1), true, 'the next command is written again');
    h.close();
  });

  it('serves orders the engine has forgotten (GET /fapi/v1/order, allOrders) from their last state, cumQuote exact', async () => {
    const { history, venue, h, me } = await forgetfulVenue();
    try {
      const first = await h.ok(me, 'POST', '/fapi/v1/order', {
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'MARKET',
        quantity: '0.003',
        newOrderRespType: 'RESULT',
      });
      const firstId = first['orderId'] as number;
      for (let i = 0; i < 3; i++)
        await h.ok(me, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001' });
      assert.equal(venue.exchange.orders.has(firstId), false, 'the engine forgot the first order');
      const got = await h.ok(me, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(firstId) });
      for (const k of [
        'orderId',
        'status',
        'clientOrderId',
        'executedQty',
        'cumQuote',
        'avgPrice',
        'origQty',
        'side',
        'type',
        'updateTime',
      ])
        assert.deepEqual(got[k], first[k], k);
      assert.equal(got['cumQuote'], '180', '0.003 × 60,000');
      const all = (await h.ok(me, 'GET', '/fapi/v1/allOrders', { symbol: 'BTCUSDT' })) as unknown as { orderId: number }[];
      assert.equal(all.length, 4);
      assert.equal(all[0]?.orderId, firstId);
    } finally {
      await h.close();
      history.close();
    }
  });

  it('a forgotten order keeps its priceMatch, goodTillDate and priceProtect (they were shown as NONE, 0, false)', async () => {
    const { history, venue, h, me } = await forgetfulVenue();
    try {
      const placed = await h.ok(me, 'POST', '/fapi/v1/order', {
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: '0.002',
        priceMatch: 'QUEUE',
        timeInForce: 'GTD',
        goodTillDate: String(Date.now() + 3_600_000),
        priceProtect: 'TRUE',
        newOrderRespType: 'RESULT',
      });
      const id = placed['orderId'] as number;
      assert.deepEqual([placed['priceMatch'], placed['priceProtect'], placed['price']], ['QUEUE', true, '59900.00']);
      await h.ok(me, 'DELETE', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(id) });
      for (let i = 0; i < 2; i++)
        await h.ok(me, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001' });
      assert.equal(venue.exchange.orders.has(id), false, 'the engine forgot the order');
      const got = await h.ok(me, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(id) });
      for (const k of ['priceMatch', 'goodTillDate', 'priceProtect', 'timeInForce', 'price', 'origQty'])
        assert.deepEqual(got[k], placed[k], k);
      assert.equal(got['status'], 'CANCELED');
    } finally {
      await h.close();
      history.close();
    }
  });

  it("GET /fapi/v1/orderAmendment: an order's amends, newest first, before and after, counted across a reopen", async () => {
    const t = await reopenableHistory();
    try {
      const me = await t.h.account('100000');
      const placed = await t.h.limit(me, 'BUY', '0.01', '59000', { newClientOrderId: 'amended-1' });
      const amend = (quantity: string, price: string) =>
        t.h.ok(me, 'PUT', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(placed['orderId']), side: 'BUY', quantity, price });
      await amend('0.01', '59000.5');
      await amend('0.02', '59000.5');
      // a restart of the history: the next amend finds its base in the database
      await t.reopen();
      await amend('0.02', '59001');
      const got = (await t.h.ok(me, 'GET', '/fapi/v1/orderAmendment', {
        symbol: 'BTCUSDT',
        origClientOrderId: 'amended-1',
      })) as unknown as {
        orderId: number;
        pair: string;
        amendment: { price: { before: string; after: string }; origQty: { before: string; after: string }; count: number };
      }[];
      assert.deepEqual(
        got.map((a) => [
          a.amendment.price.before,
          a.amendment.price.after,
          a.amendment.origQty.before,
          a.amendment.origQty.after,
          a.amendment.count,
        ]),
        [
          ['59000.5', '59001', '0.02', '0.02', 3],
          ['59000.5', '59000.5', '0.01', '0.02', 2],
          ['59000', '59000.5', '0.01', '0.01', 1],
        ],
      );
      assert.deepEqual([got[0]?.orderId, got[0]?.pair], [placed['orderId'], 'BTCUSDT']);
      assert.equal(
        (await t.h.ok(me, 'GET', '/fapi/v1/orderAmendment', { symbol: 'BTCUSDT', orderId: String(placed['orderId']), limit: '1' })).length,
        1,
      );
      assert.equal((await t.h.signed(me, 'GET', '/fapi/v1/orderAmendment', { symbol: 'BTCUSDT', orderId: '999999' })).status, 400);
    } finally {
      await t.close();
    }
  });

  it('keeps every liquidation step with its explanation; GET /sim/v1/liquidations serves them after a reopen', async () => {
    const t = await reopenableHistory();
    try {
      const me = (await t.h.account('1000')) as unknown as { accountId: string; apiKey: string; apiSecret: string };
      await t.h.ok(me, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.3' });
      await t.h.mark('BTCUSDT', '56700'); // 0.3 × 3,300 = 990 lost of 1,000 − 9 fee: 1 left, below the 68.04 maintenance
      await t.reopen();
      const r = await t.h.app.inject({
        method: 'GET',
        url: `/sim/v1/liquidations?accountId=${me.accountId}`,
        headers: { 'x-perpsim-admin': 'test-admin-token' },
      });
      assert.equal(r.statusCode, 200, r.body);
      const steps = r.json() as { symbol: string; markPrice: string; marginType: string; closed: unknown[] }[];
      assert.ok(steps.length >= 1);
      assert.equal(steps[0]?.symbol, 'BTCUSDT');
      assert.equal(steps[0]?.markPrice, '56700');
      assert.equal(steps[0]?.marginType, 'cross');
      assert.ok((steps[0]?.closed.length ?? 0) >= 1, 'what was closed, and where');
      // the same liquidation as Binance's "User's Force Orders" (GET /fapi/v1/forceOrders), from the history
      const force = (await t.h.ok(me, 'GET', '/fapi/v1/forceOrders', {})) as unknown as Record<string, unknown>[];
      assert.ok(force.length >= 1, JSON.stringify(force));
      const first = force[0] ?? {};
      assert.ok(String(first['clientOrderId']).startsWith('autoclose-'));
      assert.deepEqual(
        [first['symbol'], first['side'], first['type'], first['origType'], first['timeInForce'], first['reduceOnly']],
        ['BTCUSDT', 'SELL', 'LIMIT', 'LIMIT', 'IOC', true],
      );
      const closedQty = force.reduce((n, o) => n + Number(o['executedQty']), 0);
      assert.equal(closedQty.toFixed(3), '0.300', 'the whole long was closed by liquidation orders');
      assert.deepEqual(await t.h.ok(me, 'GET', '/fapi/v1/forceOrders', { autoCloseType: 'ADL' }), []);
      assert.equal(
        (await t.h.ok(me, 'GET', '/fapi/v1/forceOrders', { symbol: 'BTCUSDT', autoCloseType: 'LIQUIDATION' })).length,
        force.length,
      );
      assert.deepEqual(await t.h.ok(me, 'GET', '/fapi/v1/forceOrders', { symbol: 'ETHUSDT' }), []);
      const bad = await t.h.app.inject({
        method: 'GET',
        url: '/sim/v1/liquidations?accountId=nobody',
        headers: { 'x-perpsim-admin': 'test-admin-token' },
      });
      assert.equal(bad.statusCode, 400);
    } finally {
      await t.close();
    }
  });
});
