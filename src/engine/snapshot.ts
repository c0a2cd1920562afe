/**
 * Engine snapshots: the whole state of an `Exchange` as plain JSON (decimals as strings), and back.
 * A restored exchange has the same `stateHash()` and, given the same commands, emits the same events as
 * the original (tested in snapshot.test.ts). The instruments are not in the snapshot: they come from the
 * exchange the snapshot is restored into (the built-in ones by default).
 *
 * Orders are written once (every order the engine remembers, open or closed, in the order it would
 * forget them); the book, the open-order maps and the conditional queues refer to them by id.
 */
import { Decimal, type Instrument } from '../core/index.js';
import type { CommandPositionSide, OrderType, PriceMatch, SelfTradePrevention, Side, TimeInForce, WorkingType } from './commands.js';
import { Exchange } from './exchange.js';
import {
  addToSetOf,
  defaultClientOrderId,
  forgetLookups,
  newAccount,
  newOrder,
  positionKey,
  setOpenOrder,
  type Account,
  type Order,
  type OrderStatus,
} from './state.js';

export const SNAPSHOT_FORMAT = 'perpsim-engine-snapshot';
export const SNAPSHOT_VERSION = 1;

type Dec = string;

interface OrderRecord {
  orderId: number;
  clientOrderId: string;
  accountId: string;
  symbol: string;
  side: Side;
  positionSide: CommandPositionSide;
  type: OrderType;
  timeInForce: TimeInForce;
  price: Dec;
  ticks: number;
  origQty: Dec;
  executedQty: Dec;
  cumQuote: Dec;
  status: OrderStatus;
  reduceOnly: boolean;
  selfTradePreventionMode: SelfTradePrevention;
  time: number;
  updateTime: number;
  origType: OrderType;
  stopPrice: Dec;
  workingType: WorkingType;
  closePosition: boolean;
  callbackRate: Dec | null;
  activationPrice: Dec | null;
  trailActive: boolean;
  trailExtreme: Dec | null;
  /** absent in snapshots written before price match and GTD (NONE / 0) */
  priceMatch?: PriceMatch;
  goodTillDate?: number;
  /** absent when false (and in snapshots written before priceProtect) */
  priceProtect?: boolean;
  /** how many times it was amended; absent when never (and in snapshots written before the count) */
  amendments?: number;
}

interface AccountRecord {
  accountId: string;
  crossWallet: Dec;
  makerRate: Dec;
  takerRate: Dec;
  dualSidePosition: boolean;
  settings: [string, { leverage: number; marginType: 'ISOLATED' | 'CROSSED' }][];
  positions: { symbol: string; positionSide: CommandPositionSide; amt: Dec; cost: Dec; isolatedWallet: Dec }[];
  openOrders: number[];
  deposits: Dec;
  withdrawals: Dec;
  realizedPnl: Dec;
  commission: Dec;
  funding: Dec;
  insuranceClear: Dec;
  marginCall: boolean;
}

interface SymbolRecord {
  symbol: string;
  markPrice: Dec | null;
  indexPrice: Dec | null;
  lastPrice: Dec | null;
  fundingRate: Dec | null;
  basis: Dec[];
  premiumSamples: Dec[];
  premiumBucket: number;
  lastFundingRate: Dec;
  lastFundingTime: number;
  conditional: number[];
  bids: [number, number[]][];
  asks: [number, number[]][];
}

export interface EngineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  counters: { nextOrderId: number; nextTradeId: number; time: number };
  feesCollected: Dec;
  symbols: SymbolRecord[];
  accounts: AccountRecord[];
  orders: OrderRecord[];
  /** running auto-cancel countdowns (absent when none, and in snapshots written before them) */
  countdowns?: { accountId: string; symbol: string; deadline: number }[];
  /** the state hash of the exchange the snapshot was taken from (checked on restore) */
  stateHash: string;
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

const str = (d: Decimal): Dec => d.toString();
const opt = (d: Decimal | undefined): Dec | null => (d === undefined ? null : d.toString());
const dec = (s: Dec): Decimal => Decimal.parse(s);
const optDec = (s: Dec | null): Decimal | undefined => (s === null ? undefined : Decimal.parse(s));

export function takeSnapshot(ex: Exchange): EngineSnapshot {
  const orders: OrderRecord[] = [];
  for (const o of ex.rememberedOrders()) {
    orders.push({
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      accountId: o.accountId,
      symbol: o.symbol,
      side: o.side,
      positionSide: o.positionSide,
      type: o.type,
      timeInForce: o.timeInForce,
      price: str(o.price),
      ticks: o.ticks,
      origQty: str(o.origQty),
      executedQty: str(o.executedQty),
      cumQuote: str(o.cumQuote),
      status: o.status,
      reduceOnly: o.reduceOnly,
      selfTradePreventionMode: o.selfTradePreventionMode,
      time: o.time,
      updateTime: o.updateTime,
      origType: o.origType,
      stopPrice: str(o.stopPrice),
      workingType: o.workingType,
      closePosition: o.closePosition,
      callbackRate: opt(o.callbackRate),
      activationPrice: opt(o.activationPrice),
      trailActive: o.trailActive,
      trailExtreme: opt(o.trailExtreme),
      ...(o.priceMatch !== 'NONE' ? { priceMatch: o.priceMatch } : {}),
      ...(o.goodTillDate !== 0 ? { goodTillDate: o.goodTillDate } : {}),
      ...(o.priceProtect ? { priceProtect: true } : {}),
      ...(o.amendments > 0 ? { amendments: o.amendments } : {}),
    });
  }
  const accounts: AccountRecord[] = [];
  for (const a of ex.accounts.values()) {
    accounts.push({
      accountId: a.accountId,
      crossWallet: str(a.crossWallet),
      makerRate: str(a.makerRate),
      takerRate: str(a.takerRate),
      dualSidePosition: a.dualSidePosition,
      settings: [...a.settings].map(([k, st]) => [k, { leverage: st.leverage, marginType: st.marginType }]),
      positions: [...a.positions.values()].map((p) => ({
        symbol: p.symbol,
        positionSide: p.positionSide,
        amt: str(p.amt),
        cost: str(p.cost),
        isolatedWallet: str(p.isolatedWallet),
      })),
      openOrders: [...a.openOrders.keys()],
      deposits: str(a.deposits),
      withdrawals: str(a.withdrawals),
      realizedPnl: str(a.realizedPnl),
      commission: str(a.commission),
      funding: str(a.funding),
      insuranceClear: str(a.insuranceClear),
      marginCall: a.marginCall,
    });
  }
  const symbols: SymbolRecord[] = [];
  for (const [symbol, s] of ex.symbols) {
    symbols.push({
      symbol,
      markPrice: opt(s.markPrice),
      indexPrice: opt(s.indexPrice),
      lastPrice: opt(s.lastPrice),
      fundingRate: opt(s.fundingRate),
      basis: s.basis.map(str),
      premiumSamples: s.premiumSamples.map(str),
      premiumBucket: s.premiumBucket,
      lastFundingRate: str(s.lastFundingRate),
      lastFundingTime: s.lastFundingTime,
      conditional: [...s.conditional.keys()],
      bids: s.book.bids.levels.map((l) => [l.ticks, l.orders.map((o) => o.orderId)]),
      asks: s.book.asks.levels.map((l) => [l.ticks, l.orders.map((o) => o.orderId)]),
    });
  }
  const countdowns = ex.countdownList().map((c) => ({ accountId: c.accountId, symbol: c.symbol, deadline: c.deadline }));
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    counters: ex.counters(),
    feesCollected: str(ex.feesCollected),
    symbols,
    accounts,
    orders,
    ...(countdowns.length > 0 ? { countdowns } : {}),
    stateHash: ex.stateHash(),
  };
}

/**
 * Rebuilds an exchange from a snapshot. Throws SnapshotError when the snapshot is not one, names a
 * symbol the instruments do not have, refers to an order it does not contain, gives fees collected other
 * than its accounts' commissions, or does not hash to the state hash it carries.
 */
export function restoreSnapshot(snapshot: EngineSnapshot, instruments?: Iterable<Instrument>): Exchange {
  if (snapshot?.format !== SNAPSHOT_FORMAT) throw new SnapshotError('not a perpsim engine snapshot');
  if (snapshot.version !== SNAPSHOT_VERSION) throw new SnapshotError(`unsupported snapshot version ${String(snapshot.version)}`);
  const ex = instruments === undefined ? new Exchange() : new Exchange(instruments);
  ex.restoreCounters(snapshot.counters);

  const byId = new Map<number, Order>();
  for (const r of snapshot.orders) {
    const o = newOrder({
      orderId: r.orderId,
      clientOrderId: r.clientOrderId === defaultClientOrderId(r.orderId) ? undefined : r.clientOrderId,
      accountId: r.accountId,
      symbol: r.symbol,
      side: r.side,
      positionSide: r.positionSide,
      type: r.type,
      timeInForce: r.timeInForce,
      price: dec(r.price),
      ticks: r.ticks,
      origQty: dec(r.origQty),
      executedQty: dec(r.executedQty),
      cumQuote: dec(r.cumQuote),
      status: r.status,
      reduceOnly: r.reduceOnly,
      selfTradePreventionMode: r.selfTradePreventionMode,
      time: r.time,
      updateTime: r.updateTime,
      origType: r.origType,
      stopPrice: dec(r.stopPrice),
      workingType: r.workingType,
      closePosition: r.closePosition,
      callbackRate: optDec(r.callbackRate),
      activationPrice: optDec(r.activationPrice),
      trailActive: r.trailActive,
      trailExtreme: optDec(r.trailExtreme),
      priceMatch: r.priceMatch ?? 'NONE',
      goodTillDate: r.goodTillDate ?? 0,
      priceProtect: r.priceProtect === true,
      amendments: r.amendments ?? 0,
    });
    byId.set(o.orderId, o);
    ex.remember(o);
  }
  const order = (id: number): Order => {
    const o = byId.get(id);
    if (o === undefined) throw new SnapshotError(`snapshot refers to order ${id}, which it does not contain`);
    return o;
  };

  for (const r of snapshot.accounts) {
    const a: Account = ex.accounts.get(r.accountId) ?? newAccount(r.accountId, dec(r.makerRate), dec(r.takerRate));
    const restored: Account = { ...a, makerRate: dec(r.makerRate), takerRate: dec(r.takerRate) };
    restored.crossWallet = dec(r.crossWallet);
    restored.dualSidePosition = r.dualSidePosition;
    for (const [k, st] of r.settings) restored.settings.set(k, { leverage: st.leverage, marginType: st.marginType });
    for (const p of r.positions) {
      restored.positions.set(positionKey(p.symbol, p.positionSide), {
        symbol: p.symbol,
        positionSide: p.positionSide,
        amt: dec(p.amt),
        cost: dec(p.cost),
        isolatedWallet: dec(p.isolatedWallet),
      });
    }
    for (const id of r.openOrders) setOpenOrder(restored, order(id));
    forgetLookups(restored);
    restored.deposits = dec(r.deposits);
    restored.withdrawals = dec(r.withdrawals);
    restored.realizedPnl = dec(r.realizedPnl);
    restored.commission = dec(r.commission);
    restored.funding = dec(r.funding);
    restored.insuranceClear = dec(r.insuranceClear);
    restored.marginCall = r.marginCall;
    ex.accounts.set(restored.accountId, restored);
  }
  // the venue's fees are the accounts' commissions added up (Exchange.feesCollected): a snapshot whose
  // total says otherwise is not one the engine wrote
  if (!ex.feesCollected.eq(dec(snapshot.feesCollected)))
    throw new SnapshotError(
      `snapshot's fees collected ${snapshot.feesCollected} differ from its accounts' commissions ${ex.feesCollected}`,
    );

  for (const r of snapshot.symbols) {
    const s = ex.symbols.get(r.symbol);
    if (s === undefined) throw new SnapshotError(`snapshot has symbol ${r.symbol}, which this exchange does not list`);
    s.markPrice = optDec(r.markPrice);
    s.indexPrice = optDec(r.indexPrice);
    s.lastPrice = optDec(r.lastPrice);
    s.fundingRate = optDec(r.fundingRate);
    for (const b of r.basis) s.basis.push(dec(b)); // (a loop: a spread of a long array overflows the stack)
    for (const p of r.premiumSamples) s.premiumSamples.push(dec(p));
    s.premiumBucket = r.premiumBucket;
    s.lastFundingRate = dec(r.lastFundingRate);
    s.lastFundingTime = r.lastFundingTime;
    for (const id of r.conditional) s.conditional.set(id, order(id));
    for (const [, ids] of [...r.bids, ...r.asks]) for (const id of ids) s.book.add(order(id));
  }

  // the holder index: every account with an open position in the symbol (ascending account id)
  for (const id of [...ex.accounts.keys()].sort()) {
    const a = ex.accounts.get(id) as Account;
    for (const p of a.positions.values()) if (!p.amt.isZero()) addToSetOf(ex.holders, p.symbol, a);
  }

  for (const a of ex.accounts.values()) for (const o of a.openOrders.values()) if (o.timeInForce === 'GTD') ex.trackGtd(o);
  for (const c of snapshot.countdowns ?? []) {
    if (!ex.accounts.has(c.accountId) || !ex.symbols.has(c.symbol) || !Number.isSafeInteger(c.deadline))
      throw new SnapshotError(`countdown of ${String(c.accountId)} in ${String(c.symbol)} is not valid`);
    ex.restoreCountdown(c);
  }
  ex.risk.markAllDirty();
  ex.risk.flush();
  const hash = ex.stateHash();
  if (hash !== snapshot.stateHash) throw new SnapshotError(`restored state hash ${hash} differs from the snapshot's ${snapshot.stateHash}`);
  return ex;
}
