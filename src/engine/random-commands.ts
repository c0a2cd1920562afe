/**
 * Random command sequences for the engine's property tests (exchange.properties.test.ts,
 * order-fast-path.test.ts, margin-sweep.test.ts, order-book.test.ts). Test support only: nothing outside
 * the tests imports it.
 */
import fc from 'fast-check';
import { Decimal } from '../core/index.js';
import type { Command } from './commands.js';
import { Exchange } from './exchange.js';

export const IDS = ['a', 'b', 'c', 'd'] as const;

/** A placeOrder command of a generated order (account, symbol, side) with the rest of its fields. */
export function placeOrderOf(time: number, o: { id: string; sym: string; side: string }, fields: Record<string, unknown>): Command {
  return { type: 'placeOrder', time, accountId: o.id, symbol: o.sym, side: o.side, ...fields } as Command;
}

/** A command made against the exchange's current state (prices follow its mark, amends pick its open orders). */
export type Maker = (time: number, ex: Exchange) => Command;

/** Sequences of 100–300 commands: `commandArb` and, as often as each of them, the extra kinds given. */
export function commandSequences(current: () => Exchange | undefined, ...extra: fc.Arbitrary<Maker>[]): fc.Arbitrary<Maker[]> {
  const one = extra.length === 0 ? commandArb(current) : fc.oneof(commandArb(current), ...extra);
  return fc.array(one, { minLength: 100, maxLength: 300, size: 'max' });
}

/**
 * Runs a property over long command sequences `runs` times and stops at the first failure, thrown with
 * its seed and path only: shrinking long sequences takes minutes, and the counterexample holds closures.
 * `env` (the tests pass process.env) may replay a failure: PROP_SEED and PROP_PATH.
 */
export function checkSequences<T>(property: fc.IProperty<T>, runs: number, env: Readonly<Record<string, string | undefined>>): void {
  const seed = env['PROP_SEED'];
  const out = fc.check(property, {
    numRuns: runs,
    endOnFailure: true,
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed), path: env['PROP_PATH'] } : {}),
  });
  if (out.failed) {
    const why = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    throw new Error(`seed ${out.seed}, path ${out.counterexamplePath}: ${why}`);
  }
}

/**
 * Random commands of every kind, for the engine's property tests. `current` is the exchange the commands
 * will run on: limit prices are drawn around its current mark.
 */
export function commandArb(current: () => Exchange | undefined): fc.Arbitrary<Maker> {
  const id = fc.constantFrom(...IDS);
  const sym = fc.constantFrom('BTCUSDT', 'ETHUSDT');
  const start = (s: string) => (s === 'BTCUSDT' ? 60000 : 3000);
  // prices follow the exchange's current mark, so trading goes on as the mark wanders
  const base = (s: string) => current()?.symbols.get(s)?.markPrice?.toNumber() ?? start(s);
  const tick = (s: string) => (s === 'BTCUSDT' ? 0.1 : 0.01);
  const priceFor = (s: string, off: number) => (Math.round((base(s) * (1 + off)) / tick(s)) * tick(s)).toFixed(2);
  return fc.oneof(
    {
      // the clock jumps ahead (up to 15 minutes) and the GTD orders due by then expire
      weight: 1,
      arbitrary: fc
        .integer({ min: 0, max: 900_000 })
        .map((jump) => (time: number) => ({ type: 'expireOrders', time: time + jump }) as Command),
    },
    {
      // an auto-cancel countdown (0 stops it): the clock jumps above run it out
      weight: 1,
      arbitrary: fc.record({ id, sym, ms: fc.constantFrom(0, 1_000, 60_000, 300_000, 1_200_000) }).map(
        ({ id, sym, ms }) =>
          (time: number) =>
            ({ type: 'setCountdownCancelAll', time, accountId: id, symbol: sym, countdownTime: ms }) as Command,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record({ id, amt: fc.integer({ min: 1, max: 2000 }) }).map(
        ({ id, amt }) =>
          (time: number) =>
            ({ type: 'deposit', time, accountId: id, asset: 'USDT', amount: String(amt) }) as Command,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ id, amt: fc.integer({ min: 1, max: 20000 }) }).map(
        ({ id, amt }) =>
          (time: number) =>
            ({ type: 'withdraw', time, accountId: id, asset: 'USDT', amount: String(amt) }) as Command,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ id, sym, lev: fc.integer({ min: 0, max: 130 }) }).map(
        ({ id, sym, lev }) =>
          (time: number) =>
            ({ type: 'setLeverage', time, accountId: id, symbol: sym, leverage: lev }) as Command,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ id, sym, iso: fc.boolean() }).map(
        ({ id, sym, iso }) =>
          (time: number) =>
            ({ type: 'setMarginType', time, accountId: id, symbol: sym, marginType: iso ? 'ISOLATED' : 'CROSSED' }) as Command,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ id, dual: fc.boolean() }).map(
        ({ id, dual }) =>
          (time: number) =>
            ({ type: 'setPositionMode', time, accountId: id, dualSidePosition: dual }) as Command,
      ),
    },
    {
      weight: 4,
      arbitrary: fc.record({ sym, off: fc.integer({ min: -400, max: 400 }).map((bp) => bp / 10000), index: fc.boolean() }).map(
        ({ sym, off, index }) =>
          (time: number) =>
            (index
              ? { type: 'setIndexPrice', time, symbol: sym, indexPrice: priceFor(sym, off) }
              : { type: 'setMarkPrice', time, symbol: sym, markPrice: priceFor(sym, off) }) as Command,
      ),
    },
    {
      weight: 12,
      arbitrary: fc
        .record({
          id,
          sym,
          side: fc.constantFrom('BUY', 'SELL'),
          market: fc.boolean(),
          off: fc.integer({ min: -40, max: 40 }).map((bp) => bp / 10000),
          qty: fc.integer({ min: 1, max: 1500 }),
          tif: fc.constantFrom('GTC', 'GTC', 'IOC', 'FOK', 'GTX', 'GTD'),
          gtdAfter: fc.integer({ min: 600_001, max: 900_000 }),
          match: fc.constantFrom('NONE', 'NONE', 'NONE', 'NONE', 'NONE', 'OPPONENT', 'QUEUE', 'OPPONENT_5', 'QUEUE_5'),
          ps: fc.constantFrom('match', 'match', 'match', 'match', 'match', 'match', 'match', 'match', 'BOTH', 'LONG'),
          long: fc.boolean(),
          reduceOnly: fc.constantFrom(false, false, false, true),
          stp: fc.constantFrom('EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'NONE'),
        })
        .map(
          (o) => (time: number, ex: Exchange) =>
            placeOrderOf(time, o, {
              orderType: o.market ? 'MARKET' : 'LIMIT',
              quantity: (o.sym === 'BTCUSDT' ? o.qty / 500 : o.qty / 25).toFixed(3),
              ...(o.market ? {} : o.match === 'NONE' ? { price: priceFor(o.sym, o.off) } : { priceMatch: o.match }),
              ...(o.market ? {} : { timeInForce: o.tif }),
              ...(!o.market && o.tif === 'GTD' ? { goodTillDate: time + o.gtdAfter } : {}),
              positionSide: o.ps !== 'match' ? o.ps : ex.accounts.get(o.id)?.dualSidePosition ? (o.long ? 'LONG' : 'SHORT') : 'BOTH',
              ...(o.reduceOnly ? { reduceOnly: true } : {}),
              selfTradePreventionMode: o.stp,
            }),
        ),
    },
    {
      // a MARKET order that closes the account's one-way leg exactly, or flips it (twice its size)
      weight: 2,
      arbitrary: fc.record({ id, sym, flip: fc.boolean() }).map((o) => (time: number, ex: Exchange) => {
        const amt = ex.accounts.get(o.id)?.positions.get(`${o.sym}:BOTH`)?.amt;
        const qty =
          amt === undefined || amt.isZero()
            ? '0.002'
            : amt
                .abs()
                .mul(Decimal.of(o.flip ? 2 : 1))
                .toString();
        return placeOrderOf(time, { ...o, side: amt?.isPositive() === true ? 'SELL' : 'BUY' }, { orderType: 'MARKET', quantity: qty });
      }),
    },
    {
      // a reduce-only (or hedge closing) LIMIT order that rests on the side that closes the account's leg
      weight: 3,
      arbitrary: fc
        .record({
          id,
          sym,
          away: fc.integer({ min: 5, max: 60 }).map((bp) => bp / 10000),
          part: fc.integer({ min: 1, max: 4 }),
          long: fc.boolean(),
        })
        .map((o) => (time: number, ex: Exchange) => {
          const a = ex.accounts.get(o.id);
          const dual = a?.dualSidePosition === true;
          const ps = dual ? (o.long ? 'LONG' : 'SHORT') : 'BOTH';
          const amt = a?.positions.get(`${o.sym}:${ps}`)?.amt ?? Decimal.ZERO;
          const side = amt.isPositive() ? 'SELL' : 'BUY';
          // a part of the leg on the 0.001 step, at least the symbol's smallest useful order (exact decimals)
          const qty = Decimal.max(amt.abs().div(Decimal.of(o.part), 3, 'DOWN'), Decimal.parse(o.sym === 'BTCUSDT' ? '0.002' : '0.04'));
          return placeOrderOf(
            time,
            { ...o, side },
            {
              orderType: 'LIMIT',
              quantity: qty.toFixed(3),
              price: priceFor(o.sym, side === 'SELL' ? o.away : -o.away),
              timeInForce: 'GTC',
              positionSide: ps,
              ...(dual ? {} : { reduceOnly: true }),
            },
          );
        }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ id, sym, oid: fc.integer({ min: 1, max: 200 }) }).map(
        ({ id, sym, oid }) =>
          (time: number) =>
            ({ type: 'cancelOrder', time, accountId: id, symbol: sym, orderId: oid }) as Command,
      ),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({
          id,
          sym,
          side: fc.constantFrom('BUY', 'SELL'),
          kind: fc.constantFrom('STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'),
          off: fc.integer({ min: -100, max: 100 }).map((bp) => bp / 10000),
          qty: fc.integer({ min: 1, max: 500 }),
          mark: fc.boolean(),
          close: fc.constantFrom(false, false, true),
          rate: fc.integer({ min: 1, max: 30 }),
          long: fc.boolean(),
          protect: fc.constantFrom(false, false, true),
        })
        .map((o) => (time: number, ex: Exchange) => {
          const dual = ex.accounts.get(o.id)?.dualSidePosition === true;
          const close = o.close && (o.kind === 'STOP_MARKET' || o.kind === 'TAKE_PROFIT_MARKET');
          return placeOrderOf(time, o, {
            orderType: o.kind,
            ...(close ? { closePosition: true } : { quantity: (o.qty / 1000).toFixed(3) }),
            ...(o.kind === 'STOP' || o.kind === 'TAKE_PROFIT' ? { price: priceFor(o.sym, o.off), timeInForce: 'GTC' } : {}),
            ...(o.kind === 'TRAILING_STOP_MARKET' ? { callbackRate: (o.rate / 10).toFixed(1) } : { stopPrice: priceFor(o.sym, o.off) }),
            workingType: o.mark ? 'MARK_PRICE' : 'CONTRACT_PRICE',
            positionSide: dual ? (o.long ? 'LONG' : 'SHORT') : 'BOTH',
            ...(o.protect ? { priceProtect: true } : {}),
          });
        }),
    },
    {
      weight: 6,
      arbitrary: fc
        .record({
          id,
          pick: fc.nat(),
          off: fc.integer({ min: -40, max: 40 }).map((bp) => bp / 10000),
          qty: fc.integer({ min: 1, max: 800 }),
        })
        .map(({ id, pick, off, qty }) => (time: number, ex: Exchange) => {
          const open = [...(ex.accounts.get(id)?.openOrders.values() ?? [])];
          const o = open[pick % Math.max(1, open.length)];
          const sym = o?.symbol ?? 'BTCUSDT';
          return {
            type: 'modifyOrder',
            time,
            accountId: id,
            symbol: sym,
            orderId: o?.orderId ?? 1,
            side: o?.side ?? 'BUY',
            quantity: (qty / 1000).toFixed(3),
            price: priceFor(sym, off),
          } as Command;
        }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ sym, bp: fc.integer({ min: -300, max: 300 }), given: fc.boolean() }).map(
        ({ sym, bp, given }) =>
          (time: number) =>
            (given
              ? { type: 'setFundingRate', time, symbol: sym, fundingRate: (bp / 100000).toFixed(5) }
              : { type: 'settleFunding', time, symbol: sym }) as Command,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ id, sym }).map(
        ({ id, sym }) =>
          (time: number) =>
            ({ type: 'cancelAllOrders', time, accountId: id, symbol: sym }) as Command,
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ id, sym, amt: fc.integer({ min: 1, max: 3000 }), add: fc.boolean(), ps: fc.constantFrom('BOTH', 'LONG', 'SHORT') })
        .map(
          ({ id, sym, amt, add, ps }) =>
            (time: number) =>
              ({
                type: 'modifyIsolatedMargin',
                time,
                accountId: id,
                symbol: sym,
                amount: String(amt),
                marginType: add ? 1 : 2,
                positionSide: ps,
              }) as Command,
        ),
    },
  );
}

/** Four accounts with 3,000 USDT each, BTCUSDT marked at 60,000 and ETHUSDT at 3,000. */
export function fresh(options: ConstructorParameters<typeof Exchange>[1] = {}): { ex: Exchange; log: Command[] } {
  const ex = new Exchange(undefined, options);
  const log: Command[] = [];
  const run = (c: Command) => {
    const r = ex.execute(c);
    if (!r.ok) throw new Error(`set-up command refused: ${JSON.stringify(r)}`);
    log.push(c);
  };
  let time = 1;
  for (const id of IDS) {
    run({ type: 'createAccount', time: time++, accountId: id });
    run({ type: 'deposit', time: time++, accountId: id, asset: 'USDT', amount: '3000' });
  }
  run({ type: 'setMarkPrice', time: time++, symbol: 'BTCUSDT', markPrice: '60000' });
  run({ type: 'setMarkPrice', time, symbol: 'ETHUSDT', markPrice: '3000' });
  return { ex, log };
}
