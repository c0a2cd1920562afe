import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/decimal.js';
import { Venue } from '../api/venue.js';
import { MarketMaker } from './market-maker.js';
import { ManualFeed } from './manual-feed.js';

/** Money is conserved: Σ wallets + fees collected = Σ deposits − Σ withdrawals + Σ realized PnL + Σ funding (as the engine's property tests). */
function assertConserved(venue: Venue): void {
  const ex = venue.exchange;
  let wallets = Decimal.ZERO;
  let inflow = Decimal.ZERO;
  for (const a of ex.accounts.values()) {
    let w = a.crossWallet;
    for (const p of a.positions.values()) w = w.add(p.isolatedWallet);
    wallets = wallets.add(w);
    inflow = inflow.add(a.deposits).sub(a.withdrawals).add(a.realizedPnl).add(a.funding).add(a.insuranceClear);
    assert.equal(
      w.toString(),
      a.deposits.sub(a.withdrawals).add(a.realizedPnl).sub(a.commission).add(a.funding).add(a.insuranceClear).toString(),
      `ledger of ${a.accountId}`,
    );
  }
  assert.equal(wallets.add(ex.feesCollected).toString(), inflow.toString(), 'wallets + fees = deposits − withdrawals + realized + funding');
}

function setup(options: ConstructorParameters<typeof MarketMaker>[1] = {}) {
  const venue = new Venue();
  venue.run({ type: 'setMarkPrice', symbol: 'BTCUSDT', markPrice: '60000' });
  venue.run({ type: 'setMarkPrice', symbol: 'ETHUSDT', markPrice: '3000' });
  const mm = new MarketMaker(venue, { symbols: ['BTCUSDT', 'ETHUSDT'], autoRequote: false, ...options });
  mm.start();
  venue.run({ type: 'createAccount', accountId: 'user' });
  venue.run({ type: 'deposit', accountId: 'user', asset: 'USDT', amount: '100000' });
  return { venue, mm };
}

function sides(mm: MarketMaker, symbol: string) {
  const orders = mm.openOrders(symbol);
  return {
    bids: orders.filter((o) => o.side === 'BUY').sort((a, b) => b.ticks - a.ticks),
    asks: orders.filter((o) => o.side === 'SELL').sort((a, b) => a.ticks - b.ticks),
  };
}

describe('market maker', () => {
  it('quotes a ladder that respects tick, step, min quantity, min notional and the price band', () => {
    const { venue, mm } = setup();
    assert.equal(mm.stats.rejected, 0, JSON.stringify(mm.stats.lastError));
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const s = venue.exchange.symbols.get(symbol)!;
      const inst = s.instrument;
      const mark = s.markPrice!;
      const { bids, asks } = sides(mm, symbol);
      assert.equal(bids.length, 10);
      assert.equal(asks.length, 10);
      for (const o of [...bids, ...asks]) {
        assert.equal(o.type, 'LIMIT');
        assert.equal(o.timeInForce, 'GTC');
        assert.ok(o.price.isMultipleOf(inst.tickSize), `${o.price} on tick`);
        assert.ok(o.origQty.isMultipleOf(inst.stepSize) && o.origQty.gte(inst.minQty));
        assert.ok(o.origQty.mul(o.price).gte(inst.minNotional));
        assert.ok(o.price.lte(mark.mul(inst.multiplierUp)) && o.price.gte(mark.mul(inst.multiplierDown)));
      }
      assert.ok(bids[0]!.price.lt(mark) && asks[0]!.price.gt(mark));
      // first level 1.5 bp away, then 2 bp apart
      assert.equal(bids[0]!.price.toString(), symbol === 'BTCUSDT' ? '59991' : '2999.55');
      assert.equal(asks[0]!.price.toString(), symbol === 'BTCUSDT' ? '60009' : '3000.45');
      assert.equal(asks[1]!.price.toString(), symbol === 'BTCUSDT' ? '60021' : '3001.05');
      // ~20,000 USDT per level
      assert.ok(bids[0]!.origQty.mul(bids[0]!.price).gte(Decimal.of(20000)));
    }
  });

  it("a lone user's market order fills against the ladder; the ladder follows the mark; money is conserved", () => {
    const { venue, mm } = setup({ autoRequote: true });
    const feed = new ManualFeed(venue, { marketMaker: mm });
    const r = venue.run({ type: 'placeOrder', accountId: 'user', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.5' });
    assert.ok(r.ok);
    const res = r.result as { status: string; avgPrice: string; executedQty: string };
    assert.equal(res.status, 'FILLED');
    assert.equal(res.executedQty, '0.5');
    assert.ok(Number(res.avgPrice) > 60009 && Number(res.avgPrice) < 60021, res.avgPrice);
    assert.equal(mm.inventory('BTCUSDT').toString(), '-0.5');

    const moved = feed.set({ symbol: 'BTCUSDT', markPrice: '61000' });
    assert.ok(moved.ok);
    const { bids, asks } = sides(mm, 'BTCUSDT');
    assert.equal(bids.length, 10);
    assert.equal(asks.length, 10);
    // around the new mark, on the 12-USDT grid, 18 USDT wide
    assert.ok(bids[0]!.price.lt(Decimal.of(61000)) && asks[0]!.price.gt(Decimal.of(61000)));
    assert.equal(asks[0]!.price.sub(bids[0]!.price).toString(), '18');
    assert.ok(asks[9]!.price.sub(bids[9]!.price).eq(Decimal.of(18 + 2 * 9 * 12)));
    // one grid step up: the ladder shifts by one level, two orders amended
    const amended = mm.stats.amended;
    assert.ok(feed.set({ symbol: 'BTCUSDT', markPrice: String(Number(bids[0]!.price.toString()) + 9 + 12) }).ok);
    assert.equal(mm.stats.amended - amended, 2);
    assert.equal(sides(mm, 'BTCUSDT').bids[1]!.orderId, bids[0]!.orderId);
    const book = venue.exchange.symbols.get('BTCUSDT')!.book;
    assert.ok(book.bestBid()! < book.bestAsk()!);

    // an index-only move: the engine computes the mark, the maker quotes around it
    assert.ok(feed.set({ symbol: 'BTCUSDT', indexPrice: '61500' }).ok);
    const mark = venue.exchange.symbols.get('BTCUSDT')!.markPrice!;
    assert.ok(mark.sub(Decimal.of(61500)).abs().lt(Decimal.parse('61.5')), mark.toString());
    const after = sides(mm, 'BTCUSDT');
    assert.ok(after.bids[0]!.price.lt(mark) && after.asks[0]!.price.gt(mark));

    const sell = venue.run({
      type: 'placeOrder',
      accountId: 'user',
      symbol: 'BTCUSDT',
      side: 'SELL',
      orderType: 'MARKET',
      quantity: '1.2',
    });
    assert.ok(sell.ok);
    assert.equal((sell.result as { status: string }).status, 'FILLED');
    assert.equal(mm.stats.rejected, 0, JSON.stringify(mm.stats.lastError));
    assertConserved(venue);
  });

  it('re-quotes once per event-loop turn after a burst of fills, and tops a level up once less than topUpBelow is left', async () => {
    const { venue, mm } = setup({ autoRequote: true, symbols: ['BTCUSDT'], levels: 3 });
    const best = () => sides(mm, 'BTCUSDT').asks[0]!;
    const size = best().origQty;
    const quotes = mm.stats.quotes;
    const amended = mm.stats.amended;
    // ten small buys in one turn: all fill at the best ask; the maker looks once, at the end of the turn
    for (let i = 0; i < 10; i++)
      assert.ok(
        venue.run({ type: 'placeOrder', accountId: 'user', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.01' }).ok,
      );
    await new Promise((r) => setImmediate(r));
    assert.equal(mm.stats.quotes - quotes, 1, 'one re-quote for the burst');
    assert.equal(mm.stats.amended - amended, 0, 'a level with more than half left is not topped up');
    assert.equal(best().origQty.sub(best().executedQty).toString(), size.sub(Decimal.parse('0.1')).toString());
    // eat into the level until less than half is left: the re-quote tops it up to its size
    const half = size.div(Decimal.of(2), 3, 'DOWN').toString();
    assert.ok(venue.run({ type: 'placeOrder', accountId: 'user', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: half }).ok);
    await new Promise((r) => setImmediate(r));
    assert.equal(mm.stats.amended - amended, 1);
    assert.equal(best().origQty.sub(best().executedQty).toString(), size.toString());
    assert.equal(mm.stats.rejected, 0, JSON.stringify(mm.stats.lastError));
    mm.stop();
    assertConserved(venue);
  });

  it('caps its inventory: at the cap the growing side is not quoted', () => {
    const { venue, mm } = setup({ maxInventoryNotional: '30000', levels: 3 });
    const r = venue.run({ type: 'placeOrder', accountId: 'user', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.6' });
    assert.ok(r.ok);
    mm.quote('BTCUSDT');
    const { bids, asks } = sides(mm, 'BTCUSDT');
    assert.equal(asks.length, 0, 'short 36,000 USDT > cap: no more asks');
    assert.equal(bids.length, 3);
    // skewed by the full skewBps (10 bp) upward
    assert.ok(bids[0]!.price.gt(Decimal.of(60000)), bids[0]!.price.toString());
    assertConserved(venue);
  });

  it('handles rejections without throwing or looping (margin too small)', () => {
    const { venue, mm } = setup({ deposit: '1000', levels: 5 });
    assert.ok(mm.stats.rejected > 0);
    assert.equal(mm.stats.lastError?.code, -2019);
    const before = mm.stats.rejected;
    for (let i = 0; i < 20; i++) mm.quote('BTCUSDT');
    assert.equal(mm.stats.rejected, before, 'backed off: no retries within rejectBackoffMs');
    venue.advance(6000);
    mm.quote('BTCUSDT');
    assert.ok(mm.stats.rejected <= before + 2);
    assertConserved(venue);
  });

  it('stop() cancels its orders', () => {
    const { mm } = setup();
    mm.stop();
    assert.equal(mm.openOrders('BTCUSDT').length, 0);
    assert.equal(mm.openOrders('ETHUSDT').length, 0);
  });
});
