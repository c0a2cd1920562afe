/**
 * Queryable history in SQLite (`<data-dir>/history.sqlite`, better-sqlite3): user trades, income
 * (realized PnL, commission, funding, transfers, insurance clearance), isolated-margin changes, the orders
 * each account placed, public trades and funding rates. It serves the REST history endpoints
 * (userTrades, income, allOrders, positionMargin/history, trades, fundingRate) through the API's `History`
 * port, and survives restarts.
 *
 * Written from the event stream, off the engine's thread: `add` extracts the rows an event makes (plain
 * values, no arithmetic) and buffers them; 50 ms after the first of them (sooner when a read needs them) the
 * rows collected go as one batch to a worker thread (`history-worker.ts`) that writes each batch in one transaction on its own connection
 * (`history-writer.ts`), in order. Reads use this thread's connection (WAL: they never wait for a write) and
 * first wait until the writer has committed everything handed to it (`flush`), so a read sees every event
 * added before it. Every row carries the journal sequence number of the command that produced it, and the
 * database remembers the last one it holds (`meta.last_seq`), so that recovery can feed it exactly the
 * replayed commands it has not seen (`needs(seq)`), and the store flushes it before every snapshot (a
 * snapshot never gets ahead of the history). WAL mode: a committed batch survives kill -9; what the writer
 * had not committed at a crash is behind `meta.last_seq` and written again from the journal at start-up.
 */
import Database from 'better-sqlite3';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { Decimal } from '../core/index.js';
import {
  AmendTracker,
  newOrder,
  orderFieldsObject,
  type AmendBase,
  type EngineEvent,
  type LiquidationExplanation,
  type Order,
  type OrderUpdate,
} from '../engine/index.js';
import type { FundingRecord, History, Income, IncomeType, MarginChange, OrderAmendment, PublicTrade, UserTrade } from '../api/history.js';
import { HistoryWriter, OP, OP_FIELDS, prepareHistoryDatabase, storedSeq, type HistoryBatch } from './history-writer.js';
import type { HistoryWorkerData, HistoryWorkerMessage } from './history-worker.js';

export interface HistoryDbOptions {
  /**
   * `worker` (default): batches are written by a worker thread; `inline`: on this thread (when the batch is
   * handed over: `HANDOVER_MS` after its first row, or at the next read)
   */
  readonly writer?: 'worker' | 'inline';
}

/**
 * Rows are handed to the writer this long after the first of them was added (or sooner, at a read, a
 * snapshot or `MAX_BATCH_OPS`): larger batches make fewer, cheaper transactions and messages.
 */
const HANDOVER_MS = 50;
/** a batch is handed over at once when its row stream gets this long */
const MAX_BATCH_OPS = 50_000;
/** batches handed to the worker and not yet committed beyond which `add` waits for it (bounds memory and lag) */
const MAX_BATCHES_IN_FLIGHT = 64;
/** how long a synchronous wait for the writer may see no progress before it gives up */
const STALL_MS = 60_000;
/** how long the writer thread may take to start */
const START_MS = 15_000;

/** The writer thread as seen from its owner. */
class WorkerWriter {
  private readonly worker: Worker;
  private readonly shared: Int32Array;
  private readonly result: Float64Array;
  private readonly replies: MessagePort;
  /** id of the last message posted */
  private posted = 0;
  private failure: Error | undefined;
  private readonly started = Date.now();

  constructor(file: string) {
    const state = new SharedArrayBuffer(24);
    this.shared = new Int32Array(state, 0, 3);
    this.result = new Float64Array(state, 16, 1);
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    const data: HistoryWorkerData = { file, state, replies: port2 };
    this.worker = new Worker(new URL('./history-worker.js', import.meta.url), { workerData: data, transferList: [port2] });
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error !== undefined) process.stderr.write(`perpsim: history writer failed: ${m.error}\n`);
    });
    this.worker.on('error', (e) => {
      this.failure ??= new Error(`history writer thread failed: ${e.message}`);
      process.stderr.write(`perpsim: ${this.failure.message}\n`);
    });
    // never keeps the process alive: what it had not written is rewritten from the journal at start-up
    this.worker.unref();
  }

  private post(m: HistoryWorkerMessage): number {
    this.check();
    this.worker.postMessage(m);
    return m.id;
  }

  /** Hands a batch over (returns at once). */
  write(batch: HistoryBatch): void {
    const id = this.post({ id: ++this.posted, batch });
    if (id - Atomics.load(this.shared, 0) > MAX_BATCHES_IN_FLIGHT) this.waitFor(id - MAX_BATCHES_IN_FLIGHT / 2);
  }

  truncateAfter(seq: number): number {
    this.waitFor(this.post({ id: ++this.posted, truncate: seq }));
    return this.result[0] as number;
  }

  /** Waits until every batch handed over is committed. */
  sync(): void {
    this.waitFor(this.posted);
  }

  close(): void {
    if (this.failure === undefined && Atomics.load(this.shared, 1) === 0) this.waitFor(this.post({ id: ++this.posted, close: true }));
    void this.worker.terminate();
    this.replies.close();
  }

  private check(): void {
    if (this.failure === undefined && Atomics.load(this.shared, 1) !== 0) {
      const m = receiveMessageOnPort(this.replies)?.message;
      this.failure = new Error(typeof m === 'string' ? m : 'history writer failed');
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private waitFor(id: number): void {
    let done = Atomics.load(this.shared, 0);
    let since = Date.now();
    while (done < id) {
      this.check();
      Atomics.wait(this.shared, 0, done, 100);
      const now = Atomics.load(this.shared, 0);
      if (now !== done) {
        done = now;
        since = Date.now();
      } else if (Atomics.load(this.shared, 2) === 0 ? Date.now() - this.started > START_MS : Date.now() - since > STALL_MS) {
        this.failure ??= new Error(
          Atomics.load(this.shared, 2) === 0 ? 'history writer thread did not start' : `history writer thread stalled for ${STALL_MS} ms`,
        );
        throw this.failure;
      }
    }
    this.check();
  }
}

/** Collects the rows of one batch (what is added until the next hand-over). */
class BatchBuilder {
  ops: unknown[] = [];
  /** order id → its upsert (accountId, symbol, orderId, seq, created, state) */
  orders = new Map<number, unknown[]>();
  /** `${accountId}\n${key}` → accountId, key, time */
  times = new Map<string, [string, string, number]>();
  seq = 0;

  get empty(): boolean {
    return this.ops.length === 0 && this.orders.size === 0 && this.times.size === 0 && this.seq === 0;
  }

  time(accountId: string, key: string, time: number): void {
    const k = `${accountId}\n${key}`;
    const t = this.times.get(k);
    if (t === undefined) this.times.set(k, [accountId, key, time]);
    else if (time > t[2]) t[2] = time;
  }

  take(): HistoryBatch {
    const orders: unknown[] = [];
    for (const o of this.orders.values()) orders.push(...o);
    const times: unknown[] = [];
    for (const t of this.times.values()) times.push(...t);
    const batch = { ops: this.ops, orders, times, seq: this.seq };
    this.ops = [];
    this.orders = new Map();
    this.times = new Map();
    this.seq = 0;
    return batch;
  }
}

export class HistoryDb implements History {
  /** this thread's connection: reads (and, with the inline writer, writes) */
  private readonly db: Database.Database;
  private readonly worker: WorkerWriter | undefined;
  private readonly inline: HistoryWriter | undefined;
  private batch = new BatchBuilder();
  private scheduled = false;
  /** the last journal sequence number handed to the writer (or held by the database at open) */
  private lastSeq: number;
  private fundingSymbol = '';
  /** the journal sequence number of the last event added */
  private addedSeq = 0;
  private closed = false;
  /** each open order's last price, quantity and amend count: what an amend changed from */
  private readonly amendTracker = new AmendTracker();
  private readonly st;

  constructor(file: string, options: HistoryDbOptions = {}) {
    this.db = new Database(file);
    prepareHistoryDatabase(this.db);
    this.lastSeq = storedSeq(this.db);
    const db = this.db;
    this.st = {
      qOrder: db.prepare(`SELECT symbol, created, state FROM orders WHERE account_id = ? AND order_id = ?`),
      qOrderTrades: db.prepare(`SELECT qty, price FROM user_trades WHERE account_id = ? AND order_id = ?`),
      qTrades: db.prepare(`SELECT * FROM user_trades WHERE account_id = ? AND symbol = ? ORDER BY id, order_id`),
      qIncome: db.prepare(`SELECT * FROM income WHERE account_id = ? ORDER BY tran_id`),
      qMargin: db.prepare(`SELECT * FROM margin_changes WHERE account_id = ? ORDER BY rowid`),
      qOrders: db.prepare(`SELECT order_id FROM orders WHERE account_id = ? AND symbol = ? ORDER BY order_id`),
      qMarket: db.prepare(`SELECT * FROM market_trades WHERE symbol = ? ORDER BY id DESC LIMIT 200000`),
      qLiquidations: db.prepare(`SELECT explanation FROM liquidations WHERE account_id = ? ORDER BY rowid`),
      qFunding: db.prepare(`SELECT * FROM funding WHERE symbol = ? ORDER BY time`),
      qTime: db.prepare(`SELECT time FROM update_times WHERE account_id = ? AND key = ?`),
      lastFunding: db.prepare(`SELECT symbol FROM funding ORDER BY time DESC LIMIT 1`),
      qAmendments: db.prepare(`SELECT * FROM order_amendments WHERE account_id = ? AND order_id = ? ORDER BY amendment_id DESC`),
      qAmendCount: db.prepare(`SELECT max(count) AS n FROM order_amendments WHERE account_id = ? AND order_id = ?`),
    };
    this.fundingSymbol = (this.st.lastFunding.get() as { symbol?: string } | undefined)?.symbol ?? '';
    if (options.writer === 'inline') this.inline = new HistoryWriter(db);
    else this.worker = new WorkerWriter(file);
  }

  /** The last journal sequence number whose events the database holds (or has been handed to write). */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Drops what the database holds beyond journal record `seq`: the history is written as events happen,
   * possibly before the journal's sync, so after a crash it can hold commands the journal lost (their
   * order and trade ids are then given out again). Called at start-up with the recovered journal's end.
   */
  truncateAfter(seq: number): number {
    this.flush();
    if (this.lastSeq <= seq) return 0;
    const dropped = this.worker !== undefined ? this.worker.truncateAfter(seq) : (this.inline as HistoryWriter).truncateAfter(seq);
    this.lastSeq = seq;
    return dropped;
  }

  /** Whether the events of journal record `seq` still have to be written (recovery feeds only those). */
  needs(seq: number): boolean {
    return seq > this.lastSeq;
  }

  /** Takes one event's rows into the current batch (written once it is handed over). */
  add(event: EngineEvent, time: number, seq: number): void {
    if (seq !== 0 && seq <= this.lastSeq) return; // already there (replayed after a restart)
    this.addedSeq = seq;
    const b = this.batch;
    if (seq > b.seq) b.seq = seq;
    switch (event.e) {
      case 'ORDER_TRADE_UPDATE': {
        const o = event.o;
        // the order's last known state (for queries once the engine has forgotten it), as a plain object:
        // the batch goes to the writer thread
        const known = b.orders.get(o.i);
        const a = this.amendTracker.follow(o, () =>
          this.storedAmendBase(event.accountId, o.i, known?.[5] as { p?: string; q?: string } | undefined),
        );
        if (a !== undefined)
          b.ops.push(
            OP.amendment,
            event.accountId,
            a.symbol,
            a.orderId,
            a.clientOrderId,
            a.time,
            a.priceBefore,
            a.priceAfter,
            a.qtyBefore,
            a.qtyAfter,
            a.count,
            seq,
          );
        if (known === undefined) b.orders.set(o.i, [event.accountId, o.s, o.i, seq, o.T, orderFieldsObject(o)]);
        else known[5] = orderFieldsObject(o);
        if (o.x === 'TRADE') b.ops.push(OP.trade, event.accountId, o.s, o.t, o.i, o.S, o.L, o.l, o.rp, o.n, o.N, o.T, o.ps, o.m, seq);
        break;
      }
      case 'ACCOUNT_UPDATE': {
        const bc = event.a.B[0]?.bc ?? '0';
        b.time(event.accountId, '', event.T);
        for (const p of event.a.P) b.time(event.accountId, `${p.s}:${p.ps}`, event.T);
        const m = event.a.m;
        if (m === 'DEPOSIT' || m === 'WITHDRAW') b.ops.push(OP.income, event.accountId, '', 'TRANSFER', bc, event.T, '', seq);
        else if (m === 'FUNDING_FEE') b.ops.push(OP.income, event.accountId, this.fundingSymbol, 'FUNDING_FEE', bc, event.T, '', seq);
        else if (m === 'INSURANCE_CLEAR')
          b.ops.push(OP.income, event.accountId, event.a.P[0]?.s ?? '', 'INSURANCE_CLEAR', bc, event.T, '', seq);
        break;
      }
      case 'TRADE':
        b.ops.push(OP.marketTrade, event.s, event.t, event.p, event.q, time, event.m, seq);
        break;
      case 'LIQUIDATION':
        b.ops.push(OP.liquidation, event.accountId, event.symbol, event.E, JSON.stringify(event), seq);
        break;
      case 'FUNDING':
        this.fundingSymbol = event.s;
        b.ops.push(OP.funding, event.s, event.E, event.r, event.p, seq);
        break;
      default:
        break; // no row, but `meta.last_seq` moves on with the batch
    }
    this.schedule();
  }

  /**
   * The base of an amend of an order this history has not followed since it opened (it was reopened
   * after a restart): the order's state before this update (in the batch, or stored) and its stored count.
   */
  private storedAmendBase(accountId: string, orderId: number, inBatch: { p?: string; q?: string } | undefined): AmendBase {
    // what was handed to the writer is committed first (the batch being collected stays: its journal
    // sequence number must not be stored before its rows)
    this.worker?.sync();
    let state = inBatch;
    if (state === undefined) {
      const row = this.st.qOrder.get(accountId, orderId) as { state: string } | undefined;
      state = row === undefined ? undefined : (JSON.parse(row.state) as { p?: string; q?: string });
    }
    let n = (this.st.qAmendCount.get(accountId, orderId) as { n: number | null } | undefined)?.n ?? 0;
    // and the order's amends in the batch being collected
    const ops = this.batch.ops;
    for (let i = 0; i < ops.length; i += 1 + (OP_FIELDS[ops[i] as number] as number))
      if (ops[i] === OP.amendment && ops[i + 1] === accountId && ops[i + 3] === orderId) n = Math.max(n, ops[i + 10] as number);
    return { p: state?.p ?? '0', q: state?.q ?? '0', n };
  }

  private schedule(): void {
    if (this.batch.ops.length >= MAX_BATCH_OPS) this.handOver();
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      if (!this.closed) this.handOver();
    }, HANDOVER_MS).unref();
  }

  /** Hands the rows collected so far to the writer (the worker: without waiting). */
  private handOver(): void {
    if (this.batch.empty) return;
    const batch = this.batch.take();
    if (batch.seq > this.lastSeq) this.lastSeq = batch.seq;
    if (this.worker !== undefined) this.worker.write(batch);
    else (this.inline as HistoryWriter).write(batch);
  }

  /** Writes everything added so far and returns once it is committed. */
  flush(): void {
    this.handOver();
    this.worker?.sync();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.worker?.close();
    this.db.close();
  }

  // ---- the API's History port --------------------------------------------------------------------

  userTrades(accountId: string, symbol: string): readonly UserTrade[] {
    this.flush();
    return (this.st.qTrades.all(accountId, symbol) as Record<string, string | number>[]).map((r) => ({
      symbol: r['symbol'] as string,
      id: r['id'] as number,
      orderId: r['order_id'] as number,
      side: r['side'] as string,
      price: r['price'] as string,
      qty: r['qty'] as string,
      realizedPnl: r['realized_pnl'] as string,
      quoteQty: r['quote_qty'] as string,
      commission: r['commission'] as string,
      commissionAsset: r['commission_asset'] as string,
      time: r['time'] as number,
      positionSide: r['position_side'] as string,
      buyer: r['side'] === 'BUY',
      maker: r['maker'] === 1,
      marginAsset: 'USDT',
    }));
  }

  income(accountId: string): readonly Income[] {
    this.flush();
    return (this.st.qIncome.all(accountId) as Record<string, string | number>[]).map((r) => ({
      symbol: r['symbol'] as string,
      incomeType: r['income_type'] as IncomeType,
      income: r['income'] as string,
      asset: r['asset'] as string,
      info: r['income_type'] as string,
      time: r['time'] as number,
      tranId: r['tran_id'] as number,
      tradeId: r['trade_id'] as string,
    }));
  }

  marginChanges(accountId: string): readonly MarginChange[] {
    this.flush();
    return (this.st.qMargin.all(accountId) as Record<string, string | number>[]).map((r) => ({
      symbol: r['symbol'] as string,
      type: r['type'] as 1 | 2,
      deltaType: 'USER_ADJUST' as const,
      amount: r['amount'] as string,
      asset: r['asset'] as string,
      time: r['time'] as number,
      positionSide: r['position_side'] as string,
    }));
  }

  order(accountId: string, orderId: number): Order | undefined {
    this.flush();
    const row = this.st.qOrder.get(accountId, orderId) as { symbol: string; created: number; state: string } | undefined;
    if (row === undefined) return undefined;
    const o = JSON.parse(row.state) as OrderUpdate['o'];
    let cumQuote = Decimal.ZERO;
    for (const t of this.st.qOrderTrades.all(accountId, orderId) as { qty: string; price: string }[])
      cumQuote = cumQuote.add(Decimal.parse(t.qty).mul(Decimal.parse(t.price)));
    return newOrder({
      orderId,
      clientOrderId: o.c,
      accountId,
      symbol: row.symbol,
      side: o.S as Order['side'],
      positionSide: o.ps as Order['positionSide'],
      type: o.o as Order['type'],
      timeInForce: o.f as Order['timeInForce'],
      price: Decimal.parse(o.p),
      ticks: 0,
      origQty: Decimal.parse(o.q),
      executedQty: Decimal.parse(o.z),
      cumQuote,
      status: o.X,
      reduceOnly: o.R,
      selfTradePreventionMode: o.V as Order['selfTradePreventionMode'],
      time: row.created,
      updateTime: o.T,
      origType: o.ot as Order['type'],
      stopPrice: Decimal.parse(o.sp),
      workingType: o.wt as Order['workingType'],
      closePosition: o.cp,
      // (rows written before these fields were kept read as NONE / 0 / false)
      priceMatch: (o.pm ?? 'NONE') as Order['priceMatch'],
      goodTillDate: o.gtd ?? 0,
      priceProtect: o.pP === true,
    });
  }

  amendments(accountId: string, orderId: number): readonly OrderAmendment[] {
    this.flush();
    return (this.st.qAmendments.all(accountId, orderId) as Record<string, string | number>[]).map((r) => ({
      amendmentId: r['amendment_id'] as number,
      symbol: r['symbol'] as string,
      orderId: r['order_id'] as number,
      clientOrderId: r['client_order_id'] as string,
      time: r['time'] as number,
      priceBefore: r['price_before'] as string,
      priceAfter: r['price_after'] as string,
      qtyBefore: r['qty_before'] as string,
      qtyAfter: r['qty_after'] as string,
      count: r['count'] as number,
    }));
  }

  liquidations(accountId: string): readonly LiquidationExplanation[] {
    this.flush();
    return (this.st.qLiquidations.all(accountId) as { explanation: string }[]).map(
      (r) => JSON.parse(r.explanation) as LiquidationExplanation,
    );
  }

  orderIds(accountId: string, symbol: string): readonly number[] {
    this.flush();
    return (this.st.qOrders.all(accountId, symbol) as { order_id: number }[]).map((r) => r.order_id);
  }

  marketTrades(symbol: string): readonly PublicTrade[] {
    this.flush();
    return (this.st.qMarket.all(symbol) as Record<string, string | number>[]).reverse().map((r) => ({
      id: r['id'] as number,
      price: r['price'] as string,
      qty: r['qty'] as string,
      quoteQty: r['quote_qty'] as string,
      time: r['time'] as number,
      isBuyerMaker: r['buyer_maker'] === 1,
    }));
  }

  fundingRates(symbol: string): readonly FundingRecord[] {
    this.flush();
    return (this.st.qFunding.all(symbol) as Record<string, string | number>[]).map((r) => ({
      symbol: r['symbol'] as string,
      fundingRate: r['rate'] as string,
      fundingTime: r['time'] as number,
      markPrice: r['mark'] as string,
    }));
  }

  accountUpdateTime(accountId: string): number {
    this.flush();
    return (this.st.qTime.get(accountId, '') as { time?: number } | undefined)?.time ?? 0;
  }

  positionUpdateTime(accountId: string, symbol: string, positionSide: string): number {
    this.flush();
    return (this.st.qTime.get(accountId, `${symbol}:${positionSide}`) as { time?: number } | undefined)?.time ?? 0;
  }

  recordMarginChange(accountId: string, change: MarginChange): void {
    // (the positionMargin endpoint records it right after its command, whose events came last)
    const c = change;
    this.batch.ops.push(OP.margin, accountId, c.symbol, c.type, c.amount, c.asset, c.time, c.positionSide, this.addedSeq);
    this.schedule();
  }
}
