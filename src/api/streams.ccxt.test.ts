// End to end with unmodified CCXT pro (binanceusdm, spec api.md §1.1, §6.2) against buildServer + attachStreams:
// watchOrderBook (REST snapshot + @depth@100ms diffs, CCXT's U/u/pu checks), watchTrades, watchOrders.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import ccxt from 'ccxt';
import { ccxtFapiUrls } from './api-fixture.js';
import { buildServer } from './server.js';
import { attachStreams } from './streams.js';
import { Venue } from './venue.js';
import { depthLevels } from './depth-diff.js';
import { MarketMaker } from '../feed/market-maker.js';
import { ManualFeed } from '../feed/manual-feed.js';

const SYMBOL = 'BTC/USDT:USDT';

describe('CCXT pro against the streams', () => {
  it('watchOrderBook follows the engine book through amends, fills and cancels; watchTrades; watchOrders', async () => {
    const venue = new Venue();
    venue.run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '60000' });
    const mm = new MarketMaker(venue, { symbols: ['BTCUSDT'], levels: 5 });
    const feed = new ManualFeed(venue, { marketMaker: mm });
    feed.start();
    venue.run({ type: 'createAccount', accountId: 'user' });
    venue.run({ type: 'deposit', accountId: 'user', asset: 'USDT', amount: '100000' });
    const cred = venue.issueCredential('user');
    const app = buildServer(venue, { adminToken: 'admin' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const streams = attachStreams(app.server, venue);
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const ex = new ccxt.pro.binanceusdm({
      apiKey: cred.apiKey,
      secret: cred.apiSecret,
      enableRateLimit: false,
      // a short keep-alive period: CCXT's listen-key timer survives close() and would hold the process for 20 min
      options: { fetchCurrencies: false, listenKeyRefreshRate: 300 },
      urls: {
        api: {
          ...ccxtFapiUrls(base),
          ws: { future: `${base.replace('http', 'ws')}/ws` },
        },
      } as never,
    });
    try {
      await ex.loadHttpProxyAgent();
      await ex.loadMarkets();
      const s = venue.exchange.symbols.get('BTCUSDT')!;
      const engineBook = () => {
        const d = depthLevels(s);
        return { bids: d.bids.map(([p, q]) => [Number(p), Number(q)]), asks: d.asks.map(([p, q]) => [Number(p), Number(q)]) };
      };
      const same = (ob: { bids: unknown[]; asks: unknown[] }) => {
        const e = engineBook();
        return JSON.stringify([ob.bids, ob.asks]) === JSON.stringify([e.bids, e.asks]);
      };
      let ob = await ex.watchOrderBook(SYMBOL);
      const waitSame = async () => {
        for (let i = 0; i < 50 && !same(ob); i++) ob = await ex.watchOrderBook(SYMBOL);
        assert.ok(same(ob), `CCXT ${JSON.stringify([ob.bids, ob.asks])} vs engine ${JSON.stringify(engineBook())}`);
      };
      await waitSame();

      // the book changes in every way: mark moves (the maker amends), a resting user order, a fill, a cancel
      assert.ok(feed.set({ symbol: 'BTCUSDT', markPrice: '60100' }).ok);
      await waitSame();
      const resting = venue.run({
        type: 'placeOrder',
        accountId: 'user',
        symbol: 'BTCUSDT',
        side: 'BUY',
        orderType: 'LIMIT',
        quantity: '0.05',
        price: '60050',
        timeInForce: 'GTC',
      });
      assert.ok(resting.ok);
      const trades = ex.watchTrades(SYMBOL);
      const orders = ex.watchOrders(SYMBOL);
      await new Promise((r) => setTimeout(r, 200)); // let both subscriptions reach the server
      assert.ok(
        venue.run({ type: 'placeOrder', accountId: 'user', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.4' }).ok,
      );
      const t = await trades;
      assert.equal(t[0]!.symbol, SYMBOL);
      assert.equal(t[0]!.side, 'buy');
      const o = await orders;
      assert.equal(o[0]!.symbol, SYMBOL);
      await waitSame();
      assert.ok(
        venue.run({ type: 'cancelOrder', accountId: 'user', symbol: 'BTCUSDT', orderId: (resting.result as { orderId: number }).orderId })
          .ok,
      );
      await waitSame();
      for (let i = 0; i < 5; i++) assert.ok(feed.set({ symbol: 'BTCUSDT', markPrice: String(60100 + 10 * i) }).ok);
      await waitSame();
    } finally {
      // with no key the pending keep-alive returns without re-arming
      (ex.options as { future?: { listenKey?: string } }).future = {};
      await ex.close();
      mm.stop();
      await streams.close();
      await app.close();
    }
  });
});
