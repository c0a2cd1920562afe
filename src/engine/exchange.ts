/**
 * The exchange state machine: commands in, events out (docs/engine.md). Deterministic and
 * single-threaded: no I/O, no clock, no randomness. Every command is validated completely before the
 * state is touched, so a rejected command changes nothing.
 */
import {
  Decimal,
  CALC_SCALE,
  MONEY_SCALE,
  money,
  builtinInstruments,
  markPrice,
  maxLeverage,
  maxNotionalForLeverage,
  maintenanceMargin,
  type Instrument,
} from '../core/index.js';
import {
  availableOf,
  entryPrice,
  marginSummary,
  orderLike,
  settingsOf,
  unrealized,
  viewOf,
  type AccountView,
  type OrderLike,
} from './account-margin.js';
import type {
  CancelAllOrders,
  CancelOrder,
  Command,
  CommandPositionSide,
  CreateAccount,
  Deposit,
  ExpireOrders,
  ModifyIsolatedMargin,
  SetCountdownCancelAll,
  ModifyOrder,
  PlaceOrder,
  PriceMatch,
  SelfTradePrevention,
  SetLeverage,
  SetMarginType,
  SetIndexPrice,
  SetMarkPrice,
  SetPositionMode,
  Side,
  Withdraw,
  WorkingType,
  OrderType,
} from './commands.js';
import { CLIENT_ORDER_ID_RE, PRICE_MATCHES, SELF_TRADE_PREVENTION_MODES } from './commands.js';
import {
  ERR,
  EngineRejection,
  badParam,
  invalidLeverageError,
  minNotionalError,
  modificationMinNotionalError,
  notRequired,
  reject,
  type BinanceError,
} from './errors.js';
import type { AccountUpdate, AccountUpdateReason, EngineEvent, OrderUpdate } from './events.js';
import { AccountUpdateData, type LegFigures } from './account-update-data.js';
import { OrderBook, type Level } from './order-book.js';
import { OrderUpdateFields, type OrderFill } from './order-update-fields.js';
import { OrderAnswer } from './order-answer.js';
import { TradeEvent } from './trade-event.js';
import { OrderIndex } from './order-index.js';
import { applyFill } from './position-update.js';
import { checkLiquidations, checkMarginCalls, type AdlQueue } from './liquidation.js';
import { RiskIndex } from './risk-index.js';
import { placeOrderFields } from './place-order-fields.js';
import { OrderFastPath, type Accepted } from './order-fast-path.js';
import { samplePremium, settleFunding } from './funding.js';
import { fnv1a64 } from './state-hash.js';
import {
  MAX_AMENDMENTS,
  INSURANCE_FUND_ID,
  addOpenOrder,
  addToSetOf,
  deleteOpenOrder,
  forgetLookups,
  hasClientOrderId,
  isPendingConditional,
  legOf,
  newAccount,
  newOrder,
  positionKey,
  setOpenOrder,
  type Account,
  type EnginePosition,
  type Order,
  type PlannedFill,
  type SymbolState,
  Touched,
} from './state.js';

export type Result =
  { readonly ok: true; readonly events: EngineEvent[]; readonly result?: unknown } | { readonly ok: false; readonly error: BinanceError };

const DEFAULT_MAKER = Decimal.parse('0.0002');
const DEFAULT_TAKER = Decimal.parse('0.0005');
const ACCOUNT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const ORDER_TYPES = new Set<string>([
  'LIMIT',
  'MARKET',
  'STOP',
  'STOP_MARKET',
  'TAKE_PROFIT',
  'TAKE_PROFIT_MARKET',
  'TRAILING_STOP_MARKET',
]);
/** triggered orders checked per price update at most (a runaway cascade guard) */
const MAX_TRIGGER_ROUNDS = 1000;
const TIME_IN_FORCE: ReadonlySet<string> = new Set(['GTC', 'IOC', 'FOK', 'GTX', 'GTD']);
const POSITION_SIDES: ReadonlySet<string> = new Set(['BOTH', 'LONG', 'SHORT']);
/** Binance forgets cancelled/expired orders without fills after 3 days (GET /fapi/v1/order) */
export const DEFAULT_CLOSED_ORDER_RETENTION_MS = 3 * 24 * 3600_000;
export const DEFAULT_CLOSED_ORDERS_KEPT = 100_000;

function isClosed(o: Order): boolean {
  return o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED';
}
/** basis samples in the mark price's moving average (5 minutes of 5-second samples, spec §8.3) */
const BASIS_WINDOW = 60;

/**
 * Whether a STOP / TAKE_PROFIT order triggers at `price`: a BUY stop when the price rises to the stop,
 * a SELL stop when it falls to it; take-profit the other way round.
 */
function triggers(type: OrderType, side: Side, stop: Decimal, price: Decimal): boolean {
  const stopLike = type === 'STOP' || type === 'STOP_MARKET';
  const up = side === 'BUY' ? stopLike : !stopLike;
  return up ? price.gte(stop) : price.lte(stop);
}

/**
 * priceProtect: whether the last price is within the symbol's triggerProtect of the mark (|last − mark| ≤
 * triggerProtect × mark). Beyond it a protected conditional order does not trigger [inference: Binance says
 * the difference "exceeds the threshold"; it is taken relative to the mark, docs/engine.md].
 */
function withinTriggerProtect(inst: Instrument, mark: Decimal, last: Decimal): boolean {
  return last.sub(mark).abs().lte(inst.triggerProtect.mul(mark));
}

/** An account and a symbol as one map key. */
function accountSymbolKey(accountId: string, symbol: string): string {
  return `${accountId}\n${symbol}`;
}

/** Identity a triggered conditional order keeps when it enters the book. */
type Identity = Pick<
  Order,
  | 'orderId'
  | 'givenClientOrderId'
  | 'time'
  | 'origType'
  | 'stopPrice'
  | 'workingType'
  | 'closePosition'
  | 'callbackRate'
  | 'activationPrice'
  | 'priceProtect'
>;

const POSITION_SIDES_ALL = ['BOTH', 'LONG', 'SHORT'] as const;

/** An auto-cancel countdown: at `deadline` (engine time, ms) the account's open orders in the symbol are cancelled. */
export interface Countdown {
  readonly accountId: string;
  readonly symbol: string;
  readonly deadline: number;
}

/** ACCOUNT_UPDATE lists an account's legs by symbol, then position side. */
function byLeg(x: EnginePosition, y: EnginePosition): number {
  return x.symbol + x.positionSide < y.symbol + y.positionSide ? -1 : 1;
}

interface MatchPlan {
  readonly fills: PlannedFill[];
  readonly filled: Decimal;
  /** maker orders to expire (self-trade prevention EXPIRE_MAKER / EXPIRE_BOTH) */
  readonly expireMakers: Order[];
  /** the taker stopped on self-trade prevention */
  readonly takerExpiredBySTP: boolean;
  /**
   * reduce-only makers the taker went past with part of them unfilled, their leg used up: they expire
   * after the trade, so none is left in the book behind a taker that rests beyond it. (Their leg is then
   * flat and `reduceOnlySweep` would expire them too; this does not depend on it, e.g. for an order that
   * could no longer reduce in a state restored from before reduce-only orders expired.)
   */
  readonly reduceOnlyExpired: Order[];
}

/** A taker's fills summed, to apply to its account at once (`Exchange.takerSums`): its leg, and what the fills add. */
interface TakerSums {
  readonly position: EnginePosition;
  qty: Decimal;
  /** Σ qty × price */
  value: Decimal;
  fee: Decimal;
}

function positiveDecimal(text: unknown, name: string): Decimal {
  if (typeof text !== 'string') reject(badParam(name));
  const d = Decimal.tryParse(text);
  if (d === undefined) reject(badParam(name));
  return d;
}

function decimalsOf(d: Decimal): number {
  return d.normalize().e;
}

export class Exchange {
  readonly accounts = new Map<string, Account>();
  readonly symbols = new Map<string, SymbolState>();
  private nextOrderId = 1;
  private nextTradeId = 1;
  /** @internal accounts that have held a position in each symbol (pruned lazily): the mark tick visits only these */
  readonly holders = new Map<string, Set<Account>>();
  /** @internal ADL queues ranked during the current command (liquidation.ts), by "symbol:sign" */
  readonly adlRankings = new Map<string, AdlQueue>();
  /** open GTD orders (closed or replaced ones are dropped when met) */
  private readonly gtdOrders = new Set<Order>();
  /** auto-cancel countdowns (countdownCancelAll) by account and symbol: when the account's orders there are cancelled */
  private readonly countdowns = new Map<string, Countdown>();
  /** by symbol, the accounts whose leg closed or flipped since the symbol's last reduce-only sweep (not state) */
  private readonly legsCrossedZero = new Map<string, Set<Account>>();
  /** @internal which accounts a mark tick must check (risk-index.ts) */
  readonly risk = new RiskIndex(this);
  /**
   * Orders by id: every open order, and closed ones for a while (for queries): a closed order is
   * forgotten once it has been closed for `retention.closedOrderMs` of engine time, or when more than
   * `retention.closedOrders` closed orders are kept (oldest first). Older ones are history (src/store).
   * Iterated in ascending orderId.
   */
  readonly orders = new OrderIndex();
  /** closed orders in the order they closed (forgotten from the head; each marked `closedQueued`) */
  private readonly closedQueue: Order[] = [];
  private closedHead = 0;
  /** the closed queue's head index when `headForgetAt` (its order's updateTime + retention) was taken */
  private headIndex = -1;
  private headForgetAt = 0;
  /** the price band of `priceBand`'s last symbol and mark */
  private band: { symbol: SymbolState | undefined; mark: Decimal; up: Decimal; down: Decimal } = {
    symbol: undefined,
    mark: Decimal.ZERO,
    up: Decimal.ZERO,
    down: Decimal.ZERO,
  };
  /** the trigger mark of `triggerMark`'s last symbol and mark */
  private cutMark: { symbol: SymbolState | undefined; mark: Decimal; cut: Decimal } = {
    symbol: undefined,
    mark: Decimal.ZERO,
    cut: Decimal.ZERO,
  };
  private time = 0;
  readonly retention: { readonly closedOrderMs: number; readonly closedOrders: number };
  /** resting orders, amends and cancels that can be proven acceptable cheaply (order-fast-path.ts); off: every command takes the general path */
  readonly fast: OrderFastPath | undefined;

  constructor(
    instruments: Iterable<Instrument> = builtinInstruments().values(),
    options: { retention?: { closedOrderMs?: number; closedOrders?: number }; fastPath?: boolean } = {},
  ) {
    this.fast = options.fastPath === false ? undefined : new OrderFastPath(this);
    this.retention = {
      closedOrderMs: options.retention?.closedOrderMs ?? DEFAULT_CLOSED_ORDER_RETENTION_MS,
      closedOrders: options.retention?.closedOrders ?? DEFAULT_CLOSED_ORDERS_KEPT,
    };
    this.accounts.set(INSURANCE_FUND_ID, newAccount(INSURANCE_FUND_ID, Decimal.ZERO, Decimal.ZERO));
    for (const instrument of instruments) {
      this.symbols.set(instrument.symbol, {
        instrument,
        markPrice: undefined,
        indexPrice: undefined,
        lastPrice: undefined,
        fundingRate: undefined,
        premiumSamples: [],
        premiumBucket: -1,
        basis: [],
        fundingCap: Decimal.parse('0.003'),
        fundingIntervalHours: 8,
        lastFundingRate: Decimal.ZERO,
        lastFundingTime: 0,
        conditional: new Map(),
        book: new OrderBook(),
      });
    }
  }

  /** @internal The id counters and the engine time, for snapshots (src/engine/snapshot.ts). */
  counters(): { nextOrderId: number; nextTradeId: number; time: number } {
    return { nextOrderId: this.nextOrderId, nextTradeId: this.nextTradeId, time: this.time };
  }

  /** @internal Restores what `counters()` returned. */
  restoreCounters(c: { nextOrderId: number; nextTradeId: number; time: number }): void {
    this.nextOrderId = c.nextOrderId;
    this.nextTradeId = c.nextTradeId;
    this.time = c.time;
  }

  /**
   * Trading fees collected by the venue: every fee is booked as an account's commission, so this is their
   * sum, added up when read (a fill then books its fee once, not twice).
   */
  get feesCollected(): Decimal {
    let sum = Decimal.ZERO;
    for (const a of this.accounts.values()) sum = sum.add(a.commission);
    return sum;
  }

  /** @internal The remembered orders: open ones, then closed ones in the order they closed (for snapshots). */
  rememberedOrders(): Order[] {
    const open: Order[] = [];
    for (const o of this.orders.values()) if (!o.closedQueued) open.push(o);
    return [...open, ...this.closedQueue.slice(this.closedHead)];
  }

  /** @internal Keeps an order (new, or replacing the one with its id) for queries. */
  remember(o: Order): void {
    this.orders.set(o.orderId, o);
    this.queueClosed(o);
  }

  /** @internal A closed order joins the closed ones kept for queries (once). */
  queueClosed(o: Order): void {
    if (!o.closedQueued && isClosed(o)) {
      o.closedQueued = true;
      this.closedQueue.push(o);
    }
  }

  /**
   * Queues the orders a command closed (in event order, from events[from]: a fast-path command queues
   * those before `from` itself, its own order first), then forgets the closed orders past the retention,
   * oldest closed first. Deterministic: engine time and counts only.
   */
  private forgetClosedOrders(events: readonly EngineEvent[], from: number): void {
    for (let i = from; i < events.length; i++) {
      const e = events[i] as EngineEvent;
      // an amendment leaves the order open (if it then trades or expires, those events follow); any other
      // event may belong to an order that closed in this command, with or without an event of its own
      // (a liquidation order that found no bids expires silently)
      if (e.e !== 'ORDER_TRADE_UPDATE' || e.o.x === 'AMENDMENT') continue;
      const o = this.orders.get(e.o.i);
      if (o !== undefined) this.queueClosed(o);
    }
    const q = this.closedQueue;
    while (this.closedHead < q.length) {
      // when the oldest closed order is due, kept with its index (not read from the order every command)
      if (this.headIndex !== this.closedHead) {
        this.headIndex = this.closedHead;
        this.headForgetAt = (q[this.closedHead] as Order).updateTime + this.retention.closedOrderMs;
      }
      if (q.length - this.closedHead <= this.retention.closedOrders && this.headForgetAt > this.time) break;
      this.orders.delete((q[this.closedHead] as Order).orderId);
      this.closedHead++;
    }
    if (this.closedHead > 4096 && this.closedHead * 2 > q.length) {
      q.splice(0, this.closedHead);
      this.closedHead = 0;
      this.headIndex = -1;
    }
  }

  /** Executes one command. Rejections carry Binance's code and message and change nothing. */
  execute(cmd: Command): Result {
    try {
      if (cmd === null || typeof cmd !== 'object') reject(badParam('command'));
      if (this.adlRankings.size > 0) this.adlRankings.clear();
      // The fast path checks the command's time itself (and leaves a bad one to the general path): a
      // field read here, from commands of every shape, is a slow megamorphic load; in the fast path's
      // code for one command type it is a plain one.
      const fast = this.tryFast(cmd);
      if (fast !== undefined) {
        // the fast path queued the orders its command closed before events[closedFrom], its own first
        const fp = this.fast as OrderFastPath;
        this.forgetClosedOrders(fast.events, fp.closedFrom);
        fp.closedFrom = 1;
        return fast;
      }
      const time = cmd.time;
      if (!Number.isSafeInteger(time) || time < 0) reject(badParam('timestamp'));
      const events: EngineEvent[] = [];
      const result = this.dispatch(cmd, events);
      this.fast?.followGeneral(cmd, events);
      this.time = Math.max(this.time, time);
      this.forgetClosedOrders(events, 0);
      return { ok: true, events, result };
    } catch (e) {
      if (e instanceof EngineRejection) return { ok: false, error: e.error };
      throw e;
    }
  }

  /** The fast path's answer to an order command, or undefined (the general path runs it). */
  private tryFast(cmd: Command): Accepted | undefined {
    const fast = this.fast;
    if (fast === undefined) return undefined;
    let result: Accepted | undefined;
    switch (cmd.type) {
      case 'placeOrder':
        result = fast.place(cmd);
        break;
      case 'modifyOrder':
        result = fast.modify(cmd);
        break;
      case 'cancelOrder':
        result = fast.cancel(cmd);
        break;
      default:
        return undefined;
    }
    if (result === undefined) fast.stats.declined++;
    else fast.stats.served++;
    return result;
  }

  /** @internal The engine's time moves to a fast-path command's (never back). */
  advanceTime(time: number): void {
    if (time > this.time) this.time = time;
  }

  /** @internal the next order id (the fast path's new orders) */
  allocateOrderId(): number {
    return this.nextOrderId++;
  }

  private dispatch(cmd: Command, events: EngineEvent[]): unknown {
    switch (cmd.type) {
      case 'createAccount':
        return this.createAccount(cmd, events);
      case 'deposit':
        return this.deposit(cmd, events);
      case 'withdraw':
        return this.withdraw(cmd, events);
      case 'setLeverage':
        return this.setLeverage(cmd, events);
      case 'setMarginType':
        return this.setMarginType(cmd, events);
      case 'setPositionMode':
        return this.setPositionMode(cmd, events);
      case 'setIndexPrice':
        return this.setIndexPrice(cmd, events);
      case 'setMarkPrice':
        return this.setMarkPrice(cmd, events);
      case 'placeOrder':
        return this.placeOrder(cmd, events);
      case 'setFundingRate': {
        const s = this.symbol(cmd.symbol);
        const rate = positiveDecimal(cmd.fundingRate, 'fundingRate');
        if (rate.abs().gt(Decimal.parse('0.1'))) reject(badParam('fundingRate'));
        s.fundingRate = rate;
        return undefined;
      }
      case 'settleFunding': {
        const s = this.symbol(cmd.symbol);
        if (s.markPrice === undefined) reject(ERR.BAD_SYMBOL);
        const rate = settleFunding(this, s, cmd.time, events);
        const due = this.risk.due(cmd.symbol, s.markPrice);
        const known = checkLiquidations(this, cmd.symbol, due, cmd.time, events);
        checkMarginCalls(this, cmd.symbol, cmd.time, events, due, known);
        return { symbol: cmd.symbol, fundingRate: rate.toString(), fundingTime: cmd.time, markPrice: s.markPrice.toString() };
      }
      case 'cancelOrder':
        return this.cancelOrder(cmd, events);
      case 'modifyOrder':
        return this.modifyOrder(cmd, events);
      case 'cancelAllOrders':
        return this.cancelAllOrders(cmd, events);
      case 'expireOrders':
        return this.expireOrders(cmd, events);
      case 'setCountdownCancelAll':
        return this.setCountdownCancelAll(cmd);
      case 'modifyIsolatedMargin':
        return this.modifyIsolatedMargin(cmd, events);
      default:
        return reject(badParam('type'));
    }
  }

  // ---- lookups ---------------------------------------------------------------------------------

  account(accountId: string): Account {
    const a = typeof accountId === 'string' ? this.accounts.get(accountId) : undefined;
    if (a === undefined) reject(ERR.NO_ACCOUNT);
    return a;
  }

  symbol(symbol: string): SymbolState {
    const s = typeof symbol === 'string' ? this.symbols.get(symbol) : undefined;
    if (s === undefined) reject(ERR.BAD_SYMBOL);
    return s;
  }

  /** The account's legs of a symbol. */
  positionsOf(account: Account, symbol: string): EnginePosition[] {
    const out: EnginePosition[] = [];
    for (const side of POSITION_SIDES_ALL) {
      const p = account.positions.get(positionKey(symbol, side));
      if (p !== undefined) out.push(p);
    }
    return out;
  }

  /** @internal */
  ensurePosition(account: Account, symbol: string, side: CommandPositionSide): EnginePosition {
    const key = positionKey(symbol, side);
    let p = legOf(account, key);
    if (p === undefined) {
      p = { symbol, positionSide: side, amt: Decimal.ZERO, cost: Decimal.ZERO, isolatedWallet: Decimal.ZERO };
      account.positions.set(key, p);
      account.lookedUpLegKey = key;
      account.lookedUpLeg = p;
    }
    return p;
  }

  // ---- accounts --------------------------------------------------------------------------------

  private createAccount(cmd: CreateAccount, events: EngineEvent[]): unknown {
    if (typeof cmd.accountId !== 'string' || !ACCOUNT_ID_RE.test(cmd.accountId)) reject(badParam('accountId'));
    if (this.accounts.has(cmd.accountId)) reject(ERR.ACCOUNT_EXISTS);
    const rate = (text: string | undefined, name: string, dflt: Decimal) => {
      if (text === undefined) return dflt;
      const d = positiveDecimal(text, name);
      if (d.isNegative() || d.gte(Decimal.parse('0.1'))) reject(badParam(name));
      return d;
    };
    const makerRate = rate(cmd.makerCommissionRate, 'makerCommissionRate', DEFAULT_MAKER);
    const takerRate = rate(cmd.takerCommissionRate, 'takerCommissionRate', DEFAULT_TAKER);
    const a = newAccount(cmd.accountId, makerRate, takerRate);
    this.accounts.set(a.accountId, a);
    events.push({ e: 'ACCOUNT_CREATED', accountId: a.accountId, E: cmd.time });
    return { accountId: cmd.accountId };
  }

  private amount(text: unknown): Decimal {
    const d = positiveDecimal(text, 'amount');
    if (!d.isPositive()) reject(ERR.AMOUNT_MUST_BE_POSITIVE);
    if (decimalsOf(d) > 8) reject(ERR.PRECISION);
    return d;
  }

  private deposit(cmd: Deposit, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    if (cmd.asset !== 'USDT') reject(badParam('asset'));
    const amount = this.amount(cmd.amount);
    a.crossWallet = a.crossWallet.add(amount);
    a.deposits = a.deposits.add(amount);
    this.risk.markDirty(a);
    events.push(this.accountUpdate(a, 'DEPOSIT', cmd.time, amount, []));
    return { amount: amount.toString() };
  }

  private withdraw(cmd: Withdraw, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    if (cmd.asset !== 'USDT') reject(badParam('asset'));
    const amount = this.amount(cmd.amount);
    if (amount.gt(marginSummary(viewOf(a), this.symbols).maxWithdraw)) reject(ERR.BALANCE_INSUFFICIENT);
    a.crossWallet = a.crossWallet.sub(amount);
    a.withdrawals = a.withdrawals.add(amount);
    this.risk.markDirty(a);
    events.push(this.accountUpdate(a, 'WITHDRAW', cmd.time, amount.neg(), []));
    return { amount: amount.toString() };
  }

  // ---- settings --------------------------------------------------------------------------------

  private symbolHasOrders(a: Account, symbol: string): boolean {
    for (const o of a.openOrders.values()) if (o.symbol === symbol) return true;
    return false;
  }

  private symbolHasPosition(a: Account, symbol: string): boolean {
    return this.positionsOf(a, symbol).some((p) => !p.amt.isZero());
  }

  private setLeverage(cmd: SetLeverage, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    const s = this.symbol(cmd.symbol);
    const lev = cmd.leverage;
    if (!Number.isInteger(lev) || lev < 1 || lev > maxLeverage(s.instrument.brackets)) reject(invalidLeverageError(lev));
    const current = settingsOf(a, cmd.symbol);
    const maxNotional = maxNotionalForLeverage(s.instrument.brackets, lev) as Decimal;
    if (current.marginType === 'ISOLATED' && lev < current.leverage && this.symbolHasPosition(a, cmd.symbol)) {
      reject(ERR.ISOLATED_LEVERAGE_REDUCTION);
    }
    const mark = s.markPrice;
    let exposure = Decimal.ZERO;
    for (const p of this.positionsOf(a, cmd.symbol)) exposure = exposure.add(p.amt.mul(mark ?? entryPrice(p)).abs());
    for (const o of a.openOrders.values()) {
      if (o.symbol === cmd.symbol && !o.reduceOnly) exposure = exposure.add(o.origQty.sub(o.executedQty).mul(o.price));
    }
    if (exposure.gt(maxNotional)) reject(ERR.MAX_LEVERAGE_RATIO);
    if (lev < current.leverage) {
      const view = this.viewWithSettings(a, cmd.symbol, { leverage: lev, marginType: current.marginType });
      const after = marginSummary(view, this.symbols).available;
      if (after.isNegative()) reject(ERR.MIN_LEVERAGE_RATIO);
    }
    a.settings.set(cmd.symbol, { leverage: lev, marginType: current.marginType });
    forgetLookups(a);
    this.risk.markDirty(a); // the margin sweep's position margin uses the leverage
    events.push({ e: 'ACCOUNT_CONFIG_UPDATE', accountId: a.accountId, E: cmd.time, T: cmd.time, ac: { s: cmd.symbol, l: lev } });
    return { leverage: lev, maxNotionalValue: maxNotional.toString(), symbol: cmd.symbol };
  }

  private viewWithSettings(a: Account, symbol: string, st: { leverage: number; marginType: 'ISOLATED' | 'CROSSED' }): AccountView {
    const base = viewOf(a);
    return { ...base, settings: (s) => (s === symbol ? st : settingsOf(a, s)) };
  }

  private setMarginType(cmd: SetMarginType, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    this.symbol(cmd.symbol);
    if (cmd.marginType !== 'ISOLATED' && cmd.marginType !== 'CROSSED') reject(badParam('marginType'));
    const current = settingsOf(a, cmd.symbol);
    if (current.marginType === cmd.marginType) reject(ERR.NO_NEED_TO_CHANGE_MARGIN_TYPE);
    if (this.symbolHasOrders(a, cmd.symbol)) reject(ERR.MARGIN_TYPE_OPEN_ORDERS);
    if (this.symbolHasPosition(a, cmd.symbol)) reject(ERR.MARGIN_TYPE_POSITION);
    a.settings.set(cmd.symbol, { leverage: current.leverage, marginType: cmd.marginType });
    forgetLookups(a);
    events.push({
      e: 'SETTINGS_CHANGE',
      accountId: a.accountId,
      E: cmd.time,
      change: { marginType: { symbol: cmd.symbol, marginType: cmd.marginType } },
    });
    return { code: 200, msg: 'success' };
  }

  private setPositionMode(cmd: SetPositionMode, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    if (typeof cmd.dualSidePosition !== 'boolean') reject(badParam('dualSidePosition'));
    if (a.dualSidePosition === cmd.dualSidePosition) reject(ERR.NO_NEED_TO_CHANGE_POSITION_SIDE);
    if (a.openOrders.size > 0) reject(ERR.POSITION_SIDE_OPEN_ORDERS);
    for (const p of a.positions.values()) if (!p.amt.isZero()) reject(ERR.POSITION_SIDE_POSITION);
    a.dualSidePosition = cmd.dualSidePosition;
    // Empty legs of the old mode carry nothing; drop them so the new mode starts clean.
    for (const [k, p] of a.positions) if (p.amt.isZero() && p.isolatedWallet.isZero()) a.positions.delete(k);
    forgetLookups(a);
    events.push({ e: 'SETTINGS_CHANGE', accountId: a.accountId, E: cmd.time, change: { dualSidePosition: cmd.dualSidePosition } });
    return { code: 200, msg: 'success' };
  }

  private setMarkPrice(cmd: SetMarkPrice, events: EngineEvent[]): unknown {
    const s = this.symbol(cmd.symbol);
    const mark = positiveDecimal(cmd.markPrice, 'markPrice');
    if (!mark.isPositive()) reject(ERR.PRICE_LESS_THAN_ZERO);
    const index = cmd.indexPrice === undefined ? mark : positiveDecimal(cmd.indexPrice, 'indexPrice');
    if (!index.isPositive()) reject(ERR.PRICE_LESS_THAN_ZERO);
    this.applyMark(s, mark, index, cmd.time, events);
    return undefined;
  }

  /**
   * An index price only: the mark is computed from it, the funding term, the book's basis (moving
   * average of the last BASIS_WINDOW samples) and the last trade (spec §8.3, core/mark-price.ts).
   */
  private setIndexPrice(cmd: SetIndexPrice, events: EngineEvent[]): unknown {
    const s = this.symbol(cmd.symbol);
    const index = positiveDecimal(cmd.indexPrice, 'indexPrice');
    if (!index.isPositive()) reject(ERR.PRICE_LESS_THAN_ZERO);
    const bid = s.book.bestBid();
    const ask = s.book.bestAsk();
    if (bid !== undefined && ask !== undefined) {
      const mid = Decimal.fromUnits(BigInt(bid + ask), 0)
        .mul(s.instrument.tickSize)
        .div(Decimal.of(2), CALC_SCALE);
      s.basis.push(mid.sub(index));
      if (s.basis.length > BASIS_WINDOW) s.basis.shift();
    }
    const intervalMs = s.fundingIntervalHours * 3600_000;
    const next = (Math.floor(cmd.time / intervalMs) + 1) * intervalMs;
    const { mark } = markPrice({
      index,
      lastFundingRate: s.lastFundingRate,
      msUntilFunding: next - cmd.time,
      fundingIntervalMs: intervalMs,
      basis: s.basis,
      lastPrice: s.lastPrice,
    });
    const rounded = mark.roundToStep(s.instrument.tickSize.div(Decimal.of(10), 8), 'HALF_UP');
    this.applyMark(s, rounded, index, cmd.time, events);
    return { markPrice: rounded.toString(), indexPrice: index.toString() };
  }

  private applyMark(s: SymbolState, mark: Decimal, index: Decimal, time: number, events: EngineEvent[]): void {
    s.markPrice = mark;
    s.indexPrice = index;
    events.push({ e: 'MARK_PRICE_UPDATE', E: time, s: s.instrument.symbol, p: mark.toString(), i: index.toString() });
    samplePremium(s, time);
    this.processTriggers(s, time, events);
    const due = this.risk.due(s.instrument.symbol, mark);
    const known = checkLiquidations(this, s.instrument.symbol, due, time, events);
    checkMarginCalls(this, s.instrument.symbol, time, events, due, known);
  }

  // ---- isolated margin -------------------------------------------------------------------------

  private modifyIsolatedMargin(cmd: ModifyIsolatedMargin, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    const s = this.symbol(cmd.symbol);
    if (cmd.marginType !== 1 && cmd.marginType !== 2) reject(badParam('type'));
    const amount = positiveDecimal(cmd.amount, 'amount');
    if (!amount.isPositive()) reject(ERR.AMOUNT_MUST_BE_POSITIVE);
    if (decimalsOf(amount) > 8) reject(ERR.PRECISION);
    const st = settingsOf(a, cmd.symbol);
    if (st.marginType !== 'ISOLATED') reject(ERR.ADD_ISOLATED_MARGIN_REJECT);
    const side = cmd.positionSide ?? 'BOTH';
    if (a.dualSidePosition ? side === 'BOTH' : side !== 'BOTH') reject(ERR.POSITION_SIDE_NOT_MATCH);
    const p = a.positions.get(positionKey(cmd.symbol, side));
    if (p === undefined || p.amt.isZero()) reject(ERR.NO_POSITION_FOR_MARGIN);
    const mark = s.markPrice ?? entryPrice(p);
    const summary = marginSummary(viewOf(a), this.symbols);
    if (cmd.marginType === 1) {
      const maxAdd = Decimal.min(a.crossWallet.sub(summary.isolatedOrderMargin).sub(summary.crossMaintMargin), summary.available);
      if (amount.gt(maxAdd)) reject(ERR.CROSS_BALANCE_INSUFFICIENT);
      a.crossWallet = a.crossWallet.sub(amount);
      p.isolatedWallet = p.isolatedWallet.add(amount);
    } else {
      const n = p.amt.mul(mark).abs();
      const mm = maintenanceMargin(s.instrument.brackets, n).amount;
      const im = n.div(Decimal.of(st.leverage), CALC_SCALE);
      const maxRemove = Decimal.min(p.isolatedWallet.sub(mm), p.isolatedWallet.add(unrealized(p, mark)).sub(im));
      if (amount.gt(maxRemove)) reject(ERR.ISOLATED_BALANCE_INSUFFICIENT);
      a.crossWallet = a.crossWallet.add(amount);
      p.isolatedWallet = p.isolatedWallet.sub(amount);
    }
    this.risk.markDirty(a);
    events.push(this.accountUpdate(a, 'MARGIN_TRANSFER', cmd.time, Decimal.ZERO, [p]));
    return { amount: amount.toString(), code: 200, msg: 'Successfully modify position margin.', type: cmd.marginType };
  }

  // ---- orders ----------------------------------------------------------------------------------

  private tickPrice(text: unknown, name: string, s: SymbolState): Decimal {
    // a price on the tick grid within the price filter: the fast path's integer check and cached Decimal
    const onGrid = this.fast?.gridPrice(s, text);
    if (onGrid !== undefined) return onGrid;
    const inst = s.instrument;
    const price = positiveDecimal(text, name);
    if (!price.isPositive()) reject(ERR.PRICE_LESS_THAN_ZERO);
    if (decimalsOf(price) > inst.pricePrecision) reject(ERR.PRECISION);
    if (!price.isMultipleOf(inst.tickSize)) reject(ERR.PRICE_NOT_TICK);
    if (price.lt(inst.minPrice)) reject(ERR.PRICE_LESS_THAN_MIN);
    if (price.gt(inst.maxPrice)) reject({ code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    return price;
  }

  /** The PERCENT_PRICE limits around a mark (kept for the last symbol and mark asked for). */
  /**
   * The mark price as the trigger checks see it: cut down (truncated) to the symbol's price precision, as
   * Binance does before comparing it with a trigger price (a BUY take-profit at 0.00666 triggers at a mark
   * of 0.006660234). Undefined before the symbol has a mark. Kept for the last symbol and mark: every order
   * command of a symbol with waiting conditional orders asks.
   */
  private triggerMark(s: SymbolState): Decimal | undefined {
    const mark = s.markPrice;
    if (mark === undefined) return undefined;
    const c = this.cutMark;
    if (c.symbol !== s || c.mark !== mark) {
      c.symbol = s;
      c.mark = mark;
      c.cut = mark.round(s.instrument.pricePrecision, 'DOWN');
    }
    return c.cut;
  }

  private priceBand(s: SymbolState, mark: Decimal): { up: Decimal; down: Decimal } {
    const b = this.band;
    if (b.symbol !== s || b.mark !== mark) {
      b.symbol = s;
      b.mark = mark;
      b.up = mark.mul(s.instrument.multiplierUp);
      b.down = mark.mul(s.instrument.multiplierDown);
    }
    return b;
  }

  /**
   * `given`, when present, is the already-parsed quantity (an amend's remaining quantity); `cmd.quantity` is
   * then ignored. `fired`: a triggered conditional order (its goodTillDate was checked when it was placed).
   */
  private validateOrder(cmd: PlaceOrder, a: Account, s: SymbolState, replacing?: Order, given?: Decimal, fired = false) {
    const inst = s.instrument;
    if (cmd.side !== 'BUY' && cmd.side !== 'SELL') reject(badParam('side'));
    if (!ORDER_TYPES.has(cmd.orderType)) reject(badParam('type'));
    const conditional = isPendingConditional({ type: cmd.orderType });
    const market =
      cmd.orderType === 'MARKET' ||
      cmd.orderType === 'STOP_MARKET' ||
      cmd.orderType === 'TAKE_PROFIT_MARKET' ||
      cmd.orderType === 'TRAILING_STOP_MARKET';
    if (cmd.closePosition !== undefined && typeof cmd.closePosition !== 'boolean') reject(badParam('closePosition'));
    const closePosition = cmd.closePosition === true;
    if (closePosition) {
      if (cmd.orderType !== 'STOP_MARKET' && cmd.orderType !== 'TAKE_PROFIT_MARKET') reject(badParam('closePosition'));
      if (cmd.quantity !== undefined || cmd.reduceOnly !== undefined) reject(ERR.REDUCE_ONLY_CONFLICT);
    }
    let qty = Decimal.ZERO;
    // a LIMIT-type quantity on the step grid within the lot-size filter: the fast path's integer check
    const onGrid = given === undefined && !market && !closePosition ? this.fast?.gridQuantity(s, cmd.quantity) : undefined;
    if (onGrid !== undefined) qty = onGrid;
    else if (!closePosition) {
      qty = given ?? positiveDecimal(cmd.quantity, 'quantity');
      if (!qty.isPositive()) reject(ERR.QTY_LESS_THAN_ZERO);
      if (decimalsOf(qty) > inst.quantityPrecision) reject(ERR.PRECISION);
      const step = market ? inst.marketStepSize : inst.stepSize;
      if (!qty.isMultipleOf(step)) reject({ code: -1013, msg: 'Filter failure: LOT_SIZE' });
      if (qty.lt(market ? inst.marketMinQty : inst.minQty)) reject(ERR.QTY_LESS_THAN_MIN);
      if (qty.gt(market ? inst.marketMaxQty : inst.maxQty)) reject(ERR.QTY_GREATER_THAN_MAX);
    }

    const priceMatch: PriceMatch = cmd.priceMatch ?? 'NONE';
    if (!PRICE_MATCHES.includes(priceMatch)) reject(ERR.INVALID_PRICE_MATCH);
    if (priceMatch !== 'NONE') {
      if (cmd.orderType !== 'LIMIT' && cmd.orderType !== 'STOP' && cmd.orderType !== 'TAKE_PROFIT') reject(ERR.PRICE_MATCH_ORDER_TYPE);
      if (cmd.price !== undefined) reject(notRequired('price'));
    }
    let price: Decimal | undefined;
    let tif = cmd.timeInForce ?? 'GTC';
    let goodTillDate = 0;
    if (!market) {
      if (priceMatch === 'NONE') {
        if (cmd.price === undefined) reject(badParam('price'));
        price = this.tickPrice(cmd.price, 'price', s);
      } else if (!conditional) {
        price = this.matchedPrice(s, cmd.side, priceMatch);
      }
      if (!TIME_IN_FORCE.has(tif)) reject(badParam('timeInForce'));
      if (tif === 'GTD') {
        if (!Number.isSafeInteger(cmd.goodTillDate)) reject(badParam('goodTillDate'));
        goodTillDate = Math.floor((cmd.goodTillDate as number) / 1000) * 1000;
        // an amend or a trigger keeps the date it was given when the order was placed
        if (replacing === undefined && !fired && (goodTillDate <= cmd.time + 600_000 || goodTillDate >= 253_402_300_799_000))
          reject(ERR.GOOD_TILL_DATE);
      }
      if (s.markPrice !== undefined && !conditional && price !== undefined) {
        const band = this.priceBand(s, s.markPrice);
        if (cmd.side === 'BUY' && price.gt(band.up)) reject(ERR.PRICE_GREATER_THAN_MAX);
        if (cmd.side === 'SELL' && price.lt(band.down)) reject(ERR.PRICE_LOWER_THAN_FLOOR);
      }
    } else {
      if (cmd.price !== undefined) reject(badParam('price'));
      // Binance reports market and stop-market orders as GTC (they never rest: `rests` excludes them)
      tif = 'GTC';
    }

    // Conditional orders: trigger price, working price, trailing parameters; -2021 if already triggered.
    let stopPrice = Decimal.ZERO;
    let callbackRate: Decimal | undefined;
    let activationPrice: Decimal | undefined;
    const workingType = cmd.workingType ?? 'CONTRACT_PRICE';
    if (conditional) {
      if (workingType !== 'CONTRACT_PRICE' && workingType !== 'MARK_PRICE') reject(badParam('workingType'));
      if (cmd.orderType === 'TRAILING_STOP_MARKET') {
        const rate = positiveDecimal(cmd.callbackRate, 'callbackRate');
        if (rate.lt(Decimal.parse('0.1')) || rate.gt(Decimal.parse('10')) || !rate.isMultipleOf(Decimal.parse('0.1')))
          reject(ERR.INVALID_CALLBACK_RATE);
        callbackRate = rate.div(Decimal.of(100), 4);
        if (cmd.activationPrice !== undefined) {
          activationPrice = this.tickPrice(cmd.activationPrice, 'activationPrice', s);
          // Binance: a BUY's activation price must be below the latest (working) price, a SELL's above it
          const working = this.workingPrice(s, workingType);
          if (working !== undefined && (cmd.side === 'BUY' ? activationPrice.gte(working) : activationPrice.lte(working)))
            reject(ERR.WOULD_IMMEDIATELY_TRIGGER);
        }
      } else {
        if (cmd.stopPrice === undefined) reject(badParam('stopPrice'));
        stopPrice = this.tickPrice(cmd.stopPrice, 'stopPrice', s);
        const working = this.workingPrice(s, workingType);
        if (working !== undefined && triggers(cmd.orderType, cmd.side, stopPrice, working)) reject(ERR.WOULD_IMMEDIATELY_TRIGGER);
      }
    } else if (cmd.stopPrice !== undefined || cmd.callbackRate !== undefined || cmd.activationPrice !== undefined) {
      reject(badParam('stopPrice'));
    }

    const positionSide = cmd.positionSide ?? 'BOTH';
    if (!POSITION_SIDES.has(positionSide)) reject(ERR.INVALID_POSITION_SIDE);
    if (a.dualSidePosition ? positionSide === 'BOTH' : positionSide !== 'BOTH') reject(ERR.POSITION_SIDE_NOT_MATCH);
    // one waiting closePosition order per type and direction (Binance: -4130)
    if (closePosition && !fired)
      for (const o of a.openOrders.values())
        if (
          o.closePosition &&
          o.symbol === cmd.symbol &&
          o.side === cmd.side &&
          o.positionSide === positionSide &&
          o.origType === cmd.orderType &&
          isPendingConditional(o)
        )
          reject(ERR.CLOSE_POSITION_EXISTS);
    if (cmd.reduceOnly !== undefined && typeof cmd.reduceOnly !== 'boolean') reject(badParam('reduceOnly'));
    if (a.dualSidePosition && cmd.reduceOnly === true) reject(ERR.REDUCE_ONLY_CONFLICT);
    if (cmd.priceProtect !== undefined && typeof cmd.priceProtect !== 'boolean') reject(badParam('priceProtect'));
    const stp: SelfTradePrevention = cmd.selfTradePreventionMode ?? 'EXPIRE_TAKER';
    if (!SELF_TRADE_PREVENTION_MODES.has(stp)) reject(ERR.INVALID_SELF_TRADE_PREVENTION_MODE);
    if (cmd.newClientOrderId !== undefined) {
      if (typeof cmd.newClientOrderId !== 'string' || !CLIENT_ORDER_ID_RE.test(cmd.newClientOrderId)) reject(badParam('newClientOrderId'));
      for (const o of a.openOrders.values())
        if (hasClientOrderId(o, cmd.newClientOrderId) && o !== replacing) reject(ERR.DUPLICATE_CLIENT_ORDER_ID);
    }

    // What the order does to the position: one-way reduceOnly, hedge closing legs. For a conditional
    // order this is checked when it triggers (the position may change until then) [inference].
    const closingHedge =
      a.dualSidePosition && ((positionSide === 'LONG' && cmd.side === 'SELL') || (positionSide === 'SHORT' && cmd.side === 'BUY'));
    const reduceOnly = cmd.reduceOnly === true || closingHedge || closePosition;
    let quantity = qty;
    if (!conditional && (cmd.reduceOnly === true || closingHedge)) {
      // (the leg is looked up only here: an order that may open needs none of it)
      const legAmt = a.positions.get(positionKey(cmd.symbol, positionSide))?.amt ?? Decimal.ZERO;
      if (cmd.reduceOnly === true) {
        const reduces = (cmd.side === 'SELL' && legAmt.isPositive()) || (cmd.side === 'BUY' && legAmt.isNegative());
        if (!reduces) reject(ERR.REDUCE_ONLY_REJECT);
        if (quantity.gt(legAmt.abs())) quantity = legAmt.abs();
      }
      if (closingHedge && quantity.gt(legAmt.abs())) reject(ERR.REDUCE_ONLY_REJECT);
    }

    const refPrice = price ?? (stopPrice.isPositive() ? stopPrice : undefined) ?? activationPrice ?? s.markPrice;
    if (refPrice === undefined) reject(ERR.BAD_SYMBOL); // a symbol with no market yet
    if (!reduceOnly && quantity.mul(refPrice).lt(inst.minNotional)) reject(minNotionalError(inst.minNotional.toString()));
    let open = 0;
    let algo = 0;
    for (const o of a.openOrders.values()) {
      if (o.symbol !== cmd.symbol || o === replacing) continue;
      open++;
      if (isPendingConditional(o)) algo++;
    }
    if (open >= inst.maxNumOrders) reject(ERR.MAX_OPEN_ORDERS);
    if (conditional && algo >= inst.maxNumAlgoOrders) reject(ERR.MAX_STOP_ORDERS);
    return {
      qty: quantity,
      price,
      tif,
      positionSide,
      reduceOnly,
      stp,
      market,
      conditional,
      closePosition,
      stopPrice,
      workingType,
      callbackRate,
      activationPrice,
      priceMatch,
      goodTillDate,
      priceProtect: cmd.priceProtect === true,
    };
  }

  /** The price a price-match order takes from the book now (-5041 when that level does not exist). */
  private matchedPrice(s: SymbolState, side: Side, match: PriceMatch): Decimal {
    const opponent = match.startsWith('OPPONENT');
    const level = Number(match.split('_')[1] ?? '1');
    const bookSide = (side === 'BUY') === opponent ? s.book.asks : s.book.bids;
    const at = bookSide.at(level - 1);
    if (at === undefined) reject(ERR.BBO_ORDER_REJECT);
    return Decimal.fromUnits(BigInt(at.ticks), 0).mul(s.instrument.tickSize);
  }

  /**
   * The price a conditional order watches: the last trade (CONTRACT_PRICE) or the mark, which is cut down
   * to the symbol's price precision first (`triggerMark`).
   * @internal
   */
  workingPrice(s: SymbolState, workingType: WorkingType): Decimal | undefined {
    const mark = this.triggerMark(s);
    return workingType === 'MARK_PRICE' ? mark : (s.lastPrice ?? mark);
  }

  /** @internal A taker's planned fills in order (`executeFill`): the legs they changed, by account. */
  executeFills(
    taker: Order,
    takerAcc: Account,
    s: SymbolState,
    fills: readonly PlannedFill[],
    time: number,
    events: EngineEvent[],
  ): Touched {
    const touched = new Touched();
    const sums = fills.length > 1 ? this.takerSums(taker, takerAcc, fills) : undefined;
    for (const f of fills) this.executeFill(taker, takerAcc, s, f, time, events, touched, sums);
    if (sums !== undefined)
      this.applyToAccount(takerAcc, taker.symbol, taker.positionSide, taker.side, sums.qty, taker.price, sums.fee, sums.value);
    return touched;
  }

  /**
   * Sums to apply a taker's fills to its account at once, when they all add to its cross leg (it is flat or
   * on the taker's side), no maker is its own account and it pays taker fees: its leg's size and cost, its
   * wallet and its commission then come out exactly as fill by fill (sums of exact
   * figures; each fee is rounded by itself first), and nothing reads them between its fills. Otherwise
   * undefined: fill by fill (a closing fill's realized profit is rounded per fill, an isolated leg's
   * margin too).
   */
  private takerSums(taker: Order, takerAcc: Account, fills: readonly PlannedFill[]): TakerSums | undefined {
    if (taker.type === 'LIQUIDATION' || settingsOf(takerAcc, taker.symbol).marginType !== 'CROSSED') return undefined;
    for (const f of fills) if (f.maker.accountId === takerAcc.accountId) return undefined;
    const p = this.ensurePosition(takerAcc, taker.symbol, taker.positionSide);
    if (!p.amt.isZero() && p.amt.isPositive() !== (taker.side === 'BUY')) return undefined;
    return { position: p, qty: Decimal.ZERO, value: Decimal.ZERO, fee: Decimal.ZERO };
  }

  /**
   * @internal After a taker's fills and its own update: an ACCOUNT_UPDATE for each account whose legs the
   * fills changed, then the reduce-only makers the trade went past (MatchPlan.reduceOnlyExpired) expire,
   * those still open, and so do the touched accounts' reduce-only orders that no longer reduce.
   */
  settleFills(s: SymbolState, touched: Touched, reduceOnlyExpired: readonly Order[], time: number, events: EngineEvent[]): void {
    const { accounts, legs } = touched;
    for (let i = 0; i < accounts.length; i++)
      events.push(this.accountUpdate(accounts[i] as Account, 'ORDER', time, Decimal.ZERO, legs[i] as EnginePosition[]));
    for (const m of reduceOnlyExpired)
      if (m.status === 'NEW' || m.status === 'PARTIALLY_FILLED') this.closeOrder(m, 'EXPIRED', time, events);
    if (touched.size > 0) this.reduceOnlySweep(s, accounts, time, events);
  }

  /** How much of its leg a reduce-only order may still close: the leg's size when the order's side reduces it, else 0. */
  private reducibleBy(o: Order): Decimal {
    const amt = legOf(this.accounts.get(o.accountId) as Account, positionKey(o.symbol, o.positionSide))?.amt ?? Decimal.ZERO;
    return (o.side === 'SELL' && amt.isPositive()) || (o.side === 'BUY' && amt.isNegative()) ? amt.abs() : Decimal.ZERO;
  }

  /**
   * After positions change: the resting reduce-only orders (one-way reduceOnly, hedge-mode closing orders)
   * of the touched accounts in symbol `s` that can no longer reduce their leg (it is flat, or on the side
   * the order would add to) expire, as Binance expires them "due to current position has been closed".
   * Waiting conditional orders are checked when they trigger instead.
   */
  private reduceOnlySweep(s: SymbolState, accounts: Iterable<Account>, time: number, events: EngineEvent[]): void {
    // only a leg that closed or flipped since the last sweep can have made an order stale (most trades
    // leave every leg on its side: nothing to look up then)
    const symbol = s.instrument.symbol;
    const crossed = this.legsCrossedZero.get(symbol);
    if (crossed === undefined || crossed.size === 0) return;
    for (const a of accounts) {
      if (!crossed.delete(a) || a.reduceOnlyOrders === 0) continue;
      let stale: Order[] | undefined;
      for (const o of a.openOrders.values())
        if (o.reduceOnly && o.symbol === symbol && !isPendingConditional(o) && !this.reducibleBy(o).isPositive()) (stale ??= []).push(o);
      if (stale !== undefined) for (const o of stale) this.closeOrder(o, 'EXPIRED', time, events);
    }
  }

  /** Walks the opposite side of the book without touching it. */
  /** @internal */
  planMatch(
    s: SymbolState,
    accountId: string,
    side: Side,
    qty: Decimal,
    limitTicks: number | undefined,
    stp: SelfTradePrevention,
    positionSide: CommandPositionSide,
  ): MatchPlan {
    const fills: PlannedFill[] = [];
    const expireMakers: Order[] = [];
    const reduceOnlyExpired: Order[] = [];
    let remaining = qty;
    let takerExpiredBySTP = false;
    /** what reduce-only makers may still fill, by account and leg (made on the first one met) */
    let reducible: Map<string, Decimal> | undefined;
    const book = s.book.opposite(side);
    outer: for (let i = 0; i < book.size; i++) {
      const level = book.at(i) as Level;
      if (limitTicks !== undefined && (side === 'BUY' ? level.ticks > limitTicks : level.ticks < limitTicks)) break;
      for (let j = 0; j < level.size; j++) {
        const maker = level.order(j);
        if (remaining.isZero()) break outer;
        if (maker.accountId === accountId && stp !== 'NONE') {
          if (stp === 'EXPIRE_TAKER') {
            takerExpiredBySTP = true;
            break outer;
          }
          expireMakers.push(maker);
          if (stp === 'EXPIRE_BOTH') {
            takerExpiredBySTP = true;
            break outer;
          }
          continue;
        }
        let avail = maker.origQty.sub(maker.executedQty);
        // A reduce-only maker fills no more than what is left of its leg; when that is used up and the
        // taker goes on, the rest of the maker expires. (A self-trade on the same leg leaves the leg as
        // it was: the taker's side of the fill adds back what the maker's takes.)
        let key: string | undefined;
        let left = Decimal.ZERO;
        let capped = false;
        if (maker.reduceOnly && (maker.accountId !== accountId || maker.positionSide !== positionSide)) {
          reducible ??= new Map();
          key = `${maker.accountId}\n${maker.positionSide}`;
          left = reducible.get(key) ?? this.reducibleBy(maker);
          if (left.lt(avail)) {
            avail = left;
            capped = true;
          }
        }
        const q = Decimal.min(avail, remaining);
        if (q.isPositive()) {
          fills.push({ maker, qty: q, ticks: level.ticks, price: maker.price });
          remaining = remaining.sub(q);
          if (key !== undefined) reducible?.set(key, left.sub(q));
        }
        if (capped && remaining.isPositive()) reduceOnlyExpired.push(maker);
      }
    }
    return { fills, filled: qty.sub(remaining), expireMakers, takerExpiredBySTP, reduceOnlyExpired };
  }

  private placeOrder(cmd: PlaceOrder, events: EngineEvent[]): unknown {
    const result = this.submit(cmd, events, undefined, undefined);
    this.processTriggers(this.symbols.get(cmd.symbol) as SymbolState, cmd.time, events);
    return result;
  }

  /**
   * Checks the symbol's waiting conditional orders against the current mark and last price (in orderId
   * order) and sends the triggered ones to the book as LIMIT (STOP, TAKE_PROFIT) or MARKET orders under
   * the same orderId. Their trades move the last price, which can trigger more: repeated until quiet. A
   * triggered order that fails its checks then (margin, reduce-only, filters) expires.
   * @internal
   */
  processTriggers(s: SymbolState, time: number, events: EngineEvent[]): void {
    for (let round = 0; round < MAX_TRIGGER_ROUNDS && s.conditional.size > 0; round++) {
      let fired: Order | undefined;
      const mark = this.triggerMark(s);
      const last = s.lastPrice ?? mark;
      // priceProtect (STOP / TAKE_PROFIT types): not triggered while the last price is further from the mark
      // than triggerProtect (worked out for the first protected order that would trigger)
      let protectedOut: boolean | undefined;
      const held = () => (protectedOut ??= mark !== undefined && last !== undefined && !withinTriggerProtect(s.instrument, mark, last));
      for (const o of s.conditional.values()) {
        const price = o.workingType === 'MARK_PRICE' ? mark : last;
        if (price === undefined) continue;
        if (o.origType === 'TRAILING_STOP_MARKET') {
          if (!o.trailActive) {
            const act = o.activationPrice;
            if (act === undefined || (o.side === 'SELL' ? price.gte(act) : price.lte(act))) {
              o.trailActive = true;
              o.trailExtreme = price;
            } else continue;
          }
          const ext = o.trailExtreme as Decimal;
          if (o.side === 'SELL' ? price.gt(ext) : price.lt(ext)) o.trailExtreme = price;
          const rate = o.callbackRate as Decimal;
          const hit =
            o.side === 'SELL'
              ? price.lte((o.trailExtreme as Decimal).mul(Decimal.ONE.sub(rate)))
              : price.gte((o.trailExtreme as Decimal).mul(Decimal.ONE.add(rate)));
          if (hit && fired === undefined) fired = o;
        } else if (fired === undefined && triggers(o.origType, o.side, o.stopPrice, price) && !(o.priceProtect && held())) {
          fired = o;
        }
      }
      if (fired === undefined) return;
      this.fire(fired, s, time, events);
    }
  }

  private fire(o: Order, s: SymbolState, time: number, events: EngineEvent[]): void {
    const a = this.accounts.get(o.accountId) as Account;
    s.conditional.delete(o.orderId);
    deleteOpenOrder(a, o);
    const limit = o.origType === 'STOP' || o.origType === 'TAKE_PROFIT';
    let quantity = o.origQty;
    if (o.closePosition) {
      const leg = a.positions.get(positionKey(o.symbol, o.positionSide));
      const amt = leg?.amt ?? Decimal.ZERO;
      const closes = (o.side === 'SELL' && amt.isPositive()) || (o.side === 'BUY' && amt.isNegative());
      quantity = closes ? amt.abs() : Decimal.ZERO;
    }
    const identity: Identity = {
      orderId: o.orderId,
      givenClientOrderId: o.givenClientOrderId,
      time: o.time,
      origType: o.origType,
      stopPrice: o.stopPrice,
      workingType: o.workingType,
      closePosition: o.closePosition,
      callbackRate: o.callbackRate,
      activationPrice: o.activationPrice,
      priceProtect: o.priceProtect,
    };
    const cmd: PlaceOrder = {
      type: 'placeOrder',
      time,
      accountId: o.accountId,
      symbol: o.symbol,
      side: o.side,
      orderType: limit ? 'LIMIT' : 'MARKET',
      quantity: quantity.toString(),
      ...(limit ? { timeInForce: o.timeInForce } : {}),
      ...(limit ? (o.priceMatch === 'NONE' ? { price: o.price.toString() } : { priceMatch: o.priceMatch }) : {}),
      ...(limit && o.timeInForce === 'GTD' ? { goodTillDate: o.goodTillDate } : {}),
      positionSide: o.positionSide,
      ...(o.reduceOnly && !a.dualSidePosition ? { reduceOnly: true } : {}),
      selfTradePreventionMode: o.selfTradePreventionMode,
    };
    try {
      if (quantity.isZero()) reject(ERR.REDUCE_ONLY_REJECT);
      this.submit(cmd, events, undefined, identity);
    } catch (e) {
      if (!(e instanceof EngineRejection)) throw e;
      // nothing was changed by the failed submission: the conditional order simply expires
      o.status = 'EXPIRED';
      o.updateTime = time;
      this.remember(o);
      events.push(this.orderUpdate(o, 'EXPIRED', time));
    }
  }

  /**
   * Amend (PUT /fapi/v1/order): a resting LIMIT order gets a new price and/or total quantity. It is
   * re-checked like a new order (filters, -2027, margin) and may match at once. A quantity decrease at
   * the same price keeps the order's place in the queue; any other change sends it to the back. A new
   * quantity at or below what is already filled cancels the order (as Binance does).
   */
  private modifyOrder(cmd: ModifyOrder, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    this.symbol(cmd.symbol);
    let o: Order;
    try {
      o = this.findOpenOrder(a, cmd.symbol, cmd.orderId, cmd.origClientOrderId);
    } catch (e) {
      if (e instanceof EngineRejection && e.error.code === ERR.UNKNOWN_ORDER_CANCEL.code) reject(ERR.ORDER_NOT_EXIST);
      throw e;
    }
    if (o.type !== 'LIMIT') reject(ERR.LIMIT_ORDER_ONLY);
    if (cmd.side !== o.side) reject(badParam('side'));
    // Binance: "One order can only be modified for less than 10000 times"
    if (o.amendments >= MAX_AMENDMENTS - 1) reject(ERR.MAX_AMENDMENTS);
    const total = positiveDecimal(cmd.quantity, 'quantity');
    if (!total.isPositive()) reject(ERR.QTY_LESS_THAN_ZERO);
    const match = cmd.priceMatch ?? 'NONE';
    if (!PRICE_MATCHES.includes(match)) reject(ERR.INVALID_PRICE_MATCH);
    if (match !== 'NONE' && cmd.price !== undefined) reject(notRequired('price'));
    if (match === 'NONE' && cmd.price === undefined) reject(badParam('price'));
    // the order's own price and quantity: nothing to change (Binance answers -5027)
    if (match === 'NONE' && total.eq(o.origQty) && o.priceMatch === 'NONE' && Decimal.tryParse(String(cmd.price))?.eq(o.price) === true)
      reject(ERR.SAME_ORDER);
    if (total.lte(o.executedQty)) {
      this.closeOrder(o, 'CANCELED', cmd.time, events);
      return this.orderAnswer(o);
    }
    const inst = (this.symbols.get(cmd.symbol) as SymbolState).instrument;
    if (decimalsOf(total) > inst.quantityPrecision) reject(ERR.PRECISION);
    if (!total.isMultipleOf(inst.stepSize)) reject({ code: -1013, msg: 'Filter failure: LOT_SIZE' });
    const remaining = total.sub(o.executedQty);
    const place: PlaceOrder = {
      type: 'placeOrder',
      time: cmd.time,
      accountId: cmd.accountId,
      symbol: cmd.symbol,
      side: o.side,
      orderType: 'LIMIT',
      // the remaining quantity goes in parsed (below); the text is what a journal would show
      quantity: '',
      ...(match === 'NONE' ? { price: cmd.price } : { priceMatch: match }),
      timeInForce: o.timeInForce,
      ...(o.timeInForce === 'GTD' ? { goodTillDate: o.goodTillDate } : {}),
      positionSide: o.positionSide,
      ...(o.reduceOnly && !a.dualSidePosition ? { reduceOnly: true } : {}),
      selfTradePreventionMode: o.selfTradePreventionMode,
    };
    let result: unknown;
    try {
      result = this.submit(place, events, o, undefined, remaining);
    } catch (e) {
      if (!(e instanceof EngineRejection)) throw e;
      // an amend's notional below MIN_NOTIONAL has a code of its own
      if (e.error.code === -4164) reject(modificationMinNotionalError(inst.minNotional.toString()));
      // Binance: a GTX order amended to a price that would trade at once is cancelled by the amendment
      // (the filters and every check before the match still refuse it and leave it as it was)
      if (e.error.code !== ERR.GTX_REJECT.code) throw e;
      this.closeOrder(o, 'CANCELED', cmd.time, events);
      return this.orderAnswer(o);
    }
    this.processTriggers(this.symbols.get(cmd.symbol) as SymbolState, cmd.time, events);
    return result;
  }

  private submit(
    cmd: PlaceOrder,
    events: EngineEvent[],
    replacing: Order | undefined,
    identity: Identity | undefined,
    quantity?: Decimal,
  ): unknown {
    cmd = placeOrderFields(cmd);
    const a = this.account(cmd.accountId);
    const s = this.symbol(cmd.symbol);
    const v = this.validateOrder(cmd, a, s, replacing, quantity, identity !== undefined);
    const inst = s.instrument;
    const st = settingsOf(a, cmd.symbol);
    const limitTicks = v.price === undefined ? undefined : Number(v.price.div(inst.tickSize, 0, 'DOWN').m);
    if (v.conditional) return this.placeConditional(cmd, a, s, v, limitTicks, events);

    // The fast path's float bound of the account, for proving -2027 and -2019 below (new orders only).
    const fast = this.fast;
    const bound = replacing === undefined ? fast?.freshBound(a, s) : undefined;

    // Position size allowed at this leverage (-2027): position + open orders + this order (proven in
    // floats by the fast path when it is clearly within the cap).
    if (!v.reduceOnly && !(bound !== undefined && fast !== undefined && fast.exposureFits(bound, v.qty, v.price))) {
      const mark = s.markPrice ?? (v.price as Decimal);
      let exposure = v.qty.mul(v.price ?? mark);
      for (const p of this.positionsOf(a, cmd.symbol)) exposure = exposure.add(p.amt.mul(mark).abs());
      for (const o of a.openOrders.values()) {
        if (o.symbol === cmd.symbol && !o.reduceOnly && o !== replacing && !isPendingConditional(o))
          exposure = exposure.add(o.origQty.sub(o.executedQty).mul(o.price));
      }
      if (exposure.gt(maxNotionalForLeverage(inst.brackets, st.leverage) as Decimal)) reject(ERR.MAX_LEVERAGE_RATIO);
    }

    // A market order takes liquidity only within marketTakeBound of the mark (-4131 when the best price
    // on the other side is already beyond it).
    let takeLimit = limitTicks;
    if (v.market && s.markPrice !== undefined) {
      const bound =
        cmd.side === 'BUY'
          ? s.markPrice.mul(Decimal.ONE.add(inst.marketTakeBound))
          : s.markPrice.mul(Decimal.ONE.sub(inst.marketTakeBound));
      takeLimit = Number(bound.div(inst.tickSize, 0, cmd.side === 'BUY' ? 'FLOOR' : 'CEIL').m);
      const best = cmd.side === 'BUY' ? s.book.bestAsk() : s.book.bestBid();
      if (best !== undefined && (cmd.side === 'BUY' ? best > takeLimit : best < takeLimit)) reject(ERR.MARKET_TAKE_BOUND);
    }
    // Binance: selfTradePreventionMode is only effective with timeInForce IOC, GTC or GTD (a FOK order trades
    // with the account's own orders; GTX never takes)
    const plan = this.planMatch(s, a.accountId, cmd.side, v.qty, takeLimit, v.tif === 'FOK' ? 'NONE' : v.stp, v.positionSide);
    if (v.tif === 'GTX' && (plan.fills.length > 0 || plan.takerExpiredBySTP)) reject(ERR.GTX_REJECT);
    if (v.tif === 'FOK' && plan.filled.lt(v.qty)) reject(ERR.FOK_REJECT);
    const rests = !v.market && v.tif !== 'IOC' && v.tif !== 'FOK' && !plan.takerExpiredBySTP && plan.filled.lt(v.qty);

    // Pre-trade margin: the account after the trade must have non-negative available balance, or at least
    // no less than before (a reducing trade is always allowed). A trade the fast path proves to fit skips
    // the exact check (it would accept).
    const proven =
      bound !== undefined &&
      fast !== undefined &&
      plan.expireMakers.length === 0 &&
      fast.lowAfterTrade(
        bound,
        a,
        cmd.side,
        plan.fills,
        a.takerRate,
        rests ? v.qty.sub(plan.filled) : Decimal.ZERO,
        v.price,
        v.reduceOnly,
      ) >= 0;
    if (!proven) {
      const after = this.availableAfter(a, cmd, v, plan, rests, replacing);
      if (after.isNegative() && after.lt(availableOf(viewOf(a), this.symbols))) reject(ERR.MARGIN_INSUFFICIENT);
    }

    // ---- accepted: from here on the state changes -----------------------------------------------
    const orderId = identity?.orderId ?? replacing?.orderId ?? this.nextOrderId++;
    const keepsPlace =
      replacing !== undefined &&
      replacing.ticks === limitTicks &&
      v.qty.lte(replacing.origQty.sub(replacing.executedQty)) &&
      plan.fills.length === 0;
    // an amended order leaves the book now, and keeps its entry (its place among the account's open orders)
    // until it is known whether it rests
    if (replacing !== undefined && !keepsPlace) s.book.remove(replacing);
    const order = newOrder({
      orderId,
      // the order id is the triggered or replaced order's, and so is a default client order id
      clientOrderId:
        identity !== undefined
          ? identity.givenClientOrderId
          : replacing !== undefined
            ? replacing.givenClientOrderId
            : cmd.newClientOrderId,
      accountId: a.accountId,
      symbol: cmd.symbol,
      side: cmd.side,
      positionSide: v.positionSide,
      type: cmd.orderType,
      timeInForce: v.tif,
      price: v.price ?? Decimal.ZERO,
      ticks: limitTicks ?? 0,
      origQty: v.qty.add(replacing?.executedQty ?? Decimal.ZERO),
      executedQty: replacing?.executedQty ?? Decimal.ZERO,
      cumQuote: replacing?.cumQuote ?? Decimal.ZERO,
      status: replacing?.status ?? 'NEW',
      reduceOnly: v.reduceOnly,
      selfTradePreventionMode: v.stp,
      time: identity?.time ?? replacing?.time ?? cmd.time,
      updateTime: cmd.time,
      origType: identity?.origType ?? replacing?.origType ?? cmd.orderType,
      stopPrice: identity?.stopPrice ?? replacing?.stopPrice ?? Decimal.ZERO,
      workingType: identity?.workingType ?? replacing?.workingType ?? 'CONTRACT_PRICE',
      closePosition: identity?.closePosition ?? false,
      callbackRate: identity?.callbackRate,
      activationPrice: identity?.activationPrice,
      priceMatch: v.priceMatch,
      goodTillDate: v.goodTillDate,
      priceProtect: identity?.priceProtect ?? replacing?.priceProtect ?? v.priceProtect,
      amendments: replacing === undefined ? 0 : replacing.amendments + 1,
    });
    this.remember(order);
    if (order.timeInForce === 'GTD') this.gtdOrders.add(order);
    if (keepsPlace && replacing !== undefined) {
      s.book.replace(replacing, order);
      setOpenOrder(a, order);
      events.push(this.orderUpdate(order, 'AMENDMENT', cmd.time));
      return this.orderAnswer(order);
    }
    events.push(this.orderUpdate(order, replacing === undefined ? 'NEW' : 'AMENDMENT', cmd.time));

    for (const maker of plan.expireMakers) this.closeOrder(maker, 'EXPIRED', cmd.time, events, 'EXPIRED_IN_MATCH');
    const touched = this.executeFills(order, a, s, plan.fills, cmd.time, events);

    if (order.status === 'FILLED') {
      // fully filled by its own matching: nothing rests
    } else if (rests) {
      order.status = order.executedQty.isZero() ? 'NEW' : 'PARTIALLY_FILLED';
      setOpenOrder(a, order);
      s.book.add(order);
    } else if (order.executedQty.lt(order.origQty)) {
      order.status = plan.takerExpiredBySTP ? 'EXPIRED_IN_MATCH' : 'EXPIRED';
      order.updateTime = cmd.time;
      events.push(this.orderUpdate(order, 'EXPIRED', cmd.time));
    }
    if (replacing !== undefined && a.openOrders.get(orderId) === replacing) deleteOpenOrder(a, replacing);
    this.settleFills(s, touched, plan.reduceOnlyExpired, cmd.time, events);
    return this.orderAnswer(order);
  }

  /**
   * @internal An order of the engine's own (liquidation): IOC at `price` on the tick grid, reduce-only,
   * no margin check, no taker fee. Returns the order with what it filled.
   */
  systemOrder(
    a: Account,
    p: EnginePosition,
    side: Side,
    qty: Decimal,
    price: Decimal,
    clientOrderId: string,
    time: number,
    events: EngineEvent[],
  ): Order {
    const s = this.symbols.get(p.symbol) as SymbolState;
    const ticks = Number(price.div(s.instrument.tickSize, 0, 'DOWN').m);
    const orderId = this.nextOrderId++;
    const order = newOrder({
      orderId,
      clientOrderId,
      accountId: a.accountId,
      symbol: p.symbol,
      side,
      positionSide: p.positionSide,
      type: 'LIQUIDATION',
      timeInForce: 'IOC',
      price,
      ticks,
      origQty: qty,
      reduceOnly: true,
      time,
    });
    this.remember(order);
    events.push(this.orderUpdate(order, 'NEW', time));
    const plan = this.planMatch(s, a.accountId, side, qty, ticks, 'EXPIRE_TAKER', p.positionSide);
    const touched = this.executeFills(order, a, s, plan.fills, time, events);
    this.settleFills(s, touched, plan.reduceOnlyExpired, time, events);
    if (order.executedQty.lt(order.origQty)) {
      order.status = order.executedQty.isZero() ? 'EXPIRED' : 'PARTIALLY_FILLED';
    }
    return order;
  }

  /**
   * @internal Moves `qty` of a liquidated leg to a counterparty at `price` with no fee (insurance fund
   * takeover, or auto-deleveraging), reported on both sides as LIQUIDATION order fills.
   */
  transferPosition(
    from: Account,
    leg: EnginePosition,
    to: Account,
    toSide: CommandPositionSide,
    qty: Decimal,
    price: Decimal,
    order: Order,
    time: number,
    events: EngineEvent[],
    type: 'LIQUIDATION',
    counterClientId: string,
  ): void {
    const side: Side = leg.amt.isPositive() ? 'SELL' : 'BUY';
    const other: Side = side === 'SELL' ? 'BUY' : 'SELL';
    const tradeId = this.nextTradeId++;
    const r1 = this.applyToAccount(from, leg.symbol, leg.positionSide, side, qty, price, Decimal.ZERO);
    const r2 = this.applyToAccount(to, leg.symbol, toSide, other, qty, price, Decimal.ZERO);
    const value = qty.mul(price);
    order.executedQty = order.executedQty.add(qty);
    order.cumQuote = order.cumQuote.add(value);
    order.status = order.executedQty.eq(order.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
    order.updateTime = time;
    events.push(this.orderUpdate(order, 'TRADE', time, { qty, price, fee: Decimal.ZERO, tradeId, maker: false, realized: r1.realized }));
    const counterId = this.nextOrderId++;
    const counter = newOrder({
      orderId: counterId,
      clientOrderId: counterClientId,
      accountId: to.accountId,
      symbol: leg.symbol,
      side: other,
      positionSide: toSide,
      type,
      timeInForce: 'IOC',
      price,
      ticks: 0,
      origQty: qty,
      reduceOnly: true,
      time,
    });
    counter.executedQty = qty;
    counter.cumQuote = value;
    counter.status = 'FILLED';
    this.remember(counter);
    events.push(this.orderUpdate(counter, 'TRADE', time, { qty, price, fee: Decimal.ZERO, tradeId, maker: true, realized: r2.realized }));
    events.push(this.accountUpdate(from, 'ORDER', time, Decimal.ZERO, [r1.position]));
    events.push(this.accountUpdate(to, 'ORDER', time, Decimal.ZERO, [r2.position]));
    this.reduceOnlySweep(this.symbols.get(leg.symbol) as SymbolState, [from, to], time, events);
  }

  /** A conditional order waits outside the book and reserves no margin until it triggers. */
  private placeConditional(
    cmd: PlaceOrder,
    a: Account,
    s: SymbolState,
    v: ReturnType<Exchange['validateOrder']>,
    limitTicks: number | undefined,
    events: EngineEvent[],
  ): unknown {
    const orderId = this.nextOrderId++;
    const order = newOrder({
      orderId,
      clientOrderId: cmd.newClientOrderId,
      accountId: a.accountId,
      symbol: cmd.symbol,
      side: cmd.side,
      positionSide: v.positionSide,
      type: cmd.orderType,
      timeInForce: v.tif,
      price: v.price ?? Decimal.ZERO,
      ticks: limitTicks ?? 0,
      origQty: v.qty,
      reduceOnly: v.reduceOnly,
      selfTradePreventionMode: v.stp,
      time: cmd.time,
      stopPrice: v.stopPrice,
      workingType: v.workingType,
      closePosition: v.closePosition,
      callbackRate: v.callbackRate,
      activationPrice: v.activationPrice,
      priceMatch: v.priceMatch,
      goodTillDate: v.goodTillDate,
      priceProtect: v.priceProtect,
    });
    this.remember(order);
    addOpenOrder(a, order);
    s.conditional.set(orderId, order);
    if (order.timeInForce === 'GTD') this.gtdOrders.add(order);
    events.push(this.orderUpdate(order, 'NEW', cmd.time));
    return this.orderAnswer(order);
  }

  /** Available balance of the taker if the planned trade were applied (nothing is mutated). */
  private availableAfter(
    a: Account,
    cmd: PlaceOrder,
    v: { qty: Decimal; price: Decimal | undefined; positionSide: CommandPositionSide; reduceOnly: boolean },
    plan: MatchPlan,
    rests: boolean,
    replacing: Order | undefined,
  ): Decimal {
    const settings = (symbol: string) => settingsOf(a, symbol);
    // the order itself, as what would rest of it
    const resting = (remaining: Decimal): OrderLike => ({
      symbol: cmd.symbol,
      side: cmd.side,
      positionSide: v.positionSide,
      price: v.price as Decimal,
      remaining,
      reduceOnly: v.reduceOnly,
    });
    if (plan.fills.length === 0 && !plan.expireMakers.some((m) => m.accountId === a.accountId)) {
      // nothing trades: positions and wallets stay; only the open orders change
      const orders: OrderLike[] = [];
      for (const o of a.openOrders.values()) if (o !== replacing && !isPendingConditional(o)) orders.push(orderLike(o));
      if (rests) orders.push(resting(v.qty));
      const view = {
        crossWallet: a.crossWallet,
        positions: [...a.positions.values()],
        orders,
        settings,
        dualSidePosition: a.dualSidePosition,
      };
      return availableOf(view, this.symbols);
    }
    const st = settingsOf(a, cmd.symbol);
    const isolated = st.marginType === 'ISOLATED';
    let cross = a.crossWallet;
    // hypothetical copies of the legs this trade touches (a self-trade touches two, or one twice)
    const positions = new Map(a.positions);
    const legAt = (side: CommandPositionSide): EnginePosition => {
      const k = positionKey(cmd.symbol, side);
      const p = positions.get(k) ?? {
        symbol: cmd.symbol,
        positionSide: side,
        amt: Decimal.ZERO,
        cost: Decimal.ZERO,
        isolatedWallet: Decimal.ZERO,
      };
      const copy = { ...p };
      positions.set(k, copy);
      return copy;
    };
    const selfFilled = new Map<number, Decimal>();
    const fill = (side: CommandPositionSide, buy: boolean, qty: Decimal, price: Decimal, rate: Decimal) => {
      const p = legAt(side);
      // the fee counts: an accepted order never leaves its own account below zero available
      // (stricter than Binance's cost = IM + open loss, which leaves the fee out; docs/engine.md)
      const fee = money(qty.mul(price).mul(rate));
      const r = applyFill(p.amt, p.cost, buy ? qty : qty.neg(), price);
      const moved = this.moveMargin(isolated, cross, p.isolatedWallet, r, fee, price, st.leverage, p.amt);
      cross = moved.cross;
      p.isolatedWallet = moved.iso;
      p.amt = r.amt;
      p.cost = r.cost;
    };
    for (const f of plan.fills) {
      // a self-trade applies the maker's side first, as executeFill does (the order matters for an
      // isolated leg: closing releases margin that opening then takes)
      if (f.maker.accountId === a.accountId) {
        fill(f.maker.positionSide, f.maker.side === 'BUY', f.qty, f.price, a.makerRate);
        selfFilled.set(f.maker.orderId, (selfFilled.get(f.maker.orderId) ?? Decimal.ZERO).add(f.qty));
      }
      fill(v.positionSide, cmd.side === 'BUY', f.qty, f.price, a.takerRate);
    }
    const expired = new Set(plan.expireMakers.filter((m) => m.accountId === a.accountId).map((m) => m.orderId));
    if (replacing !== undefined) expired.add(replacing.orderId);
    const kept = [...a.openOrders.values()].filter((o) => !expired.has(o.orderId) && !isPendingConditional(o));
    const list: OrderLike[] = kept
      .map((o) => orderLike(o, o.origQty.sub(o.executedQty).sub(selfFilled.get(o.orderId) ?? Decimal.ZERO)))
      .filter((o) => o.remaining.isPositive());
    if (rests) list.push(resting(v.qty.sub(plan.filled)));
    return availableOf(
      { crossWallet: cross, positions: [...positions.values()], orders: list, settings, dualSidePosition: a.dualSidePosition },
      this.symbols,
    );
  }

  /**
   * Wallet movements of one fill on a leg (docs/engine.md): cross legs book realized PnL and the fee in
   * the cross wallet. Isolated legs: a closing fill books realized PnL and the fee in the isolated wallet
   * and releases the closed share of it to the cross wallet (half away from zero at MONEY_SCALE); an
   * opening fill moves its initial margin (qty × price / leverage, rounded up at MONEY_SCALE) from the
   * cross wallet into the isolated wallet and pays its fee from cross.
   */
  private moveMargin(
    isolated: boolean,
    cross: Decimal,
    iso: Decimal,
    r: ReturnType<typeof applyFill>,
    fee: Decimal,
    price: Decimal,
    leverage: number,
    oldAmt: Decimal,
  ): { cross: Decimal; iso: Decimal } {
    if (!isolated) return { cross: cross.add(r.realized).sub(fee), iso };
    if (r.closedFraction !== undefined) {
      iso = iso.add(r.realized).sub(fee);
      const release = r.closedQty.eq(oldAmt.abs()) ? iso : iso.mul(r.closedFraction.num).div(r.closedFraction.den, MONEY_SCALE);
      cross = cross.add(release);
      iso = iso.sub(release);
    } else {
      cross = cross.sub(fee);
    }
    if (r.openedQty.isPositive()) {
      const im = r.openedQty.mul(price).div(Decimal.of(leverage), MONEY_SCALE, 'UP');
      cross = cross.sub(im);
      iso = iso.add(im);
    }
    return { cross, iso };
  }

  /** @internal */
  applyToAccount(
    acc: Account,
    symbol: string,
    positionSide: CommandPositionSide,
    side: Side,
    qty: Decimal,
    price: Decimal,
    fee: Decimal,
    value: Decimal = qty.mul(price),
  ): { realized: Decimal; position: EnginePosition } {
    const st = settingsOf(acc, symbol);
    const p = this.ensurePosition(acc, symbol, positionSide);
    const buy = side === 'BUY';
    const wasFlat = p.amt.isZero();
    const r = applyFill(p.amt, p.cost, buy ? qty : qty.neg(), price, buy ? value : value.neg());
    // a leg that closes or flips can leave reduce-only orders that no longer reduce (reduceOnlySweep);
    // an account without any has none to expire (a reduce-only order placed later is checked against
    // the leg as it is then)
    if (!wasFlat && acc.reduceOnlyOrders > 0 && r.amt.sign() !== p.amt.sign()) addToSetOf(this.legsCrossedZero, symbol, acc);
    const moved = this.moveMargin(st.marginType === 'ISOLATED', acc.crossWallet, p.isolatedWallet, r, fee, price, st.leverage, p.amt);
    acc.crossWallet = moved.cross;
    p.isolatedWallet = moved.iso;
    p.amt = r.amt;
    p.cost = r.cost;
    this.risk.markDirty(acc);
    // the symbol's holders change only when a leg opens from flat or closes (a leg that stays open keeps
    // its account among them); in one-way mode the leg that closed was the symbol's only open one (the
    // mode changes only with every leg flat)
    if (r.amt.isZero()) {
      const set = this.holders.get(symbol);
      if (set !== undefined && (!acc.dualSidePosition || !this.positionsOf(acc, symbol).some((q) => !q.amt.isZero()))) set.delete(acc);
    } else if (wasFlat) addToSetOf(this.holders, symbol, acc);
    acc.realizedPnl = acc.realizedPnl.add(r.realized);
    acc.commission = acc.commission.add(fee);
    return { realized: r.realized, position: p };
  }

  /** @internal */
  executeFill(
    taker: Order,
    takerAcc: Account,
    s: SymbolState,
    f: PlannedFill,
    time: number,
    events: EngineEvent[],
    touched: Touched,
    sums?: TakerSums,
  ): void {
    const maker = f.maker;
    const makerAcc = this.accounts.get(maker.accountId) as Account;
    const value = f.qty.mul(f.price);
    // fees are booked at MONEY_SCALE places, half away from zero
    const makerFee = money(value.mul(makerAcc.makerRate));
    // liquidation orders pay the clearance fee instead of a taker fee (docs/liquidation.md)
    const takerFee = taker.type === 'LIQUIDATION' ? Decimal.ZERO : money(value.mul(takerAcc.takerRate));
    const tradeId = this.nextTradeId++;
    const m = this.applyToAccount(makerAcc, maker.symbol, maker.positionSide, maker.side, f.qty, f.price, makerFee, value);
    let t: { realized: Decimal; position: EnginePosition };
    if (sums === undefined)
      t = this.applyToAccount(takerAcc, taker.symbol, taker.positionSide, taker.side, f.qty, f.price, takerFee, value);
    else {
      // applied with the others' after the last fill (executeFills); it adds to the leg: nothing realized
      sums.qty = sums.qty.add(f.qty);
      sums.value = sums.value.add(value);
      sums.fee = sums.fee.add(takerFee);
      t = { realized: Decimal.ZERO, position: sums.position };
    }
    this.orderFilled(maker, makerAcc, f, value, makerFee, tradeId, true, m, time, events, touched);
    this.orderFilled(taker, takerAcc, f, value, takerFee, tradeId, false, t, time, events, touched);
    if (maker.status === 'FILLED') {
      s.book.remove(maker);
      deleteOpenOrder(makerAcc, maker);
    }
    s.lastPrice = f.price;
    events.push(new TradeEvent(time, taker.symbol, tradeId, f.price, f.qty, taker.side === 'SELL'));
  }

  /** One side of a fill on its order: filled quantity, quote, status, its TRADE update; its leg is touched. */
  private orderFilled(
    o: Order,
    acc: Account,
    f: PlannedFill,
    value: Decimal,
    fee: Decimal,
    tradeId: number,
    maker: boolean,
    res: { realized: Decimal; position: EnginePosition },
    time: number,
    events: EngineEvent[],
    touched: Touched,
  ): void {
    o.executedQty = o.executedQty.add(f.qty);
    o.cumQuote = o.cumQuote.add(value);
    o.status = o.executedQty.eq(o.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updateTime = time;
    events.push(this.orderUpdate(o, 'TRADE', time, { qty: f.qty, price: f.price, fee, tradeId, maker, realized: res.realized }));
    touched.add(acc, res.position);
  }

  /** @internal */
  closeOrder(o: Order, exec: 'CANCELED' | 'EXPIRED', time: number, events: EngineEvent[], status?: 'EXPIRED_IN_MATCH'): void {
    events.push(this.closeOrderEvent(o, exec, time, status));
  }

  /** @internal closes an open order (out of the book or the conditional list, out of the account) and answers its event */
  closeOrderEvent(o: Order, exec: 'CANCELED' | 'EXPIRED', time: number, status?: 'EXPIRED_IN_MATCH'): OrderUpdate {
    const s = this.symbols.get(o.symbol) as SymbolState;
    if (!s.conditional.delete(o.orderId)) s.book.remove(o);
    deleteOpenOrder(this.accounts.get(o.accountId) as Account, o);
    o.status = status ?? exec;
    o.updateTime = time;
    return this.orderUpdate(o, exec, time);
  }

  /** @internal a restored open GTD order */
  trackGtd(o: Order): void {
    this.gtdOrders.add(o);
  }

  /** The open GTD orders, dropping those closed or replaced (by an amend) since they were tracked. */
  private openGtdOrders(): Order[] {
    const open: Order[] = [];
    for (const o of this.gtdOrders) {
      if (this.accounts.get(o.accountId)?.openOrders.get(o.orderId) === o) open.push(o);
      else this.gtdOrders.delete(o);
    }
    return open;
  }

  /**
   * The earliest goodTillDate of the open GTD orders or deadline of an auto-cancel countdown: an
   * `expireOrders` command is due at that time.
   */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const o of this.openGtdOrders()) if (next === undefined || o.goodTillDate < next) next = o.goodTillDate;
    for (const c of this.countdowns.values()) if (next === undefined || c.deadline < next) next = c.deadline;
    return next;
  }

  /**
   * GTD orders whose goodTillDate is at or before the command's time expire, earliest first; then the
   * countdowns that have run out cancel their orders (earliest deadline first, then account and symbol).
   */
  private expireOrders(cmd: ExpireOrders, events: EngineEvent[]): unknown {
    const due = this.openGtdOrders().filter((o) => o.goodTillDate <= cmd.time);
    due.sort((x, y) => x.goodTillDate - y.goodTillDate || x.orderId - y.orderId);
    for (const o of due) {
      this.gtdOrders.delete(o);
      this.closeOrder(o, 'EXPIRED', cmd.time, events);
    }
    const ran = [...this.countdowns.values()].filter((c) => c.deadline <= cmd.time);
    ran.sort(
      (x, y) =>
        x.deadline - y.deadline || (x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0) || (x.symbol < y.symbol ? -1 : 1),
    );
    const canceled: number[] = [];
    for (const c of ran) {
      this.countdowns.delete(accountSymbolKey(c.accountId, c.symbol));
      const a = this.accounts.get(c.accountId);
      if (a !== undefined) canceled.push(...this.cancelSymbolOrders(a, c.symbol, cmd.time, events));
    }
    return { expired: due.map((o) => o.orderId), canceled };
  }

  /**
   * countdownCancelAll: (re)starts the account's countdown in the symbol, `countdownTime` ms from the
   * command's time, or stops it (0). Nothing is cancelled now; Binance's answer echoes the symbol and time.
   */
  private setCountdownCancelAll(cmd: SetCountdownCancelAll): unknown {
    this.account(cmd.accountId);
    this.symbol(cmd.symbol);
    const ms = cmd.countdownTime;
    if (!Number.isSafeInteger(ms) || ms < 0) reject(badParam('countdownTime'));
    const key = accountSymbolKey(cmd.accountId, cmd.symbol);
    if (ms === 0) this.countdowns.delete(key);
    else this.countdowns.set(key, { accountId: cmd.accountId, symbol: cmd.symbol, deadline: cmd.time + ms });
    return { symbol: cmd.symbol, countdownTime: String(ms) };
  }

  /** The running auto-cancel countdowns (for snapshots and the API), by deadline. */
  countdownList(): Countdown[] {
    return [...this.countdowns.values()].sort(
      (x, y) => x.deadline - y.deadline || (accountSymbolKey(x.accountId, x.symbol) < accountSymbolKey(y.accountId, y.symbol) ? -1 : 1),
    );
  }

  /** @internal a restored countdown */
  restoreCountdown(c: Countdown): void {
    this.countdowns.set(accountSymbolKey(c.accountId, c.symbol), { accountId: c.accountId, symbol: c.symbol, deadline: c.deadline });
  }

  private findOpenOrder(a: Account, symbol: string, orderId: number | undefined, clientId: string | undefined): Order {
    if (orderId === undefined && clientId === undefined) reject(badParam('orderId'));
    if (orderId !== undefined) {
      const o = a.openOrders.get(orderId);
      if (o === undefined || o.symbol !== symbol) reject(ERR.UNKNOWN_ORDER_CANCEL);
      return o;
    }
    for (const o of a.openOrders.values()) {
      if (o.symbol !== symbol) continue;
      if (orderId !== undefined ? o.orderId === orderId : clientId !== undefined && hasClientOrderId(o, clientId)) return o;
    }
    return reject(ERR.UNKNOWN_ORDER_CANCEL);
  }

  private cancelOrder(cmd: CancelOrder, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    this.symbol(cmd.symbol);
    const o = this.findOpenOrder(a, cmd.symbol, cmd.orderId, cmd.origClientOrderId);
    this.closeOrder(o, 'CANCELED', cmd.time, events);
    return this.orderAnswer(o);
  }

  private cancelAllOrders(cmd: CancelAllOrders, events: EngineEvent[]): unknown {
    const a = this.account(cmd.accountId);
    this.symbol(cmd.symbol);
    this.cancelSymbolOrders(a, cmd.symbol, cmd.time, events);
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  }

  /** Cancels every open order of the account in the symbol (waiting conditional ones too), by id; their ids. */
  private cancelSymbolOrders(a: Account, symbol: string, time: number, events: EngineEvent[]): number[] {
    const list = [...a.openOrders.values()].filter((o) => o.symbol === symbol).sort((x, y) => x.orderId - y.orderId);
    for (const o of list) this.closeOrder(o, 'CANCELED', time, events);
    return list.map((o) => o.orderId);
  }

  // ---- views ------------------------------------------------------------------------------------

  /** The answer to an order command: the order as it is now, formatted when read (order-answer.ts). */
  orderAnswer(o: Order): OrderAnswer {
    return new OrderAnswer(o);
  }

  /** @internal */
  orderUpdate(o: Order, x: OrderUpdate['o']['x'], time: number, trade?: OrderFill): OrderUpdate {
    return { e: 'ORDER_TRADE_UPDATE', accountId: o.accountId, E: time, T: time, o: new OrderUpdateFields(o, x, time, trade) };
  }

  /** @internal */
  accountUpdate(a: Account, reason: AccountUpdateReason, time: number, balanceChange: Decimal, positions: EnginePosition[]): AccountUpdate {
    let wallet = a.crossWallet;
    for (const p of a.positions.values()) wallet = wallet.add(p.isolatedWallet);
    const sorted = positions.length < 2 ? positions : positions.slice().sort(byLeg);
    // the legs' figures now (their text is made when the event is read: account-update-data.ts)
    const legs: LegFigures[] = [];
    for (const p of sorted)
      legs.push({
        symbol: p.symbol,
        positionSide: p.positionSide,
        amt: p.amt,
        cost: p.cost,
        isolatedWallet: p.isolatedWallet,
        isolated: settingsOf(a, p.symbol).marginType === 'ISOLATED',
        mark: this.symbols.get(p.symbol)?.markPrice,
      });
    return {
      e: 'ACCOUNT_UPDATE',
      accountId: a.accountId,
      E: time,
      T: time,
      a: new AccountUpdateData(reason, wallet, a.crossWallet, balanceChange, a.realizedPnl, legs),
    };
  }

  /** A canonical text of the whole state (what stateHash hashes). */
  canonicalState(): string {
    const parts: string[] = [`t${this.time}|o${this.nextOrderId}|tr${this.nextTradeId}|f${this.feesCollected}`];
    for (const [sym, s] of [...this.symbols].sort(([x], [y]) => (x < y ? -1 : 1))) {
      parts.push(
        `S${sym}|${s.markPrice ?? '-'}|${s.indexPrice ?? '-'}|${s.lastPrice ?? '-'}|${[...s.conditional.keys()].join(',')}|${s.fundingRate ?? '-'}|${s.premiumSamples.join(',')}|${s.premiumBucket}|${s.lastFundingRate}|${s.lastFundingTime}|${s.basis.join(',')}`,
      );
      for (const side of [s.book.bids, s.book.asks]) {
        for (const level of side.levels) parts.push(`L${level.ticks}:${level.orders.map((o) => o.orderId).join(',')}`);
      }
    }
    for (const id of [...this.accounts.keys()].sort()) {
      const a = this.accounts.get(id) as Account;
      parts.push(
        `A${id}|${a.crossWallet}|${a.makerRate}|${a.takerRate}|${a.dualSidePosition}|${a.deposits}|${a.withdrawals}|${a.realizedPnl}|${a.commission}|${a.funding}|${a.insuranceClear}|${a.marginCall}`,
      );
      for (const k of [...a.settings.keys()].sort()) {
        const st = a.settings.get(k) as { leverage: number; marginType: string };
        parts.push(`s${k}|${st.leverage}|${st.marginType}`);
      }
      for (const k of [...a.positions.keys()].sort()) {
        const p = a.positions.get(k) as EnginePosition;
        parts.push(`p${k}|${p.amt}|${p.cost}|${p.isolatedWallet}`);
      }
      for (const oid of [...a.openOrders.keys()].sort((x, y) => x - y)) {
        const o = a.openOrders.get(oid) as Order;
        parts.push(
          `o${oid}|${o.clientOrderId}|${o.side}|${o.positionSide}|${o.price}|${o.origQty}|${o.executedQty}|${o.cumQuote}|${o.status}|${o.reduceOnly}|${o.timeInForce}|${o.selfTradePreventionMode}|${o.type}|${o.origType}|${o.stopPrice}|${o.workingType}|${o.closePosition}|${o.callbackRate ?? '-'}|${o.activationPrice ?? '-'}|${o.trailActive}|${o.trailExtreme ?? '-'}${o.priceMatch !== 'NONE' || o.goodTillDate !== 0 ? `|${o.priceMatch}|${o.goodTillDate}` : ''}${o.priceProtect ? '|pP' : ''}${o.amendments > 0 ? `|a${o.amendments}` : ''}`,
        );
      }
    }
    for (const c of this.countdownList()) parts.push(`C${c.accountId}|${c.symbol}|${c.deadline}`);
    return parts.join('\n');
  }

  stateHash(): string {
    return fnv1a64(this.canonicalState());
  }
}
