/**
 * The write side of the history database (`history-db.ts`): the schema, and `HistoryWriter`, which applies
 * one batch of history rows in one transaction. It runs in the history's worker thread (`history-worker.ts`)
 * or, with `HistoryDb`'s `writer: 'inline'`, on the caller's thread.
 *
 * A batch is what `HistoryDb` extracted from the engine events of a short while (50 ms), as flat arrays of
 * plain values (cheap to copy to the worker):
 *
 * - `ops`: the rows whose order matters (income ids, margin changes, liquidations) and the others, in event
 *   order, each as a tag followed by its fields (`OP_FIELDS`); the Decimal arithmetic (quote quantities,
 *   negated commissions, zero checks) is left to the writer;
 * - `orders`: one upsert per order touched in the batch (its first sequence number and creation time, its last
 *   state): the table keeps an order's last known state, so the intermediate ones need not be written;
 * - `times`: the latest update time per account and leg touched in the batch (the table keeps the maximum);
 * - `seq`: the largest journal sequence number in the batch (stored as `meta.last_seq`), 0 if none.
 */
import type Database from 'better-sqlite3';
import { Decimal } from '../core/decimal.js';

export const SCHEMA = `
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
CREATE TABLE IF NOT EXISTS order_amendments (
  amendment_id INTEGER PRIMARY KEY, account_id TEXT NOT NULL, symbol TEXT NOT NULL, order_id INTEGER NOT NULL,
  client_order_id TEXT NOT NULL, time INTEGER NOT NULL, price_before TEXT NOT NULL, price_after TEXT NOT NULL,
  qty_before TEXT NOT NULL, qty_after TEXT NOT NULL, count INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS amendments_by_order ON order_amendments (account_id, order_id, amendment_id);
`;

/** the tables whose rows carry the sequence number of the command that produced them */
const SEQ_TABLES = [
  'user_trades',
  'income',
  'margin_changes',
  'orders',
  'market_trades',
  'funding',
  'liquidations',
  'order_amendments',
] as const;

/** Tags of the `ops` stream. */
export const OP = {
  /** accountId, symbol, tradeId, orderId, side, price, qty, realizedPnl, commission, commissionAsset, time, positionSide, maker, seq */
  trade: 1,
  /** accountId, symbol, incomeType, amount, time, tradeId, seq (nothing when the amount is zero) */
  income: 2,
  /** symbol, tradeId, price, qty, time, buyerMaker, seq */
  marketTrade: 3,
  /** accountId, symbol, time, explanation (JSON), seq */
  liquidation: 4,
  /** symbol, time, rate, mark, seq */
  funding: 5,
  /** accountId, symbol, type, amount, asset, time, positionSide, seq */
  margin: 6,
  /** accountId, symbol, orderId, clientOrderId, time, priceBefore, priceAfter, qtyBefore, qtyAfter, count, seq */
  amendment: 7,
} as const;

/** number of fields after each tag */
export const OP_FIELDS: Readonly<Record<number, number>> = { 1: 14, 2: 7, 3: 7, 4: 5, 5: 5, 6: 8, 7: 11 };

export interface HistoryBatch {
  readonly ops: unknown[];
  /** per order: accountId, symbol, orderId, seq, created, state (the order update's `o`, stored as JSON) */
  readonly orders: unknown[];
  /** per key: accountId, key ('' for the account, `${symbol}:${positionSide}` for a leg), time */
  readonly times: unknown[];
  readonly seq: number;
}

/** Creates the tables (if missing) and sets the connection up (WAL: a committed batch survives kill -9). */
export function prepareHistoryDatabase(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.exec(SCHEMA);
}

/** The last journal sequence number whose rows the database holds. */
export function storedSeq(db: Database.Database): number {
  return Number((db.prepare(`SELECT value FROM meta WHERE key = 'last_seq'`).get() as { value?: string } | undefined)?.value ?? 0);
}

export class HistoryWriter {
  private lastSeq: number;
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.lastSeq = storedSeq(db);
    this.st = {
      setSeq: db.prepare(`INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      trade: db.prepare(`INSERT OR IGNORE INTO user_trades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      income: db.prepare(
        `INSERT INTO income (account_id, symbol, income_type, income, asset, time, trade_id, seq) VALUES (?, ?, ?, ?, 'USDT', ?, ?, ?)`,
      ),
      margin: db.prepare(
        `INSERT INTO margin_changes (account_id, symbol, type, amount, asset, time, position_side, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      order: db.prepare(
        `INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(account_id, symbol, order_id) DO UPDATE SET state = excluded.state`,
      ),
      marketTrade: db.prepare(`INSERT OR IGNORE INTO market_trades VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      funding: db.prepare(`INSERT OR REPLACE INTO funding VALUES (?, ?, ?, ?, ?)`),
      time: db.prepare(
        `INSERT INTO update_times VALUES (?, ?, ?) ON CONFLICT(account_id, key) DO UPDATE SET time = max(time, excluded.time)`,
      ),
      liquidation: db.prepare(`INSERT INTO liquidations (account_id, symbol, time, explanation, seq) VALUES (?, ?, ?, ?, ?)`),
      amendment: db.prepare(
        `INSERT INTO order_amendments (account_id, symbol, order_id, client_order_id, time, price_before, price_after, qty_before, qty_after, count, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** The last journal sequence number whose rows are written. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Writes one batch in one transaction. */
  write(batch: HistoryBatch): void {
    this.db.transaction(() => {
      this.applyOps(batch.ops);
      const orders = batch.orders;
      for (let i = 0; i < orders.length; i += 6)
        this.st.order.run(orders[i], orders[i + 1], orders[i + 2], orders[i + 3], orders[i + 4], JSON.stringify(orders[i + 5]));
      const times = batch.times;
      for (let i = 0; i < times.length; i += 3) this.st.time.run(times[i], times[i + 1], times[i + 2]);
      if (batch.seq > this.lastSeq) {
        this.st.setSeq.run(String(batch.seq));
        this.lastSeq = batch.seq;
      }
    })();
  }

  /** Deletes every row of the commands after journal record `seq`; returns how many. */
  truncateAfter(seq: number): number {
    let dropped = 0;
    this.db.transaction(() => {
      for (const table of SEQ_TABLES) dropped += this.db.prepare(`DELETE FROM ${table} WHERE seq > ?`).run(seq).changes;
      this.st.setSeq.run(String(seq));
    })();
    this.lastSeq = seq;
    return dropped;
  }

  private income(accountId: unknown, symbol: unknown, type: string, amount: string, time: unknown, tradeId: unknown, seq: unknown): void {
    if (Decimal.parse(amount).isZero()) return;
    this.st.income.run(accountId, symbol, type, amount, time, tradeId, seq);
  }

  private applyOps(ops: unknown[]): void {
    let i = 0;
    while (i < ops.length) {
      const tag = ops[i] as number;
      const f = i + 1;
      switch (tag) {
        case OP.trade: {
          // accountId, symbol, tradeId, orderId, side, price, qty, realizedPnl, commission, commissionAsset, time, positionSide, maker, seq
          const accountId = ops[f];
          const symbol = ops[f + 1];
          const tradeId = ops[f + 2];
          const price = ops[f + 5] as string;
          const qty = ops[f + 6] as string;
          const rp = ops[f + 7] as string;
          const commission = ops[f + 8] as string;
          const time = ops[f + 10];
          const seq = ops[f + 13];
          const quote = Decimal.parse(price).mul(Decimal.parse(qty)).toString();
          const maker = ops[f + 12] ? 1 : 0;
          this.st.trade.run(
            accountId,
            symbol,
            tradeId,
            ops[f + 3],
            ops[f + 4],
            price,
            qty,
            rp,
            quote,
            commission,
            ops[f + 9],
            time,
            ops[f + 11],
            maker,
            seq,
          );
          const id = String(tradeId);
          this.income(accountId, symbol, 'REALIZED_PNL', rp, time, id, seq);
          this.income(accountId, symbol, 'COMMISSION', Decimal.parse(commission).neg().toString(), time, id, seq);
          break;
        }
        case OP.income:
          this.income(ops[f], ops[f + 1], ops[f + 2] as string, ops[f + 3] as string, ops[f + 4], ops[f + 5], ops[f + 6]);
          break;
        case OP.marketTrade: {
          const quote = Decimal.parse(ops[f + 2] as string)
            .mul(Decimal.parse(ops[f + 3] as string))
            .toString();
          this.st.marketTrade.run(ops[f], ops[f + 1], ops[f + 2], ops[f + 3], quote, ops[f + 4], ops[f + 5] ? 1 : 0, ops[f + 6]);
          break;
        }
        case OP.liquidation:
          this.st.liquidation.run(ops[f], ops[f + 1], ops[f + 2], ops[f + 3], ops[f + 4]);
          break;
        case OP.funding:
          this.st.funding.run(ops[f], ops[f + 1], ops[f + 2], ops[f + 3], ops[f + 4]);
          break;
        case OP.margin:
          this.st.margin.run(ops[f], ops[f + 1], ops[f + 2], ops[f + 3], ops[f + 4], ops[f + 5], ops[f + 6], ops[f + 7]);
          break;
        case OP.amendment:
          this.st.amendment.run(...ops.slice(f, f + 11));
          break;
        default:
          throw new Error(`history batch: unknown row tag ${String(tag)} at ${i}`);
      }
      i = f + (OP_FIELDS[tag] as number);
    }
  }
}
