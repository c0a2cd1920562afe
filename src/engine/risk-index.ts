/**
 * The risk index (docs/liquidation.md, "Which accounts a mark tick looks at"): each symbol keeps, for
 * every position in it, the mark price at which its account might need a look, so that a mark tick visits
 * only the positions whose trigger it crossed instead of every holder of the symbol.
 *
 * Triggers are a schedule, never a decision: whoever a tick pops is checked with the exact decimal
 * formulas (liquidation.ts), exactly as a scan of every holder would check it. They are computed to be
 * conservative, i.e. no account can become liquidatable (or reach the margin-call level) without one of its
 * triggers being crossed first:
 *
 * - slack σ = margin balance − c × maintenance margin at the current marks, with c = 1 for the
 *   liquidation test and c = 1 / MARGIN_CALL_RATIO (1.25) for the margin-call test (cross accounts that
 *   have not had their margin call yet use the margin-call slack, which is the smaller one);
 * - moving the mark of a leg against it by Δ consumes at most k × Δ of the slack: k = size for a long
 *   (its MM falls as the price falls), k = |size| × (1 + c × MMR) for a short, where MMR is that of the
 *   bracket the short's notional reaches at its trigger (MM is piecewise linear and convex in the price);
 * - an isolated leg has its own slack and is triggered at mark × (1 ∓ σ / (k × mark));
 * - a cross account shares its slack over its cross legs in proportion to k × mark, so every leg gets
 *   the same relative move δ = σ / Σ k × mark: while no leg has moved δ against itself, the account has
 *   consumed less than σ, whatever the other symbols did.
 *
 * The slacks are lower bounds taken from the margin sweep (margin-sweep.ts): its float figures less their
 * rigorous error bounds, so no bigint arithmetic runs when accounts are re-indexed (a position in a symbol
 * without a mark, or `slacksFrom = 'exact'`, takes the exact decimal checks instead). A lower slack only
 * makes a trigger fire earlier.
 *
 * An account's triggers are recomputed (all of them, under a new version; old heap entries are dropped
 * lazily) after anything that changes its positions or wallets (fills, deposits, withdrawals, isolated
 * margin, funding, liquidation) and after it was popped and checked: such accounts are marked dirty, and
 * the next tick (of any symbol) recomputes them first, so that many fills between two ticks cost one. Cross accounts already in a margin
 * call are checked on every tick of a symbol they hold (they must be re-armed when the ratio falls), and
 * so is an account indexed with no slack left (still liquidatable after a tick that found no liquidity,
 * or past the call level before its call went out): its trigger would lie behind the mark.
 * The triggers are binary floats padded towards firing early: they only decide when the exact check
 * runs, no amount is ever computed from them. The index is derived state: it is not part of the state
 * hash, and a restored snapshot rebuilds it (markAllDirty drops every entry and re-indexes every account).
 */
import { Decimal, type BracketTable } from '../core/index.js';
import { entryPrice, settingsOf } from './account-margin.js';
import type { Exchange } from './exchange.js';
import { crossState, isolatedSlack } from './liquidation.js';
import { MarginSweep } from './margin-sweep.js';
import { INSURANCE_FUND_ID, byAccountId, type Account, type EnginePosition, type SymbolState } from './state.js';
import { DirtyAccounts, RISK_DIRTY } from './dirty-accounts.js';

/** 1 / MARGIN_CALL_RATIO (0.8): margin call when margin balance ≤ 1.25 × MM. */
const CALL_FACTOR = 1.25;
const CALL_FACTOR_DEC = Decimal.parse('1.25');
/** relative padding of a trigger towards firing early (covers the float rounding, ~1e-16 each) */
const PAD = 1e-9;

/** A binary min-heap of (key, account, version); stale versions are skipped when popped. */
class TriggerHeap {
  keys: number[] = [];
  accounts: Account[] = [];
  versions: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, a: Account, version: number): void {
    const keys = this.keys;
    const accounts = this.accounts;
    const versions = this.versions;
    let i = keys.length;
    keys.push(key);
    accounts.push(a);
    versions.push(version);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent] as number;
      if (pk <= key) break;
      keys[i] = pk;
      accounts[i] = accounts[parent] as Account;
      versions[i] = versions[parent] as number;
      i = parent;
    }
    keys[i] = key;
    accounts[i] = a;
    versions[i] = version;
  }

  clear(): void {
    this.keys = [];
    this.accounts = [];
    this.versions = [];
  }

  /** Smallest key, or +Infinity when empty. */
  peek(): number {
    return this.keys.length === 0 ? Infinity : (this.keys[0] as number);
  }

  /** Removes the top entry and returns its account and version. */
  pop(): { a: Account; version: number } {
    const keys = this.keys;
    const accounts = this.accounts;
    const versions = this.versions;
    const top = { a: accounts[0] as Account, version: versions[0] as number };
    const lastKey = keys.pop() as number;
    const lastA = accounts.pop() as Account;
    const lastV = versions.pop() as number;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (keys[r] as number) < (keys[l] as number) ? r : l;
        if ((keys[c] as number) >= lastKey) break;
        keys[i] = keys[c] as number;
        accounts[i] = accounts[c] as Account;
        versions[i] = versions[c] as number;
        i = c;
      }
      keys[i] = lastKey;
      accounts[i] = lastA;
      versions[i] = lastV;
    }
    return top;
  }

  /** Keeps only the entries `live` accepts, and restores the heap order. */
  compact(live: (a: Account, version: number) => boolean): void {
    const keys: number[] = [];
    const accounts: Account[] = [];
    const versions: number[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      const a = this.accounts[i] as Account;
      const v = this.versions[i] as number;
      if (!live(a, v)) continue;
      keys.push(this.keys[i] as number);
      accounts.push(a);
      versions.push(v);
    }
    this.keys = [];
    this.accounts = [];
    this.versions = [];
    for (let i = 0; i < keys.length; i++) this.push(keys[i] as number, accounts[i] as Account, versions[i] as number);
  }
}

interface SymbolTriggers {
  /** legs hurt by a falling mark (longs): key = −trigger, due when −mark ≥ key, i.e. mark ≤ trigger */
  readonly falls: TriggerHeap;
  /** legs hurt by a rising mark (shorts): key = trigger, due when mark ≥ trigger */
  readonly rises: TriggerHeap;
}

/** Bracket caps and MMRs as floats, for choosing a short's MMR at its trigger (a bound, not money). */
const floatBrackets = new WeakMap<BracketTable, { caps: Float64Array; mmrs: Float64Array }>();
function bracketFloats(table: BracketTable): { caps: Float64Array; mmrs: Float64Array } {
  let f = floatBrackets.get(table);
  if (f === undefined) {
    f = {
      caps: Float64Array.from(table, (b) => Number(b.notionalCap.toString())),
      mmrs: Float64Array.from(table, (b) => Number(b.maintMarginRatio.toString())),
    };
    floatBrackets.set(table, f);
  }
  return f;
}
function mmrAtNotional(table: BracketTable, notional: number): number {
  const { caps, mmrs } = bracketFloats(table);
  for (let i = 0; i < caps.length; i++) if (notional <= (caps[i] as number)) return mmrs[i] as number;
  return mmrs[mmrs.length - 1] as number;
}

/** The legs one slack is shared over: a scratch buffer reused for every account (no allocation per leg). */
class Legs {
  n = 0;
  readonly symbols: string[] = [];
  readonly long: boolean[] = [];
  /** |size| and mark, as floats */
  readonly size: number[] = [];
  readonly mark: number[] = [];
  readonly tables: BracketTable[] = [];
  readonly mmr: number[] = [];

  clear(): this {
    this.n = 0;
    return this;
  }

  add(symbol: string, long: boolean, size: number, mark: number, table: BracketTable): this {
    const i = this.n++;
    this.symbols[i] = symbol;
    this.long[i] = long;
    this.size[i] = size;
    this.mark[i] = mark;
    this.tables[i] = table;
    return this;
  }
}

export class RiskIndex {
  private readonly bySymbol = new Map<string, SymbolTriggers>();
  private readonly version = new Map<Account, number>();
  /** how many heap entries each account's current version has */
  private readonly entries = new Map<Account, number>();
  private liveEntries = 0;
  private totalEntries = 0;
  private readonly dirty = new DirtyAccounts(RISK_DIRTY);
  /** cross accounts in a margin call: checked on every tick of a symbol they hold */
  private readonly hot = new Set<Account>();
  private readonly legs = new Legs();

  /** the float shadow of every position (margin-sweep.ts): the slacks the triggers are computed from */
  readonly sweep: MarginSweep;
  /**
   * Where the slacks come from: the sweep's float figures lowered by their error bound (default), or the
   * exact decimal checks (crossState, isolatedSlack) for every account. Both are conservative; the exact
   * one is kept for comparison (tests, bench/risk).
   */
  slacksFrom: 'sweep' | 'exact' = 'sweep';

  constructor(private readonly ex: Exchange) {
    this.sweep = new MarginSweep(ex);
  }

  /** The account's positions or wallets changed: its triggers are recomputed at the end of the command. */
  markDirty(a: Account): void {
    this.dirty.add(a);
    this.sweep.markDirty(a);
  }

  /** Every account (after a snapshot is restored): every entry is dropped, every account indexed again. */
  markAllDirty(): void {
    for (const a of this.ex.accounts.values()) this.dirty.add(a);
    for (const t of this.bySymbol.values()) {
      t.falls.clear();
      t.rises.clear();
    }
    this.entries.clear();
    this.liveEntries = 0;
    this.totalEntries = 0;
    this.sweep.markAllDirty();
  }

  /** Recomputes the triggers of every account marked dirty (before each tick looks at the heaps). */
  flush(): void {
    if (this.dirty.size === 0) return;
    // account-id order, so that the heaps' layout does not depend on the order of changes
    const list = [...this.dirty].sort(byAccountId);
    this.dirty.clear();
    if (this.slacksFrom === 'sweep') this.sweep.prepare();
    for (const a of list) this.reindex(a);
    if (this.totalEntries > 2 * this.liveEntries + 4096) this.compact();
  }

  /**
   * The accounts a mark tick on `symbol` must check: those with a trigger the mark crossed, and the
   * cross accounts in a margin call that hold the symbol. Popped accounts are marked dirty (re-indexed
   * at the end of the command whatever the check decides).
   */
  due(symbol: string, mark: Decimal): Account[] {
    // changes earlier in this command (triggered conditional orders, funding) first
    this.flush();
    const out = new Set<Account>();
    const t = this.bySymbol.get(symbol);
    if (t !== undefined) {
      const m = mark.toNumber();
      while (t.falls.peek() <= -m) this.take(t.falls, out);
      while (t.rises.peek() <= m) this.take(t.rises, out);
    }
    for (const a of this.hot) {
      if (out.has(a)) continue;
      for (const p of a.positions.values()) {
        if (p.symbol === symbol && !p.amt.isZero()) {
          out.add(a);
          break;
        }
      }
    }
    for (const a of out) this.dirty.add(a);
    return [...out];
  }

  /** Heap entries in all (live and stale), for tests and benches. */
  size(): { live: number; total: number; hot: number } {
    return { live: this.liveEntries, total: this.totalEntries, hot: this.hot.size };
  }

  private take(h: TriggerHeap, out: Set<Account>): void {
    const { a, version } = h.pop();
    this.totalEntries--;
    if (this.version.get(a) !== version) return;
    this.liveEntries--;
    this.entries.set(a, (this.entries.get(a) ?? 1) - 1);
    out.add(a);
  }

  private triggersOf(symbol: string): SymbolTriggers {
    let t = this.bySymbol.get(symbol);
    if (t === undefined) this.bySymbol.set(symbol, (t = { falls: new TriggerHeap(), rises: new TriggerHeap() }));
    return t;
  }

  private reindex(a: Account): void {
    const version = (this.version.get(a) ?? 0) + 1;
    this.version.set(a, version);
    this.liveEntries -= this.entries.get(a) ?? 0;
    this.entries.set(a, 0);
    this.hot.delete(a);
    if (a.accountId === INSURANCE_FUND_ID) return;
    const ai = this.slacksFrom === 'sweep' ? this.sweep.evaluateAccount(a) : -1;
    if (ai < 0) this.reindexExact(a, version);
    else this.reindexFromSweep(a, ai, version);
  }

  /**
   * The slacks from the sweep's float figures, lowered by their error bounds (margin-sweep.ts): never
   * above the exact slacks, so the triggers stay conservative.
   */
  private reindexFromSweep(a: Account, ai: number, version: number): void {
    const sw = this.sweep;
    const legs = this.legs;
    const add = (r: number) => {
      const amt = sw.rowAmt(r);
      legs.add(sw.rowPosition(r).symbol, amt > 0, Math.abs(amt), sw.rowMark(r), sw.rowTable(r));
    };
    const end = sw.rowEnd(ai);
    for (let r = sw.rowStart(ai); r < end; r++) {
      if (!sw.rowIsolated(r)) continue;
      legs.clear();
      add(r);
      this.pushLegs(a, version, legs, sw.isolatedSlackLow(r), 1);
    }
    if (sw.crossLegs(ai) === 0) return;
    if (a.marginCall) {
      // checked on every tick of its symbols until the ratio falls below the warning level again
      this.hot.add(a);
      return;
    }
    legs.clear();
    for (let r = sw.rowStart(ai); r < end; r++) if (!sw.rowIsolated(r)) add(r);
    this.pushLegs(a, version, legs, sw.crossSlackLow(ai, CALL_FACTOR), CALL_FACTOR);
  }

  /** The slacks from the exact checks (a position in a symbol without a mark, or slacksFrom 'exact'). */
  private reindexExact(a: Account, version: number): void {
    // the slack of each isolated leg alone, and of the cross account: the same figures the exact checks use
    const legs = this.legs;
    const add = (p: EnginePosition) => {
      const s = this.ex.symbols.get(p.symbol) as SymbolState;
      const mark = s.markPrice ?? entryPrice(p);
      legs.add(p.symbol, p.amt.isPositive(), Math.abs(p.amt.toNumber()), mark.toNumber(), s.instrument.brackets);
    };
    for (const p of a.positions.values()) {
      if (p.amt.isZero() || settingsOf(a, p.symbol).marginType !== 'ISOLATED') continue;
      legs.clear();
      add(p);
      this.pushLegs(a, version, legs, isolatedSlack(this.ex, p).toNumber(), 1);
    }
    const cross = crossState(this.ex, a);
    if (cross.legs.length === 0) return;
    if (a.marginCall) {
      // checked on every tick of its symbols until the ratio falls below the warning level again
      this.hot.add(a);
      return;
    }
    const slack = cross.marginBalance.sub(cross.maintMargin.mul(CALL_FACTOR_DEC));
    legs.clear();
    for (const p of cross.legs) add(p);
    this.pushLegs(a, version, legs, slack.toNumber(), CALL_FACTOR);
  }

  /**
   * Pushes the legs' triggers for a shared slack (MM counted `c` times). With no slack left (an account
   * still liquidatable after a tick that found no liquidity for it, or past the margin-call level before
   * its call went out) a trigger would lie behind the mark, where a move in the account's favour never
   * reaches it, yet the next tick must check it as a scan would: the account is hot instead, checked on
   * every tick of its symbols until it is indexed again with slack to spare.
   */
  private pushLegs(a: Account, version: number, legs: Legs, slack: number, c: number): void {
    if (!(slack > 0)) {
      this.hot.add(a);
      return;
    }
    const n = legs.n;
    const { long, size, mark, tables, mmr } = legs;
    // shorts take the MMR of the bracket their notional reaches at the trigger; raising it only lowers δ
    for (let i = 0; i < n; i++) mmr[i] = long[i] ? 0 : mmrAtNotional(tables[i] as BracketTable, (size[i] as number) * (mark[i] as number));
    let delta = 0;
    for (let round = 0; round < 16; round++) {
      let weight = 0;
      for (let i = 0; i < n; i++) {
        weight += (size[i] as number) * (mark[i] as number) * (long[i] ? 1 : 1 + c * (mmr[i] as number));
      }
      delta = weight > 0 ? slack / weight : 0;
      let raised = false;
      for (let i = 0; i < n; i++) {
        if (long[i] || delta <= 0) continue;
        const reach = mmrAtNotional(tables[i] as BracketTable, (size[i] as number) * (mark[i] as number) * (1 + delta));
        if (reach > (mmr[i] as number)) {
          mmr[i] = reach;
          raised = true;
        }
      }
      if (!raised) break;
    }
    const d = delta - Math.abs(delta) * PAD - 1e-12;
    for (let i = 0; i < n; i++) {
      const t = this.triggersOf(legs.symbols[i] as string);
      const m = mark[i] as number;
      // padded towards firing early: a long fires at or below T + |T|·PAD, a short at or above T − |T|·PAD
      if (long[i]) {
        const trigger = m * (1 - d);
        t.falls.push(-(trigger + Math.abs(trigger) * PAD), a, version);
      } else {
        const trigger = m * (1 + d);
        t.rises.push(trigger - Math.abs(trigger) * PAD, a, version);
      }
    }
    this.entries.set(a, (this.entries.get(a) ?? 0) + n);
    this.liveEntries += n;
    this.totalEntries += n;
  }

  private compact(): void {
    const live = (a: Account, v: number) => this.version.get(a) === v;
    for (const t of this.bySymbol.values()) {
      t.falls.compact(live);
      t.rises.compact(live);
    }
    this.totalEntries = this.liveEntries;
  }
}
