/**
 * The fast path's float bounds of accounts (order-fast-path.ts), kept in one Float64Array.
 *
 * An account's bound is a block of numbers: the epoch it was built in, the lower bound of its available
 * balance, how many fast changes it has followed, and the totals of the first symbol it uses. Another
 * symbol's totals take a block of their own. One typed array, a few hundred kilobytes for thousands of
 * accounts, stays in the CPU's caches; one object per account spread over the heap did not (reading an
 * account's bound was a cache miss on most commands). Blocks are never freed: an account keeps its block
 * and rebuilds it in place.
 *
 * A symbol's totals (at a base index `t`): its Grid.index (-1: not built yet), the position notional at
 * the mark, the leverage, the leverage's notional cap (-1: none), the count of open orders, and
 * Σ remaining × price of the book orders by side with their open loss at the mark.
 */
import { isPendingConditional, type Account, type Order } from './state.js';

/** Relative margin of the float comparisons: far above float error, far below any real difference. */
export const REL = 1e-12;
/** The same for the -2027 cap, whose order totals may carry MAX_OPS additions' rounding. */
export const CAP_REL = 1e-9;
/** Slack of the margin bounds, relative to the magnitudes summed (and absolute, for rounding at 1e-18). */
export const SLACK = 1e-9;

// a symbol's totals, from their base
const T_INDEX = 0;
const T_N = 1;
const T_LEV = 2;
const T_CAP = 3;
const T_COUNT = 4;
const T_BIDS = 5;
const T_ASKS = 6;
const T_BID_LOSS = 7;
const T_ASK_LOSS = 8;

// an account's block: epoch (-1: dropped), the available-balance bound, fast changes followed, then the
// first symbol's totals
const A_EPOCH = 0;
const A_LOW = 1;
const A_OPS = 2;
const A_FIRST = 3;

/** Numbers per block (an account's: 3 + 9; another symbol's totals: 9). */
const BLOCK = 12;

/**
 * The open-order margin of a symbol's order totals (account-margin.ts, one-way netting rule) with position
 * notional `n` and leverage `lev`: an upper bound when `upper`, else a lower bound.
 */
function orderMargin(bids: number, asks: number, bidLoss: number, askLoss: number, n: number, lev: number, upper: boolean): number {
  const an = Math.abs(n);
  const mag = an + Math.abs(bids) + Math.abs(asks) + Math.abs(bidLoss) + Math.abs(askLoss);
  const tol = REL * mag;
  const up = Math.abs(n + bids);
  const down = Math.abs(n - asks);
  const extra = Math.max(up, down) - an;
  let m = extra > 0 ? extra / lev : 0;
  if (upper ? up >= an - tol : up > an + tol) m += bidLoss;
  if (upper ? down >= an - tol : down > an + tol) m += askLoss;
  const slack = SLACK * mag + SLACK;
  return upper ? m + slack : m - slack;
}

/** The -2027 cap proven with a margin: `exposure` (position, orders, a new order) stays below `cap` by CAP_REL. */
function belowCap(exposure: number, cap: number): boolean {
  return exposure * (1 + CAP_REL) + SLACK < cap * (1 - CAP_REL);
}

/**
 * One order change as plain numbers, for `tryChange`: an order of `outSide` (`outRem` × `outPrice`)
 * leaves, and one of `inSide` (`inRem` × `inPrice`) joins, at mark `mark`; `tryChange` answers `delta`. A
 * caller reuses one such object: numbers passed in fields of an object V8 already has, rather than as
 * arguments of a call it does not inline, are not boxed afresh on every call.
 */
export interface OrderChange {
  outSide: 'BUY' | 'SELL' | undefined;
  outRem: number;
  outPrice: number;
  inSide: 'BUY' | 'SELL';
  inRem: number;
  inPrice: number;
  mark: number;
  delta: number;
}

/** A new OrderChange (its number fields hold doubles from the start). */
export function newOrderChange(): OrderChange {
  return { outSide: undefined, outRem: 0.5, outPrice: 0.5, inSide: 'BUY', inRem: 0.5, inPrice: 0.5, mark: 0.5, delta: 0.5 };
}

export class FastBounds {
  f = new Float64Array(BLOCK * 256);
  /** the order totals (count, bids, asks, bid loss, ask loss) `tryChange` tried last */
  private readonly tried = new Float64Array(5);
  private used = 0;
  /** the account of each account block (by block number), so that a block is never read for another */
  private readonly owners: (Account | undefined)[] = [];
  /** an account block's other symbols: the base of their totals by Grid.index (by block number) */
  private readonly others: (number[] | undefined)[] = [];
  /** scratch totals (an order change is tried on them first) */
  readonly after: number;
  /** a scratch account block, for bounds built afresh for one order (not kept) */
  readonly fresh: number;

  constructor() {
    this.after = this.block();
    this.fresh = this.block();
  }

  /** A new block's base. The array may be replaced: read `this.f` again after calling this. */
  private block(): number {
    if (this.used + BLOCK > this.f.length) {
      const f = new Float64Array(this.f.length * 2);
      f.set(this.f);
      this.f = f;
    }
    const b = this.used;
    this.used += BLOCK;
    return b;
  }

  /** The account's block (made on first use), or -1 for none yet; `make` makes one. */
  accountBlock(a: Account, make: boolean): number {
    const b = a.fastBlock;
    if (b >= 0 && this.owners[b / BLOCK] === a) return b;
    if (!make) return -1;
    const nb = this.block();
    this.owners[nb / BLOCK] = a;
    this.f[nb + A_EPOCH] = -1;
    a.fastBlock = nb;
    return nb;
  }

  epochOf(b: number): number {
    return this.f[b + A_EPOCH] as number;
  }

  opsOf(b: number): number {
    return this.f[b + A_OPS] as number;
  }

  lowOf(b: number): number {
    return this.f[b + A_LOW] as number;
  }

  /** Drops the account block's bound (its next use rebuilds it). */
  drop(b: number): void {
    this.f[b + A_EPOCH] = -1;
  }

  /** Starts the account block afresh: `epoch`, bound `low`, no changes followed, no symbol totals. */
  reset(b: number, epoch: number, low: number): void {
    const f = this.f;
    f[b + A_EPOCH] = epoch;
    f[b + A_LOW] = low;
    f[b + A_OPS] = 0;
    f[b + A_FIRST + T_INDEX] = -1;
    const list = this.others[b / BLOCK];
    if (list !== undefined) for (const t of list) if (t !== undefined) f[t + T_INDEX] = -1;
  }

  setLow(b: number, low: number): void {
    this.f[b + A_LOW] = low;
  }

  /** Records a proven change: the bound less `delta`, one more change followed. */
  follow(b: number, delta: number): void {
    this.f[b + A_LOW] = (this.f[b + A_LOW] as number) - delta;
    this.f[b + A_OPS] = (this.f[b + A_OPS] as number) + 1;
  }

  /**
   * Records a proven trade of the account (no order of its own changed): its bound is now `low`, the
   * trade's proven lower bound, and the position notional of its totals `t` is `n` (the leg at the mark).
   */
  followTrade(b: number, t: number, low: number, n: number): void {
    const f = this.f;
    f[b + A_LOW] = low;
    f[b + A_OPS] = (f[b + A_OPS] as number) + 1;
    f[t + T_N] = n;
  }

  /**
   * A float lower bound of an account's available balance after a trade, from bound `low` before it: equity
   * moves by `equity`, the symbol's position notional by `dn` (its position margin from |n|/lev to
   * |n + dn|/lev, n and lev those of totals `before`), and its open-order margin from that of `before`
   * (a lower bound) to that of the scratch totals `after` with the new notional (an upper bound); less
   * SLACK × the magnitudes, `mag` (the trade's own) and the notionals'.
   */
  lowAfter(low: number, before: number, dn: number, equity: number, mag: number): number {
    const n = this.notional(before);
    const lev = this.leverage(before);
    const n2 = n + dn;
    const positionMargin = (Math.abs(n2) - Math.abs(n)) / lev;
    const orderMargin = this.margin(this.after, n2, lev, true) - this.margin(before, n, lev, false);
    return low + equity - positionMargin - orderMargin - SLACK * (mag + (Math.abs(n) + Math.abs(n2))) - SLACK;
  }

  /**
   * The base of the account block's totals for the symbol of Grid.index `index`: built when their
   * T_INDEX is `index`, still to be built (`initTotals`) otherwise. The first symbol's totals sit in the
   * account block; a block is made for another symbol seen for the first time.
   */
  totalsFor(b: number, index: number): number {
    const first = b + A_FIRST;
    const fi = this.f[first + T_INDEX] as number;
    if (fi === index || fi < 0) return first;
    const list = (this.others[b / BLOCK] ??= []);
    let t = list[index];
    if (t === undefined) {
      t = this.block();
      this.f[t + T_INDEX] = -1;
      list[index] = t;
    }
    return t;
  }

  /** Σ of the upper bounds of the open-order margins of the account block's built totals (every symbol summed). */
  orderMarginUpper(b: number): number {
    const f = this.f;
    const first = b + A_FIRST;
    let m = 0;
    if ((f[first + T_INDEX] as number) >= 0) m += this.margin(first, f[first + T_N] as number, f[first + T_LEV] as number, true);
    const list = this.others[b / BLOCK];
    if (list !== undefined)
      for (const t of list)
        if (t !== undefined && (f[t + T_INDEX] as number) >= 0) m += this.margin(t, f[t + T_N] as number, f[t + T_LEV] as number, true);
    return m;
  }

  /** Starts totals `t` for a symbol: no orders yet. */
  initTotals(t: number, index: number, n: number, lev: number, cap: number): void {
    const f = this.f;
    f[t + T_INDEX] = index;
    f[t + T_N] = n;
    f[t + T_LEV] = lev;
    f[t + T_CAP] = cap;
    f[t + T_COUNT] = 0;
    f[t + T_BIDS] = 0;
    f[t + T_ASKS] = 0;
    f[t + T_BID_LOSS] = 0;
    f[t + T_ASK_LOSS] = 0;
  }

  /** Whether totals `t` are built, for the symbol of Grid.index `index`. */
  builtFor(t: number, index: number): boolean {
    return this.f[t + T_INDEX] === index;
  }

  /** The position notional at the mark that totals `t` were built with. */
  notional(t: number): number {
    return this.f[t + T_N] as number;
  }

  /** The leverage that totals `t` were built with. */
  leverage(t: number): number {
    return this.f[t + T_LEV] as number;
  }

  count(t: number): number {
    return this.f[t + T_COUNT] as number;
  }

  /** Copies the order totals (count, sides, losses) of `from` to `to`. */
  copy(to: number, from: number): void {
    const f = this.f;
    f[to + T_COUNT] = f[from + T_COUNT] as number;
    f[to + T_BIDS] = f[from + T_BIDS] as number;
    f[to + T_ASKS] = f[from + T_ASKS] as number;
    f[to + T_BID_LOSS] = f[from + T_BID_LOSS] as number;
    f[to + T_ASK_LOSS] = f[from + T_ASK_LOSS] as number;
  }

  /** Adds (sign 1) or takes away (sign -1) `rem` × `price` on `side` (not the count). */
  add(t: number, side: 'BUY' | 'SELL', rem: number, price: number, mark: number, sign: 1 | -1): void {
    const f = this.f;
    const value = rem * price * sign;
    if (side === 'BUY') {
      f[t + T_BIDS] = (f[t + T_BIDS] as number) + value;
      if (price > mark) f[t + T_BID_LOSS] = (f[t + T_BID_LOSS] as number) + rem * (price - mark) * sign;
    } else {
      f[t + T_ASKS] = (f[t + T_ASKS] as number) + value;
      if (price < mark) f[t + T_ASK_LOSS] = (f[t + T_ASK_LOSS] as number) + rem * (mark - price) * sign;
    }
  }

  /**
   * Takes `qty` × `price` of a resting `side` order that filled out of totals `t` (what `add` with sign -1
   * takes), and the order from the count when it `closed` (filled whole).
   */
  takeFilled(t: number, side: 'BUY' | 'SELL', qty: number, price: number, mark: number, closed: boolean): void {
    if (closed) this.f[t + T_COUNT] = (this.f[t + T_COUNT] as number) - 1;
    this.add(t, side, qty, price, mark, -1);
  }

  /** Adds (sign 1) or takes away (sign -1) an open order as the margin formulas count it. */
  addOrder(t: number, o: Order, mark: number, sign: 1 | -1): void {
    this.f[t + T_COUNT] = (this.f[t + T_COUNT] as number) + sign;
    if (o.reduceOnly || isPendingConditional(o)) return;
    this.add(t, o.side, o.origQty.toNumber() - o.executedQty.toNumber(), o.price.toNumber(), mark, sign);
  }

  /**
   * The symbol's open-order margin (account-margin.ts, one-way netting rule) for the order totals at `t`
   * with position notional `n` and leverage `lev`: an upper bound when `upper`, else a lower bound.
   */
  margin(t: number, n: number, lev: number, upper: boolean): number {
    const f = this.f;
    return orderMargin(
      f[t + T_BIDS] as number,
      f[t + T_ASKS] as number,
      f[t + T_BID_LOSS] as number,
      f[t + T_ASK_LOSS] as number,
      n,
      lev,
      upper,
    );
  }

  /**
   * A fast order change tried on totals `t`, in one pass over local numbers (the same arithmetic as
   * `add`, `withinCap` and `margin` on a copy of the totals): `c`'s leaving order (unless `c.outSide` is
   * undefined) leaves and its joining order (unless `c.inRem` is 0) joins. False when the order count
   * (`maxOrders`) or the -2027 cap refuses the joining order; otherwise `c.delta` is the upper bound of the
   * change of the symbol's open-order margin. Nothing is written to the totals: `commitChange(t)` then takes
   * the totals tried last.
   */
  tryChange(t: number, c: OrderChange, maxOrders: number): boolean {
    const f = this.f;
    const bids0 = f[t + T_BIDS] as number;
    const asks0 = f[t + T_ASKS] as number;
    const bidLoss0 = f[t + T_BID_LOSS] as number;
    const askLoss0 = f[t + T_ASK_LOSS] as number;
    const n = f[t + T_N] as number;
    const lev = f[t + T_LEV] as number;
    const mark = c.mark;
    let count = f[t + T_COUNT] as number;
    let bids = bids0;
    let asks = asks0;
    let bidLoss = bidLoss0;
    let askLoss = askLoss0;
    // `add` with sign -1 then 1 (x + (-y) and x - y are the same float operation)
    const outSide = c.outSide;
    if (outSide !== undefined) {
      const outRem = c.outRem;
      const outPrice = c.outPrice;
      count -= 1;
      if (outSide === 'BUY') {
        bids -= outRem * outPrice;
        if (outPrice > mark) bidLoss -= outRem * (outPrice - mark);
      } else {
        asks -= outRem * outPrice;
        if (outPrice < mark) askLoss -= outRem * (mark - outPrice);
      }
    }
    const inRem = c.inRem;
    if (inRem > 0) {
      const inPrice = c.inPrice;
      if (count >= maxOrders) return false;
      if (!belowCap(inRem * inPrice + Math.abs(n) + bids + asks, f[t + T_CAP] as number)) return false;
      count += 1;
      if (c.inSide === 'BUY') {
        bids += inRem * inPrice;
        if (inPrice > mark) bidLoss += inRem * (inPrice - mark);
      } else {
        asks += inRem * inPrice;
        if (inPrice < mark) askLoss += inRem * (mark - inPrice);
      }
    }
    const tried = this.tried;
    tried[0] = count;
    tried[1] = bids;
    tried[2] = asks;
    tried[3] = bidLoss;
    tried[4] = askLoss;
    c.delta = orderMargin(bids, asks, bidLoss, askLoss, n, lev, true) - orderMargin(bids0, asks0, bidLoss0, askLoss0, n, lev, false);
    return true;
  }

  /** Writes the totals `tryChange` tried last into totals `t` (the change was accepted). */
  commitChange(t: number): void {
    const f = this.f;
    const tried = this.tried;
    f[t + T_COUNT] = tried[0] as number;
    f[t + T_BIDS] = tried[1] as number;
    f[t + T_ASKS] = tried[2] as number;
    f[t + T_BID_LOSS] = tried[3] as number;
    f[t + T_ASK_LOSS] = tried[4] as number;
  }

  /**
   * The -2027 cap proven with a margin: the position of totals `t` plus the book orders of totals `orders`
   * plus `value` (a new order's notional) stay below the leverage's cap by CAP_REL.
   */
  withinCap(t: number, value: number, orders: number): boolean {
    const f = this.f;
    const exposure = value + Math.abs(f[t + T_N] as number) + (f[orders + T_BIDS] as number) + (f[orders + T_ASKS] as number);
    return belowCap(exposure, f[t + T_CAP] as number);
  }
}
