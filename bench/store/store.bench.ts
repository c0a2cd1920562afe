/**
 * bench/store: what durability costs (run with `npm run bench`; never part of `npm test`).
 *
 * 1. Journaling overhead: the same order flow (GTC limits, IOCs, amends and cancels from 200 accounts
 *    around the mark) executed by the engine alone, then executed with every accepted command appended
 *    to the journal with fsync group commit (the engine never waits for the disk; it yields every 256
 *    commands so the flushes run beside it, as the server does between requests; the engine-alone runs
 *    yield the same way). Three runs of each, alternated; prints commands/s, the cost from the means of
 *    the runs, and the fsync batches. Target: journaling costs ≤ 30 % of the engine's throughput.
 * 2. Recovery: a journal of STORE_RECOVERY_N commands (default 10,000,000: deposits, mark moves, orders
 *    placed and cancelled, amended, trades) written through the store with a snapshot every 100,000
 *    records, then `Store.open` timed (newest snapshot + journal tail). Target: ≤ 20 s.
 *
 * Env: STORE_N (commands in part 1, default 200,000), STORE_RECOVERY_N, STORE_DIR (default: a temp dir).
 */
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exchange, type Command } from '../../src/engine/index.js';
import { Store } from '../../src/store/store.js';
import { rng } from '../random.js';

const N = Number(process.env['STORE_N'] ?? 200_000);
const RECOVERY_N = Number(process.env['STORE_RECOVERY_N'] ?? 10_000_000);
const ACCOUNTS = 200;
const T0 = 1_700_000_000_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const id = (i: number) => `acc${i}`;

/** An endless, valid order flow against `ex` (generated against the exchange it runs on). */
function flow(seed: number): {
  setup: Command[];
  next: (ex: Exchange, time: number) => Command;
  observe: (cmd: Command, r: ReturnType<Exchange['execute']>, ex: Exchange) => void;
} {
  const random = rng(seed);
  const setup: Command[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    setup.push({ type: 'createAccount', time: T0, accountId: id(i) });
    setup.push({ type: 'deposit', time: T0, accountId: id(i), asset: 'USDT', amount: '1000000' });
  }
  setup.push({ type: 'setMarkPrice', time: T0, symbol: 'BTCUSDT', markPrice: '60000' });
  const open: { accountId: string; orderId: number; side: 'BUY' | 'SELL' }[] = [];
  const next = (ex: Exchange, time: number): Command => {
    // forget orders that are no longer open
    while (open.length > 0) {
      const o = open[open.length - 1] as (typeof open)[number];
      if (ex.accounts.get(o.accountId)?.openOrders.has(o.orderId)) break;
      open.pop();
    }
    const r = random();
    const accountId = id(Math.floor(random() * ACCOUNTS));
    const side = random() < 0.5 ? 'BUY' : 'SELL';
    const away = 1 + Math.floor(random() * 300);
    const ticks = 600_000 + (side === 'BUY' ? -away : away);
    const price = `${Math.floor(ticks / 10)}.${ticks % 10}`;
    const quantity = (0.001 * (1 + Math.floor(random() * 20))).toFixed(3);
    if ((r < 0.6 && open.length > 0) || open.length > 1500) {
      const i = Math.floor(random() * open.length);
      const o = open[i] as (typeof open)[number];
      open[i] = open[open.length - 1] as (typeof open)[number];
      open.pop();
      if (!ex.accounts.get(o.accountId)?.openOrders.has(o.orderId)) return { type: 'deposit', time, accountId, asset: 'USDT', amount: '1' };
      if (r < 0.5 && open.length < 1500) {
        const t2 = 600_000 + (o.side === 'BUY' ? -away : away);
        open.push(o);
        return {
          type: 'modifyOrder',
          time,
          accountId: o.accountId,
          symbol: 'BTCUSDT',
          orderId: o.orderId,
          side: o.side,
          quantity,
          price: `${Math.floor(t2 / 10)}.${t2 % 10}`,
        } as Command;
      }
      return { type: 'cancelOrder', time, accountId: o.accountId, symbol: 'BTCUSDT', orderId: o.orderId };
    }
    if (r < 0.65) {
      const cross = 600_000 + (side === 'BUY' ? 50 : -50);
      return {
        type: 'placeOrder',
        time,
        accountId,
        symbol: 'BTCUSDT',
        side,
        orderType: 'LIMIT',
        timeInForce: 'IOC',
        price: `${cross / 10}.0`,
        quantity,
      };
    }
    return { type: 'placeOrder', time, accountId, symbol: 'BTCUSDT', side, orderType: 'LIMIT', timeInForce: 'GTC', price, quantity };
  };
  const observe = (c: Command, r: ReturnType<Exchange['execute']>, ex: Exchange): void => {
    if (!r.ok || c.type !== 'placeOrder') return;
    const orderId = (r.result as { orderId?: number }).orderId;
    if (orderId !== undefined && ex.accounts.get(c.accountId)?.openOrders.has(orderId))
      open.push({ accountId: c.accountId, orderId, side: c.side });
  };
  return { setup, next, observe };
}

/** Generates `n` commands by running them (so cancels and amends name real orders). */
function generate(n: number, seed: number): Command[] {
  const ex = new Exchange();
  const f = flow(seed);
  const cmds: Command[] = [...f.setup];
  for (const c of f.setup) ex.execute(c);
  let time = T0;
  while (cmds.length < n) {
    const c = f.next(ex, ++time);
    f.observe(c, ex.execute(c), ex);
    cmds.push(c);
  }
  return cmds;
}

function dirSize(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

async function journalingOverhead(): Promise<void> {
  console.log(`bench/store: journaling overhead (${fmt(N)} commands: GTC/IOC limits, amends, cancels; ${ACCOUNTS} accounts)`);
  const cmds = generate(N, 1);
  // the generator tracks open orders through its own exchange: regenerate the id bookkeeping by running
  // both runs have the same shape (yield every 256 commands, as the server does between requests): the
  // only difference is the journal
  const engineOnly = async (): Promise<number> => {
    const ex = new Exchange();
    const t0 = performance.now();
    for (let i = 0; i < cmds.length; i++) {
      ex.execute(cmds[i] as Command);
      if ((i & 255) === 255) await new Promise((r) => setImmediate(r));
    }
    return (cmds.length / (performance.now() - t0)) * 1000;
  };
  const journaled = async (): Promise<{ rate: number; batches: number; bytes: number; records: number }> => {
    const dir = mkdtempSync(join(process.env['STORE_DIR'] ?? tmpdir(), 'perpsim-bench-store-'));
    try {
      const { store } = Store.open(dir, { snapshotEvery: 0 });
      const ex = new Exchange();
      let records = 0;
      const t0 = performance.now();
      for (let i = 0; i < cmds.length; i++) {
        const c = cmds[i] as Command;
        if (ex.execute(c).ok) {
          store.append({ t: 'cmd', c });
          records++;
        }
        if ((i & 255) === 255) await new Promise((r) => setImmediate(r));
      }
      await store.sync();
      const ms = performance.now() - t0;
      const batches = (store as unknown as { writer: { batches: number } }).writer.batches;
      const bytes = dirSize(dir);
      await store.close();
      return { rate: (cmds.length / ms) * 1000, batches, bytes, records };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  await engineOnly(); // warm-up
  const e: number[] = [];
  const j: Awaited<ReturnType<typeof journaled>>[] = [];
  for (let run = 0; run < 3; run++) {
    // alternated, so that a slower moment of the machine does not fall on one side only
    e.push(await engineOnly());
    j.push(await journaled());
  }
  const eBest = Math.max(...e);
  const jBest = j.reduce((a, b) => (b.rate > a.rate ? b : a));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // judged on the means of the alternated runs (best-of would flatter whichever side had the quieter moment)
  const cost = 1 - mean(j.map((x) => x.rate)) / mean(e);
  console.log(`  engine alone:            ${fmt(eBest)} commands/s (runs: ${e.map(fmt).join(', ')})`);
  console.log(`  engine + journal, fsync: ${fmt(jBest.rate)} commands/s (runs: ${j.map((x) => fmt(x.rate)).join(', ')})`);
  console.log(
    `  group commit: ${fmt(jBest.records)} records in ${fmt(jBest.batches)} fsync'd batches (${(jBest.records / Math.max(1, jBest.batches)).toFixed(0)} records per fsync), ${(jBest.bytes / 1e6).toFixed(1)} MB`,
  );
  console.log(
    `  journaling costs ${(cost * 100).toFixed(1)} % of the engine's throughput (means of 3 alternated runs each; best vs best ${((1 - jBest.rate / eBest) * 100).toFixed(1)} %)   [target ≤ 30 %: ${cost <= 0.3 ? 'met' : 'NOT met'}]`,
  );
}

async function recovery(): Promise<void> {
  console.log(`bench/store: recovery of a ${fmt(RECOVERY_N)}-command journal (snapshot every 100,000 records)`);
  const dir = mkdtempSync(join(process.env['STORE_DIR'] ?? tmpdir(), 'perpsim-bench-recovery-'));
  // an interrupted run (Ctrl-C, a timeout) removes its journal too: it is about 1 GB
  const interrupted = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const { store, state } = Store.open(dir, { snapshotEvery: 100_000, durability: 'os' });
    const ex = state.exchange;
    store.attach(() => ({ exchange: ex, credentials: [], clockOffsetMs: 0 }));
    const f = flow(2);
    for (const c of f.setup) if (ex.execute(c).ok) store.append({ t: 'cmd', c });
    // the bulk: the order flow, with a mark move and a deposit now and then
    const t0 = performance.now();
    let time = T0;
    let written = f.setup.length;
    let lastReport = t0;
    while (written < RECOVERY_N) {
      time++;
      const k = written % 10;
      const c: Command =
        k === 0
          ? { type: 'setMarkPrice', time, symbol: 'BTCUSDT', markPrice: `${59_990 + (written % 21)}` }
          : k === 1
            ? { type: 'deposit', time, accountId: id(written % ACCOUNTS), asset: 'USDT', amount: '1' }
            : f.next(ex, time);
      const r = ex.execute(c);
      if (r.ok) store.append({ t: 'cmd', c });
      f.observe(c, r, ex);
      written++;
      if ((written & 4095) === 0) {
        await new Promise((r) => setImmediate(r));
        const now = performance.now();
        if (now - lastReport > 15_000) {
          lastReport = now;
          process.stdout.write(`  … ${fmt(written)} commands written (${fmt((written / (now - t0)) * 1000)}/s)\n`);
        }
      }
    }
    // no clean stop: recovery starts from the last periodic snapshot and replays the journal after it
    await store.sync();
    const buildS = (performance.now() - t0) / 1000;
    console.log(`  journal written in ${buildS.toFixed(0)} s: ${(dirSize(dir) / 1e9).toFixed(2)} GB in ${readdirSync(dir).length} files`);
    const hash = ex.stateHash();
    const t1 = performance.now();
    const r = Store.open(dir, { snapshotEvery: 0 });
    const ms = performance.now() - t1;
    if (r.state.exchange.stateHash() !== hash) throw new Error('recovered state differs from the state written');
    console.log(
      `  recovery (Store.open): ${(ms / 1000).toFixed(2)} s: snapshot at record ${fmt(r.recovery.snapshotSeq)} + ${fmt(r.recovery.replayed)} records replayed; state hash equal   [target ≤ 20 s: ${ms <= 20_000 ? 'met' : 'NOT met'}]`,
    );
    await r.store.close();
    await store.close().catch(() => undefined);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    rmSync(dir, { recursive: true, force: true });
  }
}

// (STORE_N=0 or STORE_RECOVERY_N=0 skips that part)
if (N > 0) await journalingOverhead();
if (RECOVERY_N > 0) await recovery();
