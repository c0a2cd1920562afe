/**
 * The fast path for the commands that make up most of a trading session's order flow: a new LIMIT order
 * that rests without trading, an IOC LIMIT order that takes other accounts' plain orders, an amend (new
 * price and/or quantity) of a resting order that does not trade, and a cancel. docs/engine.md, "Fast
 * path".
 *
 * It never decides a rejection. It proves, with plain numbers, that the command passes every check the
 * general path (exchange.ts) makes, and then applies exactly what the general path would apply: the same
 * order object, book change, events and result (an IOC's fills are applied by the general path's own
 * code). When it cannot prove that (a check fails or comes too close to call in floating point, a resting
 * order would trade, hedge mode, reduce-only, GTD, price match, a self-trade…), it answers `undefined` and
 * the general path runs the command from scratch.
 *
 * How the checks are proven:
 * - prices and quantities are parsed into integers on the symbol's price and quantity grids (ticks,
 *   steps): the tick, step, precision, min/max price and min/max quantity filters are exact integer tests;
 * - the price band, min notional and -2027 checks compare floats with a relative margin of 10⁻¹² towards
 *   rejection (a value that close to a limit goes to the exact path);
 * - the margin check (-2019) uses a float lower bound of the account's available balance: the exact
 *   decimal value computed once, then lowered by an upper bound of each change of the symbol's open-order
 *   margin that the fast path makes. Any other change to the account (a trade, a deposit, a setting, a
 *   mark price, an order changed by the general path) drops the bound; the next fast command recomputes it
 *   exactly. An order is accepted when `available − Δmargin ≥ 0` is proven, or `Δmargin ≤ 0` (the general
 *   path's rule: no worse than before).
 */
import { Decimal, maxNotionalForLeverage, type Instrument } from '../core/index.js';
import { availableOf, settingsOf, viewOf } from './account-margin.js';
import {
  CLIENT_ORDER_ID_RE,
  SELF_TRADE_PREVENTION_MODES,
  type CancelOrder,
  type Command,
  type ModifyOrder,
  type PlaceOrder,
  type SelfTradePrevention,
} from './commands.js';
import type { EngineEvent } from './events.js';
import { FastBounds, newOrderChange, REL, SLACK } from './fast-bounds.js';
import type { OrderAnswer } from './order-answer.js';
import type { Level } from './order-book.js';
import {
  addOpenOrder,
  hasClientOrderId,
  MAX_AMENDMENTS,
  legOf,
  newLimitOrder,
  positionKey,
  type Account,
  type Order,
  type PlannedFill,
  type SymbolState,
  type Touched,
} from './state.js';

const NO_ORDERS: readonly Order[] = [];

/** What the fast path needs of the exchange (exchange.ts implements it). */
export interface FastPathHost {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly symbols: ReadonlyMap<string, SymbolState>;
  allocateOrderId(): number;
  /** the engine's time moves to an accepted command's */
  advanceTime(time: number): void;
  remember(o: Order): void;
  orderUpdate(o: Order, x: 'NEW' | 'AMENDMENT' | 'CANCELED' | 'EXPIRED', time: number): EngineEvent;
  orderAnswer(o: Order): OrderAnswer;
  /** closes an open order (book, account) and answers its ORDER_TRADE_UPDATE */
  closeOrderEvent(o: Order, exec: 'CANCELED', time: number): EngineEvent;
  /** keeps a closed order among the closed ones (the exchange then queues those of events[closedFrom…]) */
  queueClosed(o: Order): void;
  processTriggers(s: SymbolState, time: number, events: EngineEvent[]): void;
  /** a taker's planned fills (the general path's own), and what follows them (exchange.ts `submit`) */
  executeFills(
    taker: Order,
    takerAcc: Account,
    s: SymbolState,
    fills: readonly PlannedFill[],
    time: number,
    events: EngineEvent[],
  ): Touched;
  settleFills(s: SymbolState, touched: Touched, reduceOnlyExpired: readonly Order[], time: number, events: EngineEvent[]): void;
}

/** An accepted command's answer (exchange.ts `Result`): its events in an array of their own size. */
export interface Accepted {
  readonly ok: true;
  readonly events: EngineEvent[];
  readonly result: unknown;
}

/** A symbol's filters as integers on its grids (units of 10^-precision), and its float limits. */
interface Grid {
  readonly symbol: string;
  readonly instrument: Instrument;
  /** a small index per symbol (a bound's totals are kept by it: fast-bounds.ts) */
  readonly index: number;
  /** the last mark seen and its float */
  mark: Decimal | undefined;
  markF: number;
  readonly priceScale: number;
  readonly tickUnits: number;
  readonly minPriceUnits: number;
  readonly maxPriceUnits: number;
  readonly qtyScale: number;
  readonly stepUnits: number;
  readonly minQtyUnits: number;
  readonly maxQtyUnits: number;
  readonly minNotional: number;
  readonly multiplierUp: number;
  readonly multiplierDown: number;
  /** one Decimal per price level used, and per quantity (orders share them) */
  readonly prices: UnitsCache;
  readonly quantities: UnitsCache;
  /** the one-way position's key in Account.positions */
  readonly bothKey: string;
  /** maxNotionalForLeverage as a float, by leverage (-1: none) */
  readonly caps: Map<number, number>;
  readonly tickSize: Decimal;
}

/**
 * Prices in ticks are kept below this (a symbol whose max price has more ticks goes to the general path):
 * V8 stores an object field whose values are all small integers (below 2^30 in every V8 build) unboxed,
 * and one that ever held a fractional or large number as a pointer to a separate box, one more cache
 * line on every read. An order's `ticks` is read on every order command. (The general path's orders of
 * such a symbol would still store larger ticks and box the field for every order: a cost, not an error;
 * the built-in instruments stay far below, BTCUSDT's max price is ~45 million ticks.)
 */
const MAX_SMALL_TICKS = 2 ** 30;

const P10: number[] = [];
for (let i = 0; i <= 22; i++) P10.push(10 ** i);

/**
 * Decimals by their units on a grid, direct-mapped (a slot per units mod SLOTS, the last one made wins):
 * two array reads where a map lookup missed the CPU's caches; the prices a book uses are a few thousand
 * consecutive ticks, which fill distinct slots.
 */
class UnitsCache {
  private static readonly SLOTS = 4096;
  private readonly keys = new Float64Array(UnitsCache.SLOTS).fill(-1);
  private readonly values: (Decimal | undefined)[] = new Array<Decimal | undefined>(UnitsCache.SLOTS).fill(undefined);

  /** The Decimal of `units` (a non-negative safe integer) if its slot holds it. */
  get(units: number): Decimal | undefined {
    const i = units & (UnitsCache.SLOTS - 1); // units mod SLOTS (2^32 is a multiple of SLOTS)
    return this.keys[i] === units ? this.values[i] : undefined;
  }

  set(units: number, d: Decimal): Decimal {
    const i = units & (UnitsCache.SLOTS - 1);
    this.keys[i] = units;
    this.values[i] = d;
    return d;
  }
}

/** A decimal's units at `scale` when it is an integer there and safe; -1 otherwise. */
function unitsOf(d: Decimal, scale: number): number {
  if (d.e > scale) return -1;
  const u = d.mantissaNumber() * (P10[scale - d.e] as number);
  if (u < 0) return -1;
  return Number.isSafeInteger(u) ? u : -1;
}

function gridOf(inst: Instrument, index: number): Grid | undefined {
  const ps = inst.pricePrecision;
  const qs = inst.quantityPrecision;
  if (ps > 15 || qs > 15) return undefined;
  const g: Grid = {
    symbol: inst.symbol,
    instrument: inst,
    index,
    mark: undefined,
    markF: 0,
    priceScale: ps,
    tickUnits: unitsOf(inst.tickSize, ps),
    minPriceUnits: unitsOf(inst.minPrice, ps),
    maxPriceUnits: unitsOf(inst.maxPrice, ps),
    qtyScale: qs,
    stepUnits: unitsOf(inst.stepSize, qs),
    minQtyUnits: unitsOf(inst.minQty, qs),
    maxQtyUnits: unitsOf(inst.maxQty, qs),
    minNotional: inst.minNotional.toNumber(),
    multiplierUp: inst.multiplierUp.toNumber(),
    multiplierDown: inst.multiplierDown.toNumber(),
    prices: new UnitsCache(),
    quantities: new UnitsCache(),
    bothKey: positionKey(inst.symbol, 'BOTH'),
    caps: new Map(),
    tickSize: inst.tickSize,
  };
  if (g.tickUnits <= 0 || g.stepUnits <= 0 || g.minPriceUnits < 0 || g.maxPriceUnits < 0 || g.minQtyUnits < 0 || g.maxQtyUnits < 0)
    return undefined;
  // every price in ticks is a V8 small integer (below 2^30): `limitOrder` keeps ticks as one
  if (g.maxPriceUnits / g.tickUnits >= MAX_SMALL_TICKS) return undefined;
  return g;
}

/** A command's time as the general path accepts it (a safe integer ≥ 0); any other goes there to be refused. */
function validTime(time: unknown): time is number {
  return Number.isSafeInteger(time) && (time as number) >= 0;
}

/** `units` is a multiple of `step` (a step of one unit, as BTCUSDT's tick and lot, needs no division). */
function onGrid(units: number, step: number): boolean {
  return step === 1 || units % step === 0;
}

/**
 * Parses a plain positive decimal ("123", "0.010") into units of 10^-scale: -1 when the text is anything
 * else (a sign, more significant decimals than `scale`, too many digits for a safe integer, zero).
 */
export function parseUnits(text: unknown, scale: number): number {
  if (typeof text !== 'string') return -1;
  const n = text.length;
  if (n === 0 || n > 16) return -1;
  let v = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  if (i === 0) return -1;
  let frac = 0;
  if (i < n) {
    i++; // '.'
    if (i === n) return -1;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      if (frac === scale) {
        if (c !== 48) return -1; // a non-zero digit beyond the precision: the exact path rejects it
        continue;
      }
      v = v * 10 + (c - 48);
      frac++;
    }
  }
  v *= P10[scale - frac] as number;
  return v > 0 && Number.isSafeInteger(v) ? v : -1;
}

/**
 * An account's bound (fast-bounds.ts) is valid while only the fast path has changed the account and its
 * epoch is the current one: a float lower bound of its available balance and, per symbol used, float
 * totals of its open orders. Built from the exact state, then kept up to date by the fast path's own
 * changes; rebuilt after MAX_OPS of them so that float rounding cannot pile up (each change's slack is far
 * larger).
 */
const MAX_OPS = 10_000;

/** the most a fee booked at 8 places (half up) exceeds its exact q × p × rate */
const FEE_ROUNDING = 5e-9;

/**
 * A maker's bound follows an IOC's fill (`followMakerFill`) when it counts at least this many open orders
 * on the symbol; a smaller one is dropped and rebuilt on the account's next command, which then reads
 * only a few orders. Following costs the IOC ~0.2 µs a maker (measured: the bench's IOC p50 +7 % with
 * every maker followed, its makers holding one or two orders each), and the IOC is the latency that counts.
 */
const FOLLOW_MIN_ORDERS = 8;

/**
 * An account's available-balance bound and its totals on one symbol (their base in FastBounds), built
 * afresh for one order (`freshBound`): valid until the next `freshBound`.
 */
export interface FreshBound {
  readonly g: Grid;
  readonly mark: number;
  readonly low: number;
  readonly totals: number;
}
export type { Grid };

/** A LIMIT order that passed the filters: price in ticks, quantity in units, and both (and the mark) as floats. */
interface GridOrder {
  /** a small integer (an order's `ticks` are set from it and stay unboxed: MAX_SMALL_TICKS) */
  ticks: number;
  /** the order's quantity as given (an amend's total, filled part included) and what of it would rest */
  totalUnits: number;
  qtyUnits: number;
  mark: number;
  price: number;
  qty: number;
}

export class OrderFastPath {
  /**
   * how many commands it answered (IOC orders among them), passed to the general path, and how often a
   * margin check was too close to call; how many trades' margin checks it proved (lowAfterTrade) and left to
   * the exact check
   */
  readonly stats = {
    served: 0,
    declined: 0,
    /** IOC orders it traded (`take`) */
    taken: 0,
    marginTooClose: 0,
    boundRebuilds: 0,
    exactRebuilds: 0,
    tradesProven: 0,
    tradesUnproven: 0,
    /** makers' bounds that followed an IOC's fill instead of being rebuilt (`followMakerFill`) */
    makersFollowed: 0,
  };
  private readonly grids = new Map<string, Grid | null>();
  /** the symbol whose grid was asked for last, and that grid */
  private lastSymbol: SymbolState | undefined;
  private lastGrid: Grid | undefined;
  private epoch = 0;
  /** the accounts' float bounds */
  private readonly bounds = new FastBounds();
  /** `limitOrder`'s answer, reused (its float fields hold doubles from the start, its tick count small integers) */
  private readonly gridOrder: GridOrder = { ticks: 0, totalUnits: 0, qtyUnits: 0, mark: 0.5, price: 0.5, qty: 0.5 };
  /**
   * The accepted command's events from which the exchange queues the orders they closed (in event
   * order): the fast path queued those before it itself, its own order first. Read and reset to 1 by the
   * exchange after each accepted fast command.
   */
  closedFrom = 1;
  /** `check`'s order change, reused */
  private readonly change = newOrderChange();

  constructor(private readonly ex: FastPathHost) {}

  /** Every account's bound is dropped (a mark price moved, or a command the fast path does not follow). */
  invalidateAll(): void {
    this.epoch++;
  }

  /** The account's bound is dropped (the general path changed its orders, positions or wallet). */
  invalidate(a: Account | undefined): void {
    if (a === undefined) return;
    const b = this.bounds.accountBlock(a, false);
    if (b >= 0) this.bounds.drop(b);
  }

  /**
   * After a command the general path accepted: an order command, or a command of one account (a
   * deposit, a withdrawal, a setting, isolated margin), drops the bounds of the accounts its events name
   * (every order or account change of an account has an event naming it); any other command (a mark or
   * index price, funding…) drops them all.
   */
  followGeneral(cmd: Command, events: readonly EngineEvent[]): void {
    // order commands, then the commands of one account (its wallet or settings)
    switch (cmd.type) {
      case 'placeOrder':
      case 'modifyOrder':
      case 'cancelOrder':
      case 'cancelAllOrders':
      case 'expireOrders':
      case 'setCountdownCancelAll':
      case 'createAccount':
      case 'deposit':
      case 'withdraw':
      case 'setLeverage':
      case 'setMarginType':
      case 'setPositionMode':
      case 'modifyIsolatedMargin':
        this.dropNamed(events, 0);
        return;
      default:
        this.invalidateAll();
    }
  }

  /**
   * Drops the bounds of the accounts that events[from…] name, except taker `keep`'s as long as its events
   * only tell of its own order `keepOrderId` and its account update (any other of its orders changed: a
   * reduce-only order expired, a trigger fired, drops it too).
   */
  private dropNamed(events: readonly EngineEvent[], from: number, keep?: Account, keepOrderId = -1): void {
    for (let i = from; i < events.length; i++) {
      const e = events[i] as EngineEvent;
      const id = (e as { accountId?: unknown }).accountId;
      if (typeof id !== 'string') continue;
      if (keep === undefined || id !== keep.accountId) this.invalidate(this.ex.accounts.get(id));
      else if (e.e !== 'ACCOUNT_UPDATE' && (e.e !== 'ORDER_TRADE_UPDATE' || e.o.i !== keepOrderId)) this.invalidate(keep);
    }
  }

  private grid(s: SymbolState): Grid | undefined {
    if (s === this.lastSymbol) return this.lastGrid;
    let g = this.grids.get(s.instrument.symbol);
    if (g === undefined) this.grids.set(s.instrument.symbol, (g = gridOf(s.instrument, this.grids.size) ?? null));
    this.lastSymbol = s;
    this.lastGrid = g ?? undefined;
    return g ?? undefined;
  }

  /**
   * A command's symbol: the last one looked up when the name is the same (most flows trade one symbol;
   * comparing the name costs less than hashing a new string for the map).
   */
  private symbolNamed(name: unknown): SymbolState | undefined {
    if (typeof name !== 'string') return undefined;
    const last = this.lastSymbol;
    if (last !== undefined && last.instrument.symbol === name) return last;
    return this.ex.symbols.get(name);
  }

  /** The mark as a float (converted once per mark). */
  private markOf(g: Grid, mark: Decimal): number {
    if (g.mark !== mark) {
      g.mark = mark;
      g.markF = mark.toNumber();
    }
    return g.markF;
  }

  private priceAt(g: Grid, ticks: number): Decimal {
    return g.prices.get(ticks) ?? g.prices.set(ticks, Decimal.fromUnits(BigInt(ticks), 0).mul(g.tickSize));
  }

  private quantityOf(g: Grid, units: number): Decimal {
    return g.quantities.get(units) ?? g.quantities.set(units, Decimal.fromUnits(BigInt(units), g.qtyScale));
  }

  /**
   * The general path's quantity filters for a LIMIT-type order (positive, precision, LOT_SIZE step,
   * min/max quantity), proven on the integer grid: the quantity as a cached Decimal, or undefined when the
   * text is not plainly on the grid (the exact checks then decide, and give the error).
   */
  gridQuantity(s: SymbolState, text: unknown): Decimal | undefined {
    const g = this.grid(s);
    if (g === undefined) return undefined;
    const units = parseUnits(text, g.qtyScale);
    if (units < 0 || !onGrid(units, g.stepUnits) || units < g.minQtyUnits || units > g.maxQtyUnits) return undefined;
    return this.quantityOf(g, units);
  }

  /** The same for a price (positive, precision, tick size, min/max price): a cached Decimal or undefined. */
  gridPrice(s: SymbolState, text: unknown): Decimal | undefined {
    const g = this.grid(s);
    if (g === undefined) return undefined;
    const units = parseUnits(text, g.priceScale);
    if (units < 0 || !onGrid(units, g.tickUnits) || units < g.minPriceUnits || units > g.maxPriceUnits) return undefined;
    return this.priceAt(g, units / g.tickUnits);
  }

  /** The account's bound (its block's base), rebuilt from the exact state when missing, stale or used MAX_OPS times. */
  private boundOf(a: Account): number {
    const bounds = this.bounds;
    const b = bounds.accountBlock(a, true);
    if (bounds.epochOf(b) !== this.epoch || bounds.opsOf(b) >= MAX_OPS) {
      this.stats.boundRebuilds++;
      bounds.reset(b, this.epoch, 0);
      const low = this.availableLow(a, b);
      if (low !== undefined) bounds.setLow(b, low);
      else {
        // a symbol without a mark or a grid: from the exact decimal available balance
        this.stats.exactRebuilds++;
        const exact = availableOf(viewOf(a), this.ex.symbols).toNumber();
        bounds.reset(b, this.epoch, exact - Math.abs(exact) * REL - SLACK);
      }
    }
    return b;
  }

  /**
   * A float lower bound of the account's available balance (one-way mode; account-margin.ts: cross wallet +
   * cross uPnL − cross position margin − every symbol's open-order margin), building the totals of every
   * symbol with open orders in account block `b` (just reset) on the way. The terms are a handful of
   * rounded float operations each; the bound gives them SLACK × their magnitudes (the engine's own
   * rounding at 18 places is far inside the absolute SLACK), and each symbol's order margin is its upper
   * bound. Undefined when a symbol of the account has no mark or no grid: the exact path.
   */
  private availableLow(a: Account, b: number): number | undefined {
    if (a.dualSidePosition) return undefined;
    let v = a.crossWallet.toNumber();
    let mag = Math.abs(v);
    for (const p of a.positions.values()) {
      if (p.amt.isZero()) continue;
      const st = settingsOf(a, p.symbol);
      if (st.marginType !== 'CROSSED') continue;
      const s = this.symbolNamed(p.symbol);
      const g = s === undefined ? undefined : this.grid(s);
      if (s?.markPrice === undefined || g === undefined) return undefined;
      const n = p.amt.toNumber() * this.markOf(g, s.markPrice);
      const c = p.cost.toNumber();
      v += n - c - Math.abs(n) / st.leverage;
      mag += Math.abs(n) + Math.abs(c);
    }
    // one pass over the orders, summing each into its symbol's totals (the symbol is looked up when it
    // changes from the previous order's: most accounts trade one or two)
    const bounds = this.bounds;
    let symbol: string | undefined;
    let t = -1;
    let mark = 0;
    for (const o of a.openOrders.values()) {
      if (o.symbol !== symbol) {
        const s = this.symbolNamed(o.symbol);
        const g = s === undefined ? undefined : this.grid(s);
        if (s === undefined || g === undefined || s.markPrice === undefined) return undefined;
        symbol = o.symbol;
        mark = this.markOf(g, s.markPrice);
        t = this.symbolTotals(b, a, g, mark, false);
      }
      bounds.addOrder(t, o, mark, 1);
    }
    v -= bounds.orderMarginUpper(b);
    return v - SLACK * mag - SLACK;
  }

  /**
   * The base of account block `b`'s totals for one symbol, summed from the account's open orders on first
   * use (`sum`; without it they start empty: `availableLow` sums every order in its own pass).
   */
  private symbolTotals(b: number, a: Account, g: Grid, mark: number, sum = true): number {
    const bounds = this.bounds;
    const t = bounds.totalsFor(b, g.index);
    if (bounds.builtFor(t, g.index)) return t;
    const leg = legOf(a, g.bothKey);
    const lev = settingsOf(a, g.symbol).leverage;
    bounds.initTotals(t, g.index, leg === undefined ? 0 : leg.amt.toNumber() * mark, lev, this.capOf(g, lev));
    if (sum) for (const o of a.openOrders.values()) if (o.symbol === g.symbol) bounds.addOrder(t, o, mark, 1);
    return t;
  }

  /** The reused GridOrder as "nothing joins" (a cancel's check) at `mark`. */
  private nothingAt(mark: number): GridOrder {
    const r = this.gridOrder;
    r.qty = 0;
    r.price = 0;
    r.mark = mark;
    return r;
  }

  /**
   * The checks an order change makes on the account (one-way mode): the open-order count, the -2027 cap
   * and the margin. `replacing` leaves the symbol's orders; an order of `side`, `r.qty` × `r.price` joins
   * them (`r.qty` 0: nothing joins, a cancel), at mark `r.mark`. `replacedUnits` ≥ 0: `replacing` is a
   * resting LIMIT order (not reduce-only) with that many quantity units remaining, priced at its ticks;
   * otherwise it is an open order of any kind, and nothing may join (a cancel). When acceptance is proven,
   * the change is recorded in the bound (the caller then applies it) and true is answered. (The numbers
   * come in `r`'s fields, not as arguments: V8 boxes a fractional number passed to a call it does not
   * inline, on every call.)
   */
  private check(
    a: Account,
    s: SymbolState,
    g: Grid,
    replacing: Order | undefined,
    side: 'BUY' | 'SELL',
    r: GridOrder,
    clientOrderId: string | undefined,
    replacedUnits = -1,
  ): boolean {
    const rem = r.qty;
    const mark = r.mark;
    if (clientOrderId !== undefined)
      for (const o of a.openOrders.values()) if (hasClientOrderId(o, clientOrderId) && o !== replacing) return false;
    const h = this.boundOf(a);
    const before = this.symbolTotals(h, a, g, mark);
    const bounds = this.bounds;
    let delta: number;
    const oneOrder = replacing === undefined || replacedUnits >= 0;
    if (oneOrder) {
      // a new order, or a resting LIMIT order replaced: count, -2027 cap and margin in one pass
      const c = this.change;
      c.outSide = replacing === undefined ? undefined : replacing.side;
      c.outRem = replacedUnits / (P10[g.qtyScale] as number);
      c.outPrice = replacing === undefined ? 0 : (replacing.ticks * g.tickUnits) / (P10[g.priceScale] as number);
      c.inSide = side;
      c.inRem = rem;
      c.inPrice = r.price;
      c.mark = mark;
      if (!bounds.tryChange(before, c, s.instrument.maxNumOrders)) return false;
      delta = c.delta;
    } else {
      // an open order of any kind leaves and none joins (a cancel): its terms as the margin formulas count them
      if (rem > 0) return false;
      const after = bounds.after;
      bounds.copy(after, before);
      bounds.addOrder(after, replacing, mark, -1);
      const n = bounds.notional(before);
      const lev = bounds.leverage(before);
      delta = bounds.margin(after, n, lev, true) - bounds.margin(before, n, lev, false);
    }
    if (rem > 0 && bounds.lowOf(h) - delta < 0 && delta > 0) {
      this.stats.marginTooClose++;
      return false;
    }
    // proven: the caller applies the change
    bounds.follow(h, delta);
    if (oneOrder) bounds.commitChange(before);
    else bounds.copy(before, bounds.after);
    return true;
  }

  /**
   * A float lower bound of a one-way account's available balance and its totals on symbol `s`, built afresh
   * from the account's state (not the kept bound: the general path calls this inside commands, such as a
   * trigger fired after a fill or a mark move, before they drop the bounds they make stale). For
   * `exposureFits` and `lowAfterTrade`, which read it within one order's checks (nothing changes in between).
   * Undefined: hedge mode, no mark or grid, or a symbol of the account without a mark.
   */
  freshBound(a: Account, s: SymbolState): FreshBound | undefined {
    if (a.dualSidePosition || s.markPrice === undefined) return undefined;
    const g = this.grid(s);
    if (g === undefined) return undefined;
    const mark = this.markOf(g, s.markPrice);
    const b = this.bounds.fresh;
    this.bounds.reset(b, this.epoch, 0);
    const low = this.availableLow(a, b);
    if (low === undefined) return undefined;
    return { g, mark, low, totals: this.symbolTotals(b, a, g, mark) };
  }

  /**
   * The general path's -2027 check (position + open orders + this order within the leverage's notional
   * cap), proven in floats: true when the exposure is below the cap by the -2027 margin of `check`. New
   * orders only; false leaves it to the exact check.
   */
  exposureFits(b: FreshBound, qty: Decimal, price: Decimal | undefined): boolean {
    return this.bounds.withinCap(b.totals, qty.toNumber() * (price === undefined ? b.mark : price.toNumber()), b.totals);
  }

  /** maxNotionalForLeverage as a float (-1: none), cached per symbol and leverage. */
  private capOf(g: Grid, lev: number): number {
    let cap = g.caps.get(lev);
    if (cap === undefined) {
      const exact = maxNotionalForLeverage(g.instrument.brackets, lev);
      g.caps.set(lev, (cap = exact === undefined ? -1 : exact.toNumber()));
    }
    return cap;
  }

  /**
   * The general path's margin check of an order that trades (exchange.ts `submit`), proven in floats: a
   * float lower bound of the account's available balance after the planned fills (and the resting
   * remainder, when `rest` > 0), from bound `b`; when it is ≥ 0 the exact check would accept. Below 0
   * (-Infinity: an account or trade it does not prove) means "not proven", never "reject": the exact
   * check then decides. The fast path's IOC keeps the value as the account's bound after the trade.
   *
   * Only a one-way account on a cross symbol with a mark, whose trade touches none of its own orders (no
   * self-trade, no maker of its own expired), and no amend. Then the trade changes the available balance
   * in three places only, each bounded here:
   * - equity (cross wallet + cross uPnL) changes by Σ side × qty × (mark − price) − fees, exactly: each
   *   fill's cash −qty × price equals Δ(realized PnL − cost basis) (position-update.ts), and the leg is
   *   valued at the mark before and after;
   * - the leg's position margin changes from |n|/lev to |n'|/lev (n, n': notional at the mark);
   * - the symbol's open-order margin changes with n (one-way netting) and the resting remainder.
   * The before-value is the float lower bound of the available balance (`freshBound`); every float
   * term carries SLACK × its magnitude, and each fill's fee FEE_ROUNDING more (a fee is booked rounded
   * half up at 8 places: up to 5e-9 above q × p × rate).
   */
  lowAfterTrade(
    b: FreshBound,
    a: Account,
    side: 'BUY' | 'SELL',
    fills: readonly { readonly maker: Order; readonly qty: Decimal; readonly price: Decimal }[],
    takerRate: Decimal,
    rest: Decimal,
    restPrice: Decimal | undefined,
    reduceOnly: boolean,
  ): number {
    const { mark, low, totals: before } = b;
    if (settingsOf(a, b.g.symbol).marginType !== 'CROSSED') return -Infinity;
    for (const f of fills) if (f.maker.accountId === a.accountId) return -Infinity;
    const bounds = this.bounds;
    const rate = takerRate.toNumber();
    const sign = side === 'BUY' ? 1 : -1;
    let equity = 0;
    let dn = 0;
    let mag = 0;
    for (const f of fills) {
      const q = f.qty.toNumber();
      const p = f.price.toNumber();
      equity += sign * q * (mark - p) - q * p * rate - FEE_ROUNDING;
      dn += sign * q * mark;
      mag += q * (mark + p);
    }
    const withRest = bounds.after;
    bounds.copy(withRest, before);
    if (rest.isPositive() && !reduceOnly) {
      const r = rest.toNumber();
      const p = (restPrice as Decimal).toNumber();
      bounds.add(withRest, side, r, p, mark, 1);
      mag += r * (mark + p);
    }
    const after = bounds.lowAfter(low, before, dn, equity, mag);
    if (after >= 0) this.stats.tradesProven++;
    else this.stats.tradesUnproven++;
    return after;
  }

  /**
   * The general path checks the symbol's conditional orders after every order command; so does the fast
   * path. Orders that fire then (only ones left over from an earlier command's trigger limit can) change
   * their accounts: those bounds are dropped, as after a general-path command.
   */
  private triggers(s: SymbolState, time: number, events: EngineEvent[]): void {
    const n = events.length;
    this.ex.processTriggers(s, time, events);
    this.dropNamed(events, n);
  }

  /**
   * The symbol's filters for a LIMIT order of `side` at `priceText` × `qtyText`: the order on the grids
   * (and as floats, with the mark) when every filter passes with a margin; undefined otherwise. The
   * answer is a reused object. `keptText` (an amended order's own quantity as text) is read as `keptUnits`
   * without parsing. (An order that must rest is then checked against the other side: `crosses`.)
   */
  private limitOrder(
    s: SymbolState,
    g: Grid,
    side: 'BUY' | 'SELL',
    qtyText: unknown,
    priceText: unknown,
    executedUnits: number,
    keptText?: string,
    keptUnits = -1,
  ): GridOrder | undefined {
    if (s.markPrice === undefined) return undefined;
    // an amend that keeps the order's quantity (most move only the price) gives its text: no parsing
    const totalUnits = qtyText === keptText ? keptUnits : parseUnits(qtyText, g.qtyScale);
    const priceUnits = parseUnits(priceText, g.priceScale);
    if (totalUnits < 0 || priceUnits < 0) return undefined;
    // an amend of a partly filled order gives the total; the filters apply to what remains of it (and a
    // total at or below the filled part cancels the order: the general path)
    const qtyUnits = totalUnits - executedUnits;
    if (qtyUnits <= 0 || !onGrid(totalUnits, g.stepUnits)) return undefined;
    if (!onGrid(qtyUnits, g.stepUnits) || qtyUnits < g.minQtyUnits || qtyUnits > g.maxQtyUnits) return undefined;
    if (!onGrid(priceUnits, g.tickUnits) || priceUnits < g.minPriceUnits || priceUnits > g.maxPriceUnits) return undefined;
    const r = this.gridOrder;
    // a small integer (the grid's ticks are below 2^30: gridOf), kept so: an order's ticks stay unboxed
    r.ticks = (priceUnits / g.tickUnits) | 0;
    r.totalUnits = totalUnits;
    r.qtyUnits = qtyUnits;
    r.mark = this.markOf(g, s.markPrice);
    r.price = priceUnits / (P10[g.priceScale] as number);
    r.qty = qtyUnits / (P10[g.qtyScale] as number);
    if (!this.inBand(g, side, r.price, r.mark)) return undefined;
    if (r.qty * r.price < g.minNotional * (1 + REL)) return undefined;
    return r;
  }

  /** The price band around the mark (-4016 / -4024), with a margin towards the exact path. */
  private inBand(g: Grid, side: 'BUY' | 'SELL', price: number, mark: number): boolean {
    return side === 'BUY' ? price <= mark * g.multiplierUp * (1 - REL) : price >= mark * g.multiplierDown * (1 + REL);
  }

  /** A book order on the other side at or through `ticks` (the order would trade). */
  private crosses(s: SymbolState, side: 'BUY' | 'SELL', ticks: number): boolean {
    if (side === 'BUY') {
      const ask = s.book.asks.best();
      return ask !== undefined && ask.ticks <= ticks;
    }
    const bid = s.book.bids.best();
    return bid !== undefined && bid.ticks >= ticks;
  }

  /** A new one-way LIMIT order of the account, as the general path makes it (next id, default client id), remembered. */
  private newOrder(
    a: Account,
    s: SymbolState,
    g: Grid,
    side: 'BUY' | 'SELL',
    tif: 'GTC' | 'GTX' | 'IOC',
    ticks: number,
    qtyUnits: number,
    stp: SelfTradePrevention,
    clientId: string | undefined,
    time: number,
  ): Order {
    const orderId = this.ex.allocateOrderId();
    const quantity = this.quantityOf(g, qtyUnits);
    const order = newLimitOrder(
      orderId,
      clientId,
      a.accountId,
      s.instrument.symbol,
      side,
      tif,
      this.priceAt(g, ticks),
      ticks,
      quantity,
      stp,
      time,
    );
    this.ex.remember(order);
    return order;
  }

  /** placeOrder: a one-way LIMIT GTC/GTX order that rests without trading. */
  place(cmd: PlaceOrder): Accepted | undefined {
    const time = cmd.time;
    if (!validTime(time) || cmd.orderType !== 'LIMIT' || (cmd.side !== 'BUY' && cmd.side !== 'SELL')) return undefined;
    const tif = cmd.timeInForce ?? 'GTC';
    if (tif !== 'GTC' && tif !== 'GTX' && tif !== 'IOC') return undefined;
    if (
      cmd.closePosition !== undefined ||
      (cmd.reduceOnly !== undefined && cmd.reduceOnly !== false) ||
      (cmd.positionSide !== undefined && cmd.positionSide !== 'BOTH') ||
      (cmd.priceMatch !== undefined && cmd.priceMatch !== 'NONE') ||
      cmd.stopPrice !== undefined ||
      cmd.callbackRate !== undefined ||
      cmd.activationPrice !== undefined ||
      (cmd.priceProtect !== undefined && cmd.priceProtect !== false)
    )
      return undefined;
    const stp: SelfTradePrevention = cmd.selfTradePreventionMode ?? 'EXPIRE_TAKER';
    if (stp !== 'EXPIRE_TAKER' && !SELF_TRADE_PREVENTION_MODES.has(stp)) return undefined;
    const clientId = cmd.newClientOrderId;
    if (clientId !== undefined && (typeof clientId !== 'string' || !CLIENT_ORDER_ID_RE.test(clientId))) return undefined;
    const a = typeof cmd.accountId === 'string' ? this.ex.accounts.get(cmd.accountId) : undefined;
    const s = this.symbolNamed(cmd.symbol);
    if (a === undefined || s === undefined || a.dualSidePosition || s.markPrice === undefined) return undefined;
    const g = this.grid(s);
    if (tif === 'IOC') return g === undefined ? undefined : this.take(cmd, a, s, g, stp, clientId, time);
    const r = g === undefined ? undefined : this.limitOrder(s, g, cmd.side, cmd.quantity, cmd.price, 0);
    if (g === undefined || r === undefined || this.crosses(s, cmd.side, r.ticks)) return undefined;
    const { ticks, qtyUnits } = r;
    if (!this.check(a, s, g, undefined, cmd.side, r, clientId)) return undefined;

    // ---- proven: apply what the general path applies ------------------------------------------
    const order = this.newOrder(a, s, g, cmd.side, tif, ticks, qtyUnits, stp, clientId, time);
    const events = [this.ex.orderUpdate(order, 'NEW', time)];
    addOpenOrder(a, order);
    s.book.add(order);
    const result = this.ex.orderAnswer(order);
    this.ex.advanceTime(time);
    this.triggers(s, time, events);
    return { ok: true, events, result };
  }

  /**
   * placeOrder, LIMIT IOC (one-way mode, cross margin): the order takes what the book offers up to its
   * price and the rest expires. The general path's checks, match plan and margin proof (exchange.ts
   * `validateOrder`, `planMatch`, `lowAfterTrade` on the kept bound), with the price and quantities read on
   * the grids; the fills are applied by the general path's own code (`executeFills`, `settleFills`).
   * Declined: an order that would meet one of its own account's orders (self-trade prevention decides
   * there) or a reduce-only maker (what it may fill depends on its leg), and a margin check not proven.
   */
  private take(
    cmd: PlaceOrder,
    a: Account,
    s: SymbolState,
    g: Grid,
    stp: SelfTradePrevention,
    clientId: string | undefined,
    time: number,
  ): Accepted | undefined {
    const side = cmd.side;
    const r = this.limitOrder(s, g, side, cmd.quantity, cmd.price, 0);
    if (r === undefined) return undefined;
    if (clientId !== undefined) for (const o of a.openOrders.values()) if (hasClientOrderId(o, clientId)) return undefined;
    // the account's kept bound (as for an order that rests): the open-order count (-2025) and the -2027 cap
    const bounds = this.bounds;
    const mark = r.mark;
    const h = this.boundOf(a);
    const t = this.symbolTotals(h, a, g, mark);
    if (bounds.count(t) >= s.instrument.maxNumOrders || !bounds.withinCap(t, r.qty * r.price, t)) return undefined;

    // the match plan: makers best price first, each in its queue's order, up to the order's price
    const ticks = r.ticks;
    const fills: PlannedFill[] = [];
    let remaining = r.qtyUnits;
    const book = side === 'BUY' ? s.book.asks : s.book.bids;
    outer: for (let i = 0; i < book.size; i++) {
      const level = book.at(i) as Level;
      if (side === 'BUY' ? level.ticks > ticks : level.ticks < ticks) break;
      for (let j = 0; j < level.size; j++) {
        const maker = level.order(j);
        if (remaining === 0) break outer;
        if (maker.accountId === a.accountId || maker.reduceOnly) return undefined;
        const origUnits = unitsOf(maker.origQty, g.qtyScale);
        const executedUnits = unitsOf(maker.executedQty, g.qtyScale);
        if (origUnits < 0 || executedUnits < 0) return undefined;
        const q = Math.min(origUnits - executedUnits, remaining);
        if (q > 0) {
          fills.push({ maker, qty: this.quantityOf(g, q), ticks: level.ticks, price: maker.price });
          remaining -= q;
        }
      }
    }
    const low = this.lowAfterTrade(
      { g, mark, low: bounds.lowOf(h), totals: t },
      a,
      side,
      fills,
      a.takerRate,
      Decimal.ZERO,
      undefined,
      false,
    );
    if (!(low >= 0)) return undefined;

    // ---- proven: apply what the general path applies ------------------------------------------
    const order = this.newOrder(a, s, g, side, 'IOC', ticks, r.qtyUnits, stp, clientId, time);
    const orderId = order.orderId;
    const events = [this.ex.orderUpdate(order, 'NEW', time)];
    const touched = this.ex.executeFills(order, a, s, fills, time, events);
    if (order.status !== 'FILLED') {
      order.status = 'EXPIRED';
      order.updateTime = time;
      events.push(this.ex.orderUpdate(order, 'EXPIRED', time));
    }
    // events so far: the taker's own and its makers' (all of them touched accounts); then one
    // ACCOUNT_UPDATE per touched account, the reduce-only orders that expired, the triggers' events
    const settled = events.length + touched.size;
    this.ex.settleFills(s, touched, NO_ORDERS, time, events);
    const result = this.ex.orderAnswer(order);
    this.ex.advanceTime(time);
    // the taker's bound follows its trade (its available balance is at least what the proof found, its
    // position is its leg's now); the makers' accounts, and any other whose orders the trade or the
    // triggers changed, lose theirs, as after a general-path command
    const leg = legOf(a, g.bothKey);
    bounds.followTrade(h, t, low, leg === undefined ? 0 : leg.amt.toNumber() * mark);
    this.ex.processTriggers(s, time, events);
    for (const m of touched.accounts) if (m !== a && !this.followMakerFill(m, fills, g, mark)) this.invalidate(m);
    this.dropNamed(events, settled, a, orderId);
    // the closed orders in the order of their first event, as the general path queues them: the taker
    // (its NEW event is the first), then the makers its fills closed, then those the later events name
    this.ex.queueClosed(order);
    for (const f of fills) this.ex.queueClosed(f.maker);
    this.closedFrom = settled;
    this.stats.taken++;
    return { ok: true, events, result };
  }

  /**
   * A maker's kept bound follows the fill an IOC just made of its order, as the taker's follows its trade
   * (`lowAfterTrade`, the same three terms): true when it did. Rebuilding the bound instead reads every
   * open order of the account, on its next order command. Only a one-way account on a cross symbol whose
   * bound and totals there are current and count at least FOLLOW_MIN_ORDERS open orders, with one fill in
   * the trade; otherwise false (the caller drops the bound). Its reduce-only orders that expired after the trade, and its triggered orders, are events
   * after the ACCOUNT_UPDATEs, which drop the bound then (`dropNamed`).
   *
   * The order's remaining quantity at its price leaves the symbol's order totals (the whole order when
   * filled), the leg's notional at the mark moves by the fill, and equity by side × qty × (mark − price)
   * less the maker fee (rounded up by at most FEE_ROUNDING).
   */
  private followMakerFill(m: Account, fills: readonly PlannedFill[], g: Grid, mark: number): boolean {
    const bounds = this.bounds;
    const h = bounds.accountBlock(m, false);
    if (h < 0 || bounds.epochOf(h) !== this.epoch || bounds.opsOf(h) >= MAX_OPS) return false;
    const t = bounds.totalsFor(h, g.index);
    if (!bounds.builtFor(t, g.index) || bounds.count(t) < FOLLOW_MIN_ORDERS) return false;
    let fill: PlannedFill | undefined;
    for (const f of fills)
      if (f.maker.accountId === m.accountId) {
        if (fill !== undefined) return false;
        fill = f;
      }
    if (fill === undefined || m.dualSidePosition || settingsOf(m, g.symbol).marginType !== 'CROSSED') return false;
    const maker = fill.maker;
    const q = fill.qty.toNumber();
    const p = fill.price.toNumber();
    const sign = maker.side === 'BUY' ? 1 : -1;
    bounds.copy(bounds.after, t);
    bounds.takeFilled(bounds.after, maker.side, q, p, mark, maker.status === 'FILLED');
    const equity = sign * q * (mark - p) - q * p * m.makerRate.toNumber() - FEE_ROUNDING;
    const low = bounds.lowAfter(bounds.lowOf(h), t, sign * q * mark, equity, q * (mark + p));
    bounds.copy(t, bounds.after);
    const leg = legOf(m, g.bothKey);
    bounds.followTrade(h, t, low, leg === undefined ? 0 : leg.amt.toNumber() * mark);
    this.stats.makersFollowed++;
    return true;
  }

  /** modifyOrder: a new price and/or quantity for a one-way LIMIT GTC/GTX order (partly filled too), without trading. */
  modify(cmd: ModifyOrder): Accepted | undefined {
    const time = cmd.time;
    if (!validTime(time) || typeof cmd.orderId !== 'number' || (cmd.priceMatch !== undefined && cmd.priceMatch !== 'NONE'))
      return undefined;
    const a = typeof cmd.accountId === 'string' ? this.ex.accounts.get(cmd.accountId) : undefined;
    const s = this.symbolNamed(cmd.symbol);
    if (a === undefined || s === undefined || a.dualSidePosition || s.markPrice === undefined) return undefined;
    const o = a.openOrders.get(cmd.orderId);
    if (
      o === undefined ||
      o.symbol !== s.instrument.symbol ||
      o.type !== 'LIMIT' ||
      o.origType !== 'LIMIT' ||
      o.side !== cmd.side ||
      (o.timeInForce !== 'GTC' && o.timeInForce !== 'GTX') ||
      o.reduceOnly ||
      o.positionSide !== 'BOTH' ||
      o.amendments >= MAX_AMENDMENTS - 1
    )
      return undefined;
    const g = this.grid(s);
    if (g === undefined) return undefined;
    const executedUnits = unitsOf(o.executedQty, g.qtyScale);
    const origUnits = unitsOf(o.origQty, g.qtyScale);
    if (executedUnits < 0 || origUnits < 0) return undefined;
    const r = this.limitOrder(s, g, o.side, cmd.quantity, cmd.price, executedUnits, o.origQty.toString(), origUnits);
    if (r === undefined || this.crosses(s, o.side, r.ticks)) return undefined;
    const { ticks, totalUnits, qtyUnits } = r;
    // the order's own price and quantity: the general path answers -5027
    if (ticks === o.ticks && totalUnits === origUnits) return undefined;
    if (!this.check(a, s, g, o, o.side, r, undefined, origUnits - executedUnits)) return undefined;

    // ---- proven: apply what the general path applies ------------------------------------------
    // The general path replaces the order with a new object of the same id and fields; the fast path
    // changes the one object in place (nothing outside the book, the account and the order map refers to
    // it), which leaves the same state without promoting a new order to the old generation per amend.
    // a partly filled order keeps its fills and status; it keeps its place when its price stays and what
    // remains of it does not grow
    const from = o.ticks;
    const keepsPlace = from === ticks && qtyUnits <= origUnits - executedUnits;
    o.price = this.priceAt(g, ticks);
    o.ticks = ticks;
    o.origQty = this.quantityOf(g, totalUnits);
    o.priceMatch = 'NONE';
    o.updateTime = time;
    o.amendments++;
    const events = [this.ex.orderUpdate(o, 'AMENDMENT', time)];
    // out of its queue and to the back of the one at its new price (also at the same price with more quantity)
    if (!keepsPlace) s.book.move(o, from);
    const result = this.ex.orderAnswer(o);
    this.ex.advanceTime(time);
    this.triggers(s, time, events);
    return { ok: true, events, result };
  }

  /** cancelOrder by orderId: the general path's cancel, keeping the account's available-balance bound. */
  cancel(cmd: CancelOrder): Accepted | undefined {
    const time = cmd.time;
    if (!validTime(time) || typeof cmd.orderId !== 'number') return undefined;
    const a = typeof cmd.accountId === 'string' ? this.ex.accounts.get(cmd.accountId) : undefined;
    const s = this.symbolNamed(cmd.symbol);
    if (a === undefined || s === undefined) return undefined;
    const o = a.openOrders.get(cmd.orderId);
    if (o === undefined || o.symbol !== s.instrument.symbol) return undefined;
    const b = this.bounds.accountBlock(a, false);
    if (b >= 0 && this.bounds.epochOf(b) === this.epoch) {
      // a cancel is never refused; the bound follows it when it can, and is dropped otherwise
      const g = this.grid(s);
      const followed =
        s.markPrice !== undefined &&
        !a.dualSidePosition &&
        g !== undefined &&
        this.check(a, s, g, o, o.side, this.nothingAt(this.markOf(g, s.markPrice)), undefined);
      if (!followed) this.bounds.drop(b);
    }
    const events = [this.ex.closeOrderEvent(o, 'CANCELED', time)];
    this.ex.queueClosed(o);
    this.ex.advanceTime(time);
    return { ok: true, events, result: this.ex.orderAnswer(o) };
  }
}
