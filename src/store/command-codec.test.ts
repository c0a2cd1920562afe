import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import type { CancelOrder, Command, ModifyOrder, PlaceOrder } from '../engine/index.js';
import { COMPACT_COMMAND, decodeCommand, encodeCommand } from './command-codec.js';
import { crc32Bytes, decodePayload } from './journal-format.js';

const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const num = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constant(1_700_000_000_123));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const place: fc.Arbitrary<PlaceOrder> = fc.record({
  type: fc.constant('placeOrder' as const),
  time: num,
  accountId: ascii,
  symbol: ascii,
  side: fc.constantFrom('BUY' as const, 'SELL' as const),
  orderType: fc.constantFrom('LIMIT' as const, 'MARKET' as const, 'STOP' as const, 'TRAILING_STOP_MARKET' as const),
  quantity: opt(ascii),
  price: opt(ascii),
  timeInForce: opt(fc.constantFrom('GTC' as const, 'IOC' as const, 'GTX' as const)),
  stopPrice: opt(ascii),
  workingType: opt(fc.constantFrom('MARK_PRICE' as const, 'CONTRACT_PRICE' as const)),
  closePosition: opt(fc.boolean()),
  callbackRate: opt(ascii),
  activationPrice: opt(ascii),
  positionSide: opt(fc.constantFrom('BOTH' as const, 'LONG' as const, 'SHORT' as const)),
  reduceOnly: opt(fc.boolean()),
  newClientOrderId: opt(ascii),
  selfTradePreventionMode: opt(fc.constantFrom('NONE' as const, 'EXPIRE_TAKER' as const)),
  priceMatch: opt(fc.constantFrom('NONE' as const, 'QUEUE' as const)),
  goodTillDate: opt(num),
  priceProtect: opt(fc.boolean()),
});
const modify: fc.Arbitrary<ModifyOrder> = fc.record({
  type: fc.constant('modifyOrder' as const),
  time: num,
  accountId: ascii,
  symbol: ascii,
  orderId: opt(num),
  origClientOrderId: opt(ascii),
  side: fc.constantFrom('BUY' as const, 'SELL' as const),
  quantity: ascii,
  price: opt(ascii),
  priceMatch: opt(fc.constantFrom('NONE' as const, 'OPPONENT' as const)),
});
const cancel: fc.Arbitrary<CancelOrder> = fc.record({
  type: fc.constant('cancelOrder' as const),
  time: num,
  accountId: ascii,
  symbol: ascii,
  orderId: opt(num),
  origClientOrderId: opt(ascii),
});

/** the command as JSON would keep it: undefined fields left out */
const defined = (c: Command) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));

function encode(c: Command, room = 4096): Buffer | undefined {
  const b = Buffer.alloc(room + 16);
  const end = encodeCommand(b, 8, c, room);
  return end < 0 ? undefined : b.subarray(8, end);
}

describe('compact command encoding (journal format 2)', () => {
  it('gives back every field of placeOrder, modifyOrder and cancelOrder, whichever are present', () => {
    fc.assert(
      fc.property(fc.oneof(place, modify, cancel), (c) => {
        const body = encode(c);
        assert.ok(body !== undefined, 'an ASCII command of these types always fits');
        assert.equal(body[0], COMPACT_COMMAND);
        assert.deepEqual(decodeCommand(body), defined(c));
        assert.deepEqual(decodePayload(body), { t: 'cmd', c: defined(c) });
        // a third of the JSON or less for a typical order
      }),
      { numRuns: 3000 },
    );
    const typical: ModifyOrder = {
      type: 'modifyOrder',
      time: 1_700_000_000_123,
      accountId: 'acc123',
      symbol: 'BTCUSDT',
      orderId: 4567,
      side: 'BUY',
      quantity: '0.013',
      price: '60000.5',
    };
    assert.ok((encode(typical) as Buffer).length * 2 < JSON.stringify({ t: 'cmd', c: typical }).length);
  });

  it('declines what it cannot keep exactly: other commands, non-ASCII text, unexpected types, no room', () => {
    const c: PlaceOrder = {
      type: 'placeOrder',
      time: 1,
      accountId: 'a',
      symbol: 'BTCUSDT',
      side: 'BUY',
      orderType: 'LIMIT',
      price: '1',
      quantity: '1',
    };
    assert.ok(encode(c) !== undefined);
    assert.equal(encode({ type: 'deposit', time: 1, accountId: 'a', asset: 'USDT', amount: '1' }), undefined);
    assert.equal(encode({ ...c, newClientOrderId: 'naïve' }), undefined);
    assert.equal(encode({ ...c, quantity: 1 as unknown as string }), undefined);
    assert.equal(encode({ ...c, reduceOnly: 'true' as unknown as boolean }), undefined);
    assert.equal(encode(c, 20), undefined);
  });

  it('rejects a payload that is not a whole compact command', () => {
    const body = encode({ type: 'cancelOrder', time: 5, accountId: 'a', symbol: 'BTCUSDT', orderId: 9 }) as Buffer;
    assert.throws(() => decodeCommand(body.subarray(0, body.length - 1)));
    assert.throws(() => decodeCommand(Buffer.concat([body, Buffer.from([0])])));
    const unknownType = Buffer.from(body);
    unknownType[1] = 9;
    assert.throws(() => decodeCommand(unknownType));
  });

  it('checksums records as zlib does (CRC-32, computed in JS)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), fc.nat(8), (bytes, a, z) => {
        const b = Buffer.from(bytes);
        const start = Math.min(a, b.length);
        const end = Math.max(start, b.length - z);
        assert.equal(crc32Bytes(b, start, end), crc32(b.subarray(start, end)));
      }),
      { numRuns: 2000 },
    );
  });
});
