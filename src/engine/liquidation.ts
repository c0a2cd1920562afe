/**
 * Liquidation (spec margin.md §5; docs/liquidation.md): triggers on the mark price, cancels the
 * account's orders, closes by tiers with IOC orders at the bankruptcy price, charges the clearance fee
 * to the insurance fund, hands what the book cannot take to the insurance fund or, when the fund is
 * empty, auto-deleverages the most profitable, most leveraged opposite positions.
 */
import { Decimal, CALC_SCALE, money, bankruptcyPrice, liquidationPrice, maintenanceMargin, type BracketTable } from '../core/index.js';
import { entryPrice, settingsOf, unrealized } from './account-margin.js';
import type { Side } from './commands.js';
import type { EngineEvent, LiquidationExplanation } from './events.js';
import type { Exchange } from './exchange.js';
import {
  averageFillPrice,
  INSURANCE_FUND_ID,
  byAccountId,
  isPendingConditional,
  type Account,
  type EnginePosition,
  type Order,
  type SymbolState,
} from './state.js';

/** Safety bound on liquidation steps per check (each step closes at least part of a position). */
const MAX_STEPS = 200;

interface CrossState {
  readonly marginBalance: Decimal;
  readonly maintMargin: Decimal;
  readonly legs: EnginePosition[];
}

function mmOf(ex: Exchange, p: EnginePosition): Decimal {
  const s = ex.symbols.get(p.symbol) as SymbolState;
  const mark = s.markPrice ?? entryPrice(p);
  return p.amt.isZero() ? Decimal.ZERO : maintenanceMargin(s.instrument.brackets, p.amt.mul(mark)).amount;
}

function markOf(ex: Exchange, p: EnginePosition): Decimal {
  return (ex.symbols.get(p.symbol) as SymbolState).markPrice ?? entryPrice(p);
}

export function crossState(ex: Exchange, a: Account): CrossState {
  let mb = a.crossWallet;
  let mm = Decimal.ZERO;
  const legs: EnginePosition[] = [];
  for (const p of a.positions.values()) {
    if (p.amt.isZero() || settingsOf(a, p.symbol).marginType !== 'CROSSED') continue;
    mb = mb.add(unrealized(p, markOf(ex, p)));
    mm = mm.add(mmOf(ex, p));
    legs.push(p);
  }
  return { marginBalance: mb, maintMargin: mm, legs };
}

/** An isolated leg's margin balance minus its maintenance margin at the mark (liquidatable at ≤ 0). */
export function isolatedSlack(ex: Exchange, p: EnginePosition): Decimal {
  return p.isolatedWallet.add(unrealized(p, markOf(ex, p))).sub(mmOf(ex, p));
}

function isolatedLiquidatable(ex: Exchange, p: EnginePosition): boolean {
  return !p.amt.isZero() && !isolatedSlack(ex, p).isPositive();
}

function crossLiquidatable(c: CrossState): boolean {
  return c.legs.length > 0 && c.marginBalance.lte(c.maintMargin);
}

/**
 * Checks the accounts the risk index says a tick on `symbol` may have put at risk (risk-index.ts; the
 * same set a scan of every holder would act on) and liquidates those at or past their trigger, in
 * account-id order. Returns the cross states it computed for the accounts it left alone, so that the
 * margin-call check that follows on the same tick does not compute them again.
 */
export function checkLiquidations(
  ex: Exchange,
  symbol: string,
  candidates: readonly Account[],
  time: number,
  events: EngineEvent[],
): Map<Account, CrossState> {
  const seen = new Map<Account, CrossState>();
  const due: Account[] = [];
  for (const a of candidates) {
    let holds = false;
    let hit = false;
    for (const p of a.positions.values()) {
      if (p.symbol !== symbol || p.amt.isZero()) continue;
      holds = true;
      if (settingsOf(a, symbol).marginType === 'ISOLATED' && isolatedLiquidatable(ex, p)) hit = true;
    }
    if (!holds || a.accountId === INSURANCE_FUND_ID) continue;
    if (hit) {
      due.push(a);
    } else if (settingsOf(a, symbol).marginType === 'CROSSED') {
      const c = crossState(ex, a);
      if (crossLiquidatable(c)) due.push(a);
      else seen.set(a, c);
    }
  }
  due.sort(byAccountId);
  for (const a of due) {
    for (const p of [...a.positions.values()]) {
      if (p.symbol !== symbol || settingsOf(a, symbol).marginType !== 'ISOLATED') continue;
      if (isolatedLiquidatable(ex, p)) liquidateIsolated(ex, a, p, time, events);
    }
    if (crossLiquidatable(crossState(ex, a))) liquidateCross(ex, a, time, events);
  }
  return seen;
}

function cancelOrders(ex: Exchange, a: Account, symbol: string | undefined, time: number, events: EngineEvent[]): void {
  const list = [...a.openOrders.values()].filter((o) => symbol === undefined || o.symbol === symbol).sort((x, y) => x.orderId - y.orderId);
  for (const o of list) ex.closeOrder(o, 'CANCELED', time, events);
}

function brackets(ex: Exchange, symbol: string): BracketTable {
  return (ex.symbols.get(symbol) as SymbolState).instrument.brackets;
}

function liquidateIsolated(ex: Exchange, a: Account, p: EnginePosition, time: number, events: EngineEvent[]): void {
  cancelOrders(ex, a, p.symbol, time, events);
  for (let step = 0; step < MAX_STEPS && isolatedLiquidatable(ex, p); step++) {
    const leg = { positionAmt: p.amt, entryPrice: entryPrice(p), brackets: brackets(ex, p.symbol) };
    const bp = bankruptcyPrice([leg], p.isolatedWallet);
    const explanation = explain(
      ex,
      a,
      p,
      'isolated',
      p.isolatedWallet.add(unrealized(p, markOf(ex, p))),
      mmOf(ex, p),
      liquidationPrice([leg], p.isolatedWallet, markOf(ex, p)),
      bp,
    );
    closeLeg(ex, a, p, bp, time, events, explanation);
  }
}

function liquidateCross(ex: Exchange, a: Account, time: number, events: EngineEvent[]): void {
  cancelOrders(ex, a, undefined, time, events);
  for (let step = 0; step < MAX_STEPS; step++) {
    const c = crossState(ex, a);
    if (!crossLiquidatable(c)) return;
    // the leg losing the most goes first (ties: the larger maintenance margin) [inference: Binance does
    // not publish the order]
    let target = c.legs[0] as EnginePosition;
    let targetPnl = unrealized(target, markOf(ex, target));
    let targetMM = mmOf(ex, target);
    for (const p of c.legs) {
      const u = unrealized(p, markOf(ex, p));
      const m = mmOf(ex, p);
      if (u.lt(targetPnl) || (u.eq(targetPnl) && m.gt(targetMM))) {
        target = p;
        targetPnl = u;
        targetMM = m;
      }
    }
    const otherUpnl = c.legs.filter((p) => p !== target).reduce((acc, p) => acc.add(unrealized(p, markOf(ex, p))), Decimal.ZERO);
    const otherMM = c.maintMargin.sub(targetMM);
    const leg = { positionAmt: target.amt, entryPrice: entryPrice(target), brackets: brackets(ex, target.symbol) };
    const bp = bankruptcyPrice([leg], a.crossWallet.add(otherUpnl));
    const lp = liquidationPrice([leg], a.crossWallet.sub(otherMM).add(otherUpnl), markOf(ex, target));
    closeLeg(ex, a, target, bp, time, events, explain(ex, a, target, 'cross', c.marginBalance, c.maintMargin, lp, bp));
  }
}

function explain(
  ex: Exchange,
  a: Account,
  p: EnginePosition,
  marginType: 'isolated' | 'cross',
  marginBalance: Decimal,
  maintMargin: Decimal,
  lp: Decimal,
  bp: Decimal,
): LiquidationExplanation {
  return {
    e: 'LIQUIDATION',
    accountId: a.accountId,
    E: 0,
    symbol: p.symbol,
    positionSide: p.positionSide,
    marginType,
    markPrice: markOf(ex, p).toString(),
    positionAmt: p.amt.toString(),
    entryPrice: entryPrice(p).round(8).toString(),
    walletBalance: (marginType === 'isolated' ? p.isolatedWallet : a.crossWallet).toString(),
    marginBalance: marginBalance.round(8).toString(),
    maintMargin: maintMargin.round(8).toString(),
    liquidationPrice: lp.round(8).toString(),
    bankruptcyPrice: bp.round(8).toString(),
    closed: [],
    clearanceFee: '0',
    partial: false,
  };
}

/**
 * Closes one leg: first, when it sits above bracket 1, only down to the previous bracket's cap (one
 * large IOC, "without fully liquidating"); the caller re-checks health and closes the rest if needed.
 */
function closeLeg(
  ex: Exchange,
  a: Account,
  p: EnginePosition,
  bp: Decimal,
  time: number,
  events: EngineEvent[],
  x: LiquidationExplanation,
): void {
  const s = ex.symbols.get(p.symbol) as SymbolState;
  const inst = s.instrument;
  const mark = markOf(ex, p);
  const size = p.amt.abs();
  const side: Side = p.amt.isPositive() ? 'SELL' : 'BUY';
  // bankruptcy price on the tick grid, rounded in the account's favour: never sell below it / buy above it
  const bpTick = bp.isPositive() ? bp.roundToStep(inst.tickSize, side === 'SELL' ? 'CEIL' : 'FLOOR') : inst.tickSize;
  let qty = size;
  const table = inst.brackets;
  const k = table.findIndex((b) => size.mul(mark).lte(b.notionalCap));
  if (k > 0) {
    const keep = (table[k - 1] as { notionalCap: Decimal }).notionalCap.div(mark, CALC_SCALE).roundToStep(inst.stepSize, 'DOWN');
    if (keep.isPositive() && keep.lt(size)) qty = size.sub(keep);
  }
  const partial = qty.lt(size);
  const crossBefore = a.crossWallet;

  // 1. the liquidation order: IOC at the bankruptcy price, into the book
  const order = ex.systemOrder(a, p, side, qty, bpTick, `autoclose-${time}`, time, events);
  const closed: LiquidationExplanation['closed'] = [];
  if (order.executedQty.isPositive()) {
    closed.push({
      via: 'book',
      qty: order.executedQty.toString(),
      avgPrice: averageFillPrice(order.executedQty, order.cumQuote).toString(),
    });
  }
  let rest = qty.sub(order.executedQty);
  // 2. what the book could not take: the insurance fund takes it over at the bankruptcy price; with an
  //    empty fund, auto-deleveraging against the opposite side.
  if (rest.isPositive()) {
    const fund = ex.accounts.get(INSURANCE_FUND_ID) as Account;
    if (fund.crossWallet.isPositive()) {
      ex.transferPosition(a, p, fund, 'BOTH', rest, bpTick, order, time, events, 'LIQUIDATION', `autoclose-${time}`);
      closed.push({ via: 'insurance', qty: rest.toString(), avgPrice: bpTick.toString() });
      rest = Decimal.ZERO;
    } else {
      rest = autoDeleverage(ex, a, p, rest, bpTick, order, time, events, closed);
    }
  }
  // 3. clearance fee on the liquidated notional, capped by what margin is left, to the insurance fund
  const liquidated = qty.sub(rest);
  const feeFull = money(liquidated.mul(mark).mul(inst.liquidationFee));
  let left: Decimal;
  if (settingsOf(a, p.symbol).marginType === 'ISOLATED') {
    // the closed share of the isolated margin (after PnL) went back to the cross wallet
    left = a.crossWallet.sub(crossBefore);
  } else {
    left = crossState(ex, a).marginBalance;
  }
  const fee = Decimal.min(feeFull, left.isPositive() ? left : Decimal.ZERO);
  if (fee.isPositive()) {
    const fund = ex.accounts.get(INSURANCE_FUND_ID) as Account;
    a.crossWallet = a.crossWallet.sub(fee);
    a.insuranceClear = a.insuranceClear.sub(fee);
    fund.crossWallet = fund.crossWallet.add(fee);
    fund.insuranceClear = fund.insuranceClear.add(fee);
  }
  events.push(ex.accountUpdate(a, 'INSURANCE_CLEAR', time, fee.neg(), [p]));
  events.push({ ...x, E: time, closed, clearanceFee: fee.toString(), partial });
}

/**
 * ADL ranking (spec §5.5): PnL% = max(0, uPnL) / max(1, wallet), margin ratio = MM / (wallet + uPnL),
 * score = PnL% × margin ratio; highest first (ties by account id). Longs and shorts are ranked apart.
 */
export function adlScore(ex: Exchange, a: Account, p: EnginePosition): Decimal {
  const mark = markOf(ex, p);
  const upnl = unrealized(p, mark);
  const wallet = settingsOf(a, p.symbol).marginType === 'ISOLATED' ? p.isolatedWallet : a.crossWallet;
  const pnlPct = (upnl.isPositive() ? upnl : Decimal.ZERO).div(Decimal.max(Decimal.ONE, wallet), CALC_SCALE);
  const equity = wallet.add(upnl);
  const ratio = equity.isPositive() ? mmOf(ex, p).div(equity, CALC_SCALE) : Decimal.ZERO;
  return pnlPct.mul(ratio);
}

/** ADL quantile 0–4 of a position among the positions on its side of the symbol (GET /fapi/v1/adlQuantile). */
export function adlQuantile(ex: Exchange, accountId: string, p: EnginePosition): number {
  if (p.amt.isZero()) return 0;
  const scored: { id: string; score: Decimal }[] = [];
  for (const a of ex.holders.get(p.symbol) ?? []) {
    const id = a.accountId;
    if (id === INSURANCE_FUND_ID) continue;
    for (const q of a.positions.values()) {
      if (q.symbol === p.symbol && q.amt.sign() === p.amt.sign()) scored.push({ id: `${id}/${q.positionSide}`, score: adlScore(ex, a, q) });
    }
  }
  const mine = scored.find((x) => x.id === `${accountId}/${p.positionSide}`);
  if (mine === undefined || !mine.score.isPositive()) return 0;
  const below = scored.filter((x) => x.score.lt(mine.score)).length;
  return Math.min(4, Math.floor((below * 5) / scored.length));
}

function autoDeleverage(
  ex: Exchange,
  a: Account,
  p: EnginePosition,
  qty: Decimal,
  price: Decimal,
  order: Order,
  time: number,
  events: EngineEvent[],
  closed: LiquidationExplanation['closed'],
): Decimal {
  const sign = -p.amt.sign();
  const ranking = adlRanking(ex, p.symbol, sign);
  // the ranked traders first, then the insurance fund's positions, and last the account's own opposite
  // leg (hedge mode)
  const candidates: { acc: Account; leg: EnginePosition }[] = [];
  const fund = ex.accounts.get(INSURANCE_FUND_ID) as Account;
  for (const leg of fund.positions.values()) if (leg.symbol === p.symbol && leg.amt.sign() === sign) candidates.push({ acc: fund, leg });
  for (const leg of a.positions.values())
    if (leg !== p && leg.symbol === p.symbol && leg.amt.sign() === sign) candidates.push({ acc: a, leg });
  let rest = qty;
  const take = (c: { acc: Account; leg: EnginePosition }) => {
    const q = Decimal.min(rest, c.leg.amt.abs());
    // the counterparty's own order record
    cancelOrdersOf(ex, c.acc, p.symbol, time, events);
    ex.transferPosition(a, p, c.acc, c.leg.positionSide, q, price, order, time, events, 'LIQUIDATION', 'adl_autoclose');
    closed.push({ via: 'adl', qty: q.toString(), avgPrice: price.toString(), counterparty: c.acc.accountId });
    rest = rest.sub(q);
  };
  for (let i = ranking.next; i < ranking.list.length && rest.isPositive(); i++) {
    const c = ranking.list[i] as AdlCandidate;
    // a leg may have shrunk, closed or flipped since the ranking was made (earlier in this command)
    if (c.acc === a || c.leg.amt.sign() !== sign) {
      if (i === ranking.next) ranking.next++;
      continue;
    }
    take(c);
    if (c.leg.amt.isZero() && i === ranking.next) ranking.next++;
  }
  for (const c of candidates) {
    if (!rest.isPositive()) break;
    take(c);
  }
  return rest;
}

interface AdlCandidate {
  readonly acc: Account;
  readonly leg: EnginePosition;
}

/** One side's ADL queue within a command, and the first entry that may still be usable. */
export interface AdlQueue {
  readonly list: AdlCandidate[];
  next: number;
}

/**
 * The ADL queue of one side of a symbol: its holders' legs of that sign, highest score first (ties by
 * account id). Ranked once per command and reused by every auto-deleveraging of that command (a tick that
 * bankrupts many accounts ranks the side once, not once per account; scores are a snapshot, as Binance's
 * ADL queue is [inference]). Legs used up are skipped from the front.
 */
function adlRanking(ex: Exchange, symbol: string, sign: number): AdlQueue {
  const key = `${symbol}:${sign}`;
  let ranking = ex.adlRankings.get(key);
  if (ranking === undefined) {
    const scored: { acc: Account; leg: EnginePosition; score: Decimal }[] = [];
    for (const other of ex.holders.get(symbol) ?? []) {
      if (other.accountId === INSURANCE_FUND_ID) continue;
      for (const leg of other.positions.values()) {
        if (leg.symbol === symbol && leg.amt.sign() === sign) scored.push({ acc: other, leg, score: adlScore(ex, other, leg) });
      }
    }
    scored.sort((x, y) => y.score.cmp(x.score) || byAccountId(x.acc, y.acc));
    ranking = { list: scored, next: 0 };
    ex.adlRankings.set(key, ranking);
  }
  return ranking;
}

function cancelOrdersOf(ex: Exchange, a: Account, symbol: string, time: number, events: EngineEvent[]): void {
  // Binance cancels the ADL'd account's open orders on the symbol (spec §5.5)
  const list = [...a.openOrders.values()]
    .filter((o) => o.symbol === symbol && !isPendingConditional(o))
    .sort((x, y) => x.orderId - y.orderId);
  for (const o of list) ex.closeOrder(o, 'CANCELED', time, events);
}

/** Warning level of the cross margin ratio (MM / margin balance) for MARGIN_CALL [inference: Binance recommends staying below 80 %]. */
export const MARGIN_CALL_RATIO = Decimal.parse('0.8');

/** Pushes MARGIN_CALL once when an account's cross margin ratio rises to the warning level; re-arms below it. */
export function checkMarginCalls(
  ex: Exchange,
  symbol: string,
  time: number,
  events: EngineEvent[],
  candidates: readonly Account[],
  known?: ReadonlyMap<Account, CrossState>,
): void {
  const changed: { a: Account; high: boolean; c: CrossState }[] = [];
  for (const a of candidates) {
    if (a.accountId === INSURANCE_FUND_ID || settingsOf(a, symbol).marginType !== 'CROSSED') continue;
    if (!ex.positionsOf(a, symbol).some((p) => !p.amt.isZero())) continue;
    const c = known?.get(a) ?? crossState(ex, a);
    const high =
      c.legs.length > 0 && (!c.marginBalance.isPositive() || c.maintMargin.div(c.marginBalance, CALC_SCALE).gte(MARGIN_CALL_RATIO));
    if (high !== a.marginCall) changed.push({ a, high, c });
  }
  changed.sort((x, y) => byAccountId(x.a, y.a));
  for (const { a, high, c } of changed) {
    if (high) {
      events.push({
        e: 'MARGIN_CALL',
        accountId: a.accountId,
        E: time,
        cw: a.crossWallet.toString(),
        p: c.legs.map((p) => ({
          s: p.symbol,
          ps: p.positionSide,
          pa: p.amt.toString(),
          mt: 'CROSSED' as const,
          iw: '0',
          mp: markOf(ex, p).toString(),
          up: unrealized(p, markOf(ex, p)).round(8).toString(),
          mm: mmOf(ex, p).round(8).toString(),
        })),
      });
    }
    a.marginCall = high;
  }
}
