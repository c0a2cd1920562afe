import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/index.js';
import { OrderAnswer } from './order-answer.js';
import { newOrder } from './state.js';

const d = Decimal.parse;

describe('OrderAnswer', () => {
  it('answers with the order as it was, in Binance key order, whatever happens to the order later', () => {
    const o = newOrder({
      orderId: 9,
      clientOrderId: 'c9',
      accountId: 'u',
      symbol: 'BTCUSDT',
      side: 'BUY',
      positionSide: 'BOTH',
      type: 'LIMIT',
      price: d('60000'),
      ticks: 600000,
      origQty: d('0.03'),
      time: 10,
    });
    o.executedQty = d('0.02');
    o.cumQuote = d('1200.1');
    o.status = 'PARTIALLY_FILLED';
    o.updateTime = 12;
    const answer = new OrderAnswer(o);
    // later: filled, amended in place
    o.executedQty = d('0.03');
    o.cumQuote = d('1800.1');
    o.status = 'FILLED';
    o.price = d('60001');
    o.updateTime = 13;
    assert.equal(answer.orderId, 9);
    assert.equal(answer.status, 'PARTIALLY_FILLED');
    assert.equal(answer.executedQty, '0.02');
    const json = JSON.parse(JSON.stringify(answer)) as Record<string, unknown>;
    assert.deepEqual(json, {
      orderId: 9,
      symbol: 'BTCUSDT',
      status: 'PARTIALLY_FILLED',
      clientOrderId: 'c9',
      price: '60000',
      // 1200.1 / 0.02
      avgPrice: '60005',
      origQty: '0.03',
      executedQty: '0.02',
      cumQuote: '1200.1',
      timeInForce: 'GTC',
      type: 'LIMIT',
      reduceOnly: false,
      closePosition: false,
      side: 'BUY',
      positionSide: 'BOTH',
      stopPrice: '0',
      workingType: 'CONTRACT_PRICE',
      priceProtect: false,
      origType: 'LIMIT',
      priceMatch: 'NONE',
      selfTradePreventionMode: 'EXPIRE_TAKER',
      goodTillDate: 0,
      time: 10,
      updateTime: 12,
    });
    // Binance's key order (deepEqual does not look at it)
    assert.deepEqual(Object.keys(json), [
      'orderId',
      'symbol',
      'status',
      'clientOrderId',
      'price',
      'avgPrice',
      'origQty',
      'executedQty',
      'cumQuote',
      'timeInForce',
      'type',
      'reduceOnly',
      'closePosition',
      'side',
      'positionSide',
      'stopPrice',
      'workingType',
      'priceProtect',
      'origType',
      'priceMatch',
      'selfTradePreventionMode',
      'goodTillDate',
      'time',
      'updateTime',
    ]);
  });

  it("lists a trailing stop's activation price and rate after origType", () => {
    const o = newOrder({
      orderId: 11,
      clientOrderId: 'c11',
      accountId: 'u',
      symbol: 'BTCUSDT',
      side: 'SELL',
      positionSide: 'BOTH',
      type: 'TRAILING_STOP_MARKET',
      price: Decimal.ZERO,
      ticks: 0,
      origQty: d('0.01'),
      time: 1,
      callbackRate: d('0.012'),
      activationPrice: d('61000'),
    });
    const keys = Object.keys(JSON.parse(JSON.stringify(new OrderAnswer(o))) as object);
    assert.deepEqual(keys.slice(keys.indexOf('origType'), keys.indexOf('origType') + 4), [
      'origType',
      'activatePrice',
      'priceRate',
      'priceMatch',
    ]);
    const a = new OrderAnswer(o);
    assert.equal(a.activatePrice, '61000');
    assert.equal(a.priceRate, '1.2');
  });
});
