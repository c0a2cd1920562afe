import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/index.js';
import { OrderUpdateFields, orderFieldsObject } from './order-update-fields.js';
import { newOrder } from './state.js';

const d = Decimal.parse;

function order() {
  return newOrder({
    orderId: 7,
    clientOrderId: 'c7',
    accountId: 'u',
    symbol: 'BTCUSDT',
    side: 'SELL',
    positionSide: 'BOTH',
    type: 'LIMIT',
    price: d('60010.7'),
    ticks: 600107,
    origQty: d('0.062'),
    time: 1,
  });
}

describe('OrderUpdateFields', () => {
  it('shows the order as it was when the event was made, whatever happens to the order later', () => {
    const o = order();
    o.executedQty = d('0.048');
    o.cumQuote = d('2880.4932');
    o.status = 'PARTIALLY_FILLED';
    const fill = {
      qty: d('0.014'),
      price: d('60010.7'),
      fee: d('0.16802996'),
      tradeId: 1999,
      maker: true,
      realized: d('-0.327555108695652174'),
    };
    const ev = new OrderUpdateFields(o, 'TRADE', 5, fill);
    // the order changes afterwards: filled, then amended in place
    o.executedQty = d('0.062');
    o.cumQuote = d('3720.6566');
    o.status = 'FILLED';
    o.price = d('60011');
    o.origQty = d('0.07');
    assert.equal(ev.X, 'PARTIALLY_FILLED');
    assert.equal(ev.z, '0.048');
    assert.equal(ev.p, '60010.7');
    assert.equal(ev.q, '0.062');
    // 2880.4932 / 0.048 = 60010.275 (at 8 places, as the order's answer shows it)
    assert.equal(ev.ap, '60010.275');
    assert.equal(ev.rp, '-0.327555108695652174');
    assert.equal(ev.n, '0.16802996');
  });

  it('serializes to Binance keys in Binance order, the same object orderFieldsObject gives', () => {
    const o = order();
    const ev = new OrderUpdateFields(o, 'NEW', 3, undefined);
    const json = JSON.parse(JSON.stringify(ev)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), [
      's',
      'c',
      'S',
      'o',
      'f',
      'q',
      'p',
      'ap',
      'sp',
      'x',
      'X',
      'i',
      'l',
      'z',
      'L',
      'N',
      'n',
      'T',
      't',
      'b',
      'a',
      'm',
      'R',
      'wt',
      'ot',
      'ps',
      'cp',
      'rp',
      'pP',
      'si',
      'ss',
      'V',
      'pm',
      'gtd',
      'er',
    ]);
    assert.deepEqual(json, {
      s: 'BTCUSDT',
      c: 'c7',
      S: 'SELL',
      o: 'LIMIT',
      f: 'GTC',
      q: '0.062',
      p: '60010.7',
      ap: '0',
      sp: '0',
      x: 'NEW',
      X: 'NEW',
      i: 7,
      l: '0',
      z: '0',
      L: '0',
      N: 'USDT',
      n: '0',
      T: 3,
      t: 0,
      b: '0',
      a: '0',
      m: false,
      R: false,
      wt: 'CONTRACT_PRICE',
      ot: 'LIMIT',
      ps: 'BOTH',
      cp: false,
      rp: '0',
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_TAKER',
      pm: 'NONE',
      gtd: 0,
      er: '0',
    });
    const plain = orderFieldsObject(ev);
    assert.equal(Object.getPrototypeOf(plain), Object.prototype);
    assert.deepEqual(plain, json);
    // a plain object passes through
    assert.equal(orderFieldsObject(plain), plain);
  });
});
