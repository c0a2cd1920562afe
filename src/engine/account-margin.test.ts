import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/index.js';
import { marginSummary, viewOf } from './account-margin.js';
import { Exchange } from './exchange.js';

describe('account margin (engine view)', () => {
  it('one-way: an order that only reduces the position reserves no margin; one that flips it reserves the excess', () => {
    const ex = new Exchange();
    let time = 1;
    const run = (c: Parameters<Exchange['execute']>[0]) => {
      const r = ex.execute(c);
      assert.ok(r.ok, JSON.stringify(r));
      return r;
    };
    for (const id of ['mm', 'u']) {
      run({ type: 'createAccount', time: time++, accountId: id });
      run({ type: 'deposit', time: time++, accountId: id, asset: 'USDT', amount: '100000' });
    }
    run({ type: 'setMarkPrice', time: time++, symbol: 'BTCUSDT', markPrice: '60000' });
    run({
      type: 'placeOrder',
      time: time++,
      accountId: 'mm',
      symbol: 'BTCUSDT',
      side: 'SELL',
      orderType: 'LIMIT',
      price: '60000',
      quantity: '0.1',
    });
    run({ type: 'placeOrder', time: time++, accountId: 'u', symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.1' });
    const u = ex.accounts.get('u');
    assert.ok(u !== undefined);
    const before = marginSummary(viewOf(u), ex.symbols);
    assert.equal(before.crossOrderMargin.toString(), '0');
    // a resting sell of 0.05 above the mark only reduces the 0.1 long: no order margin, available unchanged
    run({
      type: 'placeOrder',
      time: time++,
      accountId: 'u',
      symbol: 'BTCUSDT',
      side: 'SELL',
      orderType: 'LIMIT',
      price: '61000',
      quantity: '0.05',
    });
    const reducing = marginSummary(viewOf(u), ex.symbols);
    assert.equal(reducing.crossOrderMargin.toString(), '0');
    assert.equal(reducing.available.toString(), before.available.toString());
    // a further sell of 0.2 would flip it: asks = 3,050 + 12,200 = 15,250 and |N − asks| = |6,000 − 15,250| = 9,250
    // exceeds |N| = 6,000, so the excess reserves (9,250 − 6,000) / 20 = 162.5 (no open loss: sold above the mark)
    run({
      type: 'placeOrder',
      time,
      accountId: 'u',
      symbol: 'BTCUSDT',
      side: 'SELL',
      orderType: 'LIMIT',
      price: '61000',
      quantity: '0.2',
    });
    const flipping = marginSummary(viewOf(u), ex.symbols);
    assert.equal(flipping.crossOrderMargin.toString(), Decimal.parse('162.5').toString());
  });
});
