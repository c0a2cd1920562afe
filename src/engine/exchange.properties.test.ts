// Invariants of the exchange over long random command sequences (fast-check).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../core/index.js';
import { marginSummary, viewOf } from './account-margin.js';
import type { Command } from './commands.js';
import { Exchange } from './exchange.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';

const IDS = ['a', 'b', 'c', 'd'] as const;

type Maker = (time: number, ex: Exchange) => Command;

let current: Exchange | undefined;

function commandArb(): fc.Arbitrary<Maker> {
  const id = fc.constantFrom(...IDS);
  const sym = fc.constantFrom('BTCUSDT', 'ETHUSDT');
  const start = (s: string) => (s === 'BTCUSDT' ? 60000 : 3000);
  // prices follow the exchange's current mark, so trading goes on as the mark wanders
  const base = (s: string) => current?.symbols.get(s)?.markPrice?.toNumber() ?? start(s);
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
            ({
              type: 'placeOrder',
              time,
              accountId: o.id,
              symbol: o.sym,
              side: o.side,
              orderType: o.market ? 'MARKET' : 'LIMIT',
              quantity: (o.sym === 'BTCUSDT' ? o.qty / 500 : o.qty / 25).toFixed(3),
              ...(o.market ? {} : o.match === 'NONE' ? { price: priceFor(o.sym, o.off) } : { priceMatch: o.match }),
              ...(o.market ? {} : { timeInForce: o.tif }),
              ...(!o.market && o.tif === 'GTD' ? { goodTillDate: time + o.gtdAfter } : {}),
              positionSide: o.ps !== 'match' ? o.ps : ex.accounts.get(o.id)?.dualSidePosition ? (o.long ? 'LONG' : 'SHORT') : 'BOTH',
              ...(o.reduceOnly ? { reduceOnly: true } : {}),
              selfTradePreventionMode: o.stp,
            }) as Command,
        ),
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
        })
        .map((o) => (time: number, ex: Exchange) => {
          const dual = ex.accounts.get(o.id)?.dualSidePosition === true;
          const close = o.close && (o.kind === 'STOP_MARKET' || o.kind === 'TAKE_PROFIT_MARKET');
          return {
            type: 'placeOrder',
            time,
            accountId: o.id,
            symbol: o.sym,
            side: o.side,
            orderType: o.kind,
            ...(close ? { closePosition: true } : { quantity: (o.qty / 1000).toFixed(3) }),
            ...(o.kind === 'STOP' || o.kind === 'TAKE_PROFIT' ? { price: priceFor(o.sym, o.off), timeInForce: 'GTC' } : {}),
            ...(o.kind === 'TRAILING_STOP_MARKET' ? { callbackRate: (o.rate / 10).toFixed(1) } : { stopPrice: priceFor(o.sym, o.off) }),
            workingType: o.mark ? 'MARK_PRICE' : 'CONTRACT_PRICE',
            positionSide: dual ? (o.long ? 'LONG' : 'SHORT') : 'BOTH',
          } as Command;
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

function fresh(): { ex: Exchange; log: Command[] } {
  const ex = new Exchange();
  const log: Command[] = [];
  const run = (c: Command) => {
    const r = ex.execute(c);
    assert.ok(r.ok, JSON.stringify(r));
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

function checkInvariants(ex: Exchange): void {
  let wallets = Decimal.ZERO;
  let deposits = Decimal.ZERO;
  let withdrawals = Decimal.ZERO;
  let realized = Decimal.ZERO;
  let costs = Decimal.ZERO;
  let funding = Decimal.ZERO;
  let clearance = Decimal.ZERO;
  const net = new Map<string, Decimal>();
  for (const a of ex.accounts.values()) {
    let w = a.crossWallet;
    for (const p of a.positions.values()) {
      w = w.add(p.isolatedWallet);
      costs = costs.add(p.cost);
      net.set(p.symbol, (net.get(p.symbol) ?? Decimal.ZERO).add(p.amt));
      if (p.amt.isZero()) assert.ok(p.cost.isZero(), 'a flat leg has no cost basis');
    }
    // per account ledger: wallet = deposits − withdrawals + realized PnL − commission + funding ± insurance clearance
    assert.equal(
      w.toString(),
      a.deposits.sub(a.withdrawals).add(a.realizedPnl).sub(a.commission).add(a.funding).add(a.insuranceClear).toString(),
      `ledger of ${a.accountId}`,
    );
    wallets = wallets.add(w);
    deposits = deposits.add(a.deposits);
    withdrawals = withdrawals.add(a.withdrawals);
    realized = realized.add(a.realizedPnl);
    funding = funding.add(a.funding);
    clearance = clearance.add(a.insuranceClear);
  }
  assert.equal(funding.toString(), '0', 'funding is paid between traders only');
  assert.equal(clearance.toString(), '0', 'clearance fees move from liquidated accounts to the insurance fund');
  // money is conserved: wallets + fees collected = deposits − withdrawals + realized PnL
  assert.equal(wallets.add(ex.feesCollected).toString(), deposits.sub(withdrawals).add(realized).toString());
  // Cash paid for trades sums to zero across accounts, and each account's trade cash is realized PnL
  // minus its open cost basis: so Σ realized PnL = Σ cost basis, exactly (0 when everyone is flat).
  assert.equal(realized.sub(costs).toString(), '0', 'realized PnL nets against the open cost basis');
  for (const [s, n] of net) assert.equal(n.toString(), '0', `net position of ${s}`);
  for (const s of ex.symbols.values()) {
    const bid = s.book.bestBid();
    const ask = s.book.bestAsk();
    if (bid !== undefined && ask !== undefined) assert.ok(bid < ask, 'the book is never crossed');
  }
}

describe('engine invariants (random command sequences)', () => {
  const stats = { runs: 0, accepted: 0, commands: 0, trades: 0, liquidations: 0, gtdExpired: 0, priceMatched: 0 };
  it('conservation, rejected commands change nothing, accepted commands never push the issuer below zero available, replay and snapshot+tail reproduce the hash', () => {
    const out = fc.check(
      fc.property(fc.array(commandArb(), { minLength: 100, maxLength: 300, size: 'max' }), (makers) => {
        const { ex, log } = fresh();
        let time = 1000;
        let accepted = 0;
        // a snapshot taken half-way (through JSON, as it is stored), and what the engine emitted after it
        const half = Math.floor(makers.length / 2);
        let snapshotText = '';
        let snapshotAt = 0;
        const tailEvents: string[] = [];
        for (const [i, make] of makers.entries()) {
          current = ex;
          if (i === half) {
            snapshotText = JSON.stringify(takeSnapshot(ex));
            snapshotAt = log.length;
          }
          const cmd = make(time++, ex);
          time = Math.max(time, cmd.time + 1);
          const before = ex.stateHash();
          const issuer = 'accountId' in cmd ? ex.accounts.get(cmd.accountId) : undefined;
          const availBefore = issuer === undefined ? undefined : marginSummary(viewOf(issuer), ex.symbols).available;
          const r = ex.execute(cmd);
          log.push(cmd);
          if (i >= half) tailEvents.push(JSON.stringify(r));
          stats.liquidations += r.ok ? r.events.filter((e) => e.e === 'LIQUIDATION').length : 0;
          if (!r.ok) {
            assert.equal(ex.stateHash(), before, `rejected ${cmd.type} (${r.error.code}) changed the state`);
            continue;
          }
          accepted++;
          if (cmd.type === 'expireOrders') stats.gtdExpired += (r.result as { expired: number[] }).expired.length;
          if (cmd.type === 'placeOrder' && cmd.priceMatch !== undefined) stats.priceMatched++;
          if (
            issuer !== undefined &&
            availBefore !== undefined &&
            cmd.type !== 'setMarkPrice' &&
            cmd.type !== 'setIndexPrice' &&
            cmd.type !== 'deposit'
          ) {
            const after = marginSummary(viewOf(issuer), ex.symbols).available;
            assert.ok(
              !after.isNegative() || after.gte(availBefore),
              `${cmd.type} pushed available from ${availBefore} to ${after}: ${JSON.stringify(cmd)} → ${r.events.map((e) => e.e + ('o' in e ? `:${e.o.o}/${e.o.x}/${e.o.X}/${e.o.l}@${e.o.L}/${e.accountId}` : '')).join(' ')}`,
            );
          }
          checkInvariants(ex);
        }
        // Replaying the whole log (rejections included) gives the same state.
        const replay = new Exchange();
        for (const c of log) replay.execute(c);
        assert.equal(replay.stateHash(), ex.stateHash());
        // Restoring the half-way snapshot and running the rest of the log gives the same results and state.
        const restored = restoreSnapshot(JSON.parse(snapshotText));
        const rerun = log.slice(snapshotAt).map((c) => JSON.stringify(restored.execute(c)));
        assert.deepEqual(rerun, tailEvents, 'a restored snapshot answers the rest of the log as the original did');
        assert.equal(restored.stateHash(), ex.stateHash());
        assert.equal(restoreSnapshot(takeSnapshot(ex)).stateHash(), ex.stateHash());
        stats.runs++;
        stats.accepted += accepted;
        stats.trades += [...ex.accounts.values()].reduce((n, a) => n + (a.commission.isZero() ? 0 : 1), 0);
        stats.commands += makers.length;
        return true;
      }),
      {
        numRuns: 150,
        endOnFailure: true,
        ...(process.env['PROP_SEED'] ? { seed: Number(process.env['PROP_SEED']), path: process.env['PROP_PATH'] } : {}),
      },
    );
    // (fc.check + rethrow: the counterexample holds closures, so report the failing command log instead)
    if (out.failed) {
      const why = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
      throw new Error(`seed ${out.seed}, path ${out.counterexamplePath}: ${why}`);
    }
    // The sequences must exercise the engine, not just bounce off its validation.
    assert.ok(stats.accepted > stats.commands * 0.3, `only ${stats.accepted} of ${stats.commands} commands accepted`);
    assert.ok(stats.liquidations > 20, `only ${stats.liquidations} liquidations happened`);
    assert.ok(stats.gtdExpired > 3, `only ${stats.gtdExpired} GTD orders expired`);
    assert.ok(stats.priceMatched > 10, `only ${stats.priceMatched} price-match orders accepted`);
    assert.ok(stats.trades > stats.runs, `too few accounts traded: ${stats.trades} in ${stats.runs} runs`);
  });
});
