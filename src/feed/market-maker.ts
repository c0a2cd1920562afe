/**
 * The built-in market maker: an ordinary venue account (created and funded through `venue.run`, so its
 * money, fees and positions are accounted like anyone's) that keeps a ladder of GTC LIMIT bids and asks
 * around a reference price (the mark, or what a feed passes), so that a lone user's orders fill as on
 * the real venue (docs/feed.md).
 *
 * - Ladder: `levels` per side; level i sits `halfSpreadBps + i × spacingBps` from the centre (in whole
 *   ticks), the centre snapped to a grid of `spacingBps`, so a move of one grid step shifts the ladder
 *   by one level (two orders amended) instead of moving every order; each level `levelNotional` USDT (or
 *   a fixed quantity), rounded up to the step and at least the minimum quantity and notional. With
 *   halfSpreadBps > spacingBps / 2 the reference always lies strictly inside the maker's spread.
 * - Filters: prices stay within [minPrice, maxPrice] and the PERCENT_PRICE band around the current mark
 *   (bids ≤ mark × multiplierUp and ≥ mark × multiplierDown, the same for asks); levels outside are left out.
 * - Inventory: the centre is skewed against the position (`skewBps` at `maxInventoryNotional`), and at
 *   the cap the side that would grow the position is not quoted.
 * - Re-quoting keeps orders already at a wanted price, amends the others to the missing prices
 *   (modifyOrder), cancels extras and places what is still missing; when the centre rises the asks move
 *   first (the bids first when it falls), so the ladder never crosses itself.
 * - Rejections are counted and never thrown; a side whose command was rejected is left alone for
 *   `rejectBackoffMs` of venue time, so a maker short of margin does not retry in a loop.
 */
import { Decimal } from '../core/decimal.js';
import type { Order, Result, SymbolState } from '../engine/index.js';
import type { Venue } from '../api/venue.js';

export interface MarketMakerOptions {
  /** default 'market-maker' */
  readonly accountId?: string;
  /** USDT deposited when the account is created (default 10,000,000) */
  readonly deposit?: string;
  /** symbols to quote (default: every symbol of the exchange) */
  readonly symbols?: readonly string[];
  /** levels per side (default 10) */
  readonly levels?: number;
  /** distance of the first level from the centre, bps (default 1.5) */
  readonly halfSpreadBps?: number;
  /** distance between levels, bps (default 2) */
  readonly spacingBps?: number;
  /** USDT per level (default 20,000) */
  readonly levelNotional?: string;
  /** fixed base quantity per level, by symbol (overrides levelNotional) */
  readonly levelQty?: Readonly<Record<string, string>>;
  /** leverage set on every quoted symbol (default 10) */
  readonly leverage?: number;
  /** |position notional| at which the growing side stops being quoted (default 1,000,000) */
  readonly maxInventoryNotional?: string;
  /** centre shift at the inventory cap, bps (default 10) */
  readonly skewBps?: number;
  /** minimum move of the reference, bps, that re-quotes a complete ladder (default 0: the grid decides) */
  readonly requoteBps?: number;
  /**
   * a partly filled level is topped up (amended back to its full size) once what is left of it falls below
   * this fraction of the level's size (default 0.5; 1: after every fill)
   */
  readonly topUpBelow?: number;
  /** venue-time pause of a side after one of its commands was rejected (default 5,000 ms) */
  readonly rejectBackoffMs?: number;
  /**
   * re-quote after mark updates and own fills (default true): once per event-loop turn (setImmediate) for
   * everything that happened in it, so a burst of fills costs one re-quote, not one each
   */
  readonly autoRequote?: boolean;
  readonly makerCommissionRate?: string;
  readonly takerCommissionRate?: string;
}

export interface MarketMakerStats {
  placed: number;
  amended: number;
  canceled: number;
  rejected: number;
  quotes: number;
  lastError?: { code: number; msg: string; symbol: string };
}

/** A level's price and size, which depend only on the symbol's instrument, the options and the ticks. */
interface Level {
  readonly price: Decimal;
  readonly qty: Decimal;
  /** below this much left, a partly filled order at the level is topped up (`topUpBelow` × qty) */
  readonly topUpBelow: Decimal;
}

interface Quote extends Level {
  /** the price in ticks (the book's key, as `Order.ticks`) */
  readonly ticks: number;
}

type Side = 'BUY' | 'SELL';

const BPS = Decimal.of(10_000);

export class MarketMaker {
  readonly accountId: string;
  readonly stats: MarketMakerStats = { placed: 0, amended: 0, canceled: 0, rejected: 0, quotes: 0 };
  private readonly opts: Required<Omit<MarketMakerOptions, 'levelQty' | 'symbols' | 'makerCommissionRate' | 'takerCommissionRate'>>;
  private readonly symbols: readonly string[];
  /** reference and grid centre of the last complete quote, by symbol */
  private readonly lastRef = new Map<string, { ref: Decimal; centre: number }>();
  /** level spacing and half spread in ticks, by symbol */
  private readonly grids = new Map<string, { step: number; half: number }>();
  /** levels computed so far, by symbol and ticks (pure functions of the instrument and the options) */
  private readonly levelCache = new Map<string, { instrument: unknown; levels: Map<number, Level> }>();
  /** venue time until which a symbol side is left alone, key `${symbol}:${side}` */
  private readonly backoff = new Map<string, number>();
  /** symbols to re-quote at the end of this event-loop turn */
  private readonly pending = new Set<string>();
  private requoteScheduled = false;
  private unsubscribe: (() => void) | undefined;
  private quoting = false;
  /** `topUpBelow` as a decimal */
  private readonly topUp: Decimal;
  private started = false;

  constructor(
    private readonly venue: Venue,
    private readonly options: MarketMakerOptions = {},
  ) {
    this.accountId = options.accountId ?? 'market-maker';
    this.symbols = options.symbols ?? [...venue.exchange.symbols.keys()];
    this.opts = {
      accountId: this.accountId,
      deposit: options.deposit ?? '10000000',
      levels: options.levels ?? 10,
      halfSpreadBps: options.halfSpreadBps ?? 1.5,
      spacingBps: options.spacingBps ?? 2,
      levelNotional: options.levelNotional ?? '20000',
      leverage: options.leverage ?? 10,
      maxInventoryNotional: options.maxInventoryNotional ?? '1000000',
      skewBps: options.skewBps ?? 10,
      requoteBps: options.requoteBps ?? 0,
      topUpBelow: options.topUpBelow ?? 0.5,
      rejectBackoffMs: options.rejectBackoffMs ?? 5000,
      autoRequote: options.autoRequote ?? true,
    };
    if (!(this.opts.halfSpreadBps > 0) || !(this.opts.spacingBps >= 0) || !Number.isInteger(this.opts.levels) || this.opts.levels < 1) {
      throw new Error('market maker: halfSpreadBps must be > 0, spacingBps >= 0 and levels a positive integer');
    }
    if (!(this.opts.topUpBelow > 0 && this.opts.topUpBelow <= 1)) throw new Error('market maker: topUpBelow must be in (0, 1]');
    this.topUp = Decimal.parse(String(this.opts.topUpBelow));
  }

  /** Creates and funds the account (once), sets leverage, quotes every symbol that has a mark. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (!this.venue.exchange.accounts.has(this.accountId)) {
      this.check(
        this.venue.run({
          type: 'createAccount',
          accountId: this.accountId,
          ...(this.options.makerCommissionRate === undefined ? {} : { makerCommissionRate: this.options.makerCommissionRate }),
          ...(this.options.takerCommissionRate === undefined ? {} : { takerCommissionRate: this.options.takerCommissionRate }),
        }),
        '',
      );
      this.check(this.venue.run({ type: 'deposit', accountId: this.accountId, asset: 'USDT', amount: this.opts.deposit }), '');
    }
    for (const symbol of this.symbols) {
      this.check(this.venue.run({ type: 'setLeverage', accountId: this.accountId, symbol, leverage: this.opts.leverage }), symbol);
    }
    if (this.opts.autoRequote) {
      this.unsubscribe = this.venue.hub.subscribe((event) => {
        if (event.e === 'MARK_PRICE_UPDATE') this.schedule(event.s);
        else if (event.e === 'ORDER_TRADE_UPDATE' && event.accountId === this.accountId && event.o.x === 'TRADE') this.schedule(event.o.s);
      });
    }
    this.quoteAll();
  }

  /**
   * Stops re-quoting and, unless told otherwise, cancels the maker's orders (a venue shutting down keeps
   * them: the restarted maker finds its account and ladder and amends it).
   */
  stop(cancelOrders = true): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.started = false;
    if (!cancelOrders) return;
    for (const symbol of this.symbols) {
      if (this.openOrders(symbol).length > 0) this.venue.run({ type: 'cancelAllOrders', accountId: this.accountId, symbol });
    }
    this.lastRef.clear();
  }

  quoteAll(): void {
    for (const symbol of this.symbols) this.quote(symbol);
  }

  /** The maker's signed position in `symbol`. */
  inventory(symbol: string): Decimal {
    let amt = Decimal.ZERO;
    for (const p of this.venue.exchange.accounts.get(this.accountId)?.positions.values() ?? [])
      if (p.symbol === symbol) amt = amt.add(p.amt);
    return amt;
  }

  /** The maker's open orders on `symbol`. */
  openOrders(symbol: string): Order[] {
    const a = this.venue.exchange.accounts.get(this.accountId);
    return a === undefined ? [] : [...a.openOrders.values()].filter((o) => o.symbol === symbol);
  }

  private schedule(symbol: string): void {
    if (this.pending.has(symbol) || !this.symbols.includes(symbol)) return;
    this.pending.add(symbol);
    if (this.requoteScheduled) return;
    this.requoteScheduled = true;
    setImmediate(() => {
      this.requoteScheduled = false;
      const symbols = [...this.pending];
      this.pending.clear();
      if (!this.started) return;
      for (const s of symbols) if (!this.quoting) this.quote(s);
    });
  }

  /**
   * Level spacing and half spread of `symbol` in ticks: from the bps options at `reference`, but sticky
   * (kept while within 10 % of the current value), so that the grid does not move with the price.
   */
  private grid(symbol: string, reference: Decimal, tick: Decimal): { step: number; half: number } {
    const ticksAt = (bps: number) => Math.max(1, Math.round((reference.toNumber() * bps) / 10_000 / tick.toNumber()));
    const want = { step: ticksAt(this.opts.spacingBps), half: ticksAt(this.opts.halfSpreadBps) };
    const have = this.grids.get(symbol);
    const near = (a: number, b: number) => Math.abs(a - b) <= 0.1 * b;
    if (have !== undefined && near(want.step, have.step) && near(want.half, have.half)) return have;
    this.grids.set(symbol, want);
    return want;
  }

  /**
   * The ladder the maker wants around `reference` (best first), given its inventory and the filters.
   * Levels sit on a grid of `spacing` ticks: the centre is snapped to it, so when the price moves by one
   * grid step the ladder is the previous one shifted by a level (one order moves per side, not all).
   */
  ladder(symbol: string, reference: Decimal): { bids: Quote[]; asks: Quote[]; centre: number } {
    const s = this.venue.exchange.symbols.get(symbol) as SymbolState;
    const inst = s.instrument;
    const tick = inst.tickSize;
    const mark = s.markPrice ?? reference;
    const maxInv = Decimal.parse(this.opts.maxInventoryNotional);
    const invNotional = this.inventory(symbol).mul(reference);
    let ratio = maxInv.isPositive() ? invNotional.div(maxInv, 8) : Decimal.ZERO;
    if (ratio.gt(Decimal.ONE)) ratio = Decimal.ONE;
    if (ratio.lt(Decimal.ONE.neg())) ratio = Decimal.ONE.neg();
    const skew = ratio.mul(Decimal.parse(String(this.opts.skewBps))).div(BPS, 12);
    const { step, half } = this.grid(symbol, reference, tick);
    const centreTicks = reference.mul(Decimal.ONE.sub(skew)).div(tick, 6).toNumber();
    const centre = Math.round(centreTicks / step) * step;
    const lo = Decimal.max(inst.minPrice.isPositive() ? inst.minPrice : tick, mark.mul(inst.multiplierDown));
    const hi = Decimal.min(inst.maxPrice, mark.mul(inst.multiplierUp));
    const levels = this.levels(symbol, inst);
    const side = (sign: -1 | 1, allowed: boolean): Quote[] => {
      const out: Quote[] = [];
      if (!allowed) return out;
      for (let i = 0; i < this.opts.levels; i++) {
        const ticks = centre + sign * (half + i * step);
        if (ticks <= 0) break;
        const level = levels(ticks);
        if (level.price.lt(lo) || level.price.gt(hi)) continue;
        out.push({ ticks, ...level });
      }
      return out;
    };
    return { bids: side(-1, !invNotional.gte(maxInv)), asks: side(1, !invNotional.lte(maxInv.neg())), centre };
  }

  /** The level at `ticks` of `symbol` (memoized: the ladder is recomputed at every re-quote). */
  private levels(symbol: string, inst: SymbolState['instrument']): (ticks: number) => Level {
    let cache = this.levelCache.get(symbol);
    if (cache === undefined || cache.instrument !== inst || cache.levels.size > 100_000) {
      cache = { instrument: inst, levels: new Map() };
      this.levelCache.set(symbol, cache);
    }
    const levels = cache.levels;
    const fixedQty = this.options.levelQty?.[symbol];
    const notional = Decimal.parse(this.opts.levelNotional);
    return (ticks) => {
      let level = levels.get(ticks);
      if (level === undefined) {
        const price = Decimal.of(ticks).mul(inst.tickSize).normalize();
        let qty = fixedQty !== undefined ? Decimal.parse(fixedQty) : notional.div(price, 12, 'UP');
        if (qty.mul(price).lt(inst.minNotional)) qty = inst.minNotional.div(price, 12, 'UP');
        qty = Decimal.max(qty.roundToStep(inst.stepSize, 'CEIL'), inst.minQty).normalize();
        level = { price, qty, topUpBelow: qty.mul(this.topUp) };
        levels.set(ticks, level);
      }
      return level;
    };
  }

  /** Brings the ladder of `symbol` to where it should be around `reference` (default: the mark). */
  quote(symbol: string, reference?: Decimal | string): void {
    const s = this.venue.exchange.symbols.get(symbol);
    if (s === undefined || !this.venue.exchange.accounts.has(this.accountId)) return;
    const ref = reference === undefined ? s.markPrice : typeof reference === 'string' ? Decimal.parse(reference) : reference;
    if (ref === undefined || !ref.isPositive()) return;
    const last = this.lastRef.get(symbol);
    if (last !== undefined && this.opts.requoteBps > 0) {
      const orders = this.openOrders(symbol);
      const complete = orders.length === 2 * this.opts.levels && orders.every((o) => o.executedQty.isZero());
      const moved = ref.sub(last.ref).abs().mul(BPS).div(last.ref, 8);
      if (complete && moved.lt(Decimal.parse(String(this.opts.requoteBps)))) return;
    }
    const want = this.ladder(symbol, ref);
    const orders = this.openOrders(symbol);
    this.quoting = true;
    try {
      this.stats.quotes++;
      // moving up, the asks go first; moving down, the bids: the ladder never crosses itself
      const first: Side = last === undefined || want.centre >= last.centre ? 'SELL' : 'BUY';
      let ok = true;
      for (const side of [first, first === 'SELL' ? 'BUY' : 'SELL'] as const) {
        const have = orders.filter((o) => o.side === side);
        ok = this.reconcile(symbol, side, have, side === 'BUY' ? want.bids : want.asks) && ok;
      }
      if (ok) this.lastRef.set(symbol, { ref, centre: want.centre });
      else this.lastRef.delete(symbol);
    } finally {
      this.quoting = false;
    }
  }

  /**
   * One side: orders already at a wanted price stay (topped up if partly filled below `topUpBelow`), the
   * others are amended to the missing prices, extras cancelled, the rest placed. False if anything was
   * rejected or the side is backing off.
   */
  private reconcile(symbol: string, side: Side, have: Order[], want: Quote[]): boolean {
    const key = `${symbol}:${side}`;
    const until = this.backoff.get(key);
    if (until !== undefined && this.venue.now() < until) return false;
    this.backoff.delete(key);
    const wanted = new Map(want.map((q) => [q.ticks, q]));
    const spare: Order[] = [];
    const amend = (o: Order, q: Quote): boolean => {
      const r = this.venue.run({
        type: 'modifyOrder',
        accountId: this.accountId,
        symbol,
        orderId: o.orderId,
        side,
        quantity: o.executedQty.add(q.qty).toString(),
        price: q.price.toString(),
      });
      if (!this.check(r, symbol, key)) return false;
      this.stats.amended++;
      return true;
    };
    for (const o of have) {
      const q = o.type === 'LIMIT' ? wanted.get(o.ticks) : undefined;
      if (q === undefined) {
        spare.push(o);
        continue;
      }
      wanted.delete(o.ticks);
      const left = o.executedQty.isZero() ? o.origQty : o.origQty.sub(o.executedQty);
      if (!left.eq(q.qty) && (left.gt(q.qty) || left.lt(q.topUpBelow)) && !amend(o, q)) return false;
    }
    const missing = [...wanted.values()];
    for (let i = 0; i < Math.max(spare.length, missing.length); i++) {
      const o = spare[i];
      const q = missing[i];
      if (o !== undefined && q !== undefined) {
        if (!amend(o, q)) return false;
      } else if (o !== undefined) {
        const r = this.venue.run({ type: 'cancelOrder', accountId: this.accountId, symbol, orderId: o.orderId });
        if (!this.check(r, symbol, key)) return false;
        this.stats.canceled++;
      } else if (q !== undefined) {
        const r = this.venue.run({
          type: 'placeOrder',
          accountId: this.accountId,
          symbol,
          side,
          orderType: 'LIMIT',
          timeInForce: 'GTC',
          quantity: q.qty.toString(),
          price: q.price.toString(),
        });
        if (!this.check(r, symbol, key)) return false;
        this.stats.placed++;
      }
    }
    return true;
  }

  /** Counts a rejection (and backs its side off); never throws. */
  private check(r: Result, symbol: string, backoffKey?: string): boolean {
    if (r.ok) return true;
    this.stats.rejected++;
    this.stats.lastError = { ...r.error, symbol };
    if (backoffKey !== undefined) this.backoff.set(backoffKey, this.venue.now() + this.opts.rejectBackoffMs);
    return false;
  }
}
