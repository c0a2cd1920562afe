import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Decimal } from '../core/decimal.js';
import { nextFundingRate } from '../engine/funding.js';
import { Venue } from '../api/venue.js';
import { loadSeries, parseFundingCsv, parseKlinesCsv } from './history-csv.js';
import { MarketMaker } from './market-maker.js';
import { ReplayFeed, candlePrice, type FeedTimer } from './replay-feed.js';

// dist/src/feed/ → the project root
const DATA = fileURLToPath(new URL('../../../data/binance-um/', import.meta.url));

/** A timer the test fires by hand. */
function manualTimer(): FeedTimer & { fire(n?: number): void; active: boolean } {
  let fn: (() => void) | undefined;
  return {
    setInterval: (f) => ((fn = f), 1),
    clearInterval: () => (fn = undefined),
    fire(n = 1) {
      for (let i = 0; i < n; i++) fn?.();
    },
    get active() {
      return fn !== undefined;
    },
  };
}

function conserved(venue: Venue): boolean {
  let lhs = venue.exchange.feesCollected;
  let rhs = Decimal.ZERO;
  for (const a of venue.exchange.accounts.values()) {
    lhs = lhs.add(a.crossWallet);
    for (const p of a.positions.values()) lhs = lhs.add(p.isolatedWallet);
    rhs = rhs.add(a.deposits).sub(a.withdrawals).add(a.realizedPnl).add(a.funding).add(a.insuranceClear);
  }
  return lhs.eq(rhs);
}

describe('history CSVs', () => {
  it('parses klines and funding by header names and loads the data slice', () => {
    const k = parseKlinesCsv('open_time,open,high,low,close,volume\n1000,10,12,9,11,5\n');
    assert.deepEqual(k, [{ openTime: 1000, open: 10, high: 12, low: 9, close: 11 }]);
    assert.deepEqual(parseFundingCsv('calc_time,funding_interval_hours,last_funding_rate\n1746576000001,8,0.00003273\n'), [
      { time: 1746576000001, rate: '0.00003273' },
    ]);
    assert.throws(() => parseKlinesCsv('time,open\n1,2\n'), /no column 'open_time'/);
    const series = loadSeries(DATA);
    assert.deepEqual(
      series.map((s) => [s.symbol, s.klines.length, s.intervalMs, s.funding.length]),
      [
        ['BTCUSDT', 4320, 60000, 12],
        ['ETHUSDT', 4320, 60000, 12],
      ],
    );
    const btc = series[0]!;
    for (let i = 1; i < btc.klines.length; i++) assert.equal(btc.klines[i]!.openTime - btc.klines[i - 1]!.openTime, 60000);
  });

  it('walks a candle open → low → high → close (rising) at constant speed', () => {
    const k = { openTime: 0, open: 100, high: 110, low: 95, close: 105 };
    // path lengths 5 + 15 + 5 = 25
    assert.equal(candlePrice(k, 0), 100);
    assert.equal(candlePrice(k, 0.2), 95);
    assert.equal(candlePrice(k, 0.8), 110);
    assert.equal(candlePrice(k, 1), 105);
    assert.equal(candlePrice(k, 0.5), 102.5);
    const falling = { openTime: 0, open: 100, high: 101, low: 90, close: 92 };
    assert.equal(candlePrice(falling, 1 / 14), 101);
    assert.equal(candlePrice({ openTime: 0, open: 5, high: 5, low: 5, close: 5 }, 0.3), 5);
  });
});

describe('replay feed', () => {
  it('drives index and mark from the candles; the market maker follows; funding rates from the file; loops continuously', () => {
    const venue = new Venue();
    const timer = manualTimer();
    const mm = new MarketMaker(venue, { symbols: ['BTCUSDT', 'ETHUSDT'] });
    const series = loadSeries(DATA);
    const feed = new ReplayFeed(venue, { series, speed: 240, stepMs: 250, marketMaker: mm, timer });
    feed.start();
    assert.ok(timer.active);
    const btc = venue.exchange.symbols.get('BTCUSDT')!;
    const first = series[0]!.klines[0]!;
    assert.equal(btc.indexPrice!.toNumber(), first.open);
    assert.equal(mm.openOrders('BTCUSDT').length, 20);
    // the file's next settlement rate is the engine's predicted rate
    const nextRow = series[0]!.funding.find((r) => r.time > first.openTime)!;
    assert.equal(nextFundingRate(btc).toString(), Decimal.parse(nextRow.rate).toString());

    venue.run({ type: 'createAccount', accountId: 'user' });
    venue.run({ type: 'deposit', accountId: 'user', asset: 'USDT', amount: '50000' });
    let prev = btc.indexPrice!.toNumber();
    for (let i = 0; i < 40; i++) {
      timer.fire(); // one minute of history per step
      const index = btc.indexPrice!.toNumber();
      const mark = btc.markPrice!;
      assert.ok(Math.abs(index - prev) / prev < 0.01, `smooth: ${prev} → ${index}`);
      prev = index;
      assert.ok(Math.abs(mark.toNumber() - index) / index < 0.0005, `mark ${mark} follows index ${index}`);
      const bid = btc.book.bestBid()! / 10;
      const ask = btc.book.bestAsk()! / 10;
      assert.ok(bid < mark.toNumber() && mark.toNumber() < ask, `${bid} < ${mark} < ${ask}`);
      if (i % 10 === 5) {
        const side = i % 20 === 5 ? 'BUY' : 'SELL';
        const r = venue.run({ type: 'placeOrder', accountId: 'user', symbol: 'BTCUSDT', side, orderType: 'MARKET', quantity: '0.2' });
        assert.ok(r.ok && (r.result as { status: string }).status === 'FILLED', JSON.stringify(r));
      }
    }
    assert.equal(feed.stats.rejected, 0, JSON.stringify(feed.stats.lastError));
    assert.equal(mm.stats.rejected, 0, JSON.stringify(mm.stats.lastError));
    assert.ok(conserved(venue));

    // the loop: one step before and after the wrap are continuous
    const span = 4320 * 60000;
    const before = feed.priceAt('BTCUSDT', span - 1)!;
    const afterWrap = feed.priceAt('BTCUSDT', span)!;
    assert.equal(afterWrap.pass, 1);
    assert.ok(Math.abs(afterWrap.price - before.price) / before.price < 0.001, `${before.price} → ${afterWrap.price}`);
    feed.stop();
    assert.ok(!timer.active);
    mm.stop();
  });

  it('continues from the mark of a venue that already has one (a restarted server)', () => {
    const venue = new Venue();
    venue.run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '80000' });
    const timer = manualTimer();
    const feed = new ReplayFeed(venue, { series: loadSeries(DATA, ['BTCUSDT']), timer, markMode: 'direct' });
    feed.start();
    const btc = venue.exchange.symbols.get('BTCUSDT')!;
    assert.ok(Math.abs(btc.markPrice!.toNumber() - 80000) < 0.01, btc.markPrice!.toString());
    timer.fire(4);
    assert.ok(Math.abs(btc.markPrice!.toNumber() - 80000) / 80000 < 0.01);
    feed.stop();
  });

  it('settles funding at the file times in replayed history when asked; money stays conserved', () => {
    const venue = new Venue();
    const timer = manualTimer();
    const series = loadSeries(DATA, ['ETHUSDT']);
    const mm = new MarketMaker(venue, { symbols: ['ETHUSDT'] });
    // one step = 2 h of history: 12 steps = 24 h, every settlement time of the file in it
    const feed = new ReplayFeed(venue, { series, speed: 7200, stepMs: 1000, marketMaker: mm, timer, settleFunding: true });
    feed.start();
    venue.run({ type: 'createAccount', accountId: 'long' });
    venue.run({ type: 'deposit', accountId: 'long', asset: 'USDT', amount: '10000' });
    assert.ok(venue.run({ type: 'placeOrder', accountId: 'long', symbol: 'ETHUSDT', side: 'BUY', orderType: 'MARKET', quantity: '1' }).ok);
    timer.fire(12);
    const t0 = series[0]!.klines[0]!.openTime;
    const due = series[0]!.funding.filter((r) => r.time > t0 && r.time <= t0 + 24 * 3600_000).length;
    assert.ok(due >= 3);
    assert.equal(feed.stats.settlements, due);
    const paid = venue.exchange.accounts.get('long')!.funding;
    assert.ok(!paid.isZero());
    assert.equal(paid.add(venue.exchange.accounts.get(mm.accountId)!.funding).toString(), '0');
    assert.ok(conserved(venue));
    assert.equal(feed.stats.rejected, 0, JSON.stringify(feed.stats.lastError));
    feed.stop();
  });
});
