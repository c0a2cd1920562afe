/**
 * Queryable history in SQLite (`<data-dir>/history.sqlite`, better-sqlite3): user trades, income
 * (realized PnL, commission, funding, transfers, insurance clearance), isolated-margin changes, the orders
 * each account placed, public trades and funding rates. It serves the REST history endpoints
 * (userTrades, income, allOrders, positionMargin/history, trades, fundingRate) through the API's `History`
 * port, and survives restarts.
 *
 * Written from the event stream, off the engine's hot path: events are buffered and written in one
 * transaction per event-loop turn. Every row carries the journal sequence number of the command that
 * produced it, and the database remembers the last one it holds (`meta.last_seq`), so that recovery can
 * feed it exactly the replayed commands it has not seen (`needs(seq)`), and the store flushes it before
 * every snapshot (a snapshot never gets ahead of the history). WAL mode: a committed turn survives kill -9.
 */
import Database from 'better-sqlite3';
import { Decimal } from '../core/index.js';
import { newOrder, type EngineEvent, type LiquidationExplanation, type Order, type OrderUpdate } from '../engine/index.js';
import type { FundingRecord, History, Income, IncomeType, MarginChange, PublicTrade, UserTrade } from '../api/history.js';

interface Pending {
  readonly event: EngineEvent;
  readonly time: number;
  readonly seq: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS user_trades (
  account_id TEXT NOT NULL, symbol TEXT NOT NULL, id INTEGER NOT NULL, order_id INTEGER NOT NULL, side TEXT NOT NULL,
  price TEXT NOT NULL, qty TEXT NOT NULL, realized_pnl TEXT NOT NULL, quote_qty TEXT NOT NULL, commission TEXT NOT NULL,
  commission_asset TEXT NOT NULL, time INTEGER NOT NULL, position_side TEXT NOT NULL, maker INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (account_id, symbol, id, order_id));
CREATE TABLE IF NOT EXISTS income (
  tran_id INTEGER PRIMARY KEY, account_id TEXT NOT NULL, symbol TEXT NOT NULL, income_type TEXT NOT NULL, income TEXT NOT NULL,
  asset TEXT NOT NULL, time INTEGER NOT NULL, trade_id TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS income_by_account ON income (account_id, tran_id);
CREATE TABLE IF NOT EXISTS margin_changes (
  rowid INTEGER PRIMARY KEY, account_id TEXT NOT NULL, symbol TEXT NOT NULL, type INTEGER NOT NULL, amount TEXT NOT NULL,
  asset TEXT NOT NULL, time INTEGER NOT NULL, position_side TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS margin_by_account ON margin_changes (account_id, rowid);
CREATE TABLE IF NOT EXISTS orders (
  account_id TEXT NOT NULL, symbol TEXT NOT NULL, order_id INTEGER NOT NULL, seq INTEGER NOT NULL, created INTEGER NOT NULL,
  state TEXT NOT NULL, PRIMARY KEY (account_id, symbol, order_id));
CREATE INDEX IF NOT EXISTS orders_by_id ON orders (order_id);
CREATE TABLE IF NOT EXISTS market_trades (
  symbol TEXT NOT NULL, id INTEGER NOT NULL, price TEXT NOT NULL, qty TEXT NOT NULL, quote_qty TEXT NOT NULL, time INTEGER NOT NULL,
  buyer_maker INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (symbol, id));
CREATE TABLE IF NOT EXISTS funding (
  symbol TEXT NOT NULL, time INTEGER NOT NULL, rate TEXT NOT NULL, mark TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (symbol, time));
CREATE TABLE IF NOT EXISTS liquidations (
  rowid INTEGER PRIMARY KEY, account_id TEXT NOT NULL, symbol TEXT NOT NULL, time INTEGER NOT NULL, explanation TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS liquidations_by_account ON liquidations (account_id, rowid);
CREATE TABLE IF NOT EXISTS update_times (account_id TEXT NOT NULL, key TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (account_id, key));
`;

export class HistoryDb implements History {
  private readonly db: Database.Database;
  private pending: Pending[] = [];
  private scheduled = false;
  private lastSeq: number;
  private fundingSymbol = '';
  /** the journal sequence number of the last event added */
  private addedSeq = 0;
  private readonly st;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.lastSeq = Number(
      (this.db.prepare(`SELECT value FROM meta WHERE key = 'last_seq'`).get() as { value?: string } | undefined)?.value ?? 0,
    );
    const db = this.db;
    this.st = {
      setSeq: db.prepare(`INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      trade: db.prepare(
        `INSERT OR IGNORE INTO user_trades VALUES (@account_id, @symbol, @id, @order_id, @side, @price, @qty, @realized_pnl, @quote_qty, @commission, @commission_asset, @time, @position_side, @maker, @seq)`,
      ),
      income: db.prepare(
        `INSERT INTO income (account_id, symbol, income_type, income, asset, time, trade_id, seq) VALUES (?, ?, ?, ?, 'USDT', ?, ?, ?)`,
      ),
      margin: db.prepare(
        `INSERT INTO margin_changes (account_id, symbol, type, amount, asset, time, position_side, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      order: db.prepare(
        `INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(account_id, symbol, order_id) DO UPDATE SET state = excluded.state`,
      ),
      qOrder: db.prepare(`SELECT symbol, created, state FROM orders WHERE account_id = ? AND order_id = ?`),
      qOrderTrades: db.prepare(`SELECT qty, price FROM user_trades WHERE account_id = ? AND order_id = ?`),
      marketTrade: db.prepare(`INSERT OR IGNORE INTO market_trades VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      funding: db.prepare(`INSERT OR REPLACE INTO funding VALUES (?, ?, ?, ?, ?)`),
      time: db.prepare(
        `INSERT INTO update_times VALUES (?, ?, ?) ON CONFLICT(account_id, key) DO UPDATE SET time = max(time, excluded.time)`,
      ),
      qTrades: db.prepare(`SELECT * FROM user_trades WHERE account_id = ? AND symbol = ? ORDER BY id, order_id`),
      qIncome: db.prepare(`SELECT * FROM income WHERE account_id = ? ORDER BY tran_id`),
      qMargin: db.prepare(`SELECT * FROM margin_changes WHERE account_id = ? ORDER BY rowid`),
      qOrders: db.prepare(`SELECT order_id FROM orders WHERE account_id = ? AND symbol = ? ORDER BY order_id`),
      qMarket: db.prepare(`SELECT * FROM market_trades WHERE symbol = ? ORDER BY id DESC LIMIT 200000`),
      liquidation: db.prepare(`INSERT INTO liquidations (account_id, symbol, time, explanation, seq) VALUES (?, ?, ?, ?, ?)`),
      qLiquidations: db.prepare(`SELECT explanation FROM liquidations WHERE account_id = ? ORDER BY rowid`),
      qFunding: db.prepare(`SELECT * FROM funding WHERE symbol = ? ORDER BY time`),
      qTime: db.prepare(`SELECT time FROM update_times WHERE account_id = ? AND key = ?`),
      lastFunding: db.prepare(`SELECT symbol FROM funding ORDER BY time DESC LIMIT 1`),
    };
    this.fundingSymbol = (this.st.lastFunding.get() as { symbol?: string } | undefined)?.symbol ?? '';
  }

  /** The last journal sequence number whose events the database holds. */
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
    let dropped = 0;
    this.db.transaction(() => {
      for (const table of ['user_trades', 'income', 'margin_changes', 'orders', 'market_trades', 'funding', 'liquidations'])
        dropped += this.db.prepare(`DELETE FROM ${table} WHERE seq > ?`).run(seq).changes;
      this.st.setSeq.run(String(seq));
    })();
    this.lastSeq = seq;
    return dropped;
  }

  /** Whether the events of journal record `seq` still have to be written (recovery feeds only those). */
  needs(seq: number): boolean {
    return seq > this.lastSeq;
  }

  /** Buffers one event (written at the end of the event-loop turn). */
  add(event: EngineEvent, time: number, seq: number): void {
    if (seq !== 0 && seq <= this.lastSeq) return; // already there (replayed after a restart)
    this.addedSeq = seq;
    this.pending.push({ event, time, seq });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      let seq = this.lastSeq;
      for (const p of batch) {
        this.apply(p.event, p.time, p.seq);
        if (p.seq > seq) seq = p.seq;
      }
      if (seq !== this.lastSeq) {
        this.st.setSeq.run(String(seq));
        this.lastSeq = seq;
      }
    })();
  }

  close(): void {
    this.flush();
    this.db.close();
  }

  private addIncome(accountId: string, symbol: string, type: IncomeType, amount: string, time: number, seq: number, tradeId = ''): void {
    if (Decimal.parse(amount).isZero()) return;
    this.st.income.run(accountId, symbol, type, amount, time, tradeId, seq);
  }

  private apply(e: EngineEvent, time: number, seq: number): void {
    switch (e.e) {
      case 'ORDER_TRADE_UPDATE': {
        const o = e.o;
        // the order's last known state (for queries once the engine has forgotten it)
        this.st.order.run(e.accountId, o.s, o.i, seq, o.T, JSON.stringify(o));
        if (o.x !== 'TRADE') return;
        this.st.trade.run({
          account_id: e.accountId,
          symbol: o.s,
          id: o.t,
          order_id: o.i,
          side: o.S,
          price: o.L,
          qty: o.l,
          realized_pnl: o.rp,
          quote_qty: Decimal.parse(o.L).mul(Decimal.parse(o.l)).toString(),
          commission: o.n,
          commission_asset: o.N,
          time: o.T,
          position_side: o.ps,
          maker: o.m ? 1 : 0,
          seq,
        });
        this.addIncome(e.accountId, o.s, 'REALIZED_PNL', o.rp, o.T, seq, String(o.t));
        this.addIncome(e.accountId, o.s, 'COMMISSION', Decimal.parse(o.n).neg().toString(), o.T, seq, String(o.t));
        return;
      }
      case 'ACCOUNT_UPDATE': {
        const bc = e.a.B[0]?.bc ?? '0';
        this.st.time.run(e.accountId, '', e.T);
        for (const p of e.a.P) this.st.time.run(e.accountId, `${p.s}:${p.ps}`, e.T);
        if (e.a.m === 'DEPOSIT' || e.a.m === 'WITHDRAW') this.addIncome(e.accountId, '', 'TRANSFER', bc, e.T, seq);
        else if (e.a.m === 'FUNDING_FEE') this.addIncome(e.accountId, this.fundingSymbol, 'FUNDING_FEE', bc, e.T, seq);
        else if (e.a.m === 'INSURANCE_CLEAR') this.addIncome(e.accountId, e.a.P[0]?.s ?? '', 'INSURANCE_CLEAR', bc, e.T, seq);
        return;
      }
      case 'TRADE':
        this.st.marketTrade.run(e.s, e.t, e.p, e.q, Decimal.parse(e.p).mul(Decimal.parse(e.q)).toString(), time, e.m ? 1 : 0, seq);
        return;
      case 'LIQUIDATION':
        this.st.liquidation.run(e.accountId, e.symbol, e.E, JSON.stringify(e), seq);
        return;
      case 'FUNDING':
        this.fundingSymbol = e.s;
        this.st.funding.run(e.s, e.E, e.r, e.p, seq);
        return;
      default:
        return;
    }
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
    });
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
    this.flush();
    // (the positionMargin endpoint records it right after its command, whose events came last)
    this.st.margin.run(accountId, change.symbol, change.type, change.amount, change.asset, change.time, change.positionSide, this.addedSeq);
  }
}
