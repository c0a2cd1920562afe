import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { Venue } from './venue.js';
import { attachStreams, type AttachedStreams } from './streams.js';
import { depthLevels } from './depth-diff.js';

interface Harness {
  venue: Venue;
  server: Server;
  streams: AttachedStreams;
  url: string;
  close(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const venue = new Venue();
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const streams = attachStreams(server, venue, { listenKeyCheckMs: 25 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const id of ['mm', 'alice', 'bob']) {
    venue.run({ type: 'createAccount', accountId: id });
    venue.run({ type: 'deposit', accountId: id, asset: 'USDT', amount: '100000' });
  }
  venue.run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '60000', indexPrice: '59990' });
  return {
    venue,
    server,
    streams,
    url,
    async close() {
      await streams.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client that queues every message and waits for the ones a test expects. */
class Client {
  readonly messages: unknown[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.messages.push(JSON.parse(raw.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const c = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(body: unknown): void {
    this.ws.send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** Removes and returns the first queued message matching `pred`, waiting up to `ms`. */
  async next<T = any>(pred: (m: any) => boolean = () => true, ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) throw new Error(`no matching message; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async request(body: { id: unknown; [k: string]: unknown }): Promise<any> {
    this.send(body);
    return this.next((m) => m !== null && typeof m === 'object' && 'id' in m && m.id === body.id);
  }

  close(): void {
    this.ws.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function limit(venue: Venue, accountId: string, side: 'BUY' | 'SELL', quantity: string, price: string) {
  const r = venue.run({ type: 'placeOrder', accountId, symbol: 'BTCUSDT', side, orderType: 'LIMIT', quantity, price, timeInForce: 'GTC' });
  assert.ok(r.ok, JSON.stringify(r));
  return r.result as { orderId: number };
}

describe('WebSocket streams', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h.close();
  });

  it('control frames: SUBSCRIBE/UNSUBSCRIBE echo the id with its JSON type; LIST_SUBSCRIPTIONS; errors', async () => {
    const c = await Client.open(`${h.url}/market/ws/1`);
    assert.deepEqual(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@markPrice@1s'], id: 1 }), {
      result: null,
      id: 1,
    });
    assert.deepEqual(await c.request({ method: 'SUBSCRIBE', params: ['ethusdt@trade'], id: 'a1b2' }), { result: null, id: 'a1b2' });
    assert.deepEqual(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 7 }), {
      result: ['btcusdt@aggTrade', 'btcusdt@markPrice@1s', 'ethusdt@trade'],
      id: 7,
    });
    assert.deepEqual(await c.request({ method: 'UNSUBSCRIBE', params: ['btcusdt@markPrice@1s'], id: '9' }), { result: null, id: '9' });
    assert.deepEqual((await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 8 })).result, ['btcusdt@aggTrade', 'ethusdt@trade']);
    const invalid = { error: { code: 2, msg: 'Invalid request' } };
    assert.deepEqual(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@nonsense'], id: 3 }), { ...invalid, id: 3 });
    assert.deepEqual(await c.request({ method: 'SUBSCRIBE', params: 'btcusdt@trade', id: 4 }), { ...invalid, id: 4 });
    assert.deepEqual(await c.request({ method: 'FLY', id: 'x' }), { ...invalid, id: 'x' });
    assert.deepEqual(await c.request({ method: 'GET_PROPERTY', params: ['combined'], id: 5 }), { result: false, id: 5 });
    c.send('{not json');
    assert.deepEqual(await c.next((m) => 'error' in m), { error: { code: 3, msg: 'Invalid JSON' }, id: null });
    c.close();
  });

  it('depth diffs chain U/u/pu from the venue book update id and rebuild the book', async () => {
    const { venue } = h;
    const c = await Client.open(`${h.url}/public/ws/0`);
    await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@depth@100ms'], id: 1 });
    const book = { bids: new Map<string, string>(), asks: new Map<string, string>() };
    const snapshot = depthLevels(venue.exchange.symbols.get('BTCUSDT')!);
    for (const [p, q] of snapshot.bids) book.bids.set(p, q);
    for (const [p, q] of snapshot.asks) book.asks.set(p, q);
    let lastU = venue.bookUpdateId('BTCUSDT');

    const events: any[] = [];
    const expectEvent = async () => {
      const e = await c.next((m) => m.e === 'depthUpdate');
      events.push(e);
      return e;
    };
    limit(venue, 'mm', 'BUY', '0.5', '59990');
    limit(venue, 'mm', 'SELL', '0.5', '60010');
    const e1 = await expectEvent();
    assert.equal(e1.s, 'BTCUSDT');
    assert.equal(e1.pu, lastU);
    assert.equal(e1.U, lastU + 1);
    assert.equal(e1.u, venue.bookUpdateId('BTCUSDT'));
    assert.deepEqual(e1.b, [['59990.00', '0.500']]);
    assert.deepEqual(e1.a, [['60010.00', '0.500']]);

    // a REST snapshot taken now: the next event must satisfy U <= lastUpdateId + 1 <= u and pu == previous u
    const lastUpdateId = venue.bookUpdateId('BTCUSDT');
    limit(venue, 'mm', 'SELL', '0.2', '60020');
    const order = limit(venue, 'alice', 'BUY', '0.1', '59980');
    venue.run({ type: 'placeOrder', accountId: 'bob', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.3' });
    const e2 = await expectEvent();
    assert.equal(e2.pu, e1.u);
    assert.ok(e2.U <= lastUpdateId + 1 && lastUpdateId + 1 <= e2.u, JSON.stringify(e2));
    venue.run({ type: 'cancelOrder', accountId: 'alice', symbol: 'BTCUSDT', orderId: order.orderId });
    const e3 = await expectEvent();
    assert.equal(e3.pu, e2.u);
    assert.equal(e3.U, e2.u + 1);
    assert.deepEqual(e3.b, [['59980.00', '0.000']]);

    // applying the diffs reproduces the engine's book
    for (const e of events) {
      assert.ok(e.u >= lastU);
      lastU = e.u;
      for (const [side, key] of [
        ['bids', 'b'],
        ['asks', 'a'],
      ] as const) {
        for (const [p, q] of e[key] as [string, string][]) {
          if (Number(q) === 0) book[side].delete(p);
          else book[side].set(p, q);
        }
      }
    }
    const now = depthLevels(venue.exchange.symbols.get('BTCUSDT')!);
    assert.deepEqual([...book.bids], now.bids);
    assert.deepEqual([...book.asks], now.asks);
    assert.deepEqual(now.asks, [
      ['60010.00', '0.200'],
      ['60020.00', '0.200'],
    ]);
    c.close();
  });

  it('trade and aggTrade (wrapped) after a trade; partial depth and bookTicker', async () => {
    const { venue } = h;
    const c = await Client.open(
      `${h.url}/market/stream?streams=btcusdt@aggTrade/btcusdt@trade/btcusdt@bookTicker/btcusdt@depth5@100ms/btcusdt@kline_1m`,
    );
    await sleep(20);
    limit(venue, 'mm', 'SELL', '0.1', '60030');
    limit(venue, 'mm', 'SELL', '0.1', '60030');
    const r = venue.run({ type: 'placeOrder', accountId: 'bob', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.35' });
    assert.ok(r.ok);
    const trades = [await c.next((m) => m.stream === 'btcusdt@trade'), await c.next((m) => m.stream === 'btcusdt@trade')];
    assert.equal(trades[0].data.e, 'trade');
    assert.equal(trades[0].data.s, 'BTCUSDT');
    assert.equal(trades[0].data.m, false);
    assert.equal(trades[0].data.X, 'MARKET');
    // the taker's fills at one price form one aggregate trade: 0.2 at 60010 (left there), then 0.15 at 60020
    const agg1 = (await c.next((m) => m.stream === 'btcusdt@aggTrade')).data;
    const agg2 = (await c.next((m) => m.stream === 'btcusdt@aggTrade')).data;
    assert.deepEqual([agg1.p, agg1.q, agg1.m, agg2.p, agg2.q], ['60010.00', '0.200', false, '60020.00', '0.150']);
    assert.equal(agg1.a, agg1.f);
    assert.equal(agg2.a, agg2.f);
    assert.ok(agg1.f <= agg1.l && agg1.l < agg2.f);
    const bt = (await c.next((m) => m.stream === 'btcusdt@bookTicker' && m.data.a === '60020.00')).data;
    assert.equal(bt.e, 'bookTicker');
    assert.equal(bt.u, venue.bookUpdateId('BTCUSDT'));
    assert.deepEqual([bt.b, bt.B, bt.a, bt.A], ['59990.00', '0.500', '60020.00', '0.050']);
    const id = venue.bookUpdateId('BTCUSDT');
    const d5 = (await c.next((m) => m.stream === 'btcusdt@depth5@100ms' && m.data.u === id)).data;
    assert.deepEqual(d5.a[0], ['60020.00', '0.050']);
    assert.deepEqual(d5.a[1], ['60030.00', '0.200']);
    assert.equal(d5.a.length, 2);
    const k = (await c.next((m) => m.stream === 'btcusdt@kline_1m' && m.data.k.n > 0)).data.k;
    assert.equal(k.i, '1m');
    assert.equal(k.h, '60020.00');
    assert.equal(k.x, false);
    c.close();
  });

  it('markPrice@1s: mark, index, funding rate and next funding time from the engine; 24 h tickers', async () => {
    const c = await Client.open(`${h.url}/market/ws/btcusdt@markPrice@1s/btcusdt@ticker/!miniTicker@arr`);
    const m = await c.next((x) => x.e === 'markPriceUpdate', 2500);
    assert.equal(m.s, 'BTCUSDT');
    assert.equal(m.p, '60000.00000000');
    assert.equal(m.i, '59990.00000000');
    assert.match(m.r, /^-?\d+\.\d{8}$/);
    assert.equal(m.T % (8 * 3600_000), 0);
    assert.ok(m.T > m.E);
    // the earlier tests traded at 60010 first and 60020 last
    const t = await c.next((x) => x.e === '24hrTicker', 3000);
    assert.equal(t.s, 'BTCUSDT');
    assert.equal(t.o, '60010.00');
    assert.equal(t.c, '60020.00');
    assert.equal(t.h, '60020.00');
    assert.equal(t.p, '10.00');
    assert.equal(t.n, t.L - t.F + 1);
    assert.equal(t.C - t.O, 86_400_000);
    const mini = await c.next((x) => Array.isArray(x) && x[0]?.e === '24hrMiniTicker', 3000);
    assert.deepEqual(
      mini.map((x: any) => x.s),
      ['BTCUSDT'],
    );
    assert.equal(mini[0].v, t.v);
    c.close();
  });

  it('user data: own ORDER_TRADE_UPDATE / ACCOUNT_UPDATE only, accountId stripped; unknown key refused', async () => {
    const { venue } = h;
    const key = venue.listenKeyFor('alice').listenKey;
    const raw = await Client.open(`${h.url}/private/ws?listenKey=${encodeURIComponent(key)}`);
    const legacy = await Client.open(`${h.url}/private/ws/${encodeURIComponent(key)}`);
    const wrapped = await Client.open(`${h.url}/private/stream?streams=`);
    assert.deepEqual(await wrapped.request({ method: 'SUBSCRIBE', params: [key], id: 'x1' }), { result: null, id: 'x1' });
    // bob's activity must not reach alice's streams
    venue.run({ type: 'deposit', accountId: 'bob', asset: 'USDT', amount: '1' });
    limit(venue, 'mm', 'SELL', '0.01', '60040');
    const r = venue.run({ type: 'placeOrder', accountId: 'alice', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.01' });
    assert.ok(r.ok);
    for (const c of [raw, legacy]) {
      const news = await c.next((m) => m.e === 'ORDER_TRADE_UPDATE' && m.o.x === 'NEW');
      assert.equal(news.accountId, undefined);
      const lite = await c.next((m) => m.e === 'TRADE_LITE');
      assert.equal(lite.i, news.o.i);
      const fill = await c.next((m) => m.e === 'ORDER_TRADE_UPDATE' && m.o.x === 'TRADE');
      assert.equal(fill.o.X, 'FILLED');
      assert.equal(fill.o.S, 'BUY');
      const acc = await c.next((m) => m.e === 'ACCOUNT_UPDATE');
      assert.equal(acc.a.m, 'ORDER');
      assert.equal(acc.a.P[0].pa, '0.01');
      assert.equal(acc.accountId, undefined);
      // nothing from bob's deposit or the maker's fills
      assert.ok(c.messages.every((m: any) => m.e !== 'ACCOUNT_UPDATE' && !(m.e === 'ORDER_TRADE_UPDATE' && m.o.S === 'SELL')));
    }
    assert.ok(venue.run({ type: 'setLeverage', accountId: 'alice', symbol: 'BTCUSDT', leverage: 15 }).ok);
    assert.deepEqual((await raw.next((m) => m.e === 'ACCOUNT_CONFIG_UPDATE')).ac, { s: 'BTCUSDT', l: 15 });
    const w = await wrapped.next((m) => m.data?.e === 'ORDER_TRADE_UPDATE');
    assert.equal(w.stream, key);
    await assert.rejects(Client.open(`${h.url}/private/ws?listenKey=nope`), /400/);
    assert.deepEqual(await wrapped.request({ method: 'SUBSCRIBE', params: ['nope'], id: 2 }), {
      error: { code: 2, msg: 'Invalid request' },
      id: 2,
    });
    for (const c of [raw, legacy, wrapped]) c.close();
  });

  it('listenKeyExpired when the key expires by the venue clock; the key-in-URL connection closes', async () => {
    const { venue } = h;
    const k = venue.listenKeyFor('bob');
    const c = await Client.open(`${h.url}/private/stream?listenKey=${encodeURIComponent(k.listenKey)}`);
    k.expiresAt = venue.now() + 50;
    const m = await c.next((x) => x.data?.e === 'listenKeyExpired');
    assert.equal(m.stream, k.listenKey);
    assert.equal(m.data.listenKey, k.listenKey);
    for (let i = 0; i < 50 && !c.closed; i++) await sleep(10);
    assert.ok(c.closed);
  });
});
