/**
 * The JSON shapes of the account endpoints, computed from the engine's public state with the margin core:
 * positionRisk v2/v3, account v2/v3, balance v2/v3 and orders (spec api.md §5.3–§5.4, margin.md §3.7).
 *
 * Every figure comes from `evaluateAccount` (the same function `perpsim calc` uses) over a snapshot of the
 * engine account: the cross wallet, each leg with its exact entry price (cost / size), leverage, margin
 * type and isolated wallet, the marks, and the engine's open-order margin. So `liquidationPrice` here is
 * exactly `perpsim calc`'s for the same state.
 *
 * Formatting: money, prices and rates with 8 decimals (as Binance's account endpoints print them),
 * position and order quantities with the symbol's quantity precision, order prices with its price
 * precision. The break-even price is the entry price, as in the engine's ACCOUNT_UPDATE `bep` [inference].
 */
import {
  Decimal,
  DISPLAY_SCALE,
  evaluateAccount,
  maxNotionalForLeverage,
  type AccountRisk,
  type Position,
  type PositionRisk,
  type SymbolRiskInput,
} from '../core/index.js';
import {
  averageFillPrice,
  entryPrice,
  isPendingConditional,
  marginSummary,
  settingsOf,
  symbolOrderMargin,
  viewOf,
  type Account,
  type AccountView,
  type EnginePosition,
  type Exchange,
  type MarginSummary,
  type Order,
  type OrderLike,
  type SymbolState,
} from '../engine/index.js';
import { adlQuantile } from '../engine/liquidation.js';
import type { History } from './history.js';

export function f8(d: Decimal): string {
  return d.toFixed(DISPLAY_SCALE, 'HALF_UP');
}

function qtyText(s: SymbolState | undefined, d: Decimal): string {
  return s === undefined ? d.toString() : d.toFixed(Math.max(s.instrument.quantityPrecision, d.normalize().e), 'HALF_UP');
}

function priceText(s: SymbolState | undefined, d: Decimal): string {
  return s === undefined ? d.toString() : d.toFixed(Math.max(s.instrument.pricePrecision, d.normalize().e), 'HALF_UP');
}

export interface LegRisk {
  readonly leg: EnginePosition;
  /** undefined for a flat leg */
  readonly risk: PositionRisk | undefined;
  readonly openOrderMargin: Decimal;
  readonly bidNotional: Decimal;
  readonly askNotional: Decimal;
}

export interface AccountFigures {
  readonly account: Account;
  readonly risk: AccountRisk;
  readonly summary: MarginSummary;
  /** per `${symbol}:${positionSide}` */
  readonly legs: Map<string, LegRisk>;
}

function markFor(ex: Exchange, symbol: string, fallback: Decimal): Decimal {
  return ex.symbols.get(symbol)?.markPrice ?? fallback;
}

/**
 * The engine's account view with its positions as an array: `viewOf` hands out the Map's iterator, which
 * the margin summary consumes before the open-order margin reads it again (so a reducing order would be
 * charged as if there were no position). An array can be read any number of times.
 */
export function accountView(a: Account): AccountView {
  const v = viewOf(a);
  return { ...v, positions: [...a.positions.values()], orders: [...v.orders] };
}

/** Evaluates the account with the core (every figure of positionRisk and account). */
export function accountFigures(ex: Exchange, a: Account): AccountFigures {
  const view = accountView(a);
  const summary = marginSummary(view, ex.symbols);
  const positions: Position[] = [];
  const symbols = new Map<string, SymbolRiskInput>();
  const open: EnginePosition[] = [];
  for (const p of a.positions.values()) {
    if (p.amt.isZero()) continue;
    const st = settingsOf(a, p.symbol);
    const s = ex.symbols.get(p.symbol) as SymbolState;
    const entry = entryPrice(p);
    if (!symbols.has(p.symbol)) symbols.set(p.symbol, { brackets: s.instrument.brackets, markPrice: markFor(ex, p.symbol, entry) });
    positions.push({
      symbol: p.symbol,
      positionSide: p.positionSide,
      positionAmt: p.amt,
      entryPrice: entry,
      leverage: st.leverage,
      marginType: st.marginType === 'ISOLATED' ? 'isolated' : 'cross',
      isolatedWallet: st.marginType === 'ISOLATED' ? p.isolatedWallet : Decimal.ZERO,
    });
    open.push(p);
  }
  const risk = evaluateAccount({
    positionMode: a.dualSidePosition ? 'hedge' : 'one-way',
    crossWalletBalance: a.crossWallet,
    positions,
    symbols,
    crossOpenOrderMargin: summary.crossOrderMargin,
    isolatedOpenOrderMargin: summary.isolatedOrderMargin,
  });
  const legs = new Map<string, LegRisk>();
  const ordersBySymbol = new Map<string, OrderLike[]>();
  for (const o of view.orders) ordersBySymbol.set(o.symbol, [...(ordersBySymbol.get(o.symbol) ?? []), o]);
  const legFor = (symbol: string, side: 'BOTH' | 'LONG' | 'SHORT', p: EnginePosition, r: PositionRisk | undefined) => {
    const all = ordersBySymbol.get(symbol) ?? [];
    const mine = a.dualSidePosition ? all.filter((o) => o.positionSide === side) : all;
    const mark = markFor(ex, symbol, mine[0]?.price ?? entryPrice(p));
    let bid = Decimal.ZERO;
    let ask = Decimal.ZERO;
    for (const o of mine) {
      if (o.side === 'BUY') bid = bid.add(o.remaining.mul(o.price));
      else ask = ask.add(o.remaining.mul(o.price));
    }
    legs.set(`${symbol}:${side}`, {
      leg: p,
      risk: r,
      openOrderMargin: symbolOrderMargin(view, symbol, mark, mine),
      bidNotional: bid,
      askNotional: ask,
    });
  };
  risk.positions.forEach((r, i) => legFor(r.position.symbol, r.position.positionSide, open[i] as EnginePosition, r));
  // legs with open orders but no position
  for (const symbol of ordersBySymbol.keys()) {
    for (const side of a.dualSidePosition ? (['LONG', 'SHORT'] as const) : (['BOTH'] as const)) {
      if (legs.has(`${symbol}:${side}`)) continue;
      if (a.dualSidePosition && !(ordersBySymbol.get(symbol) ?? []).some((o) => o.positionSide === side)) continue;
      const flat = a.positions.get(`${symbol}:${side}`) ?? {
        symbol,
        positionSide: side,
        amt: Decimal.ZERO,
        cost: Decimal.ZERO,
        isolatedWallet: Decimal.ZERO,
      };
      legFor(symbol, side, flat, undefined);
    }
  }
  return { account: a, risk, summary, legs };
}

function sidesOf(a: Account): readonly ('BOTH' | 'LONG' | 'SHORT')[] {
  return a.dualSidePosition ? ['LONG', 'SHORT'] : ['BOTH'];
}

interface Row {
  readonly symbol: string;
  readonly side: 'BOTH' | 'LONG' | 'SHORT';
  readonly s: SymbolState;
  readonly leg: LegRisk | undefined;
}

/** The rows to list: v3 only legs with a position or open orders, v2 every symbol. */
function rows(ex: Exchange, fig: AccountFigures, all: boolean, symbol: string | undefined): Row[] {
  const out: Row[] = [];
  for (const [sym, s] of ex.symbols) {
    if (symbol !== undefined && sym !== symbol) continue;
    for (const side of sidesOf(fig.account)) {
      const leg = fig.legs.get(`${sym}:${side}`);
      if (leg === undefined && !all) continue;
      out.push({ symbol: sym, side, s, leg });
    }
  }
  return out;
}

interface PositionFields {
  amt: Decimal;
  entry: Decimal;
  mark: Decimal;
  upnl: Decimal;
  liq: Decimal;
  isoMargin: Decimal;
  notional: Decimal;
  isoWallet: Decimal;
  positionIM: Decimal;
  orderIM: Decimal;
  mm: Decimal;
}

function fieldsOf(ex: Exchange, r: Row): PositionFields {
  const risk = r.leg?.risk;
  const mark = r.s.markPrice ?? (risk !== undefined ? risk.markPrice : Decimal.ZERO);
  const orderIM = r.leg?.openOrderMargin ?? Decimal.ZERO;
  if (risk === undefined) {
    return {
      amt: Decimal.ZERO,
      entry: Decimal.ZERO,
      mark,
      upnl: Decimal.ZERO,
      liq: Decimal.ZERO,
      isoMargin: Decimal.ZERO,
      notional: Decimal.ZERO,
      isoWallet: r.leg?.leg.isolatedWallet ?? Decimal.ZERO,
      positionIM: Decimal.ZERO,
      orderIM,
      mm: Decimal.ZERO,
    };
  }
  return {
    amt: risk.position.positionAmt,
    entry: risk.position.entryPrice,
    mark: risk.markPrice,
    upnl: risk.unRealizedProfit,
    liq: risk.liquidationPrice,
    isoMargin: risk.isolatedMargin,
    notional: risk.notional,
    isoWallet: risk.position.isolatedWallet,
    positionIM: risk.initialMargin,
    orderIM,
    mm: risk.maintMargin,
  };
}

/** GET /fapi/v3/positionRisk */
export function positionRiskV3(ex: Exchange, history: History, a: Account, symbol?: string): Record<string, unknown>[] {
  const fig = accountFigures(ex, a);
  return rows(ex, fig, false, symbol).map((r) => {
    const f = fieldsOf(ex, r);
    return {
      symbol: r.symbol,
      positionSide: r.side,
      positionAmt: qtyText(r.s, f.amt),
      entryPrice: f8(f.entry),
      breakEvenPrice: f8(f.entry),
      markPrice: f8(f.mark),
      unRealizedProfit: f8(f.upnl),
      liquidationPrice: f8(f.liq),
      isolatedMargin: f8(f.isoMargin),
      notional: f8(f.notional),
      marginAsset: 'USDT',
      isolatedWallet: f8(f.isoWallet),
      initialMargin: f8(f.positionIM.add(f.orderIM)),
      maintMargin: f8(f.mm),
      positionInitialMargin: f8(f.positionIM),
      openOrderInitialMargin: f8(f.orderIM),
      adl: r.leg === undefined ? 0 : adlQuantile(ex, a.accountId, r.leg.leg),
      bidNotional: f8(r.leg?.bidNotional ?? Decimal.ZERO),
      askNotional: f8(r.leg?.askNotional ?? Decimal.ZERO),
      updateTime: history.positionUpdateTime(a.accountId, r.symbol, r.side),
    };
  });
}

/** GET /fapi/v2/positionRisk (every symbol; leverage, marginType, maxNotionalValue). */
export function positionRiskV2(ex: Exchange, history: History, a: Account, symbol?: string): Record<string, unknown>[] {
  const fig = accountFigures(ex, a);
  return rows(ex, fig, true, symbol).map((r) => {
    const f = fieldsOf(ex, r);
    const st = settingsOf(a, r.symbol);
    return {
      symbol: r.symbol,
      positionAmt: qtyText(r.s, f.amt),
      entryPrice: f8(f.entry),
      breakEvenPrice: f8(f.entry),
      markPrice: f8(f.mark),
      unRealizedProfit: f8(f.upnl),
      liquidationPrice: f8(f.liq),
      leverage: String(st.leverage),
      maxNotionalValue: (maxNotionalForLeverage(r.s.instrument.brackets, st.leverage) ?? Decimal.ZERO).toString(),
      marginType: st.marginType === 'ISOLATED' ? 'isolated' : 'cross',
      isolatedMargin: f8(f.isoMargin),
      isAutoAddMargin: 'false',
      positionSide: r.side,
      notional: f8(f.notional),
      isolatedWallet: f8(f.isoWallet),
      updateTime: history.positionUpdateTime(a.accountId, r.symbol, r.side),
      isolated: st.marginType === 'ISOLATED',
      adlQuantile: r.leg === undefined ? 0 : adlQuantile(ex, a.accountId, r.leg.leg),
    };
  });
}

function walletOf(a: Account): Decimal {
  let w = a.crossWallet;
  for (const p of a.positions.values()) w = w.add(p.isolatedWallet);
  return w;
}

function totals(fig: AccountFigures) {
  const r = fig.risk;
  let positionIM = Decimal.ZERO;
  for (const p of r.positions) positionIM = positionIM.add(p.initialMargin);
  const orderIM = fig.summary.crossOrderMargin.add(fig.summary.isolatedOrderMargin);
  return {
    totalInitialMargin: f8(r.totalInitialMargin),
    totalMaintMargin: f8(r.totalMaintMargin),
    totalWalletBalance: f8(r.totalWalletBalance),
    totalUnrealizedProfit: f8(r.totalUnrealizedProfit),
    totalMarginBalance: f8(r.totalMarginBalance),
    totalPositionInitialMargin: f8(positionIM),
    totalOpenOrderInitialMargin: f8(orderIM),
    totalCrossWalletBalance: f8(r.totalCrossWalletBalance),
    totalCrossUnPnl: f8(r.totalCrossUnPnl),
    availableBalance: f8(r.availableBalance),
    maxWithdrawAmount: f8(r.maxWithdrawAmount),
    positionIM,
    orderIM,
  };
}

function topLevel(t: ReturnType<typeof totals>): Record<string, string> {
  const out: Record<string, unknown> = { ...t };
  delete out['positionIM'];
  delete out['orderIM'];
  return out as Record<string, string>;
}

function assetRow(fig: AccountFigures, t: ReturnType<typeof totals>, updateTime: number, v2: boolean): Record<string, unknown> {
  return {
    asset: 'USDT',
    walletBalance: t.totalWalletBalance,
    unrealizedProfit: t.totalUnrealizedProfit,
    marginBalance: t.totalMarginBalance,
    maintMargin: t.totalMaintMargin,
    initialMargin: t.totalInitialMargin,
    positionInitialMargin: t.totalPositionInitialMargin,
    openOrderInitialMargin: t.totalOpenOrderInitialMargin,
    crossWalletBalance: t.totalCrossWalletBalance,
    crossUnPnl: t.totalCrossUnPnl,
    availableBalance: t.availableBalance,
    maxWithdrawAmount: t.maxWithdrawAmount,
    ...(v2 ? { marginAvailable: true } : {}),
    updateTime,
  };
}

/** GET /fapi/v3/account */
export function accountV3(ex: Exchange, history: History, a: Account): Record<string, unknown> {
  const fig = accountFigures(ex, a);
  const t = totals(fig);
  const top = topLevel(t);
  return {
    ...top,
    assets: [assetRow(fig, t, history.accountUpdateTime(a.accountId), false)],
    positions: rows(ex, fig, false, undefined).map((r) => {
      const f = fieldsOf(ex, r);
      return {
        symbol: r.symbol,
        positionSide: r.side,
        positionAmt: qtyText(r.s, f.amt),
        unrealizedProfit: f8(f.upnl),
        isolatedMargin: f8(f.isoMargin),
        notional: f8(f.notional),
        isolatedWallet: f8(f.isoWallet),
        initialMargin: f8(f.positionIM.add(f.orderIM)),
        maintMargin: f8(f.mm),
        updateTime: history.positionUpdateTime(a.accountId, r.symbol, r.side),
      };
    }),
  };
}

/** GET /fapi/v2/account (every symbol, the older superset). */
export function accountV2(ex: Exchange, history: History, a: Account): Record<string, unknown> {
  const fig = accountFigures(ex, a);
  const t = totals(fig);
  const top = topLevel(t);
  return {
    feeTier: 0,
    feeBurn: false,
    canTrade: true,
    canDeposit: true,
    canWithdraw: true,
    updateTime: 0,
    multiAssetsMargin: false,
    tradeGroupId: -1,
    ...top,
    assets: [assetRow(fig, t, history.accountUpdateTime(a.accountId), true)],
    positions: rows(ex, fig, true, undefined).map((r) => {
      const f = fieldsOf(ex, r);
      const st = settingsOf(a, r.symbol);
      return {
        symbol: r.symbol,
        initialMargin: f8(f.positionIM.add(f.orderIM)),
        maintMargin: f8(f.mm),
        unrealizedProfit: f8(f.upnl),
        positionInitialMargin: f8(f.positionIM),
        openOrderInitialMargin: f8(f.orderIM),
        leverage: String(st.leverage),
        isolated: st.marginType === 'ISOLATED',
        entryPrice: f8(f.entry),
        breakEvenPrice: f8(f.entry),
        maxNotional: (maxNotionalForLeverage(r.s.instrument.brackets, st.leverage) ?? Decimal.ZERO).toString(),
        positionSide: r.side,
        positionAmt: qtyText(r.s, f.amt),
        notional: f8(f.notional),
        isolatedWallet: f8(f.isoWallet),
        updateTime: history.positionUpdateTime(a.accountId, r.symbol, r.side),
        bidNotional: f8(r.leg?.bidNotional ?? Decimal.ZERO),
        askNotional: f8(r.leg?.askNotional ?? Decimal.ZERO),
      };
    }),
  };
}

/** GET /fapi/v2/balance and /fapi/v3/balance */
export function balance(ex: Exchange, history: History, a: Account): Record<string, unknown>[] {
  const fig = accountFigures(ex, a);
  const t = totals(fig);
  return [
    {
      accountAlias: accountAlias(a.accountId),
      asset: 'USDT',
      balance: f8(walletOf(a)),
      crossWalletBalance: t.totalCrossWalletBalance,
      crossUnPnl: t.totalCrossUnPnl,
      availableBalance: t.availableBalance,
      maxWithdrawAmount: t.maxWithdrawAmount,
      marginAvailable: true,
      updateTime: history.accountUpdateTime(a.accountId),
    },
  ];
}

/** A short stable alias derived from the account id (Binance sends four letters). */
function accountAlias(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  let out = '';
  for (let i = 0; i < 4; i++) {
    out += String.fromCharCode((i % 2 === 0 ? 65 : 97) + (h % 26));
    h = Math.floor(h / 26);
  }
  return out;
}

// ---- orders ----------------------------------------------------------------------------------------

/**
 * An order as GET /fapi/v1/order returns it (`query`, with `time`); POST / DELETE / PUT responses
 * (`response`) drop `time` and add `cumQty`; `ack` is the response as accepted, nothing executed (built in
 * one pass: these are the hot path of order placement).
 */
export function orderView(ex: Exchange, o: Order, kind: 'query' | 'response' | 'ack' = 'query'): Record<string, unknown> {
  const s = ex.symbols.get(o.symbol);
  const ack = kind === 'ack';
  const zeroQty = ack ? qtyText(s, Decimal.ZERO) : '';
  const avg = ack ? Decimal.ZERO : averageFillPrice(o.executedQty, o.cumQuote);
  const executedQty = ack ? zeroQty : qtyText(s, o.executedQty);
  const out: Record<string, unknown> = {
    orderId: o.orderId,
    symbol: o.symbol,
    status: ack ? 'NEW' : o.status,
    clientOrderId: o.clientOrderId,
    price: priceText(s, o.price),
    avgPrice: avg.isZero() ? priceText(s, Decimal.ZERO) : avg.toString(),
    origQty: qtyText(s, o.origQty),
    executedQty,
    cumQuote: ack ? '0' : o.cumQuote.toString(),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: o.closePosition,
    side: o.side,
    positionSide: o.positionSide,
    stopPrice: priceText(s, o.stopPrice),
    workingType: o.workingType,
    priceProtect: o.priceProtect,
    origType: o.origType,
  };
  if (o.origType === 'TRAILING_STOP_MARKET') {
    out['activatePrice'] = priceText(s, o.activationPrice ?? o.trailExtreme ?? Decimal.ZERO);
    out['priceRate'] = (o.callbackRate ?? Decimal.ZERO).mulInt(100).toString();
  }
  out['priceMatch'] = o.priceMatch;
  out['selfTradePreventionMode'] = o.selfTradePreventionMode;
  out['goodTillDate'] = o.goodTillDate;
  if (kind === 'query') out['time'] = o.time;
  out['updateTime'] = ack ? o.time : o.updateTime;
  if (kind !== 'query') out['cumQty'] = executedQty;
  return out;
}

/**
 * GET /fapi/v1/forceOrders: a liquidation (clientOrderId `autoclose-…`) or auto-deleveraging
 * (`adl_autoclose`) order, with the keys of Binance's example; the engine's order type LIQUIDATION is shown
 * as LIMIT, as there [inference from the documented example].
 */
export function forceOrderView(ex: Exchange, o: Order): Record<string, unknown> {
  const v = orderView(ex, o);
  const limit = (t: unknown) => (t === 'LIQUIDATION' ? 'LIMIT' : t);
  return {
    orderId: v['orderId'],
    symbol: v['symbol'],
    status: v['status'],
    clientOrderId: v['clientOrderId'],
    price: v['price'],
    avgPrice: v['avgPrice'],
    origQty: v['origQty'],
    executedQty: v['executedQty'],
    cumQuote: v['cumQuote'],
    timeInForce: v['timeInForce'],
    type: limit(v['type']),
    reduceOnly: v['reduceOnly'],
    closePosition: v['closePosition'],
    side: v['side'],
    positionSide: v['positionSide'],
    stopPrice: v['stopPrice'],
    workingType: v['workingType'],
    origType: limit(v['origType']),
    time: v['time'],
    updateTime: v['updateTime'],
  };
}

/** POST / DELETE / PUT responses: no `time`, plus `cumQty`. */
export function orderResponse(ex: Exchange, o: Order): Record<string, unknown> {
  return orderView(ex, o, 'response');
}

/** newOrderRespType=ACK: the order as accepted (nothing filled yet). */
export function orderAck(ex: Exchange, o: Order): Record<string, unknown> {
  return orderView(ex, o, 'ack');
}

export function isOpenConditional(o: Order): boolean {
  return isPendingConditional(o);
}
