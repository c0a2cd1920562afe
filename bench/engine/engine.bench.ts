/**
 * bench/engine: order-flow throughput and latency of the exchange engine (run with `npm run bench`;
 * never part of `npm test`).
 *
 * exchange-core's published message mix on one symbol (BTCUSDT): ~9 % new GTC limit orders, ~3 % IOC
 * limit orders that cross, ~6 % cancels and ~82 % moves (amend the price of a resting order by a few
 * ticks), with the book kept near its starting size (~1,000 resting orders over ~750 price levels).
 * 1,000 funded accounts; every margin check of the engine runs on every order.
 *
 * The command stream is generated once, before timing, against a generation exchange (so that every
 * cancel and move names an order that is really resting), then replayed on fresh exchanges: once
 * untimed per command (throughput), once with process.hrtime.bigint() around every message (latency);
 * each BENCH_ROUNDS times (3), the passes of perpsim and nodejs-order-book alternating. Throughput is the
 * best pass's; latency the pass's with the median p99 (the host is shared: a pass can run while it is
 * busy, ~1.8× slower).
 * The engine is deterministic, so the replays see exactly the generation's order ids; the state hashes
 * are compared at the end. The same order flow is then fed to nodejs-order-book (float prices, no
 * accounts, no margin) and timed the same way.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GCProfiler } from 'node:v8';
import { OrderBook, Side as NobSide, type LimitOrderOptions } from 'nodejs-order-book';
import { Exchange, type Command, type EngineEvent, type Result, type Side } from '../../src/engine/index.js';
import { missingStartFlags, tuneV8, V8_START_FLAGS } from '../../src/cli/v8-tuning.js';
import { rng } from '../random.js';

// perpsim's V8 settings (src/cli/v8-tuning.ts), as `perpsim serve` runs with them; BENCH_V8=default leaves V8's own
const v8Flags = process.env['BENCH_V8'] === 'default' ? [] : tuneV8();

// ---- parameters -----------------------------------------------------------------------------------
const N = Number(process.env['BENCH_N'] ?? 300_000);
const SEED = Number(process.env['BENCH_SEED'] ?? 42);
const SYMBOL = 'BTCUSDT';
const ACCOUNTS = 1000;
/** accounts 0..MAKERS-1 rest orders (GTC adds, cancels, moves); the others only send IOC orders (no self-trades) */
const MAKERS = 900;
const TARGET_ORDERS = 1000;
/** resting orders are placed 1..SPREAD_TICKS ticks away from the centre (bids below, asks above) */
const CENTER_TICKS = 600_000; // 60000.0 at tick 0.1
const SPREAD_TICKS = 900;
const MAX_QTY_STEPS = 100; // quantities 0.001 .. 0.100 BTC (≥ 60 USDT notional, min notional is 5)
const MOVE_TICKS = 5;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const T0 = 1_700_000_000_000;

const TARGETS = { throughput: 1_000_000, p99us: 5, ratio: 2 };

// ---- helpers --------------------------------------------------------------------------------------
const random = rng(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

const priceText = (ticks: number) => `${Math.floor(ticks / 10)}.${ticks % 10}`;
const qtyText = (steps: number) => (steps / 1000).toFixed(3);
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const fmt2 = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/**
 * One id string per account, as a client keeps its account's id, and as `perpsim serve` puts the
 * account's own id (the engine's map key) in every command it makes (src/api/route.ts). An id made
 * afresh for each command cost the engine's account lookup a character-by-character comparison.
 */
const ACCOUNT_IDS = Array.from({ length: ACCOUNTS }, (_, i) => `acc${String(i).padStart(4, '0')}`);
const accountId = (i: number) => ACCOUNT_IDS[i] as string;

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** CPU time of this process since `c0` (user + system), in seconds: time the VM lent to others is not in it. */
function cpuSeconds(c0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6;
}

function percentile(sorted: Float64Array, p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

// ---- messages --------------------------------------------------------------------------------------
const KINDS = ['new GTC limit', 'IOC limit (crossing)', 'cancel', 'move'] as const;
type Kind = 0 | 1 | 2 | 3;
const ADD: Kind = 0;
const IOC: Kind = 1;
const CANCEL: Kind = 2;
const MOVE: Kind = 3;

/** The same message for nodejs-order-book: float prices and sizes, ids are perpsim's order ids. */
type NobOp =
  | { readonly op: 'limit'; readonly opts: LimitOrderOptions }
  | { readonly op: 'cancel'; readonly id: string }
  | { readonly op: 'modify'; readonly id: string; readonly price: number }
  | { readonly op: 'move'; readonly id: string; readonly opts: LimitOrderOptions };

/** nodejs-order-book does not export its TimeInForce enum; its values are these strings. */
const NOB_GTC = 'GTC' as unknown as NonNullable<LimitOrderOptions['timeInForce']>;
const NOB_IOC = 'IOC' as unknown as NonNullable<LimitOrderOptions['timeInForce']>;

interface ModifyOrderCommand {
  readonly type: 'modifyOrder';
  readonly time: number;
  readonly accountId: string;
  readonly symbol: string;
  readonly orderId: number;
  readonly side: Side;
  readonly quantity: string;
  readonly price: string;
}

function orderIdOf(r: Result): number | undefined {
  if (!r.ok) return undefined;
  const id = (r.result as { orderId?: unknown } | undefined)?.orderId;
  return typeof id === 'number' ? id : undefined;
}

// ---- setup (accounts, mark, pre-filled book): identical for every exchange ------------------------
let time = T0;
const setup: Command[] = [];
for (let i = 0; i < ACCOUNTS; i++) {
  setup.push({ type: 'createAccount', time, accountId: accountId(i) });
  setup.push({ type: 'deposit', time, accountId: accountId(i), asset: 'USDT', amount: '1000000' });
}
setup.push({ type: 'setMarkPrice', time, symbol: SYMBOL, markPrice: priceText(CENTER_TICKS) });
const setupNob: NobOp[] = [];

interface Live {
  id: number;
  readonly account: number;
  readonly side: Side;
  ticks: number;
}

function restingPrice(side: Side): number {
  const d = int(1, SPREAD_TICKS);
  return side === 'BUY' ? CENTER_TICKS - d : CENTER_TICKS + d;
}

function limitCmd(account: number, side: Side, ticks: number, steps: number, tif: 'GTC' | 'IOC'): Command {
  return {
    type: 'placeOrder',
    time: ++time,
    accountId: accountId(account),
    symbol: SYMBOL,
    side,
    orderType: 'LIMIT',
    quantity: qtyText(steps),
    price: priceText(ticks),
    timeInForce: tif,
  };
}

function nobLimit(id: number, side: Side, ticks: number, size: number, tif: 'GTC' | 'IOC'): LimitOrderOptions {
  return {
    id: String(id),
    side: side === 'BUY' ? NobSide.BUY : NobSide.SELL,
    size,
    price: ticks / 10,
    timeInForce: tif === 'GTC' ? NOB_GTC : NOB_IOC,
  };
}

// Does the engine amend (modifyOrder)? Probe on a throwaway exchange.
function probeModify(): { supported: boolean; note: string } {
  const ex = new Exchange();
  ex.execute({ type: 'createAccount', time: T0, accountId: 'probe' });
  ex.execute({ type: 'deposit', time: T0, accountId: 'probe', asset: 'USDT', amount: '1000000' });
  ex.execute({ type: 'setMarkPrice', time: T0, symbol: SYMBOL, markPrice: '60000' });
  const p = ex.execute({
    type: 'placeOrder',
    time: T0,
    accountId: 'probe',
    symbol: SYMBOL,
    side: 'BUY',
    orderType: 'LIMIT',
    quantity: '0.010',
    price: '59990.0',
    timeInForce: 'GTC',
  });
  const id = orderIdOf(p);
  if (id === undefined) return { supported: false, note: `probe order rejected: ${JSON.stringify(p)}` };
  const m: ModifyOrderCommand = {
    type: 'modifyOrder',
    time: T0,
    accountId: 'probe',
    symbol: SYMBOL,
    orderId: id,
    side: 'BUY',
    quantity: '0.010',
    price: '59990.5',
  };
  let r: Result;
  try {
    r = ex.execute(m as unknown as Command);
  } catch (e) {
    return { supported: false, note: `modifyOrder threw ${String(e)}` };
  }
  if (r.ok) return { supported: true, note: 'modifyOrder' };
  return { supported: false, note: `modifyOrder answered ${r.error.code} ${r.error.msg}` };
}
/** BENCH_MOVE=cancel-new forces moves as cancel + new order even when the engine can amend. */
const modify = process.env['BENCH_MOVE'] === 'cancel-new' ? { supported: false, note: 'BENCH_MOVE=cancel-new' } : probeModify();

// ---- generation ------------------------------------------------------------------------------------
const tGen = process.hrtime.bigint();
let gen = new Exchange();
for (const c of setup) gen.execute(c);

const live: Live[] = [];
const livePos = new Map<number, number>();
function addLive(l: Live): void {
  livePos.set(l.id, live.length);
  live.push(l);
}
function dropLive(id: number): void {
  const i = livePos.get(id);
  if (i === undefined) return;
  const last = live.pop() as Live;
  livePos.delete(id);
  if (last.id !== id) {
    live[i] = last;
    livePos.set(last.id, i);
  }
}
/** Makers filled by an order (they leave the book). */
function dropFilled(events: readonly EngineEvent[], takerId: number | undefined): void {
  for (const ev of events) if (ev.e === 'ORDER_TRADE_UPDATE' && ev.o.X === 'FILLED' && ev.o.i !== takerId) dropLive(ev.o.i);
}

let prefillRejected = 0;
for (let i = 0; i < TARGET_ORDERS; i++) {
  const account = i % MAKERS;
  const side: Side = random() < 0.5 ? 'BUY' : 'SELL';
  const ticks = restingPrice(side);
  const steps = int(1, MAX_QTY_STEPS);
  const cmd = limitCmd(account, side, ticks, steps, 'GTC');
  const r = gen.execute(cmd);
  const id = orderIdOf(r);
  if (id === undefined) {
    prefillRejected++;
    continue;
  }
  setup.push(cmd);
  setupNob.push({ op: 'limit', opts: nobLimit(id, side, ticks, steps / 1000, 'GTC') });
  addLive({ id, account, side, ticks });
}
const bookSide = (ex: Exchange, side: Side) => {
  const book = ex.symbols.get(SYMBOL)?.book;
  const levels = (side === 'BUY' ? book?.bids : book?.asks)?.levels ?? [];
  return { levels: levels.length, orders: levels.reduce((n, l) => n + l.orders.length, 0) };
};
const prefillBids = bookSide(gen, 'BUY');
const prefillAsks = bookSide(gen, 'SELL');

const cmds: Command[] = [];
const kinds = new Uint8Array(N);
const width = new Uint8Array(N); // commands per message: 2 for a move sent as cancel + new
const nob: NobOp[] = [];
const mixCount = [0, 0, 0, 0];
let minLive = Infinity;
let maxLive = 0;

function pickLive(): Live | undefined {
  while (live.length > 0) {
    const l = live[int(0, live.length - 1)] as Live;
    if (gen.accounts.get(accountId(l.account))?.openOrders.has(l.id)) return l;
    dropLive(l.id); // defensive: should not happen, fills are tracked from the events
  }
  return undefined;
}

function genRun(c: Command): Result {
  const r = gen.execute(c);
  cmds.push(c);
  return r;
}

for (let m = 0; m < N; m++) {
  const x = random();
  let kind: Kind = x < 0.09 ? ADD : x < 0.12 ? IOC : x < 0.18 ? CANCEL : MOVE;
  // keep the book near its starting size
  if (kind === ADD && live.length > TARGET_ORDERS * 1.05) kind = CANCEL;
  else if (kind === CANCEL && live.length < TARGET_ORDERS * 0.95) kind = ADD;
  const target = kind === CANCEL || kind === MOVE ? pickLive() : undefined;
  if (target === undefined && (kind === CANCEL || kind === MOVE)) kind = ADD;
  kinds[m] = kind;
  mixCount[kind] = (mixCount[kind] ?? 0) + 1;
  width[m] = 1;

  if (kind === ADD) {
    const account = int(0, MAKERS - 1);
    const side: Side = random() < 0.5 ? 'BUY' : 'SELL';
    const ticks = restingPrice(side);
    const steps = int(1, MAX_QTY_STEPS);
    const id = orderIdOf(genRun(limitCmd(account, side, ticks, steps, 'GTC')));
    if (id !== undefined) addLive({ id, account, side, ticks });
    nob.push({ op: 'limit', opts: nobLimit(id ?? -m, side, ticks, steps / 1000, 'GTC') });
  } else if (kind === IOC) {
    const account = int(MAKERS, ACCOUNTS - 1);
    const side: Side = random() < 0.5 ? 'BUY' : 'SELL';
    const book = gen.symbols.get(SYMBOL)?.book;
    const best = side === 'BUY' ? book?.bestAsk() : book?.bestBid();
    const bestTicks = best === undefined ? CENTER_TICKS : Number(best);
    const through = int(0, 20);
    const ticks = side === 'BUY' ? bestTicks + through : bestTicks - through;
    const steps = int(1, MAX_QTY_STEPS);
    const r = genRun(limitCmd(account, side, ticks, steps, 'IOC'));
    const id = orderIdOf(r);
    if (r.ok) dropFilled(r.events, id);
    nob.push({ op: 'limit', opts: nobLimit(id ?? -m, side, ticks, steps / 1000, 'IOC') });
  } else if (kind === CANCEL) {
    const t = target as Live;
    const r = genRun({ type: 'cancelOrder', time: ++time, accountId: accountId(t.account), symbol: SYMBOL, orderId: t.id });
    if (r.ok) dropLive(t.id);
    nob.push({ op: 'cancel', id: String(t.id) });
  } else {
    const t = target as Live;
    const order = gen.orders.get(t.id);
    if (order === undefined) throw new Error(`order ${t.id} unknown to the generation exchange`);
    let ticks = t.ticks + (random() < 0.5 ? -1 : 1) * int(1, MOVE_TICKS);
    // stay on the order's own side of the centre (a move never crosses) and inside the spread window
    if (t.side === 'BUY') ticks = Math.min(CENTER_TICKS - 1, Math.max(CENTER_TICKS - SPREAD_TICKS, ticks));
    else ticks = Math.max(CENTER_TICKS + 1, Math.min(CENTER_TICKS + SPREAD_TICKS, ticks));
    if (ticks === t.ticks) ticks += t.side === 'BUY' ? -1 : 1;
    if (modify.supported) {
      const c: ModifyOrderCommand = {
        type: 'modifyOrder',
        time: ++time,
        accountId: accountId(t.account),
        symbol: SYMBOL,
        orderId: t.id,
        side: t.side,
        quantity: order.origQty.toString(),
        price: priceText(ticks),
      };
      const r = genRun(c as unknown as Command);
      if (r.ok) {
        t.ticks = ticks;
        dropFilled(r.events, t.id);
      }
      nob.push({ op: 'modify', id: String(t.id), price: ticks / 10 });
    } else {
      width[m] = 2;
      const remaining = order.origQty.sub(order.executedQty).toString();
      const c1: Command = { type: 'cancelOrder', time: ++time, accountId: accountId(t.account), symbol: SYMBOL, orderId: t.id };
      const c2: Command = {
        type: 'placeOrder',
        time: ++time,
        accountId: accountId(t.account),
        symbol: SYMBOL,
        side: t.side,
        orderType: 'LIMIT',
        quantity: remaining,
        price: priceText(ticks),
        timeInForce: 'GTC',
      };
      const oldId = t.id;
      genRun(c1);
      dropLive(oldId);
      const id = orderIdOf(genRun(c2));
      if (id !== undefined) addLive({ id, account: t.account, side: t.side, ticks });
      nob.push({ op: 'move', id: String(oldId), opts: nobLimit(id ?? -m, t.side, ticks, Number(remaining), 'GTC') });
    }
  }
  if (live.length < minLive) minLive = live.length;
  if (live.length > maxLive) maxLive = live.length;
}
const genSeconds = seconds(tGen);
const genHash = gen.stateHash();
const genBids = bookSide(gen, 'BUY');
const genAsks = bookSide(gen, 'SELL');
gen = new Exchange(); // let the generation exchange go: it keeps every order it ever accepted

// ---- perpsim: throughput pass, then latency pass ---------------------------------------------------
/** Makes an empty exchange: this checkout's engine, or (BENCH_AB) another build's. */
type MakeExchange = () => Exchange;
const thisEngine: MakeExchange = () => new Exchange();

function freshExchange(make: MakeExchange = thisEngine): Exchange {
  const ex = make();
  for (const c of setup) {
    const r = ex.execute(c);
    if (!r.ok) throw new Error(`setup command rejected: ${JSON.stringify(c)} ${JSON.stringify(r.error)}`);
  }
  return ex;
}

/** What a throughput pass cost the memory system: first touches of fresh pages, and the collector's pauses. */
interface MemoryCost {
  readonly pageFaults: number;
  readonly gcMs: number;
  readonly scavenges: number;
  readonly fullGcs: number;
}

function throughputPass(): { seconds: number; cpuSeconds: number; rejected: number; hash: string; memory: MemoryCost } {
  const ex = freshExchange();
  let rejected = 0;
  const gc = new GCProfiler();
  gc.start();
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < cmds.length; i++) if (!ex.execute(cmds[i] as Command).ok) rejected++;
  const s = seconds(t0);
  const cpu = cpuSeconds(c0);
  const pageFaults = process.resourceUsage().minorPageFault - f0;
  const stats = gc.stop().statistics;
  const memory = {
    pageFaults,
    gcMs: stats.reduce((sum, g) => sum + g.cost, 0) / 1000,
    scavenges: stats.filter((g) => g.gcType === 'Scavenge').length,
    fullGcs: stats.filter((g) => g.gcType === 'MarkSweepCompact').length,
  };
  return { seconds: s, cpuSeconds: cpu, rejected, hash: ex.stateHash(), memory };
}

/**
 * What the first touch of a fresh 4 KiB page costs this process (the kernel maps and zeroes it): ~0.1–0.5
 * µs on bare metal, ~12 µs measured on this project's VMs (nested virtualization). V8 takes fresh pages
 * for what survives a young-generation collection, so on such a machine every surviving byte costs too.
 */
function pageFaultNs(): number {
  const bytes = 32 * 1024 * 1024;
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = process.hrtime.bigint();
  const b = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) b[i] = 1;
  const ns = Number(process.hrtime.bigint() - t0);
  const faults = process.resourceUsage().minorPageFault - f0;
  return faults > 0 ? ns / faults : NaN;
}

/**
 * The throughput pass with every answer serialized to JSON, events included, as `perpsim serve` sends
 * them: the engine formats an event's text only when it is read (docs/engine.md, "Events and order answers"), so this is
 * what a consumer of every event pays on top of the engine.
 */
function serializedPass(): { seconds: number; bytes: number } {
  const ex = freshExchange();
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < cmds.length; i++) bytes += JSON.stringify(ex.execute(cmds[i] as Command)).length;
  return { seconds: seconds(t0), bytes };
}

interface Tally {
  readonly latNs: Float64Array;
  /** trades per message (an IOC's cost grows with its fills) */
  readonly fills: Uint8Array;
  readonly rejected: Map<string, number>;
  readonly statuses: Map<string, number>;
  trades: number;
  events: number;
}
interface LatencyRun extends Tally {
  readonly hash: string;
  readonly bids: { levels: number; orders: number };
  readonly asks: { levels: number; orders: number };
  /** the fast path's counts (order-fast-path.ts) */
  readonly fast: Partial<NonNullable<Exchange['fast']>['stats']>;
}

function classify(run: Tally, cmd: Command, r: Result): void {
  if (!r.ok) {
    const key = `${cmd.type} ${r.error.code} ${r.error.msg}`;
    run.rejected.set(key, (run.rejected.get(key) ?? 0) + 1);
    return;
  }
  run.events += r.events.length;
  for (const ev of r.events) if (ev.e === 'TRADE') run.trades++;
  const status = (r.result as { status?: unknown } | undefined)?.status;
  const tif = cmd.type === 'placeOrder' ? ` ${cmd.timeInForce ?? 'GTC'}` : '';
  const key = `${cmd.type}${tif} → ${typeof status === 'string' ? status : 'ok'}`;
  run.statuses.set(key, (run.statuses.get(key) ?? 0) + 1);
}

function tradesOf(r: Result): number {
  let n = 0;
  if (r.ok) for (const ev of r.events) if (ev.e === 'TRADE') n++;
  return n;
}

/** A latency pass's IOC orders that took `lo` to `hi` fills: their latencies (ns), sorted. */
function iocLatencies(run: Tally, lo: number, hi: number): Float64Array {
  return Float64Array.from(
    run.latNs.filter((_, i) => kinds[i] === IOC && (run.fills[i] as number) >= lo && (run.fills[i] as number) <= hi),
  ).sort();
}

function latencyPass(make: MakeExchange = thisEngine): LatencyRun {
  const ex = freshExchange(make);
  const run: Tally = {
    latNs: new Float64Array(N),
    fills: new Uint8Array(N),
    rejected: new Map<string, number>(),
    statuses: new Map<string, number>(),
    trades: 0,
    events: 0,
  };
  let c = 0;
  for (let m = 0; m < N; m++) {
    const c1 = cmds[c] as Command;
    if (width[m] === 1) {
      const a = process.hrtime.bigint();
      const r1 = ex.execute(c1);
      run.latNs[m] = Number(process.hrtime.bigint() - a);
      classify(run, c1, r1);
      run.fills[m] = Math.min(255, tradesOf(r1));
      c++;
    } else {
      const c2 = cmds[c + 1] as Command;
      const a = process.hrtime.bigint();
      const r1 = ex.execute(c1);
      const r2 = ex.execute(c2);
      run.latNs[m] = Number(process.hrtime.bigint() - a);
      classify(run, c1, r1);
      classify(run, c2, r2);
      run.fills[m] = Math.min(255, tradesOf(r1) + tradesOf(r2));
      c += 2;
    }
  }
  return { ...run, hash: ex.stateHash(), bids: bookSide(ex, 'BUY'), asks: bookSide(ex, 'SELL'), fast: { ...ex.fast?.stats } };
}

// ---- nodejs-order-book ------------------------------------------------------------------------------
function freshNob(): OrderBook {
  const ob = new OrderBook();
  for (const o of setupNob) if (o.op === 'limit') ob.limit(o.opts);
  return ob;
}

function nobExec(ob: OrderBook, o: NobOp): boolean {
  switch (o.op) {
    case 'limit':
      return ob.limit(o.opts).err === null;
    case 'cancel':
      return ob.cancel(o.id) !== undefined;
    case 'modify':
      return ob.modify(o.id, { price: o.price }).err === null;
    case 'move': {
      const ok = ob.cancel(o.id) !== undefined;
      return ob.limit(o.opts).err === null && ok;
    }
  }
}

function nobThroughput(): { seconds: number; cpuSeconds: number; failed: number } {
  const ob = freshNob();
  let failed = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < nob.length; i++) if (!nobExec(ob, nob[i] as NobOp)) failed++;
  return { seconds: seconds(t0), cpuSeconds: cpuSeconds(c0), failed };
}

function nobLatency(): { latNs: Float64Array; seconds: number; failed: Map<string, number>; bids: number; asks: number; trades: number } {
  const ob = freshNob();
  const latNs = new Float64Array(nob.length);
  const failed = new Map<string, number>();
  let trades = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < nob.length; i++) {
    const o = nob[i] as NobOp;
    const a = process.hrtime.bigint();
    if (o.op === 'limit') {
      const r = ob.limit(o.opts);
      latNs[i] = Number(process.hrtime.bigint() - a);
      if (r.done.length > 0 || r.partialQuantityProcessed > 0) trades++;
      if (r.err !== null) failed.set(`limit ${r.err.code} ${r.err.message}`, (failed.get(`limit ${r.err.code} ${r.err.message}`) ?? 0) + 1);
    } else {
      const ok = nobExec(ob, o);
      latNs[i] = Number(process.hrtime.bigint() - a);
      if (!ok) failed.set(`${o.op} failed`, (failed.get(`${o.op} failed`) ?? 0) + 1);
    }
  }
  const s = seconds(t0);
  const [asks, bids] = ob.depth();
  return { latNs, seconds: s, failed, bids: bids.length, asks: asks.length, trades };
}

// ---- run -------------------------------------------------------------------------------------------
// BENCH_MODE=instructions (engine-instructions.bench.ts runs it under callgrind): ROUNDS fresh exchanges,
// each replaying the messages unless BENCH_REPLAY=0, and nothing else; the two runs' difference is the
// replays' own instructions.
if (process.env['BENCH_MODE'] === 'instructions') {
  const replay = process.env['BENCH_REPLAY'] !== '0';
  // the replay in chunks, each a call of a small function: V8 optimizes it after a few calls (as it does
  // the timed pass's loop, on another thread), where one long loop stayed in baseline code, whose property
  // loads and calls cost ~200-400 instructions a message on top of the engine's
  const replayChunk = (ex: Exchange, from: number, to: number): void => {
    for (let i = from; i < to; i++) ex.execute(cmds[i] as Command);
  };
  for (let r = 0; r < ROUNDS; r++) {
    const ex = freshExchange();
    if (replay) for (let i = 0; i < cmds.length; i += 500) replayChunk(ex, i, Math.min(cmds.length, i + 500));
  }
  process.exit(0);
}

// BENCH_AB=<another build's dist/src/engine/index.js>: this checkout's engine (A) against that one (B),
// latency passes alternating in this one process, BENCH_AB_PAIRS pairs (default 10), and nothing else.
// Two runs of the whole bench a minute apart differ by a quarter as the shared host's load moves; two
// passes a second apart mostly see the same host, so the pairs' ratios show a change of a few per cent
// (the same engine as A and B: IOC p50 within ~3 % at the median; run it both ways round). B gets
// BENCH_AB_WARM warm-up passes (default 1; A's warm-up is the generation pass).
if (process.env['BENCH_AB'] !== undefined) {
  const other = (await import(pathToFileURL(resolve(process.env['BENCH_AB'])).href)) as { Exchange: new () => Exchange };
  const makeB: MakeExchange = () => new other.Exchange();
  const pairs = Number(process.env['BENCH_AB_PAIRS'] ?? 10);
  /** the figures compared, in µs or messages */
  const NAMES = ['p50', 'p99', 'slower than 5 µs', 'IOC 1 fill p50', 'IOC 2 fills p50'] as const;
  const figures = (run: LatencyRun): number[] => {
    const all = Float64Array.from(run.latNs).sort();
    const iocP50 = (fills: number) => percentile(iocLatencies(run, fills, fills), 50) / 1000;
    const slow = run.latNs.filter((ns) => ns > TARGETS.p99us * 1000).length;
    return [percentile(all, 50) / 1000, percentile(all, 99) / 1000, slow, iocP50(1), iocP50(2)];
  };
  for (let w = 0; w < Number(process.env['BENCH_AB_WARM'] ?? 1); w++) latencyPass(makeB);
  const a: number[][] = [];
  const b: number[][] = [];
  const hashes = new Set<string>();
  console.log(`bench/engine A/B: A this checkout, B ${process.env['BENCH_AB']}; ${pairs} pairs of latency passes`);
  for (let k = 0; k < pairs; k++) {
    // which engine goes first alternates: neither always runs right after the other's garbage
    const order: [number[][], MakeExchange][] = [
      [a, thisEngine],
      [b, makeB],
    ];
    if (k % 2 === 1) order.reverse();
    for (const [rows, make] of order) {
      const run = latencyPass(make);
      hashes.add(run.hash);
      rows.push(figures(run));
    }
    const fa = a[k] as number[];
    const fb = b[k] as number[];
    console.log(`  pair ${k + 1} (A / B): ` + NAMES.map((n, i) => `${n} ${fmt2(fa[i] as number)} / ${fmt2(fb[i] as number)}`).join(', '));
  }
  NAMES.forEach((n, i) => {
    const ratios = Float64Array.from(a.map((fa, k) => ((b[k] as number[])[i] as number) / (fa[i] as number))).sort();
    const lower = ratios.filter((r) => r < 1).length;
    console.log(
      `  ${n.padEnd(17)} B/A: median ${fmt2(percentile(ratios, 50))}, from ${fmt2(ratios[0] as number)} to ${fmt2(ratios[ratios.length - 1] as number)}; B lower in ${lower} of ${pairs}`,
    );
  });
  hashes.add(genHash);
  console.log(
    `  state hashes of every pass and the generation run: ${hashes.size === 1 ? `equal (${genHash})` : `DIFFER (${[...hashes].join(', ')})`}`,
  );
  process.exit(0);
}

// Throughput: ROUNDS alternating passes of each (the machine is shared and noisy); the best of each counts.
nobThroughput(); // warm-up, as the generation pass warms up the engine
const perpRuns: ReturnType<typeof throughputPass>[] = [];
const nobRuns: ReturnType<typeof nobThroughput>[] = [];
for (let r = 0; r < ROUNDS; r++) {
  perpRuns.push(throughputPass());
  nobRuns.push(nobThroughput());
}
const best = <T extends { seconds: number }>(runs: T[]): T => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const perpThroughput = best(perpRuns);
const nobT = best(nobRuns);
const perpCpu = Math.min(...perpRuns.map((r) => r.cpuSeconds));
const nobCpu = Math.min(...nobRuns.map((r) => r.cpuSeconds));
/**
 * The host's own share of the tail: N timings, with the same timer, of a fixed stretch of integer
 * arithmetic (~0.7–0.9 µs here, about a median message) that touches no memory. Any of them slower than
 * the target was stopped by the host (an interrupt, the hypervisor taking the CPU away), not by its work:
 * on this project's VMs that is ~250–750 of 300,000 over 10 µs. It does not see what slows code that
 * reads memory (other tenants' use of the shared caches; docs/engine.md, "The host's share of the
 * tail"). Run right after each perpsim latency pass, in the same host conditions; the one after the
 * counted pass is printed. `sink` is the arithmetic's result, kept so that the compiler keeps the work.
 */
function hostFloorPass(): { latNs: Float64Array; sink: number } {
  const latNs = new Float64Array(N);
  let sink = 0;
  for (let m = 0; m < N; m++) {
    const a = process.hrtime.bigint();
    let x = m;
    for (let k = 0; k < 150; k++) x = (x * 31 + k) | 0;
    sink ^= x;
    latNs[m] = Number(process.hrtime.bigint() - a);
  }
  return { latNs, sink };
}

// Latency: ROUNDS alternating passes of each too; the pass with the median p99 counts (a pass that ran
// while the host was busy, or a quiet one, is neither), and every pass's p99 is printed.
const perpLatencies: LatencyRun[] = [];
const nobLatencies: ReturnType<typeof nobLatency>[] = [];
const hostFloors: ReturnType<typeof hostFloorPass>[] = [];
for (let r = 0; r < ROUNDS; r++) {
  perpLatencies.push(latencyPass());
  hostFloors.push(hostFloorPass());
  nobLatencies.push(nobLatency());
}
/** each pass's p99 (ns), in pass order */
const p99sOf = (runs: { latNs: Float64Array }[]) => runs.map((r) => percentile(Float64Array.from(r.latNs).sort(), 99));
const perpP99s = p99sOf(perpLatencies);
const nobP99s = p99sOf(nobLatencies);
const medianByP99 = <T>(runs: T[], p99s: number[]): T => {
  const order = runs.map((_, i) => i).sort((x, y) => (p99s[x] as number) - (p99s[y] as number));
  return runs[order[runs.length >> 1] as number] as T;
};
const perpLatency = medianByP99(perpLatencies, perpP99s);
const nobL = medianByP99(nobLatencies, nobP99s);
const serialized = serializedPass();

/**
 * Refused commands (not in the message mix): a cancel of an unknown order (-2011) and an amend to the
 * order's own price and quantity (-5027), each sent REFUSED times to an exchange with the pre-filled book.
 * Median ns per command; each must leave the state hash as it was.
 */
const REFUSED = 100_000;
function refusedPass(): { cancelNs: number; amendNs: number; unchanged: boolean } {
  const ex = freshExchange();
  const before = ex.stateHash();
  const owner = accountId(0);
  const order = ex.accounts.get(owner)?.openOrders.values().next().value;
  if (order === undefined) throw new Error(`refusedPass: ${owner} has no resting order`);
  const lat = new Float64Array(REFUSED);
  const median = () => percentile(lat.sort(), 50);
  for (let i = 0; i < REFUSED; i++) {
    const c: Command = { type: 'cancelOrder', time: T0, accountId: owner, symbol: SYMBOL, orderId: 1e9 + i };
    const a = process.hrtime.bigint();
    const r = ex.execute(c);
    lat[i] = Number(process.hrtime.bigint() - a);
    if (r.ok || r.error.code !== -2011) throw new Error(`refusedPass: cancel answered ${JSON.stringify(r)}`);
  }
  const cancelNs = median();
  for (let i = 0; i < REFUSED; i++) {
    const m: ModifyOrderCommand = {
      type: 'modifyOrder',
      time: T0,
      accountId: owner,
      symbol: SYMBOL,
      orderId: order.orderId,
      side: order.side,
      quantity: order.origQty.toString(),
      price: order.price.toString(),
    };
    const a = process.hrtime.bigint();
    const r = ex.execute(m as unknown as Command);
    lat[i] = Number(process.hrtime.bigint() - a);
    if (r.ok || r.error.code !== -5027) throw new Error(`refusedPass: amend answered ${JSON.stringify(r)}`);
  }
  return { cancelNs, amendNs: median(), unchanged: ex.stateHash() === before };
}
const refused = refusedPass();

/** Median cost of the two hrtime.bigint() calls around a message (included in the latency figures). */
function timerOverheadNs(): number {
  const t = new Float64Array(100_000);
  for (let i = 0; i < t.length; i++) {
    const a = process.hrtime.bigint();
    t[i] = Number(process.hrtime.bigint() - a);
  }
  return percentile(t.sort(), 50);
}
const timerNs = timerOverheadNs();

// ---- report ----------------------------------------------------------------------------------------
const sortedPerp = Float64Array.from(perpLatency.latNs).sort();
const sortedNob = Float64Array.from(nobL.latNs).sort();
const us = (ns: number) => (ns / 1000).toFixed(2);
const perpMsgsPerSec = N / perpThroughput.seconds;
const perpCmdsPerSec = cmds.length / perpThroughput.seconds;
const nobMsgsPerSec = nob.length / nobT.seconds;
const ratio = perpMsgsPerSec / nobMsgsPerSec;
const p99 = percentile(sortedPerp, 99) / 1000;
const meets = (ok: boolean) => (ok ? 'met' : 'NOT met');

console.log('bench/engine: exchange-core message mix on BTCUSDT, every margin check on');
{
  // the start flags only work on node's command line (`npm run bench` gives them)
  const missing = missingStartFlags();
  const given = V8_START_FLAGS.filter((f) => !missing.includes(f));
  const flags = [...v8Flags, ...given].join(' ');
  console.log(
    `  V8 settings: ${v8Flags.length === 0 ? `V8's defaults (BENCH_V8=default)${given.length > 0 ? `, and ${given.join(' ')}` : ''}` : `${flags} (perpsim's, src/cli/v8-tuning.ts)`}` +
      (missing.length > 0 && v8Flags.length > 0
        ? `; not given: ${missing.join(' ')} (on node's command line; \`npm run bench\` gives it)`
        : ''),
  );
}
console.log(
  `  setup: ${ACCOUNTS} accounts × 1,000,000 USDT (${MAKERS} makers, ${ACCOUNTS - MAKERS} IOC takers), mark 60000.0, ` +
    `pre-filled book ${prefillBids.orders + prefillAsks.orders} orders on ${prefillBids.levels + prefillAsks.levels} levels ` +
    `(bids ${prefillBids.orders}/${prefillBids.levels}, asks ${prefillAsks.orders}/${prefillAsks.levels}), prefill rejected ${prefillRejected}`,
);
console.log(
  `  messages: ${fmt(N)} (seed ${SEED}): ` + KINDS.map((k, i) => `${k} ${(((mixCount[i] ?? 0) / N) * 100).toFixed(1)} %`).join(', '),
);
console.log(
  modify.supported
    ? '  move = modifyOrder (amend, one command)'
    : `  move = cancelOrder + placeOrder (two commands; amend not available: ${modify.note})`,
);
console.log(
  `  engine commands: ${fmt(cmds.length)}; resting orders during the run ${minLive}..${maxLive}; book at the end ` +
    `${genBids.orders + genAsks.orders} orders on ${genBids.levels + genAsks.levels} levels; generated in ${genSeconds.toFixed(2)} s`,
);
console.log('');
console.log('perpsim Exchange.execute');
console.log(
  `  throughput: ${fmt(perpMsgsPerSec)} messages/s (${fmt(perpCmdsPerSec)} commands/s), ${fmt(N)} messages in ${perpThroughput.seconds.toFixed(3)} s` +
    ` (best of ${ROUNDS}: ${perpRuns.map((r) => fmt(N / r.seconds)).join(', ')}; per CPU-second ${fmt(N / perpCpu)})` +
    `   [target ≥ ${fmt(TARGETS.throughput)}/s: ${meets(perpMsgsPerSec >= TARGETS.throughput)}]`,
);
{
  // the memory system's share of the best pass (the figures are steady where the timings are not)
  const m = perpThroughput.memory;
  const faultNs = pageFaultNs();
  console.log(
    `  memory, in that pass: ${fmt(m.pageFaults)} page faults (${((1000 * m.pageFaults) / N).toFixed(1)} per 1,000 messages; ` +
      `a fresh page costs ${(faultNs / 1000).toFixed(1)} µs here), collector pauses ${m.gcMs.toFixed(1)} ms ` +
      `(${((100 * m.gcMs) / 1000 / perpThroughput.seconds).toFixed(0)} % of the pass; ${m.scavenges} young-generation, ${m.fullGcs} full)`,
  );
}
console.log(
  `  with every answer and event serialized to JSON (as \`perpsim serve\` sends them): ${fmt(N / serialized.seconds)} messages/s, ` +
    `${(serialized.bytes / N).toFixed(0)} bytes per message (one pass; not the target figure: the engine formats events when read)`,
);
console.log(
  `  latency per message (hrtime around each): p50 ${us(percentile(sortedPerp, 50))} µs, p99 ${us(percentile(sortedPerp, 99))} µs, ` +
    `p99.9 ${us(percentile(sortedPerp, 99.9))} µs, max ${us(sortedPerp[sortedPerp.length - 1] ?? NaN)} µs` +
    `   [target p99 ≤ ${TARGETS.p99us} µs: ${meets(p99 <= TARGETS.p99us)}]`,
);
console.log(`  (the pass with the median p99 of ${ROUNDS}: p99 ${perpP99s.map(us).join(', ')} µs; ` + `the figures below are that pass's)`);
console.log(`  (timer overhead ≈ ${timerNs.toFixed(0)} ns per message, included)`);
{
  // what keeps p99 above the target: the messages slower than it, by kind (p99 ≤ target needs ≤ 1 % of all)
  const over = [0, 0, 0, 0];
  perpLatency.latNs.forEach((ns, i) => {
    if (ns > TARGETS.p99us * 1000) over[kinds[i] as Kind] = (over[kinds[i] as Kind] ?? 0) + 1;
  });
  const total = over.reduce((x, y) => x + y, 0);
  console.log(
    `  slower than ${TARGETS.p99us} µs: ${fmt(total)} messages (${((100 * total) / N).toFixed(2)} %; the target allows 1 %): ` +
      KINDS.map((k, i) => `${k} ${fmt(over[i] ?? 0)}`).join(', '),
  );
  // slower than 10 µs: stopped rather than working (a median message takes ~0.7 µs, a three-fill IOC ~6–8)
  const slowerThan = (lat: Float64Array, ns: number) => lat.reduce((n, x) => n + (x > ns ? 1 : 0), 0);
  const floor = hostFloors[perpLatencies.indexOf(perpLatency)] as ReturnType<typeof hostFloorPass>;
  const floorSorted = Float64Array.from(floor.latNs).sort();
  console.log(
    `    of them slower than 10 µs: ${fmt(slowerThan(perpLatency.latNs, 10_000))}; the host alone, timed right after that pass ` +
      `(${fmt(N)} × a fixed ${us(percentile(floorSorted, 50))} µs of arithmetic, no memory): ${fmt(slowerThan(floor.latNs, TARGETS.p99us * 1000))} slower than ${TARGETS.p99us} µs, ` +
      `${fmt(slowerThan(floor.latNs, 10_000))} slower than 10 µs (blind to other tenants' use of the caches: nodejs-order-book's throughput below shows that)`,
  );
}
for (const k of [0, 1, 2, 3] as const) {
  const sub = Float64Array.from(perpLatency.latNs.filter((_, i) => kinds[i] === k)).sort();
  if (sub.length === 0) continue;
  console.log(
    `    ${KINDS[k].padEnd(20)} n=${String(sub.length).padStart(7)}  p50 ${us(percentile(sub, 50))} µs, p99 ${us(percentile(sub, 99))} µs, p99.9 ${us(percentile(sub, 99.9))} µs`,
  );
}
{
  // an IOC's cost by its number of fills: what a fill costs (p99 is set by the IOCs)
  const parts: string[] = [];
  for (const [label, lo, hi] of [
    ['no fill', 0, 0],
    ['1 fill', 1, 1],
    ['2 fills', 2, 2],
    ['3+ fills', 3, 255],
  ] as const) {
    const sub = iocLatencies(perpLatency, lo, hi);
    if (sub.length > 0) parts.push(`${label} n=${fmt(sub.length)} p50 ${us(percentile(sub, 50))} µs`);
  }
  console.log(`    IOC by fills: ${parts.join('; ')}`);
}
console.log(`  work done: ${fmt(perpLatency.trades)} trades, ${fmt(perpLatency.events)} events`);
{
  const f = perpLatency.fast;
  console.log(
    `  fast path (latency pass, pre-fill included): ${fmt(f.served ?? 0)} commands answered, ${fmt(f.declined ?? 0)} to the general path; ` +
      `trades' margin proven in floats ${fmt(f.tradesProven ?? 0)}, left to the exact check ${fmt(f.tradesUnproven ?? 0)}; ` +
      `margin calls too close ${fmt(f.marginTooClose ?? 0)}; bounds rebuilt ${fmt(f.boundRebuilds ?? 0)} (exactly ${fmt(f.exactRebuilds ?? 0)}); ` +
      `makers' bounds that followed their fill ${fmt(f.makersFollowed ?? 0)}`,
  );
}
console.log('  results by command:');
for (const [k, n] of [...perpLatency.statuses].sort((a, b) => b[1] - a[1])) console.log(`    ${k.padEnd(40)} ${fmt(n)}`);
const totalRejected = [...perpLatency.rejected.values()].reduce((a, b) => a + b, 0);
console.log(`  rejected: ${fmt(totalRejected)} of ${fmt(cmds.length)} commands (throughput pass: ${fmt(perpThroughput.rejected)})`);
for (const [k, n] of [...perpLatency.rejected].sort((a, b) => b[1] - a[1])) console.log(`    ${k.padEnd(60)} ${fmt(n)}`);
console.log(
  `  refused commands (${fmt(REFUSED)} each, outside the mix): cancel of an unknown order (-2011) p50 ${us(refused.cancelNs)} µs, ` +
    `amend to the same price and quantity (-5027) p50 ${us(refused.amendNs)} µs; state ${refused.unchanged ? 'unchanged' : 'CHANGED'}`,
);
const sameHash = perpRuns.every((r) => r.hash === genHash) && perpLatencies.every((r) => r.hash === genHash);
console.log(`  determinism: state hash of the generation run and every replay ${sameHash ? 'equal' : 'DIFFER'} (${genHash})`);
console.log('');
console.log('nodejs-order-book (same order flow, float prices, no accounts, no margin)');
console.log(
  `  throughput: ${fmt(nobMsgsPerSec)} messages/s, ${fmt(nob.length)} messages in ${nobT.seconds.toFixed(3)} s` +
    ` (best of ${ROUNDS}: ${nobRuns.map((r) => fmt(nob.length / r.seconds)).join(', ')}; per CPU-second ${fmt(nob.length / nobCpu)})`,
);
console.log(
  `  latency per message: p50 ${us(percentile(sortedNob, 50))} µs, p99 ${us(percentile(sortedNob, 99))} µs, p99.9 ${us(percentile(sortedNob, 99.9))} µs` +
    ` (the pass with the median p99 of ${ROUNDS}: ${nobP99s.map(us).join(', ')} µs)`,
);
const nobFailed = [...nobL.failed.values()].reduce((a, b) => a + b, 0);
console.log(
  `  orders that traded: ${fmt(nobL.trades)}; failed ${fmt(nobFailed)}${nobFailed > 0 ? ` (${[...nobL.failed].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}; ` +
    `book at the end ${nobL.bids} bid levels, ${nobL.asks} ask levels (perpsim ${perpLatency.bids.levels} / ${perpLatency.asks.levels})`,
);
console.log('');
console.log(
  `ratio perpsim / nodejs-order-book: ${fmt2(ratio)}× (messages/s; per CPU-second ${fmt2(nob.length / nobCpu === 0 ? NaN : N / perpCpu / (nob.length / nobCpu))}×)` +
    `   [target ≥ ${TARGETS.ratio}×: ${meets(ratio >= TARGETS.ratio)}]`,
);
