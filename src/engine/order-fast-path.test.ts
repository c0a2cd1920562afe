import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../core/index.js';
import type { Command } from './commands.js';
import type { Result } from './exchange.js';
import { Exchange } from './exchange.js';
import { parseUnits } from './order-fast-path.js';
import { IDS, checkSequences, commandSequences, fresh, placeOrderOf, type Maker } from './random-commands.js';

/**
 * Commands the fast path is for: LIMIT orders that rest (priced away from the other side), amends that
 * stay on their side, cancels of open orders; sized to run into the accounts' margin limits.
 */
function restingArb(): fc.Arbitrary<Maker> {
  const bookSide = (ex: Exchange, sym: string, side: 'BUY' | 'SELL') => {
    const s = ex.symbols.get(sym);
    const mark = s?.markPrice?.toNumber() ?? (sym === 'BTCUSDT' ? 60000 : 3000);
    const tick = sym === 'BTCUSDT' ? 0.1 : 0.01;
    const best = side === 'BUY' ? s?.book.bestAsk() : s?.book.bestBid();
    return { mark, tick, best: best === undefined ? undefined : best * tick };
  };
  const priceAway = (ex: Exchange, sym: string, side: 'BUY' | 'SELL', bp: number) => {
    const { mark, tick, best } = bookSide(ex, sym, side);
    let p = side === 'BUY' ? mark * (1 - bp / 10000) : mark * (1 + bp / 10000);
    if (best !== undefined) p = side === 'BUY' ? Math.min(p, best - tick) : Math.max(p, best + tick);
    return ((side === 'BUY' ? Math.floor(p / tick) : Math.ceil(p / tick)) * tick).toFixed(2);
  };
  const sym = fc.constantFrom('BTCUSDT', 'ETHUSDT');
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .record({
          id: fc.constantFrom(...IDS),
          sym,
          side: fc.constantFrom('BUY', 'SELL'),
          bp: fc.integer({ min: -700, max: 300 }),
          qty: fc.integer({ min: 1, max: 500 }),
          gtx: fc.boolean(),
        })
        .map((o) => (time: number, ex: Exchange) => {
          return placeOrderOf(time, o, {
            orderType: 'LIMIT',
            quantity: (o.sym === 'BTCUSDT' ? o.qty / 1000 : o.qty / 50).toFixed(3),
            price: priceAway(ex, o.sym, o.side as 'BUY' | 'SELL', o.bp),
            timeInForce: o.gtx ? 'GTX' : 'GTC',
          });
        }),
    },
    {
      weight: 8,
      arbitrary: fc
        .record({
          id: fc.constantFrom(...IDS),
          pick: fc.nat(),
          bp: fc.integer({ min: -700, max: 300 }),
          qty: fc.integer({ min: 1, max: 500 }),
          keepQty: fc.boolean(),
        })
        .map((o) => (time: number, ex: Exchange) => {
          const open = [...(ex.accounts.get(o.id)?.openOrders.values() ?? [])];
          const order = open[o.pick % Math.max(1, open.length)];
          const symbol = order?.symbol ?? 'BTCUSDT';
          const side = order?.side ?? 'BUY';
          return {
            type: 'modifyOrder',
            time,
            accountId: o.id,
            symbol,
            orderId: order?.orderId ?? 1,
            side,
            quantity:
              o.keepQty && order !== undefined ? order.origQty.toString() : (symbol === 'BTCUSDT' ? o.qty / 1000 : o.qty / 50).toFixed(3),
            price: priceAway(ex, symbol, side, o.bp),
          } as Command;
        }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ id: fc.constantFrom(...IDS), pick: fc.nat() }).map((o) => (time: number, ex: Exchange) => {
        const open = [...(ex.accounts.get(o.id)?.openOrders.values() ?? [])];
        const order = open[o.pick % Math.max(1, open.length)];
        return { type: 'cancelOrder', time, accountId: o.id, symbol: order?.symbol ?? 'ETHUSDT', orderId: order?.orderId ?? 1 } as Command;
      }),
    },
  );
}

/**
 * Orders that trade: LIMIT (IOC, FOK, GTC) priced through the other side of the book, or MARKET, sized
 * from small to beyond what the accounts' margin allows (lowAfterTrade proves or leaves these checks).
 */
function crossingArb(): fc.Arbitrary<Maker> {
  return fc
    .record({
      id: fc.constantFrom(...IDS),
      sym: fc.constantFrom('BTCUSDT', 'ETHUSDT'),
      side: fc.constantFrom('BUY', 'SELL'),
      through: fc.integer({ min: 0, max: 50 }),
      qty: fc.integer({ min: 1, max: 1500 }),
      kind: fc.constantFrom('IOC', 'FOK', 'GTC', 'MARKET'),
      reduceOnly: fc.boolean(),
    })
    .map((o) => (time: number, ex: Exchange) => {
      const s = ex.symbols.get(o.sym);
      const tick = o.sym === 'BTCUSDT' ? 0.1 : 0.01;
      const mark = s?.markPrice?.toNumber() ?? (o.sym === 'BTCUSDT' ? 60000 : 3000);
      const best = o.side === 'BUY' ? s?.book.bestAsk() : s?.book.bestBid();
      const base = best === undefined ? mark : best * tick;
      const p = o.side === 'BUY' ? base * (1 + o.through / 10000) : base * (1 - o.through / 10000);
      const price = ((o.side === 'BUY' ? Math.ceil(p / tick) : Math.floor(p / tick)) * tick).toFixed(2);
      return placeOrderOf(time, o, {
        quantity: (o.sym === 'BTCUSDT' ? o.qty / 1000 : o.qty / 50).toFixed(3),
        ...(o.kind === 'MARKET' ? { orderType: 'MARKET' } : { orderType: 'LIMIT', price, timeInForce: o.kind }),
        ...(o.reduceOnly ? { reduceOnly: true } : {}),
      });
    });
}

describe('parseUnits', () => {
  it('reads plain positive decimals onto a grid of 10^-scale', () => {
    assert.equal(parseUnits('60000.5', 1), 600005);
    assert.equal(parseUnits('60000.5', 2), 6000050);
    assert.equal(parseUnits('60000', 2), 6000000);
    assert.equal(parseUnits('0.010', 3), 10);
    assert.equal(parseUnits('0.0100000', 3), 10, 'zeros past the precision are fine');
    assert.equal(parseUnits('007', 0), 7);
  });
  it('answers -1 for anything the exact path must judge', () => {
    for (const bad of ['', '0', '0.000', '-1', '+1', '1.', '.5', '1e3', '1,5', ' 1', '0.0101', '12345678901234567', 'NaN', 'Infinity'])
      assert.equal(parseUnits(bad, 3), -1, bad);
    assert.equal(parseUnits(5 as unknown, 3), -1);
    assert.equal(parseUnits('9007199254740993', 0), -1, 'beyond 2^53');
  });
  it('agrees with exact decimals: any text it reads is a plain decimal of exactly that many units, and every short one on the grid is read', () => {
    const digits = fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), minLength: 1, maxLength: 8 });
    const text = fc.oneof(
      fc.tuple(digits, fc.option(digits)).map(([i, f]) => (f === null ? i : `${i}.${f}`)),
      fc.string({ unit: fc.constantFrom('0', '1', '.', '-', 'e', '9', ' '), maxLength: 17 }),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 8 }), (t, scale) => {
        const u = parseUnits(t, scale);
        const plain = /^[0-9]+(\.[0-9]+)?$/.test(t);
        const d = plain ? Decimal.parse(t) : undefined;
        const exact = d?.mul(Decimal.of(10n ** BigInt(scale)));
        const onGrid =
          exact !== undefined && exact.isPositive() && exact.isMultipleOf(Decimal.ONE) && exact.lte(Decimal.of(Number.MAX_SAFE_INTEGER));
        if (u >= 0) assert.ok(onGrid && (exact as Decimal).eq(Decimal.of(u)), `${t} at scale ${scale} read as ${u}`);
        else if (t.length <= 15) assert.ok(!onGrid, `${t} at scale ${scale} is on the grid but was not read`);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Runs `log` on a fresh exchange (fast path on or off) and answers every result as JSON, and the final hash. */
function run(log: readonly Command[], fastPath: boolean): { results: string[]; hash: string; ex: Exchange } {
  const { ex } = fresh({ fastPath });
  const results = log.map((c) => JSON.stringify(ex.execute(c)));
  return { results, hash: ex.stateHash(), ex };
}

/** One account `u` with `deposit` USDT, BTCUSDT marked at 50,000, and a BUY LIMIT order maker. */
function trader(fastPath: boolean, deposit: string) {
  const ex = new Exchange(undefined, { fastPath });
  for (const c of [
    { type: 'createAccount', time: 1, accountId: 'u' },
    { type: 'deposit', time: 1, accountId: 'u', asset: 'USDT', amount: deposit },
    { type: 'setMarkPrice', time: 1, symbol: 'BTCUSDT', markPrice: '50000' },
  ] as Command[]) {
    const r = ex.execute(c);
    assert.ok(r.ok, JSON.stringify(r));
  }
  const buy = (price: string, quantity: string) =>
    ex.execute({ type: 'placeOrder', time: 2, accountId: 'u', symbol: 'BTCUSDT', side: 'BUY', orderType: 'LIMIT', quantity, price });
  const amend = (orderId: number, price: string, quantity: string) =>
    ex.execute({ type: 'modifyOrder', time: 3, accountId: 'u', symbol: 'BTCUSDT', orderId, side: 'BUY', quantity, price });
  return { ex, buy, amend };
}

describe('order fast path', () => {
  it('answers every command exactly as the general path does (random sequences: same results, events and state hash)', (t) => {
    // the fast path's statistics summed over the runs, and the commands run
    type Stats = NonNullable<Exchange['fast']>['stats'];
    const totals = { ...(new Exchange().fast?.stats as Stats), commands: 0 };
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] = 0;
    let current: Exchange | undefined;
    checkSequences(
      fc.property(
        commandSequences(() => current, restingArb(), crossingArb()),
        (makers) => {
          // the commands are made against the fast exchange (prices follow its mark), then replayed on both
          const { ex } = fresh();
          current = ex;
          const log: Command[] = [];
          let time = 1000;
          for (const make of makers) {
            const cmd = make(time++, ex);
            time = Math.max(time, cmd.time + 1);
            log.push(cmd);
            ex.execute(cmd);
          }
          const fast = run(log, true);
          const general = run(log, false);
          for (let i = 0; i < log.length; i++) assert.equal(fast.results[i], general.results[i], `command ${i} ${JSON.stringify(log[i])}`);
          assert.equal(fast.hash, general.hash);
          assert.equal(fast.hash, ex.stateHash());
          const s = fast.ex.fast?.stats;
          assert.ok(s !== undefined);
          for (const k of Object.keys(s) as (keyof Stats)[]) totals[k] += s[k];
          totals.commands += log.length;
          return true;
        },
      ),
      60,
      process.env,
    );
    t.diagnostic(JSON.stringify(totals));
    // the sequences must exercise both paths and the margin bound's close calls
    assert.ok(totals.served > totals.commands * 0.05, `fast path served ${totals.served} of ${totals.commands}`);
    assert.ok(totals.declined > totals.commands * 0.05, `fast path declined ${totals.declined} of ${totals.commands}`);
    assert.ok(totals.taken > 100, `fast path traded only ${totals.taken} IOC orders`);
    assert.ok(totals.marginTooClose > 20, `only ${totals.marginTooClose} margin checks were too close to call`);
    assert.ok(totals.boundRebuilds > 50, `only ${totals.boundRebuilds} bounds built`);
    assert.ok(totals.tradesProven > 100, `only ${totals.tradesProven} trades' margin proven`);
    assert.ok(totals.tradesUnproven > 100, `only ${totals.tradesUnproven} trades left to the exact check`);
  });

  it('leaves a close margin call to the exact check: an order that just fits is accepted, one tick more is -2019', () => {
    for (const fastPath of [true, false]) {
      // 100 USDT at 20×: 2,000 USDT of orders, priced at or below the mark (no open loss)
      const { ex, buy: place, amend } = trader(fastPath, '100');
      // 0.02 × 50,000 = 1,000 → 50 USDT of margin; then 0.02 × 50,000 again: exactly 100 USDT in all
      assert.ok(place('50000', '0.020').ok);
      const before = ex.stateHash();
      const tooMuch = place('50000.1', '0.020');
      assert.deepEqual(tooMuch.ok ? undefined : tooMuch.error, { code: -2019, msg: 'Margin is insufficient.' }, `fastPath ${fastPath}`);
      assert.equal(ex.stateHash(), before, 'a refused order changes nothing');
      const exact = place('50000', '0.020');
      assert.ok(exact.ok, `an order using the last cent is accepted (fastPath ${fastPath})`);
      const id = (exact.result as { orderId: number }).orderId;
      // moving it one tick up needs 0.002 USDT more: refused, and the order stays where it was
      const move = amend(id, '50000.1', '0.020');
      assert.deepEqual(move.ok ? undefined : move.error, { code: -2019, msg: 'Margin is insufficient.' });
      // moving it down frees margin: accepted
      const down = amend(id, '49000', '0.020');
      assert.ok(down.ok, JSON.stringify(down));
      if (fastPath) assert.ok((ex.fast?.stats.marginTooClose ?? 0) >= 2, 'the fast path handed the close calls to the exact check');
    }
  });

  it("keeps a filled maker's bound, following its fill: its next order that just fits is accepted, one tick more is -2019", () => {
    for (const fastPath of [true, false]) {
      // u: 100 USDT at 20×; t takes u's order with an IOC
      const { ex, buy } = trader(fastPath, '100');
      for (const c of [
        { type: 'createAccount', time: 1, accountId: 't' },
        { type: 'deposit', time: 1, accountId: 't', asset: 'USDT', amount: '1000000' },
      ] as Command[])
        assert.ok(ex.execute(c).ok);
      // 0.02 × 50,000 = 1,000 of notional: 50 USDT of margin; seven small SELL orders above the mark, which
      // the BUY covers (one-way netting), make u an account whose bound follows a fill (8 open orders)
      assert.ok(buy('50000', '0.020').ok);
      for (let i = 0; i < 7; i++) {
        const sell = ex.execute({
          type: 'placeOrder',
          time: 2,
          accountId: 'u',
          symbol: 'BTCUSDT',
          side: 'SELL',
          orderType: 'LIMIT',
          quantity: '0.001',
          price: '51000',
        });
        assert.ok(sell.ok, JSON.stringify(sell));
      }
      const ioc = ex.execute({
        type: 'placeOrder',
        time: 2,
        accountId: 't',
        symbol: 'BTCUSDT',
        side: 'SELL',
        orderType: 'LIMIT',
        quantity: '0.020',
        price: '50000',
        timeInForce: 'IOC',
      });
      assert.ok(ioc.ok, JSON.stringify(ioc));
      // u is 0.02 long at the mark, has paid 0.2 USDT of maker fee: 99.8 − 50 = 49.8 USDT available (the
      // SELL orders only reduce the long), what a BUY of 0.02 at 49,800 needs (below the mark: no open loss)
      const rebuilt = ex.fast?.stats.boundRebuilds ?? 0;
      const tooMuch = buy('49800.1', '0.020');
      assert.deepEqual(tooMuch.ok ? undefined : tooMuch.error, { code: -2019, msg: 'Margin is insufficient.' }, `fastPath ${fastPath}`);
      assert.ok(buy('49800', '0.020').ok, `an order using the last cent is accepted (fastPath ${fastPath})`);
      if (fastPath) {
        assert.equal(ex.fast?.stats.makersFollowed, 1, "the maker's bound followed its fill");
        assert.equal(ex.fast?.stats.boundRebuilds, rebuilt, 'and was not rebuilt for the next orders');
      }
    }
  });

  it('refuses a command with a bad time on both paths alike: place, amend and cancel at -1 or 2.5 change nothing', () => {
    const answers: string[] = [];
    for (const fastPath of [true, false]) {
      const { ex, buy } = trader(fastPath, '1000');
      const placed = buy('49000', '0.001');
      assert.ok(placed.ok);
      const orderId = (placed.result as { orderId: number }).orderId;
      const before = ex.stateHash();
      for (const time of [-1, 2.5]) {
        const base = { time, accountId: 'u', symbol: 'BTCUSDT' };
        for (const cmd of [
          { ...base, type: 'placeOrder', side: 'BUY', orderType: 'LIMIT', quantity: '0.001', price: '48000' },
          { ...base, type: 'modifyOrder', orderId, side: 'BUY', quantity: '0.001', price: '48000' },
          { ...base, type: 'cancelOrder', orderId },
        ] as Command[]) {
          const r = ex.execute(cmd);
          assert.equal(r.ok, false, `${cmd.type} at ${time} (fastPath ${fastPath})`);
          answers.push(JSON.stringify(r));
        }
      }
      assert.equal(ex.stateHash(), before, 'nothing changed');
      if (fastPath) assert.equal(ex.fast?.stats.served, 1, 'only the first order went through the fast path');
    }
    assert.deepEqual(answers.slice(0, 6), answers.slice(6), 'the same answers on both paths');
    assert.match(answers[0] ?? '', /timestamp/);
  });

  it('trades an IOC order as the general path does, and leaves it a capped reduce-only maker and a self-trade', () => {
    const outcomes: string[][] = [];
    for (const fastPath of [true, false]) {
      const { ex } = fresh({ fastPath });
      let time = 100;
      const order = (id: string, side: 'BUY' | 'SELL', quantity: string, price: string, extra: Record<string, unknown> = {}) => {
        const r = ex.execute(placeOrderOf(time++, { id, sym: 'BTCUSDT', side }, { orderType: 'LIMIT', quantity, price, ...extra }));
        assert.ok(r.ok, JSON.stringify(r));
        return r;
      };
      const ioc = (accountId: string, side: 'BUY' | 'SELL', quantity: string, price: string) =>
        order(accountId, side, quantity, price, { timeInForce: 'IOC' });
      const statuses = (r: Result) =>
        r.ok ? r.events.flatMap((e) => (e.e === 'ORDER_TRADE_UPDATE' ? [`${e.o.i} ${e.o.x} ${e.o.X}`] : [])) : [];
      const out: string[] = [];
      const note = (r: Result) => out.push(JSON.stringify(r));
      // b buys 0.010 from c, then sells 0.006 of it to a: b's leg is 0.004 long
      order('c', 'SELL', '0.010', '60000');
      note(ioc('b', 'BUY', '0.010', '60000'));
      const reduce = order('b', 'SELL', '0.010', '60010', { reduceOnly: true });
      const reduceId = (reduce.result as { orderId: number }).orderId;
      order('a', 'BUY', '0.006', '59990');
      note(ioc('b', 'SELL', '0.006', '59990'));
      const plain = ex.fast?.stats.taken;
      // a's IOC meets b's reduce-only order, which may fill 0.004 more: 0.004 trade, the maker's rest expires
      const capped = ioc('a', 'BUY', '0.010', '60010');
      note(capped);
      assert.deepEqual(
        statuses(capped).filter((x) => x.startsWith(`${reduceId} `)),
        [`${reduceId} TRADE PARTIALLY_FILLED`, `${reduceId} EXPIRED EXPIRED`],
      );
      // a's IOC meets a's own order: self-trade prevention expires the taker
      order('a', 'SELL', '0.002', '60020');
      const self = ioc('a', 'BUY', '0.002', '60020');
      note(self);
      assert.match(statuses(self).at(-1) ?? '', /EXPIRED EXPIRED_IN_MATCH$/);
      if (fastPath) {
        assert.equal(plain, 2, 'the two plain IOC orders traded on the fast path');
        assert.equal(ex.fast?.stats.taken, 2, 'the capped maker and the self-trade went to the general path');
      }
      out.push(ex.stateHash());
      outcomes.push(out);
    }
    assert.deepEqual(outcomes[0], outcomes[1], 'the same answers, events and state on both paths');
  });

  it('counts open orders as the general path does: the 201st open BTCUSDT order is -2025, an amend of one of the 200 is not', () => {
    for (const fastPath of [true, false]) {
      const { ex, buy, amend } = trader(fastPath, '1000000');
      const place = (i: number) => buy((49000 - i).toFixed(1), '0.001');
      let last = 0;
      for (let i = 0; i < 200; i++) {
        const r = place(i);
        assert.ok(r.ok, `order ${i}: ${JSON.stringify(r)}`);
        last = (r.result as { orderId: number }).orderId;
      }
      const over = place(200);
      assert.deepEqual(over.ok ? undefined : over.error, { code: -2025, msg: 'Reach max open order limit.' }, `fastPath ${fastPath}`);
      const moved = amend(last, '48000.5', '0.001');
      assert.ok(moved.ok, JSON.stringify(moved));
      if (fastPath) assert.ok((ex.fast?.stats.served ?? 0) >= 200, 'the fast path placed them');
    }
  });

  it("drops an account's bound when its own wallet or settings change: withdraw, leverage, isolated margin", () => {
    const ok = (ex: Exchange, c: Record<string, unknown>) => {
      const r = ex.execute({ time: 2, accountId: 'u', ...c } as unknown as Command);
      assert.ok(r.ok, `${JSON.stringify(c)}: ${JSON.stringify(r)}`);
    };
    // each case: a change that lowers the available balance, then an order that fitted before it and no longer does
    const cases: [string, (ex: Exchange) => void, string][] = [
      // 100 − 50 (order) − 40 = 10 left; 0.006 × 50,000 / 20 = 15 → -2019
      ['withdraw', (ex) => ok(ex, { type: 'withdraw', asset: 'USDT', amount: '40' }), '0.006'],
      // at 12×: 1,000 / 12 = 83.33 reserved, 16.67 left; 0.01 × 50,000 / 12 = 41.67 → -2019 (25 at the old 20×)
      ['setLeverage', (ex) => ok(ex, { type: 'setLeverage', symbol: 'BTCUSDT', leverage: 12 }), '0.010'],
    ];
    for (const [name, change, qty] of cases) {
      const answers: string[] = [];
      for (const fastPath of [true, false]) {
        const { ex, buy } = trader(fastPath, '100');
        assert.ok(buy('50000', '0.020').ok);
        assert.ok(buy('40000', '0.001').ok, 'the account has a bound now (fast path)');
        change(ex);
        const r = buy('50000', qty);
        assert.deepEqual(r.ok ? undefined : r.error, { code: -2019, msg: 'Margin is insufficient.' }, `${name}, fastPath ${fastPath}`);
        answers.push(JSON.stringify(r));
      }
      assert.equal(answers[0], answers[1]);
    }
    // isolated margin: an isolated ETHUSDT long bought from a maker, then 60 USDT more moved into it
    for (const fastPath of [true, false]) {
      const { ex, buy } = trader(fastPath, '1000');
      for (const c of [
        { type: 'setMarkPrice', symbol: 'ETHUSDT', markPrice: '3000' },
        { type: 'createAccount', accountId: 'm' },
        { type: 'deposit', accountId: 'm', asset: 'USDT', amount: '100000' },
        { type: 'placeOrder', accountId: 'm', symbol: 'ETHUSDT', side: 'SELL', orderType: 'LIMIT', quantity: '1', price: '3000' },
        { type: 'setMarginType', symbol: 'ETHUSDT', marginType: 'ISOLATED' },
        { type: 'placeOrder', symbol: 'ETHUSDT', side: 'BUY', orderType: 'MARKET', quantity: '1' },
      ])
        ok(ex, c);
      // 1,000 − 150 (isolated margin) − 1.5 (fee) − 750 (0.3 BTC order) = 98.5 available
      assert.ok(buy('50000', '0.300').ok);
      assert.ok(buy('40000', '0.001').ok);
      ok(ex, { type: 'modifyIsolatedMargin', symbol: 'ETHUSDT', amount: '60', marginType: 1 });
      // 38.5 − 1 left; 0.02 × 50,000 / 20 = 50 → -2019
      const r = buy('50000', '0.020');
      assert.deepEqual(
        r.ok ? undefined : r.error,
        { code: -2019, msg: 'Margin is insufficient.' },
        `isolated margin, fastPath ${fastPath}`,
      );
    }
  });

  it('amends a partly filled order as the general path does: the filters on what remains, its place lost when that grows', () => {
    const answers: string[][] = [];
    for (const fastPath of [true, false]) {
      const ex = new Exchange(undefined, { fastPath });
      const out: string[] = [];
      const run = (c: Record<string, unknown>) => {
        const r = ex.execute({ time: 2, symbol: 'BTCUSDT', ...c } as unknown as Command);
        out.push(JSON.stringify(r));
        return r;
      };
      run({ type: 'setMarkPrice', markPrice: '50000' });
      for (const id of ['u', 'v', 't']) {
        run({ type: 'createAccount', accountId: id });
        run({ type: 'deposit', accountId: id, asset: 'USDT', amount: '100000' });
      }
      const sell = (id: string) =>
        run({ type: 'placeOrder', accountId: id, side: 'SELL', orderType: 'LIMIT', quantity: '0.010', price: '50000' });
      const buy = (qty: string) =>
        run({ type: 'placeOrder', accountId: 't', side: 'BUY', orderType: 'LIMIT', quantity: qty, price: '50000', timeInForce: 'IOC' });
      const first = (sell('u') as { result: { orderId: number } }).result.orderId;
      sell('v');
      assert.ok(buy('0.004').ok, 'u is filled 0.004 of 0.010 (first in the queue)');
      // its own price and total: nothing to change (-5027, both paths)
      const same = run({ type: 'modifyOrder', accountId: 'u', orderId: first, side: 'SELL', quantity: '0.010', price: '50000' });
      assert.deepEqual(same.ok ? undefined : same.error.code, -5027);
      const served = ex.fast?.stats.served ?? 0;
      // a smaller total at the same price (0.005 remains of 0.006): it keeps its place
      const less = run({ type: 'modifyOrder', accountId: 'u', orderId: first, side: 'SELL', quantity: '0.009', price: '50000' });
      assert.ok(less.ok, JSON.stringify(less));
      // 0.012 in all: 0.008 would remain (more than 0.005): to the back of the queue, behind v
      const more = run({ type: 'modifyOrder', accountId: 'u', orderId: first, side: 'SELL', quantity: '0.012', price: '50000' });
      assert.ok(more.ok, JSON.stringify(more));
      assert.equal((more.ok ? (more.result as { status: string }) : undefined)?.status, 'PARTIALLY_FILLED');
      if (fastPath) assert.equal(ex.fast?.stats.served, served + 2, 'the fast path amended the partly filled order');
      const r = buy('0.010');
      const makers = r.ok ? r.events.flatMap((e) => (e.e === 'ORDER_TRADE_UPDATE' && e.o.m ? [e.accountId] : [])) : [];
      assert.deepEqual(makers, ['v'], `fastPath ${fastPath}: v is first now`);
      answers.push(out);
    }
    assert.deepEqual(answers[0], answers[1]);
  });

  it('builds its bound from exact decimals when the account has an order in a symbol without a mark', () => {
    const results: string[][] = [];
    for (const fastPath of [true, false]) {
      const { ex, buy } = trader(fastPath, '1000');
      const out: string[] = [];
      // SOLUSDT has no mark yet: a limit order may rest there (its own price is the reference)
      const sol = ex.execute({
        type: 'placeOrder',
        time: 2,
        accountId: 'u',
        symbol: 'SOLUSDT',
        side: 'BUY',
        orderType: 'LIMIT',
        quantity: '10',
        price: '100',
      });
      assert.ok(sol.ok, JSON.stringify(sol));
      out.push(JSON.stringify(sol));
      for (const [price, qty] of [
        ['49000', '0.010'],
        ['49500', '0.200'],
        ['49900', '0.300'],
      ] as const)
        out.push(JSON.stringify(buy(price, qty)));
      results.push(out);
      if (fastPath) assert.ok((ex.fast?.stats.exactRebuilds ?? 0) >= 1, 'the bound came from the exact available balance');
    }
    assert.deepEqual(results[0], results[1]);
    assert.ok(results[0]?.at(-1)?.includes('-2019'), 'the last order does not fit 1,000 USDT: refused in both');
  });
});
