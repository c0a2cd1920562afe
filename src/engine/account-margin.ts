/**
 * An account's margin in the engine: unrealized PnL on the mark, position initial margin, the margin
 * reserved by open orders, available balance and max withdrawable (spec margin.md §2.3, §3.4, §3.5).
 *
 * Open-order margin per symbol (docs/engine.md):
 * - one-way: Binance's netting rule `max(|N + bids|, |N − asks|) / L − |N| / L`, with N the position
 *   notional at the mark and bids/asks the remaining value of the open orders at their prices: orders that
 *   only reduce the position need no margin; plus the open loss of the orders on the side that grows it;
 * - hedge: the value of the orders that open a leg (BUY LONG, SELL SHORT) / L plus their open loss;
 *   closing orders need none.
 */
import {
  Decimal,
  CALC_SCALE,
  availableMargin,
  maintenanceMargin,
  maxWithdrawAmount,
  openLoss,
  type CrossMarginTotals,
} from '../core/index.js';
import {
  DEFAULT_LEVERAGE,
  isPendingConditional,
  type Account,
  type EnginePosition,
  type Order,
  type SymbolSettings,
  type SymbolState,
} from './state.js';

export interface OrderLike {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly positionSide: 'BOTH' | 'LONG' | 'SHORT';
  readonly price: Decimal;
  readonly remaining: Decimal;
  readonly reduceOnly: boolean;
}

/** An open order as the margin formulas see it; `remaining` defaults to what is left of the order. */
export function orderLike(o: Order, remaining: Decimal = o.origQty.sub(o.executedQty)): OrderLike {
  return { symbol: o.symbol, side: o.side, positionSide: o.positionSide, price: o.price, remaining, reduceOnly: o.reduceOnly };
}

/** A view of the account, possibly hypothetical (a trade not yet applied). */
export interface AccountView {
  readonly crossWallet: Decimal;
  /** an array, not an iterator: the summary reads the positions more than once */
  readonly positions: readonly EnginePosition[];
  readonly orders: Iterable<OrderLike>;
  readonly settings: (symbol: string) => SymbolSettings;
  readonly dualSidePosition: boolean;
}

/** A symbol's settings before the account changed any (shared: settings are replaced, never changed in place). */
const DEFAULT_SETTINGS: SymbolSettings = Object.freeze({ leverage: DEFAULT_LEVERAGE, marginType: 'CROSSED' });

export function settingsOf(account: Account, symbol: string): SymbolSettings {
  if (account.lookedUpSymbol === symbol) return account.lookedUpSettings as SymbolSettings;
  const st = account.settings.get(symbol) ?? DEFAULT_SETTINGS;
  account.lookedUpSymbol = symbol;
  account.lookedUpSettings = st;
  return st;
}

export function viewOf(account: Account): AccountView {
  return {
    crossWallet: account.crossWallet,
    positions: [...account.positions.values()],
    orders: [...account.openOrders.values()].filter((o) => !isPendingConditional(o)).map((o) => orderLike(o)),
    settings: (s) => settingsOf(account, s),
    dualSidePosition: account.dualSidePosition,
  };
}

export function unrealized(p: EnginePosition, mark: Decimal): Decimal {
  return p.amt.mul(mark).sub(p.cost);
}

/** The last entry price computed per position, with the size and cost it was computed from (both immutable). */
const entryMemo = new WeakMap<EnginePosition, { amt: Decimal; cost: Decimal; entry: Decimal }>();

export function entryPrice(p: EnginePosition): Decimal {
  if (p.amt.isZero()) return Decimal.ZERO;
  const memo = entryMemo.get(p);
  if (memo !== undefined && memo.amt === p.amt && memo.cost === p.cost) return memo.entry;
  const entry = p.cost.div(p.amt, CALC_SCALE);
  entryMemo.set(p, { amt: p.amt, cost: p.cost, entry });
  return entry;
}

function markOf(symbols: ReadonlyMap<string, SymbolState>, symbol: string, fallback: Decimal): Decimal {
  return symbols.get(symbol)?.markPrice ?? fallback;
}

/** Margin reserved by the open orders of one symbol. */
export function symbolOrderMargin(view: AccountView, symbol: string, mark: Decimal, orders: readonly OrderLike[]): Decimal {
  if (orders.length === 0) return Decimal.ZERO;
  const lev = Decimal.of(view.settings(symbol).leverage);
  if (!view.dualSidePosition) {
    let amt = Decimal.ZERO;
    for (const p of view.positions) if (p.symbol === symbol && p.positionSide === 'BOTH') amt = p.amt;
    const n = amt.mul(mark);
    let bids = Decimal.ZERO;
    let asks = Decimal.ZERO;
    let bidLoss = Decimal.ZERO;
    let askLoss = Decimal.ZERO;
    for (const o of orders) {
      if (o.reduceOnly) continue;
      const value = o.remaining.mul(o.price);
      const loss = openLoss(o.side, o.remaining, o.price, mark);
      if (o.side === 'BUY') {
        bids = bids.add(value);
        bidLoss = bidLoss.add(loss);
      } else {
        asks = asks.add(value);
        askLoss = askLoss.add(loss);
      }
    }
    const up = n.add(bids).abs();
    const down = n.sub(asks).abs();
    const worst = Decimal.max(up, down);
    const extra = worst.sub(n.abs());
    let margin = extra.isPositive() ? extra.div(lev, CALC_SCALE) : Decimal.ZERO;
    if (up.gt(n.abs())) margin = margin.add(bidLoss);
    if (down.gt(n.abs())) margin = margin.add(askLoss);
    return margin;
  }
  let margin = Decimal.ZERO;
  for (const o of orders) {
    const opening = (o.side === 'BUY' && o.positionSide === 'LONG') || (o.side === 'SELL' && o.positionSide === 'SHORT');
    if (!opening) continue;
    margin = margin.add(o.remaining.mul(o.price).div(lev, CALC_SCALE)).add(openLoss(o.side, o.remaining, o.price, mark));
  }
  return margin;
}

export interface MarginSummary {
  readonly crossUnrealized: Decimal;
  readonly crossPositionMargin: Decimal;
  readonly crossMaintMargin: Decimal;
  /** Σ order margin on cross symbols */
  readonly crossOrderMargin: Decimal;
  /** Σ order margin on isolated symbols */
  readonly isolatedOrderMargin: Decimal;
  readonly available: Decimal;
  readonly maxWithdraw: Decimal;
}

/** The cross totals of an account: what available balance and max withdrawable are computed from. */
function crossTotals(
  view: AccountView,
  symbols: ReadonlyMap<string, SymbolState>,
): CrossMarginTotals & { crossPositionMargin: Decimal; crossOrderMargin: Decimal } {
  let crossUnrealized = Decimal.ZERO;
  let crossPositionMargin = Decimal.ZERO;
  let crossMaintMargin = Decimal.ZERO;
  for (const p of view.positions) {
    if (p.amt.isZero()) continue;
    const st = view.settings(p.symbol);
    if (st.marginType !== 'CROSSED') continue;
    const sym = symbols.get(p.symbol);
    const mark = sym?.markPrice ?? entryPrice(p);
    crossUnrealized = crossUnrealized.add(unrealized(p, mark));
    const n = p.amt.mul(mark).abs();
    crossPositionMargin = crossPositionMargin.add(n.div(Decimal.of(st.leverage), CALC_SCALE));
    if (sym !== undefined) crossMaintMargin = crossMaintMargin.add(maintenanceMargin(sym.instrument.brackets, n).amount);
  }
  let bySymbol: Map<string, OrderLike[]> | undefined;
  for (const o of view.orders) {
    bySymbol ??= new Map();
    const list = bySymbol.get(o.symbol);
    if (list === undefined) bySymbol.set(o.symbol, [o]);
    else list.push(o);
  }
  let crossOrderMargin = Decimal.ZERO;
  let isolatedOrderMargin = Decimal.ZERO;
  if (bySymbol !== undefined) {
    for (const [symbol, orders] of bySymbol) {
      const mark = markOf(symbols, symbol, orders[0]?.price ?? Decimal.ZERO);
      const m = symbolOrderMargin(view, symbol, mark, orders);
      if (view.settings(symbol).marginType === 'CROSSED') crossOrderMargin = crossOrderMargin.add(m);
      else isolatedOrderMargin = isolatedOrderMargin.add(m);
    }
  }
  return {
    crossWalletBalance: view.crossWallet,
    crossUnrealizedPnl: crossUnrealized,
    crossInitialMargin: crossPositionMargin.add(crossOrderMargin),
    crossMaintMargin,
    isolatedOpenOrderMargin: isolatedOrderMargin,
    crossPositionMargin,
    crossOrderMargin,
  };
}

/** Available balance of the view, not clamped at 0 (the engine compares before/after; the API shows max(0, …)). */
export function availableOf(view: AccountView, symbols: ReadonlyMap<string, SymbolState>): Decimal {
  return availableMargin(crossTotals(view, symbols));
}

export function marginSummary(view: AccountView, symbols: ReadonlyMap<string, SymbolState>): MarginSummary {
  const totals = crossTotals(view, symbols);
  return {
    crossUnrealized: totals.crossUnrealizedPnl,
    crossPositionMargin: totals.crossPositionMargin,
    crossMaintMargin: totals.crossMaintMargin,
    crossOrderMargin: totals.crossOrderMargin,
    isolatedOrderMargin: totals.isolatedOpenOrderMargin,
    // Not clamped at 0 here: the engine compares before/after; the API shows max(0, …).
    available: availableMargin(totals),
    maxWithdraw: maxWithdrawAmount(totals),
  };
}
