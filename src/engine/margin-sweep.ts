/**
 * The margin sweep (docs/liquidation.md, "Margin sweep"): every open position as a row of float columns,
 * re-margined at the current marks in one tight loop, with a rigorous error bound on every figure, and
 * decisions that are exact because whatever the floats cannot decide is recomputed with the engine's
 * decimal functions (crossState, isolatedSlack, marginSummary).
 *
 * The columns are a shadow, never money. They are kept in sync lazily: the engine marks an account dirty
 * whenever its positions or wallets change (RiskIndex.markDirty forwards here), and a dirty account's rows
 * are copied again before the next sweep or risk-index flush reads them. A restored snapshot resets the
 * whole shadow (markAllDirty). The insurance fund is copied again at every full sweep (its wallet also
 * moves on clearance fees). Leverage is copied too, for the position-margin figure only (no decision uses
 * it): a leverage change with an open position must mark the account dirty as well (Exchange.setLeverage).
 *
 * Error bound. Let u = 2^-53. A decimal → float conversion is within 2u + u² of the value (Number(bigint)
 * rounds once, the division by an exact power of ten once; scales above 22 go through the correctly
 * rounded Number(text)); we count κ = 4u. With n = amt × mark, c = cost, w = isolated wallet, x = cross
 * wallet, r and q the bracket's MMR and cum, and k the number of cross legs, the first-order bounds are:
 *
 *   uPnL of a leg          n − c            10u (|n| + |c|)
 *   MM of a leg            |n| r − q        15u (|n| r + q)            (+ the bracket-edge term below)
 *   Σ cross uPnL                            (k + 10) u Σ(|n| + |c|)
 *   cross margin balance   x + Σ uPnL       (k + 11) u (|x| + Σ(|n| + |c|))
 *   cross MM               Σ MM             (k + 15) u Σ(|n| r + q)
 *   cross position IM      Σ |n| / L        (k + 11) u Σ |n| / L  + k × 5e-19 (the engine rounds each at 18 places)
 *   isolated margin bal.   w + n − c        11u (|w| + |n| + |c|)
 *
 * (each conversion and each rounded operation adds at most u × the magnitude it touches; the k comes from
 * summing k terms). Every bound used is twice its first-order value (u replaced by ULP = 2u): the factor
 * absorbs the second-order terms and the rounding of computing the bound itself, both relative O(k u).
 *
 * Bracket edges: the float notional |n| picks the bracket. When |n| lies within tol = 32u |n| of a bracket
 * cap, the exact notional may lie on the other side; MM evaluated with the neighbouring bracket differs by
 * at most |N − cap| × ΔMMR + |disc| (disc = the table's cum discrepancy at that cap, exact, ≤ 1 cent by
 * construction), and |N − cap| ≤ 2 tol, so that term is added to the leg's MM bound.
 *
 * Decisions: liquidatable when margin balance − MM ≤ 0 (cross: with at least one cross leg; isolated: per
 * leg), margin call when MB ≤ 0 or round₁₈(MM / MB) ≥ 0.8 (liquidation.ts). The float difference decides
 * when it is farther from the threshold than its bound (the margin-call test keeps a further 1e-18 × MB for
 * the 18-place rounding of the ratio); otherwise the account is rechecked with the exact functions.
 */
import { CALC_SCALE, Decimal, maintenanceMargin, type BracketTable } from '../core/index.js';
import { entryPrice, marginSummary, settingsOf, unrealized, viewOf } from './account-margin.js';
import type { Exchange } from './exchange.js';
import { MARGIN_CALL_RATIO, crossState, isolatedSlack } from './liquidation.js';
import { INSURANCE_FUND_ID, byAccountId, type Account, type EnginePosition, type SymbolState } from './state.js';
import { DirtyAccounts, SWEEP_DIRTY } from './dirty-accounts.js';

/** Twice the unit roundoff: every bound is its first-order derivation with u replaced by ULP. */
const ULP = 2 ** -52;
/** relative distance of a notional to a bracket cap below which the float may pick the wrong bracket (32u) */
const EDGE_TOL = 16 * ULP;
/** the engine rounds each leg's position margin to 18 places: 5e-19, doubled */
const IM_ROUNDING = 1e-18;

/** The exact value of a double as a decimal (a double is m × 2^k, i.e. m × 5^−k / 10^−k when k < 0): to check a figure against its bound. */
export function exactDecimal(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return Decimal.ZERO;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let k = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    k = biased - 1075;
  }
  const m = bits >> 63n === 1n ? -mantissa : mantissa;
  return k >= 0 ? new Decimal(m * (1n << BigInt(k)), 0) : new Decimal(m * 5n ** BigInt(-k), -k);
}

/** A float figure and a bound on its distance to the exact value. */
export interface Bounded {
  readonly value: number;
  /** |value − exact| ≤ error (Infinity when the figure is not defined by the floats, e.g. a ratio over a margin balance that may be 0) */
  readonly error: number;
}

export interface IsolatedFigures {
  readonly position: EnginePosition;
  /** isolated wallet + unrealized PnL */
  readonly marginBalance: Bounded;
  readonly maintMargin: Bounded;
  /** exact: margin balance ≤ MM */
  readonly liquidatable: boolean;
}

/** An account's figures at the sweep's marks: floats with bounds; the decisions are exact. */
export interface AccountFigures {
  readonly account: Account;
  readonly crossWallet: Bounded;
  readonly crossUnrealized: Bounded;
  readonly crossMaintMargin: Bounded;
  readonly crossMarginBalance: Bounded;
  /** Σ |notional| / leverage of the cross legs */
  readonly crossPositionMargin: Bounded;
  /** cross MM / cross margin balance */
  readonly crossMarginRatio: Bounded;
  /** number of open cross legs */
  readonly crossLegs: number;
  /** exact: at least one cross leg and cross margin balance ≤ cross MM */
  readonly crossLiquidatable: boolean;
  /** exact: at least one cross leg and the cross margin ratio at or above the MARGIN_CALL level (0.8), or MB ≤ 0 */
  readonly marginCall: boolean;
  /** whether the floats could not decide and the exact decimal functions were used */
  readonly rechecked: boolean;
  readonly isolated: readonly IsolatedFigures[];
}

export interface MarginSweepResult {
  readonly accounts: number;
  /** open positions swept */
  readonly positions: number;
  /** accounts the floats could not decide, recomputed with exact decimals */
  readonly rechecked: number;
  /** exact, account-id order (the insurance fund is never liquidated) */
  readonly crossLiquidatable: readonly Account[];
  /** exact, account-id order */
  readonly isolatedLiquidatable: readonly { readonly account: Account; readonly position: EnginePosition }[];
  /** exact, account-id order: cross accounts at or above the margin-call level */
  readonly marginCall: readonly Account[];
  /** The account's figures (valid until the next sweep), or undefined for an account the exchange does not have. */
  figures(a: Account): AccountFigures | undefined;
}

// account flags
const F_CROSS_LIQ = 1;
const F_CALL = 2;
/** a decision of the account could not be made by the floats */
const F_OPEN = 4;
const F_ISO_LIQ = 8;
/** the figures are not finite (a symbol without a mark): computed exactly */
const F_NOFIG = 16;
const F_RECHECKED = 32;
// row flags
const R_ISOLATED = 1;
const R_LIQ = 2;
const R_OPEN = 4;

function grownF64(a: Float64Array, n: number): Float64Array {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function grownI32(a: Int32Array, n: number): Int32Array {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function grownU8(a: Uint8Array, n: number): Uint8Array {
  if (n <= a.length) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

export class MarginSweep {
  // ---- symbols (built on first use: the exchange lists its symbols after its fields are set) ----
  private symbolIndex = new Map<string, number>();
  private symbolStates: SymbolState[] = [];
  private markDecimal: (Decimal | undefined)[] = [];
  /** the mark as a float, NaN without a mark (the exact path then uses the entry price) */
  private mark: Float64Array = new Float64Array(0);
  /** per symbol: index of its first bracket and of its last in the bracket arrays */
  private bFirst: Int32Array = new Int32Array(0);
  private bLast: Int32Array = new Int32Array(0);
  /** per bracket: its cap (Infinity for the last), the previous cap (−Infinity for the first), MMR, cum */
  private bCap: Float64Array = new Float64Array(0);
  private bLow: Float64Array = new Float64Array(0);
  private bRate: Float64Array = new Float64Array(0);
  private bCum: Float64Array = new Float64Array(0);
  /** per bracket: ΔMMR and |cum discrepancy| at its cap (up) and at the previous cap (down) */
  private bUpSlope: Float64Array = new Float64Array(0);
  private bUpDisc: Float64Array = new Float64Array(0);
  private bDownSlope: Float64Array = new Float64Array(0);
  private bDownDisc: Float64Array = new Float64Array(0);

  // ---- accounts ----
  private accounts: Account[] = [];
  private index = new Map<Account, number>();
  private wallet: Float64Array = new Float64Array(1024);
  private start: Int32Array = new Int32Array(1024);
  private count: Int32Array = new Int32Array(1024);
  private cap: Int32Array = new Int32Array(1024);
  private aFlags: Uint8Array = new Uint8Array(1024);
  private aLegs: Int32Array = new Int32Array(1024);
  private fUpnl: Float64Array = new Float64Array(1024);
  private fMm: Float64Array = new Float64Array(1024);
  private fMb: Float64Array = new Float64Array(1024);
  private fIm: Float64Array = new Float64Array(1024);
  private eUpnl: Float64Array = new Float64Array(1024);
  private eMm: Float64Array = new Float64Array(1024);
  private eMb: Float64Array = new Float64Array(1024);
  private eIm: Float64Array = new Float64Array(1024);

  // ---- rows (open positions), in blocks per account ----
  private rows = 0;
  private live = 0;
  private rSym: Int32Array = new Int32Array(4096);
  private rAmt: Float64Array = new Float64Array(4096);
  private rCost: Float64Array = new Float64Array(4096);
  private rIso: Float64Array = new Float64Array(4096);
  private rInvLev: Float64Array = new Float64Array(4096);
  private rFlags: Uint8Array = new Uint8Array(4096);
  private rPos: EnginePosition[] = [];
  /** isolated rows: margin balance, MM and their bounds, slack and its bound */
  private gMb: Float64Array = new Float64Array(4096);
  private gMm: Float64Array = new Float64Array(4096);
  private gEMb: Float64Array = new Float64Array(4096);
  private gEMm: Float64Array = new Float64Array(4096);

  private readonly dirty = new DirtyAccounts(SWEEP_DIRTY);
  private resetPending = true;
  /** an account's open positions while it is copied */
  private readonly scratch: EnginePosition[] = [];

  constructor(private readonly ex: Exchange) {}

  /** The account's positions or wallets (or leverage) changed: its rows are copied again before the next read. */
  markDirty(a: Account): void {
    this.dirty.add(a);
  }

  /** Every account (after a snapshot is restored): the shadow is rebuilt from scratch. */
  markAllDirty(): void {
    this.resetPending = true;
    this.dirty.clear();
  }

  /** Open positions in the shadow. */
  get positions(): number {
    return this.live;
  }

  // ---- sync ------------------------------------------------------------------------------------

  private buildSymbols(): void {
    const states = [...this.ex.symbols.values()];
    this.symbolStates = states;
    this.symbolIndex = new Map(states.map((s, i) => [s.instrument.symbol, i]));
    this.markDecimal = states.map(() => undefined);
    this.mark = new Float64Array(states.length).fill(NaN);
    const n = states.reduce((acc, s) => acc + s.instrument.brackets.length, 0);
    this.bFirst = new Int32Array(states.length);
    this.bLast = new Int32Array(states.length);
    this.bCap = new Float64Array(n);
    this.bLow = new Float64Array(n);
    this.bRate = new Float64Array(n);
    this.bCum = new Float64Array(n);
    this.bUpSlope = new Float64Array(n);
    this.bUpDisc = new Float64Array(n);
    this.bDownSlope = new Float64Array(n);
    this.bDownDisc = new Float64Array(n);
    let j = 0;
    states.forEach((s, i) => {
      const table = s.instrument.brackets;
      this.bFirst[i] = j;
      this.bLast[i] = j + table.length - 1;
      table.forEach((b, k) => {
        const next = table[k + 1];
        this.bCap[j + k] = next === undefined ? Infinity : b.notionalCap.toNumber();
        this.bLow[j + k] = k === 0 ? -Infinity : (this.bCap[j + k - 1] as number);
        this.bRate[j + k] = b.maintMarginRatio.toNumber();
        this.bCum[j + k] = b.cum.toNumber();
        if (next !== undefined) {
          const slope = next.maintMarginRatio.sub(b.maintMarginRatio);
          const disc = next.cum.sub(b.cum).sub(b.notionalCap.mul(slope)).abs();
          this.bUpSlope[j + k] = slope.toNumber();
          this.bUpDisc[j + k] = disc.toNumber();
          this.bDownSlope[j + k + 1] = slope.toNumber();
          this.bDownDisc[j + k + 1] = disc.toNumber();
        }
      });
      j += table.length;
    });
  }

  private refreshMarks(): void {
    const states = this.symbolStates;
    for (let i = 0; i < states.length; i++) {
      const m = (states[i] as SymbolState).markPrice;
      if (m === this.markDecimal[i]) continue;
      this.markDecimal[i] = m;
      this.mark[i] = m === undefined ? NaN : m.toNumber();
    }
  }

  private register(a: Account): number {
    const ai = this.accounts.length;
    this.accounts.push(a);
    this.index.set(a, ai);
    this.ensureAccounts(ai + 1);
    this.start[ai] = this.rows;
    this.count[ai] = 0;
    this.cap[ai] = 0;
    return ai;
  }

  private ensureAccounts(n: number): void {
    if (n > this.wallet.length) {
      this.wallet = grownF64(this.wallet, n);
      this.start = grownI32(this.start, n);
      this.count = grownI32(this.count, n);
      this.cap = grownI32(this.cap, n);
      this.aFlags = grownU8(this.aFlags, n);
      this.aLegs = grownI32(this.aLegs, n);
      this.fUpnl = grownF64(this.fUpnl, n);
      this.fMm = grownF64(this.fMm, n);
      this.fMb = grownF64(this.fMb, n);
      this.fIm = grownF64(this.fIm, n);
      this.eUpnl = grownF64(this.eUpnl, n);
      this.eMm = grownF64(this.eMm, n);
      this.eMb = grownF64(this.eMb, n);
      this.eIm = grownF64(this.eIm, n);
    }
  }

  private ensureRows(n: number): void {
    if (n <= this.rSym.length) return;
    this.rSym = grownI32(this.rSym, n);
    this.rAmt = grownF64(this.rAmt, n);
    this.rCost = grownF64(this.rCost, n);
    this.rIso = grownF64(this.rIso, n);
    this.rInvLev = grownF64(this.rInvLev, n);
    this.rFlags = grownU8(this.rFlags, n);
    this.gMb = grownF64(this.gMb, n);
    this.gMm = grownF64(this.gMm, n);
    this.gEMb = grownF64(this.gEMb, n);
    this.gEMm = grownF64(this.gEMm, n);
  }

  /** Copies the account's cross wallet and open positions into the columns. */
  private sync(a: Account): number {
    const ai = this.index.get(a) ?? this.register(a);
    this.wallet[ai] = a.crossWallet.toNumber();
    const open = this.scratch;
    let n = 0;
    for (const p of a.positions.values()) if (!p.amt.isZero()) open[n++] = p;
    this.live += n - (this.count[ai] as number);
    if (n > (this.cap[ai] as number)) {
      // a new block at the end (the old one is garbage until the next compaction)
      this.start[ai] = this.rows;
      this.cap[ai] = n;
      this.rows += n;
      this.ensureRows(this.rows);
    }
    const rSym = this.rSym;
    const rAmt = this.rAmt;
    const rCost = this.rCost;
    const rIso = this.rIso;
    const rInvLev = this.rInvLev;
    const rFlags = this.rFlags;
    const rPos = this.rPos;
    const symbolIndex = this.symbolIndex;
    let r = this.start[ai] as number;
    for (let i = 0; i < n; i++, r++) {
      const p = open[i] as EnginePosition;
      const st = settingsOf(a, p.symbol);
      const isolated = st.marginType === 'ISOLATED';
      rSym[r] = symbolIndex.get(p.symbol) as number;
      rAmt[r] = p.amt.toNumber();
      rCost[r] = p.cost.toNumber();
      rIso[r] = isolated ? p.isolatedWallet.toNumber() : 0;
      rInvLev[r] = 1 / st.leverage;
      rFlags[r] = isolated ? R_ISOLATED : 0;
      rPos[r] = p;
    }
    this.count[ai] = n;
    return ai;
  }

  /** Rewrites the rows in account order without the blocks left behind by growing accounts. */
  private compact(): void {
    const n = this.accounts.length;
    const old = {
      rSym: this.rSym,
      rAmt: this.rAmt,
      rCost: this.rCost,
      rIso: this.rIso,
      rInvLev: this.rInvLev,
      rFlags: this.rFlags,
      rPos: this.rPos,
    };
    const size = Math.max(4096, this.live);
    this.rSym = new Int32Array(size);
    this.rAmt = new Float64Array(size);
    this.rCost = new Float64Array(size);
    this.rIso = new Float64Array(size);
    this.rInvLev = new Float64Array(size);
    this.rFlags = new Uint8Array(size);
    this.rPos = [];
    this.gMb = new Float64Array(size);
    this.gMm = new Float64Array(size);
    this.gEMb = new Float64Array(size);
    this.gEMm = new Float64Array(size);
    let r = 0;
    for (let ai = 0; ai < n; ai++) {
      const s = this.start[ai] as number;
      const c = this.count[ai] as number;
      this.rSym.set(old.rSym.subarray(s, s + c), r);
      this.rAmt.set(old.rAmt.subarray(s, s + c), r);
      this.rCost.set(old.rCost.subarray(s, s + c), r);
      this.rIso.set(old.rIso.subarray(s, s + c), r);
      this.rInvLev.set(old.rInvLev.subarray(s, s + c), r);
      this.rFlags.set(old.rFlags.subarray(s, s + c), r);
      for (let k = 0; k < c; k++) this.rPos[r + k] = old.rPos[s + k] as EnginePosition;
      this.start[ai] = r;
      this.cap[ai] = c;
      r += c;
    }
    this.rows = r;
  }

  /**
   * @internal Brings the shadow up to date: the symbols' marks, a reset after markAllDirty (every account
   * of the exchange), the accounts marked dirty; with `all`, also accounts never marked (new, untouched
   * accounts) and the insurance fund. The risk index calls it before it reads the figures.
   */
  prepare(all = false): void {
    if (this.symbolStates.length !== this.ex.symbols.size) {
      this.buildSymbols();
      this.resetPending = true;
    }
    this.refreshMarks();
    if (this.resetPending) {
      this.resetPending = false;
      this.accounts = [];
      this.index = new Map();
      this.rows = 0;
      this.live = 0;
      this.rPos = [];
      this.dirty.clear();
      // the columns sized once for every account and leg: growing million-row columns step by step makes
      // V8 run full collections of a large heap (external memory pressure)
      let legs = 0;
      for (const a of this.ex.accounts.values()) legs += a.positions.size;
      this.ensureAccounts(this.ex.accounts.size);
      this.ensureRows(legs);
      for (const a of this.ex.accounts.values()) this.sync(a);
    }
    if (this.dirty.size > 0) {
      if (this.dirty.size > 1024) {
        // many at once (the first tick after a build): room for all of them in one allocation per column
        // (only new accounts and accounts that may outgrow their block take new rows)
        let accounts = 0;
        let legs = 0;
        for (const a of this.dirty) {
          const ai = this.index.get(a);
          if (ai === undefined) accounts++;
          if (ai === undefined || a.positions.size > (this.cap[ai] as number)) legs += a.positions.size;
        }
        this.ensureAccounts(this.accounts.length + accounts);
        this.ensureRows(this.rows + legs);
      }
      for (const a of this.dirty) this.sync(a);
      this.dirty.clear();
    }
    if (all) {
      if (this.accounts.length !== this.ex.accounts.size) {
        for (const a of this.ex.accounts.values()) if (!this.index.has(a)) this.sync(a);
      }
      const fund = this.ex.accounts.get(INSURANCE_FUND_ID);
      if (fund !== undefined) this.sync(fund);
    }
    if (this.rows - this.live > this.live + 4096) this.compact();
  }

  // ---- evaluation ------------------------------------------------------------------------------

  /**
   * Figures and decisions of accounts [lo, hi) at the current marks (after prepare). Undecided accounts get
   * F_OPEN (their undecided rows R_OPEN); `open` collects them.
   */
  private evaluate(lo: number, hi: number, open: number[] | undefined): void {
    const start = this.start;
    const count = this.count;
    const wallet = this.wallet;
    const rSym = this.rSym;
    const rAmt = this.rAmt;
    const rCost = this.rCost;
    const rIso = this.rIso;
    const rInvLev = this.rInvLev;
    const rFlags = this.rFlags;
    const gMb = this.gMb;
    const gMm = this.gMm;
    const gEMb = this.gEMb;
    const gEMm = this.gEMm;
    const mark = this.mark;
    const bFirst = this.bFirst;
    const bLast = this.bLast;
    const bCap = this.bCap;
    const bLow = this.bLow;
    const bRate = this.bRate;
    const bCum = this.bCum;
    const bUpSlope = this.bUpSlope;
    const bUpDisc = this.bUpDisc;
    const bDownSlope = this.bDownSlope;
    const bDownDisc = this.bDownDisc;
    const fundIndex = this.index.get(this.ex.accounts.get(INSURANCE_FUND_ID) as Account) ?? -1;
    for (let ai = lo; ai < hi; ai++) {
      const x = wallet[ai] as number;
      let upnl = 0;
      let mm = 0;
      let im = 0;
      let magP = 0;
      let magM = 0;
      let magI = 0;
      let edge = 0;
      let k = 0;
      let flags = 0;
      const decide = ai !== fundIndex;
      const s0 = start[ai] as number;
      const s1 = s0 + (count[ai] as number);
      for (let r = s0; r < s1; r++) {
        const s = rSym[r] as number;
        const a = rAmt[r] as number;
        const c = rCost[r] as number;
        const n = a * (mark[s] as number);
        const an = n < 0 ? -n : n;
        const ac = c < 0 ? -c : c;
        const pnl = n - c;
        let b = bFirst[s] as number;
        const last = bLast[s] as number;
        while (b < last && an > (bCap[b] as number)) b++;
        const rate = bRate[b] as number;
        const cum = bCum[b] as number;
        const legMm = an * rate - cum;
        // within the float error of a bracket cap: the exact notional may be in the neighbouring bracket
        const tol = EDGE_TOL * an;
        let ed = 0;
        if ((bCap[b] as number) - an <= tol) ed += 4 * tol * (bUpSlope[b] as number) + 2 * (bUpDisc[b] as number);
        if (an - (bLow[b] as number) <= tol) ed += 4 * tol * (bDownSlope[b] as number) + 2 * (bDownDisc[b] as number);
        if (((rFlags[r] as number) & R_ISOLATED) !== 0) {
          const w = rIso[r] as number;
          const mb = w + pnl;
          const eMb = 11 * ULP * ((w < 0 ? -w : w) + an + ac);
          const eMm = 15 * ULP * (an * rate + cum) + ed;
          gMb[r] = mb;
          gMm[r] = legMm;
          gEMb[r] = eMb;
          gEMm[r] = eMm;
          let rf = R_ISOLATED;
          const slack = mb - legMm;
          if (slack * 0 !== 0) {
            // not finite: no mark for the symbol
            flags |= F_NOFIG | F_OPEN;
            if (decide) rf |= R_OPEN;
          } else if (decide) {
            const e = eMb + eMm + ULP * (slack < 0 ? -slack : slack);
            if (slack > e) {
              // healthy
            } else if (slack < -e) {
              rf |= R_LIQ;
              flags |= F_ISO_LIQ;
            } else {
              rf |= R_OPEN;
              flags |= F_OPEN;
            }
          }
          rFlags[r] = rf;
        } else {
          upnl += pnl;
          mm += legMm;
          const legIm = an * (rInvLev[r] as number);
          im += legIm;
          magP += an + ac;
          magM += an * rate + cum;
          magI += legIm;
          edge += ed;
          k++;
        }
      }
      const mb = x + upnl;
      const eUpnl = (k + 10) * ULP * magP;
      const eMb = (k + 11) * ULP * ((x < 0 ? -x : x) + magP);
      const eMm = (k + 15) * ULP * magM + edge;
      const eIm = (k + 11) * ULP * magI + k * IM_ROUNDING;
      this.fUpnl[ai] = upnl;
      this.fMm[ai] = mm;
      this.fMb[ai] = mb;
      this.fIm[ai] = im;
      this.eUpnl[ai] = eUpnl;
      this.eMm[ai] = eMm;
      this.eMb[ai] = eMb;
      this.eIm[ai] = eIm;
      this.aLegs[ai] = k;
      if (!Number.isFinite(mb + mm + im)) flags |= F_NOFIG | F_OPEN;
      else if (decide && k > 0) {
        // liquidation: MB − MM ≤ 0
        const d = mb - mm;
        const ed = eMb + eMm + ULP * (d < 0 ? -d : d);
        if (d < -ed) flags |= F_CROSS_LIQ;
        else if (!(d > ed)) flags |= F_OPEN;
        // margin call: MB ≤ 0, or MM / MB (rounded half-up at 18 places) ≥ 0.8, i.e. MM − 0.8 MB ≥ −5e-19 MB
        if (mb < -eMb) flags |= F_CALL;
        else if (mb > eMb) {
          const e = mm - 0.8 * mb;
          const ee = eMm + 0.8 * eMb + 2 * ULP * mb + ULP * (e < 0 ? -e : e);
          if (e - ee >= 0) flags |= F_CALL;
          else if (!(e + ee + IM_ROUNDING * (mb + eMb) < 0)) flags |= F_OPEN;
        } else flags |= F_OPEN;
      }
      this.aFlags[ai] = flags;
      if ((flags & F_OPEN) !== 0 && open !== undefined) open.push(ai);
    }
  }

  /** The exact decisions (and, without finite floats, the exact figures) of an account the floats left open. */
  private recheck(ai: number): void {
    const ex = this.ex;
    const a = this.accounts[ai] as Account;
    let flags = this.aFlags[ai] as number;
    const decide = a.accountId !== INSURANCE_FUND_ID;
    const s0 = this.start[ai] as number;
    const s1 = s0 + (this.count[ai] as number);
    if ((flags & F_NOFIG) !== 0) {
      const sum = marginSummary(viewOf(a), ex.symbols);
      const set = (v: Decimal, into: Float64Array, err: Float64Array) => {
        const f = v.toNumber();
        into[ai] = f;
        err[ai] = 2 * ULP * Math.abs(f);
      };
      set(sum.crossUnrealized, this.fUpnl, this.eUpnl);
      set(sum.crossMaintMargin, this.fMm, this.eMm);
      set(sum.crossPositionMargin, this.fIm, this.eIm);
      set(a.crossWallet.add(sum.crossUnrealized), this.fMb, this.eMb);
      for (let r = s0; r < s1; r++) {
        if (((this.rFlags[r] as number) & R_ISOLATED) === 0) continue;
        const p = this.rPos[r] as EnginePosition;
        const s = ex.symbols.get(p.symbol) as SymbolState;
        const mark = s.markPrice ?? entryPrice(p);
        const mb = p.isolatedWallet.add(unrealized(p, mark)).toNumber();
        const mm = maintenanceMargin(s.instrument.brackets, p.amt.mul(mark)).amount.toNumber();
        this.gMb[r] = mb;
        this.gMm[r] = mm;
        this.gEMb[r] = 2 * ULP * Math.abs(mb);
        this.gEMm[r] = 2 * ULP * Math.abs(mm);
        this.rFlags[r] = (this.rFlags[r] as number) | (decide ? R_OPEN : 0);
      }
    }
    if (decide) {
      if ((this.aLegs[ai] as number) > 0) {
        const c = crossState(ex, a);
        flags &= ~(F_CROSS_LIQ | F_CALL);
        if (c.legs.length > 0 && c.marginBalance.lte(c.maintMargin)) flags |= F_CROSS_LIQ;
        if (c.legs.length > 0 && (!c.marginBalance.isPositive() || c.maintMargin.div(c.marginBalance, CALC_SCALE).gte(MARGIN_CALL_RATIO)))
          flags |= F_CALL;
      }
      for (let r = s0; r < s1; r++) {
        const rf = this.rFlags[r] as number;
        if ((rf & R_OPEN) === 0) continue;
        const liq = !isolatedSlack(ex, this.rPos[r] as EnginePosition).isPositive();
        this.rFlags[r] = (rf & ~(R_OPEN | R_LIQ)) | (liq ? R_LIQ : 0);
        if (liq) flags |= F_ISO_LIQ;
      }
    }
    this.aFlags[ai] = (flags & ~F_OPEN) | F_RECHECKED;
  }

  /**
   * Re-margins every account of the exchange at the current marks. The result reads the shadow's arrays:
   * it is valid until the next sweep, flush or command.
   */
  sweep(): MarginSweepResult {
    this.prepare(true);
    const n = this.accounts.length;
    const open: number[] = [];
    this.evaluate(0, n, open);
    for (const ai of open) this.recheck(ai);
    const crossLiquidatable: Account[] = [];
    const isolatedLiquidatable: { account: Account; position: EnginePosition }[] = [];
    const marginCall: Account[] = [];
    const flags = this.aFlags;
    for (let ai = 0; ai < n; ai++) {
      const f = flags[ai] as number;
      if ((f & (F_CROSS_LIQ | F_CALL | F_ISO_LIQ)) === 0) continue;
      const a = this.accounts[ai] as Account;
      if ((f & F_CROSS_LIQ) !== 0) crossLiquidatable.push(a);
      if ((f & F_CALL) !== 0) marginCall.push(a);
      if ((f & F_ISO_LIQ) !== 0) {
        const s0 = this.start[ai] as number;
        for (let r = s0; r < s0 + (this.count[ai] as number); r++)
          if (((this.rFlags[r] as number) & R_LIQ) !== 0)
            isolatedLiquidatable.push({ account: a, position: this.rPos[r] as EnginePosition });
      }
    }
    crossLiquidatable.sort(byAccountId);
    marginCall.sort(byAccountId);
    isolatedLiquidatable.sort((x, y) => byAccountId(x.account, y.account));
    return {
      accounts: n,
      positions: this.live,
      rechecked: open.length,
      crossLiquidatable,
      isolatedLiquidatable,
      marginCall,
      figures: (a) => {
        const ai = this.index.get(a);
        return ai === undefined ? undefined : this.figuresOf(ai);
      },
    };
  }

  private figuresOf(ai: number): AccountFigures {
    const f = this.aFlags[ai] as number;
    const mb = this.fMb[ai] as number;
    const eMb = this.eMb[ai] as number;
    const mm = this.fMm[ai] as number;
    const eMm = this.eMm[ai] as number;
    const ratio = mm / mb;
    // |MM/MB − MM_f/MB_f| ≤ (eMM + |ratio| eMB) / (MB_f − eMB) when MB_f > eMB; the engine rounds the ratio at 18 places
    const ratioError =
      mb > eMb ? 2 * ((eMm + Math.abs(ratio) * eMb) / (mb - eMb) + ULP * Math.abs(ratio) + 5e-19) : Number.POSITIVE_INFINITY;
    const x = this.wallet[ai] as number;
    const isolated: IsolatedFigures[] = [];
    const s0 = this.start[ai] as number;
    for (let r = s0; r < s0 + (this.count[ai] as number); r++) {
      const rf = this.rFlags[r] as number;
      if ((rf & R_ISOLATED) === 0) continue;
      isolated.push({
        position: this.rPos[r] as EnginePosition,
        marginBalance: { value: this.gMb[r] as number, error: this.gEMb[r] as number },
        maintMargin: { value: this.gMm[r] as number, error: this.gEMm[r] as number },
        liquidatable: (rf & R_LIQ) !== 0,
      });
    }
    return {
      account: this.accounts[ai] as Account,
      crossWallet: { value: x, error: 2 * ULP * Math.abs(x) },
      crossUnrealized: { value: this.fUpnl[ai] as number, error: this.eUpnl[ai] as number },
      crossMaintMargin: { value: mm, error: eMm },
      crossMarginBalance: { value: mb, error: eMb },
      crossPositionMargin: { value: this.fIm[ai] as number, error: this.eIm[ai] as number },
      crossMarginRatio: { value: ratio, error: ratioError },
      crossLegs: this.aLegs[ai] as number,
      crossLiquidatable: (f & F_CROSS_LIQ) !== 0,
      marginCall: (f & F_CALL) !== 0,
      rechecked: (f & F_RECHECKED) !== 0,
      isolated,
    };
  }

  // ---- the risk index's view (risk-index.ts) ---------------------------------------------------

  /**
   * @internal Evaluates one account at the current marks (after prepare); returns its index, or −1 when
   * the floats give no figures (a position in a symbol without a mark: the caller uses the exact path).
   */
  evaluateAccount(a: Account): number {
    const ai = this.index.get(a) ?? this.sync(a);
    this.evaluate(ai, ai + 1, undefined);
    return ((this.aFlags[ai] as number) & F_NOFIG) !== 0 ? -1 : ai;
  }

  /** @internal The account's rows: [rowStart, rowEnd). */
  rowStart(ai: number): number {
    return this.start[ai] as number;
  }
  rowEnd(ai: number): number {
    return (this.start[ai] as number) + (this.count[ai] as number);
  }
  /** @internal */
  rowIsolated(r: number): boolean {
    return ((this.rFlags[r] as number) & R_ISOLATED) !== 0;
  }
  /** @internal the leg's size (signed, float), mark (float), symbol and bracket table */
  rowAmt(r: number): number {
    return this.rAmt[r] as number;
  }
  rowMark(r: number): number {
    return this.mark[this.rSym[r] as number] as number;
  }
  rowPosition(r: number): EnginePosition {
    return this.rPos[r] as EnginePosition;
  }
  rowTable(r: number): BracketTable {
    return (this.symbolStates[this.rSym[r] as number] as SymbolState).instrument.brackets;
  }

  /** @internal A lower bound of an isolated row's margin balance − MM (after evaluateAccount). */
  isolatedSlackLow(r: number): number {
    const slack = (this.gMb[r] as number) - (this.gMm[r] as number);
    const e = (this.gEMb[r] as number) + (this.gEMm[r] as number) + ULP * Math.abs(slack);
    return slack - e - ULP * (Math.abs(slack) + e);
  }

  /** @internal A lower bound of the account's cross margin balance − c × cross MM (after evaluateAccount). */
  crossSlackLow(ai: number, c: number): number {
    const mb = this.fMb[ai] as number;
    const cm = c * (this.fMm[ai] as number);
    const slack = mb - cm;
    const e = (this.eMb[ai] as number) + c * (this.eMm[ai] as number) + ULP * (Math.abs(cm) + Math.abs(slack));
    return slack - e - ULP * (Math.abs(slack) + e);
  }

  /** @internal Number of cross legs (after evaluateAccount). */
  crossLegs(ai: number): number {
    return this.aLegs[ai] as number;
  }
}

/** Re-margins every account of the exchange (docs/liquidation.md, "Margin sweep"): float figures with bounds, exact decisions. */
export function marginSweep(ex: Exchange): MarginSweepResult {
  return ex.risk.sweep.sweep();
}
