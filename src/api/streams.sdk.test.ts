// End to end: tiagosiebler's `binance` SDK WebsocketClient against attachStreams (spec api.md §1.2, §6.1).
// The SDK asks REST for the listen key first (POST /fapi/v1/listenKey); this test serves that one route
// itself with fastify, returning the key `venue.listenKeyFor` issues for the API key's account.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { WebsocketClient } from 'binance';
import { Venue } from './venue.js';
import { attachStreams } from './streams.js';

const quiet = { trace: () => {}, info: () => {}, error: () => {} };

/** A step of the SDK that never settles fails the test instead of hanging it (the finally block still cleans up). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('binance SDK WebsocketClient', () => {
  it('subscribes to the USD-M user data stream and receives ORDER_TRADE_UPDATE and ACCOUNT_UPDATE after a fill', async () => {
    const venue = new Venue();
    for (const id of ['maker', 'trader']) {
      venue.run({ type: 'createAccount', accountId: id });
      venue.run({ type: 'deposit', accountId: id, asset: 'USDT', amount: '100000' });
    }
    venue.run({ type: 'setMarkPrice', symbol: 'ETHUSDT', markPrice: '3000' });
    const cred = venue.issueCredential('trader');

    const app = Fastify();
    // the SDK posts an empty form body
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const listenKey = async (req: { headers: Record<string, unknown> }, reply: { code(n: number): unknown }) => {
      const c = venue.credentials.get(String(req.headers['x-mbx-apikey']));
      if (c === undefined) {
        reply.code(401);
        return { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' };
      }
      return { listenKey: venue.listenKeyFor(c.accountId).listenKey };
    };
    app.post('/fapi/v1/listenKey', listenKey);
    app.put('/fapi/v1/listenKey', listenKey);
    app.delete('/fapi/v1/listenKey', async () => ({}));
    const streams = attachStreams(app.server, venue);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;

    const ws = new WebsocketClient(
      {
        api_key: cred.apiKey,
        api_secret: cred.apiSecret,
        wsUrl: `ws://127.0.0.1:${port}`,
        restOptions: { baseUrl: `http://127.0.0.1:${port}` },
      },
      quiet,
    );
    const received: any[] = [];
    const errors: unknown[] = [];
    ws.on('exception', (e: unknown) => errors.push(e));
    let wake: () => void = () => {};
    ws.on('message', (m: any) => {
      received.push(m);
      wake();
    });
    const until = async (pred: (m: any) => boolean, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (!received.some(pred)) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(received).slice(0, 400)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return received.find(pred);
    };
    try {
      await within(ws.subscribeUsdFuturesUserDataStream(), 15_000, 'subscribeUsdFuturesUserDataStream');
      assert.deepEqual(errors, []);
      assert.equal(streams.connections, 1);
      const r1 = venue.run({
        type: 'placeOrder',
        accountId: 'maker',
        symbol: 'ETHUSDT',
        side: 'SELL',
        orderType: 'LIMIT',
        quantity: '1',
        price: '3000',
        timeInForce: 'GTC',
      });
      assert.ok(r1.ok);
      const r2 = venue.run({
        type: 'placeOrder',
        accountId: 'trader',
        symbol: 'ETHUSDT',
        side: 'BUY',
        orderType: 'MARKET',
        quantity: '0.5',
      });
      assert.ok(r2.ok);
      const fill = await until((m) => m.e === 'ORDER_TRADE_UPDATE' && m.o.x === 'TRADE');
      assert.equal(fill.o.s, 'ETHUSDT');
      assert.equal(fill.o.X, 'FILLED');
      assert.equal(fill.o.L, '3000');
      const account = await until((m) => m.e === 'ACCOUNT_UPDATE');
      assert.equal(account.a.m, 'ORDER');
      assert.equal(account.a.P[0].s, 'ETHUSDT');
      assert.equal(account.a.P[0].pa, '0.5');
      // only the trader's own events: the maker's SELL fill never arrives
      assert.ok(received.every((m) => m.e !== 'ORDER_TRADE_UPDATE' || m.o.S === 'BUY'));
    } finally {
      await within(ws.unsubscribeUsdFuturesUserDataStream(), 5_000, 'unsubscribe').catch(() => undefined);
      ws.closeAll(true);
      // the SDK keeps its 50-minute listen-key keep-alive interval after closing: clear it so the process can exit
      for (const k of venue.listenKeys.keys()) (ws as any).getUserDataStreamManager().listenKeyStateCache.clearAllListenKeyState(k);
      await streams.close();
      await app.close();
    }
  });
});
