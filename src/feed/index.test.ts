import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Venue } from '../api/venue.js';
import { startFeed } from './index.js';

describe('startFeed', () => {
  it('manual: the maker quotes once a price is set; stop keeps its orders', () => {
    const venue = new Venue();
    const feed = startFeed(venue, { feed: 'manual' });
    assert.ok(feed.manual !== undefined && feed.replay === undefined);
    assert.ok(feed.manual.set({ symbol: 'SOLUSDT', markPrice: '150' }).ok);
    assert.equal(feed.marketMaker!.openOrders('SOLUSDT').length, 20);
    assert.equal(feed.marketMaker!.stats.rejected, 0, JSON.stringify(feed.marketMaker!.stats.lastError));
    feed.stop();
    assert.equal(feed.marketMaker!.openOrders('SOLUSDT').length, 20);
  });

  it('replay: the shipped data slice drives BTCUSDT and ETHUSDT at once', () => {
    const venue = new Venue();
    const feed = startFeed(venue, { feed: 'replay', speed: 120 });
    try {
      assert.deepEqual(feed.replay!.symbols, ['BTCUSDT', 'ETHUSDT']);
      assert.ok(feed.replay!.running);
      for (const s of ['BTCUSDT', 'ETHUSDT']) {
        assert.ok(venue.exchange.symbols.get(s)!.markPrice !== undefined);
        assert.equal(feed.marketMaker!.openOrders(s).length, 20);
      }
      assert.equal(venue.exchange.symbols.get('SOLUSDT')!.markPrice, undefined);
    } finally {
      feed.stop();
    }
    assert.ok(!feed.replay!.running);
  });
});
