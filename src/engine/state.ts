/** The engine's state: accounts, their settings, positions and open orders. */
import { Decimal, type Instrument } from '../core/index.js';

const DECIMAL_ZERO = Decimal.ZERO;
import type { CommandPositionSide, OrderType, PriceMatch, SelfTradePrevention, Side, TimeInForce, WorkingType } from './commands.js';
import type { OrderBook } from './order-book.js';

export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';

export interface Order {
  readonly orderId: number;
  /** the newClientOrderId it was placed with, else DEFAULT_CLIENT_ORDER_ID_PREFIX and its order id */
  readonly clientOrderId: string;
  /** the client order id it was placed with (undefined: the default one) */
  readonly givenClientOrderId: string | undefined;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly positionSide: CommandPositionSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  /** price, ticks, origQty and priceMatch change in place when the fast path amends the order (order-fast-path.ts) */
  price: Decimal;
  /** price in ticks: the book's key (an integer; prices are bounded by maxPrice, far below 2^53 ticks) */
  ticks: number;
  origQty: Decimal;
  executedQty: Decimal;
  cumQuote: Decimal;
  status: OrderStatus;
  readonly reduceOnly: boolean;
  readonly selfTradePreventionMode: SelfTradePrevention;
  readonly time: number;
  updateTime: number;
  /** the type as placed (a triggered STOP_MARKET keeps origType STOP_MARKET and becomes type MARKET) */
  readonly origType: OrderType;
  readonly stopPrice: Decimal;
  readonly workingType: WorkingType;
  readonly closePosition: boolean;
  /** TRAILING_STOP_MARKET: callback rate as a fraction (1 % = 0.01) */
  readonly callbackRate: Decimal | undefined;
  readonly activationPrice: Decimal | undefined;
  /** TRAILING_STOP_MARKET: whether the activation price was reached, and the best price since */
  trailActive: boolean;
  trailExtreme: Decimal | undefined;
  /** how the price was chosen (NONE: given) */
  priceMatch: PriceMatch;
  /** timeInForce GTD: expiry time (epoch ms, whole seconds); 0 otherwise */
  readonly goodTillDate: number;
  /** a conditional order does not trigger while last and mark price differ by more than triggerProtect */
  readonly priceProtect: boolean;
  /** how many times the order was amended (Binance refuses the 10,000th amend: -5026) */
  amendments: number;
  /** @internal the exchange has queued it among the closed orders it remembers (set once, when it closes) */
  closedQueued: boolean;
}

/** Binance's limit of amends per order: the 10,000th is refused (-5026). */
export const MAX_AMENDMENTS = 10_000;

/** An order's average fill price: cumQuote / executedQty at 8 places (HALF_UP), 0 before any fill. */
export function averageFillPrice(executedQty: Decimal, cumQuote: Decimal): Decimal {
  return executedQty.isZero() ? DECIMAL_ZERO : cumQuote.div(executedQty, 8);
}

/** What every new order must be given; the rest defaults to a fresh GTC order (nothing filled). */
export type OrderInit = Pick<
  Order,
  'orderId' | 'accountId' | 'symbol' | 'side' | 'positionSide' | 'type' | 'price' | 'ticks' | 'origQty' | 'time'
> &
  Partial<Omit<Order, 'clientOrderId' | 'givenClientOrderId'>> & {
    /** undefined: the default (DEFAULT_CLIENT_ORDER_ID_PREFIX and the order id) */
    readonly clientOrderId: string | undefined;
  };

export function newOrder(init: OrderInit): Order {
  const terms: OrderTerms = {
    stopPrice: init.stopPrice ?? DECIMAL_ZERO,
    workingType: init.workingType ?? 'CONTRACT_PRICE',
    closePosition: init.closePosition ?? false,
    callbackRate: init.callbackRate,
    activationPrice: init.activationPrice,
    trailActive: init.trailActive ?? false,
    trailExtreme: init.trailExtreme,
    goodTillDate: init.goodTillDate ?? 0,
    priceProtect: init.priceProtect ?? false,
  };
  // prettier-ignore
  return new OrderRecord(
    init.orderId, init.clientOrderId, init.accountId, init.symbol, init.side, init.positionSide, init.type,
    init.timeInForce ?? 'GTC', init.price, init.ticks, init.origQty, init.executedQty ?? DECIMAL_ZERO,
    init.cumQuote ?? DECIMAL_ZERO, init.status ?? 'NEW', init.reduceOnly ?? false,
    init.selfTradePreventionMode ?? 'EXPIRE_TAKER', init.time, init.updateTime ?? init.time, init.origType ?? init.type,
    init.priceMatch ?? 'NONE', init.amendments ?? 0, sharedIfPlain(terms),
  );
}

/**
 * A new one-way LIMIT order as `newOrder` makes it from these fields alone (nothing filled, placed now):
 * the fast path's orders. Its arguments are plain values, where `newOrder` reads a field object whose
 * shape differs with each caller (those reads are V8's slowest kind).
 */
export function newLimitOrder(
  orderId: number,
  clientOrderId: string | undefined,
  accountId: string,
  symbol: string,
  side: Side,
  timeInForce: TimeInForce,
  price: Decimal,
  ticks: number,
  origQty: Decimal,
  selfTradePreventionMode: SelfTradePrevention,
  time: number,
): Order {
  // prettier-ignore
  return new OrderRecord(
    orderId, clientOrderId, accountId, symbol, side, 'BOTH', 'LIMIT', timeInForce, price, ticks, origQty,
    DECIMAL_ZERO, DECIMAL_ZERO, 'NEW', false, selfTradePreventionMode, time, time, 'LIMIT', 'NONE', 0, PLAIN_TERMS,
  );
}

/** The client order id of an order placed without one is this prefix and the order id (Binance makes up a random one). */
export const DEFAULT_CLIENT_ORDER_ID_PREFIX = 'perpsim-';

/** The client order id of order `orderId` when it was placed without one. */
export function defaultClientOrderId(orderId: number): string {
  return DEFAULT_CLIENT_ORDER_ID_PREFIX + orderId;
}

/**
 * Whether `o`'s client order id is `id`, without spelling out a default id (an order placed without one) unless
 * `id` could be one.
 */
export function hasClientOrderId(o: Order, id: string): boolean {
  return id.startsWith(DEFAULT_CLIENT_ORDER_ID_PREFIX) ? o.clientOrderId === id : o.givenClientOrderId === id;
}

/** The terms only conditional (stop, take-profit, trailing stop) and GTD orders set. */
type OrderTerms = Pick<
  Order,
  | 'stopPrice'
  | 'workingType'
  | 'closePosition'
  | 'callbackRate'
  | 'activationPrice'
  | 'trailActive'
  | 'trailExtreme'
  | 'goodTillDate'
  | 'priceProtect'
>;

/** The terms of every other order, shared by them all (an order given its own copy before one changes). */
const PLAIN_TERMS: OrderTerms = {
  stopPrice: DECIMAL_ZERO,
  workingType: 'CONTRACT_PRICE',
  closePosition: false,
  callbackRate: undefined,
  activationPrice: undefined,
  trailActive: false,
  trailExtreme: undefined,
  goodTillDate: 0,
  priceProtect: false,
};
const TERM_KEYS = Object.keys(PLAIN_TERMS) as (keyof OrderTerms)[];

/** PLAIN_TERMS when `terms` equal them field for field (the same objects), else `terms`. */
function sharedIfPlain(terms: OrderTerms): OrderTerms {
  for (const k of TERM_KEYS) if (terms[k] !== PLAIN_TERMS[k]) return terms;
  return PLAIN_TERMS;
}

/**
 * Every order is an OrderRecord: one object shape for all orders, the fields an order command, a fill or a
 * cancel reads first, together (an order read cold, as most are among thousands, then costs two or three
 * cache lines). The order of the fields is not state: the state hash and snapshots name them.
 *
 * What it keeps is small because every order is kept, open and then closed (for queries), and on this
 * project's machines fresh memory is dear (docs/engine.md, "Fresh memory is dear"): a default client order
 * id is made when read, not stored (two strings an order), and the conditional and GTD terms sit in one
 * object shared by all orders that have none (nine fields fewer).
 */
class OrderRecord implements Order {
  // `declare`: no field definitions before the constructor's stores, which give each field its first
  // value and so V8 its representation (`ticks` stays a small integer, unboxed)
  declare readonly orderId: number;
  declare readonly accountId: string;
  declare readonly symbol: string;
  declare readonly side: Side;
  declare readonly type: OrderType;
  declare readonly origType: OrderType;
  declare readonly timeInForce: TimeInForce;
  declare readonly positionSide: CommandPositionSide;
  declare readonly reduceOnly: boolean;
  declare amendments: number;
  declare ticks: number;
  declare price: Decimal;
  declare origQty: Decimal;
  declare executedQty: Decimal;
  declare cumQuote: Decimal;
  declare status: OrderStatus;
  declare priceMatch: PriceMatch;
  declare updateTime: number;
  declare closedQueued: boolean;
  declare readonly givenClientOrderId: string | undefined;
  declare readonly selfTradePreventionMode: SelfTradePrevention;
  declare readonly time: number;
  declare private terms: OrderTerms;

  // prettier-ignore
  constructor(
    orderId: number, givenClientOrderId: string | undefined, accountId: string, symbol: string, side: Side,
    positionSide: CommandPositionSide, type: OrderType, timeInForce: TimeInForce, price: Decimal, ticks: number,
    origQty: Decimal, executedQty: Decimal, cumQuote: Decimal, status: OrderStatus, reduceOnly: boolean,
    selfTradePreventionMode: SelfTradePrevention, time: number, updateTime: number, origType: OrderType,
    priceMatch: PriceMatch, amendments: number, terms: OrderTerms,
  ) {
    this.orderId = orderId;
    this.accountId = accountId;
    this.symbol = symbol;
    this.side = side;
    this.type = type;
    this.origType = origType;
    this.timeInForce = timeInForce;
    this.positionSide = positionSide;
    this.reduceOnly = reduceOnly;
    this.amendments = amendments;
    this.ticks = ticks;
    this.price = price;
    this.origQty = origQty;
    this.executedQty = executedQty;
    this.cumQuote = cumQuote;
    this.status = status;
    this.priceMatch = priceMatch;
    this.updateTime = updateTime;
    this.closedQueued = false;
    this.givenClientOrderId = givenClientOrderId;
    this.selfTradePreventionMode = selfTradePreventionMode;
    this.time = time;
    this.terms = terms;
  }

  get clientOrderId(): string {
    return this.givenClientOrderId ?? defaultClientOrderId(this.orderId);
  }
  get stopPrice(): Decimal {
    return this.terms.stopPrice;
  }
  get workingType(): WorkingType {
    return this.terms.workingType;
  }
  get closePosition(): boolean {
    return this.terms.closePosition;
  }
  get callbackRate(): Decimal | undefined {
    return this.terms.callbackRate;
  }
  get activationPrice(): Decimal | undefined {
    return this.terms.activationPrice;
  }
  get goodTillDate(): number {
    return this.terms.goodTillDate;
  }
  get priceProtect(): boolean {
    return this.terms.priceProtect;
  }
  get trailActive(): boolean {
    return this.terms.trailActive;
  }
  set trailActive(v: boolean) {
    this.ownTerms().trailActive = v;
  }
  get trailExtreme(): Decimal | undefined {
    return this.terms.trailExtreme;
  }
  set trailExtreme(v: Decimal | undefined) {
    this.ownTerms().trailExtreme = v;
  }

  private ownTerms(): OrderTerms {
    if (this.terms === PLAIN_TERMS) this.terms = { ...PLAIN_TERMS };
    return this.terms;
  }
}

const CONDITIONAL = new Set<OrderType>(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET']);

/** Account-id order: how the engine processes accounts wherever the order could otherwise depend on history. */
export function byAccountId(x: { readonly accountId: string }, y: { readonly accountId: string }): number {
  return x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0;
}

/** A conditional order that has not triggered yet: it waits outside the book and reserves no margin. */
export function isPendingConditional(o: Pick<Order, 'type'>): boolean {
  return CONDITIONAL.has(o.type);
}

/** A maker order's part in a taker's trade, planned before anything changes: its quantity at its price. */
export interface PlannedFill {
  readonly maker: Order;
  readonly qty: Decimal;
  readonly ticks: number;
  readonly price: Decimal;
}

/**
 * The legs a command's fills changed, by account (in first-fill order): one ACCOUNT_UPDATE each. A
 * trade touches a few accounts: two arrays searched in order cost less than a map made for each trade.
 */
export class Touched {
  /** the accounts, in the order their first fill came */
  readonly accounts: Account[] = [];
  /** the legs of `accounts[i]` that changed, in the order they first changed */
  readonly legs: EnginePosition[][] = [];

  get size(): number {
    return this.accounts.length;
  }

  /** Records that `leg` of account `a` changed. */
  add(a: Account, leg: EnginePosition): void {
    const i = this.accounts.indexOf(a);
    if (i < 0) {
      this.accounts.push(a);
      this.legs.push([leg]);
      return;
    }
    const legs = this.legs[i] as EnginePosition[];
    if (!legs.includes(leg)) legs.push(leg);
  }
}

export interface EnginePosition {
  readonly symbol: string;
  readonly positionSide: CommandPositionSide;
  /** signed size: > 0 long, < 0 short */
  amt: Decimal;
  /**
   * signed cost basis Σ qty × price of the open part (positive for a long). Entry price = cost / amt.
   * Kept exact so that Σ realized PnL over all accounts equals Σ open cost basis exactly.
   */
  cost: Decimal;
  /** margin held by an isolated position */
  isolatedWallet: Decimal;
}

export interface SymbolSettings {
  leverage: number;
  marginType: 'ISOLATED' | 'CROSSED';
}

export interface Account {
  readonly accountId: string;
  /** the cross wallet balance (USDT): the wallet less what isolated positions hold */
  crossWallet: Decimal;
  readonly makerRate: Decimal;
  readonly takerRate: Decimal;
  dualSidePosition: boolean;
  readonly settings: Map<string, SymbolSettings>;
  /** key `${symbol}:${positionSide}` */
  readonly positions: Map<string, EnginePosition>;
  /** open orders by orderId */
  readonly openOrders: Map<number, Order>;
  /** ledger totals, for the conservation invariant */
  deposits: Decimal;
  withdrawals: Decimal;
  realizedPnl: Decimal;
  commission: Decimal;
  /** net funding received (negative when paid) */
  funding: Decimal;
  /** net insurance clearance (negative for a liquidated account, positive for the insurance fund) */
  insuranceClear: Decimal;
  /** whether a MARGIN_CALL is outstanding (the cross margin ratio is at or above the warning level) */
  marginCall: boolean;
  /**
   * @internal where the fast path keeps its float bound of the account (a base index in fast-bounds.ts;
   * -1: none yet): on the account to spare a map lookup per order command; not state (not in snapshots
   * or the hash)
   */
  fastBlock: number;
  /** @internal which recomputations the account is marked for (dirty-accounts.ts); not state */
  dirtyBits: number;
  /**
   * @internal how many of `openOrders` are reduce-only (kept by `addOpenOrder`, `setOpenOrder` and
   * `deleteOpenOrder`, the only writers of that map): an account without any has nothing for the
   * reduce-only sweep to expire when its leg closes or flips. Not state.
   */
  reduceOnlyOrders: number;
  /**
   * @internal the last lookups of `settings` (settingsOf) and of `positions` (legOf, ensurePosition), and
   * their keys: an order's fills read the same symbol's settings and leg again and again, and the maps
   * behind them are cold by then. Not state; `forgetLookups` drops them whenever either map changes
   * other than through ensurePosition.
   */
  lookedUpSymbol: string | undefined;
  lookedUpSettings: SymbolSettings | undefined;
  lookedUpLegKey: string | undefined;
  lookedUpLeg: EnginePosition | undefined;
}

/** Adds order `o` to its account `a`'s open orders, where no order with its id is. */
export function addOpenOrder(a: Account, o: Order): void {
  a.openOrders.set(o.orderId, o);
  if (o.reduceOnly) a.reduceOnlyOrders++;
}

/** Puts order `o` among account `a`'s open orders, in place of the one with its id if there is one (an amend). */
export function setOpenOrder(a: Account, o: Order): void {
  const before = a.openOrders.get(o.orderId);
  if (before !== undefined && before.reduceOnly) a.reduceOnlyOrders--;
  addOpenOrder(a, o);
}

/** Takes open order `o` out of its account `a`'s open orders (nothing when it is not there). */
export function deleteOpenOrder(a: Account, o: Order): void {
  if (a.openOrders.delete(o.orderId) && o.reduceOnly) a.reduceOnlyOrders--;
}

/** Drops an account's cached lookups (Account.lookedUpSymbol…): after its settings or legs map changed. */
export function forgetLookups(a: Account): void {
  a.lookedUpSymbol = undefined;
  a.lookedUpSettings = undefined;
  a.lookedUpLegKey = undefined;
  a.lookedUpLeg = undefined;
}

/** The account's leg with key `key` (positionKey), if it has one. */
export function legOf(a: Account, key: string): EnginePosition | undefined {
  if (a.lookedUpLegKey === key) return a.lookedUpLeg;
  const p = a.positions.get(key);
  if (p !== undefined) {
    a.lookedUpLegKey = key;
    a.lookedUpLeg = p;
  }
  return p;
}

/** The insurance fund is an account of its own (it cannot be created or traded by users). */
export const INSURANCE_FUND_ID = '#insurance';

export interface SymbolState {
  readonly instrument: Instrument;
  markPrice: Decimal | undefined;
  indexPrice: Decimal | undefined;
  /** price of the last trade (CONTRACT_PRICE) */
  lastPrice: Decimal | undefined;
  /** the rate given for the next funding settlement (an input series), if any */
  fundingRate: Decimal | undefined;
  /** basis samples ((bid1 + ask1) / 2 − index) for the computed mark price */
  readonly basis: Decimal[];
  /** premium index samples since the last settlement (at most one per 5 s of engine time, as Binance) */
  readonly premiumSamples: Decimal[];
  /** the 5-second bucket (engine time / 5000) of the last premium sample (-1: none yet) */
  premiumBucket: number;
  /** funding rate cap (and, negated, floor) */
  readonly fundingCap: Decimal;
  readonly fundingIntervalHours: number;
  lastFundingRate: Decimal;
  lastFundingTime: number;
  /** conditional orders waiting for their trigger, by orderId (ascending: the order they are checked in) */
  readonly conditional: Map<number, Order>;
  readonly book: OrderBook;
}

export const DEFAULT_LEVERAGE = 20;

/**
 * The keys by symbol, made once: a key built on every lookup is a new string whose hash is computed
 * again each time. Bounded (cleared when full), so odd symbol texts cannot grow it without limit.
 */
const POSITION_KEYS = new Map<string, Readonly<Record<CommandPositionSide, string>>>();
const MAX_POSITION_KEYS = 4096;

/** The key of a leg in Account.positions: "SYMBOL:SIDE". */
export function positionKey(symbol: string, positionSide: CommandPositionSide): string {
  let keys = POSITION_KEYS.get(symbol);
  if (keys === undefined) {
    if (POSITION_KEYS.size >= MAX_POSITION_KEYS) POSITION_KEYS.clear();
    keys = { BOTH: `${symbol}:BOTH`, LONG: `${symbol}:LONG`, SHORT: `${symbol}:SHORT` };
    POSITION_KEYS.set(symbol, keys);
  }
  return keys[positionSide];
}

/** Adds `value` to the set `map` keeps under `key`, making the set on first use. */
export function addToSetOf<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

/**
 * The same text as an internalized string: V8 keeps one copy of each, and compares two of them by
 * pointer. The accounts map's keys are account ids: a lookup that walks past another id in its hash
 * bucket then tells them apart without reading their characters. (Digits alone are an array index as a
 * key, which comes back as a new string: equal, just not shared.)
 */
export function internedId(id: string): string {
  return Object.keys({ [id]: 0 })[0] ?? id;
}

export function newAccount(id: string, makerRate: Decimal, takerRate: Decimal): Account {
  const accountId = internedId(id);
  // what every order command reads first, together (one cache line when the account is read cold)
  return {
    accountId,
    dualSidePosition: false,
    openOrders: new Map(),
    fastBlock: -1,
    lookedUpSymbol: undefined,
    lookedUpSettings: undefined,
    lookedUpLegKey: undefined,
    lookedUpLeg: undefined,
    settings: new Map(),
    positions: new Map(),
    crossWallet: DECIMAL_ZERO,
    makerRate,
    takerRate,
    deposits: DECIMAL_ZERO,
    withdrawals: DECIMAL_ZERO,
    realizedPnl: DECIMAL_ZERO,
    commission: DECIMAL_ZERO,
    funding: DECIMAL_ZERO,
    insuranceClear: DECIMAL_ZERO,
    marginCall: false,
    dirtyBits: 0,
    reduceOnlyOrders: 0,
  };
}
