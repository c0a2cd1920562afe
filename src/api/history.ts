/**
 * What the REST API reports about the past: per account its trades, income (transfers, realized PnL,
 * commission, funding, insurance clearance), isolated-margin changes and order ids; per symbol the public
 * trades (for trades, aggTrades, klines and the 24 h ticker) and the funding settlements.
 *
 * Built by subscribing to the venue's event hub, so it sees exactly what the engine emitted. This is the
 * in-memory implementation; durable history (issue 6) implements the same `History` interface.
 */
import { Decimal } from '../core/index.js';
import { AmendTracker, type Amendment, type EngineEvent, type LiquidationExplanation, type Order } from '../engine/index.js';
import type { EventHub } from './event-hub.js';

export interface UserTrade {
  readonly symbol: string;
  readonly id: number;
  readonly orderId: number;
  readonly side: string;
  readonly price: string;
  readonly qty: string;
  readonly realizedPnl: string;
  readonly quoteQty: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly time: number;
  readonly positionSide: string;
  readonly buyer: boolean;
  readonly maker: boolean;
  readonly marginAsset: string;
}

export type IncomeType = 'TRANSFER' | 'REALIZED_PNL' | 'FUNDING_FEE' | 'COMMISSION' | 'INSURANCE_CLEAR';

export interface Income {
  readonly symbol: string;
  readonly incomeType: IncomeType;
  readonly income: string;
  readonly asset: string;
  readonly info: string;
  readonly time: number;
  readonly tranId: number;
  readonly tradeId: string;
}

export interface MarginChange {
  readonly symbol: string;
  readonly type: 1 | 2;
  readonly deltaType: 'USER_ADJUST';
  readonly amount: string;
  readonly asset: string;
  readonly time: number;
  readonly positionSide: string;
}

export interface PublicTrade {
  readonly id: number;
  readonly price: string;
  readonly qty: string;
  readonly quoteQty: string;
  readonly time: number;
  readonly isBuyerMaker: boolean;
}

/** One amend of an order (GET /fapi/v1/orderAmendment), with the id the history gave it. */
export interface OrderAmendment extends Amendment {
  readonly amendmentId: number;
}

export interface FundingRecord {
  readonly symbol: string;
  readonly fundingRate: string;
  readonly fundingTime: number;
  readonly markPrice: string;
}

export interface History {
  userTrades(accountId: string, symbol: string): readonly UserTrade[];
  income(accountId: string): readonly Income[];
  marginChanges(accountId: string): readonly MarginChange[];
  /** ids of every order the account placed in the symbol, ascending */
  orderIds(accountId: string, symbol: string): readonly number[];
  /** the last known state of an order the engine no longer remembers (closed long ago), if kept */
  order(accountId: string, orderId: number): Order | undefined;
  /** the amends of the account's order, newest first */
  amendments(accountId: string, orderId: number): readonly OrderAmendment[];
  /** the account's liquidation steps with the engine's explanation (mark, MM, prices, what was closed where) */
  liquidations(accountId: string): readonly LiquidationExplanation[];
  marketTrades(symbol: string): readonly PublicTrade[];
  fundingRates(symbol: string): readonly FundingRecord[];
  /** time of the account's last balance or position change (0 before any) */
  accountUpdateTime(accountId: string): number;
  /** time of the leg's last change (0 before any) */
  positionUpdateTime(accountId: string, symbol: string, positionSide: string): number;
  /** isolated margin changes are recorded by the positionMargin endpoint (the event does not carry the amount) */
  recordMarginChange(accountId: string, change: MarginChange): void;
}

interface AccountHistory {
  readonly trades: Map<string, UserTrade[]>;
  readonly income: Income[];
  readonly margin: MarginChange[];
  readonly orders: Map<string, number[]>;
  readonly seenOrders: Set<number>;
  readonly positionTimes: Map<string, number>;
  updateTime: number;
}

/** public trades kept per symbol (the oldest are dropped beyond this) */
const MAX_MARKET_TRADES = 200_000;

export class MemoryHistory implements History {
  private readonly accounts = new Map<string, AccountHistory>();
  private readonly trades = new Map<string, PublicTrade[]>();
  private readonly funding = new Map<string, FundingRecord[]>();
  private readonly liquidationSteps = new Map<string, LiquidationExplanation[]>();
  /** amends by account, then order id (oldest first) */
  private readonly amends = new Map<string, Map<number, OrderAmendment[]>>();
  private readonly amendTracker = new AmendTracker();
  private nextAmendmentId = 1;
  private nextTranId = 1;
  /** the symbol of the funding settlement in progress (FUNDING precedes its ACCOUNT_UPDATEs) */
  private fundingSymbol = '';
  readonly unsubscribe: () => void;

  constructor(hub: EventHub) {
    this.unsubscribe = hub.subscribe((e, time) => this.apply(e, time));
  }

  private account(id: string): AccountHistory {
    let h = this.accounts.get(id);
    if (h === undefined) {
      h = { trades: new Map(), income: [], margin: [], orders: new Map(), seenOrders: new Set(), positionTimes: new Map(), updateTime: 0 };
      this.accounts.set(id, h);
    }
    return h;
  }

  private addIncome(h: AccountHistory, symbol: string, incomeType: IncomeType, amount: string, time: number, tradeId = ''): void {
    if (Decimal.parse(amount).isZero()) return;
    h.income.push({ symbol, incomeType, income: amount, asset: 'USDT', info: incomeType, time, tranId: this.nextTranId++, tradeId });
  }

  private apply(e: EngineEvent, time: number): void {
    switch (e.e) {
      case 'ORDER_TRADE_UPDATE': {
        const o = e.o;
        const h = this.account(e.accountId);
        if (!h.seenOrders.has(o.i)) {
          h.seenOrders.add(o.i);
          const ids = h.orders.get(o.s) ?? [];
          ids.push(o.i);
          h.orders.set(o.s, ids);
        }
        const amended = this.amendTracker.follow(o, () => ({ p: o.p, q: o.q, n: 0 }));
        if (amended !== undefined) {
          let byOrder = this.amends.get(e.accountId);
          if (byOrder === undefined) this.amends.set(e.accountId, (byOrder = new Map()));
          const list = byOrder.get(o.i) ?? [];
          list.push({ amendmentId: this.nextAmendmentId++, ...amended });
          byOrder.set(o.i, list);
        }
        if (o.x !== 'TRADE') return;
        const price = Decimal.parse(o.L);
        const qty = Decimal.parse(o.l);
        const list = h.trades.get(o.s) ?? [];
        list.push({
          symbol: o.s,
          id: o.t,
          orderId: o.i,
          side: o.S,
          price: o.L,
          qty: o.l,
          realizedPnl: o.rp,
          quoteQty: price.mul(qty).toString(),
          commission: o.n,
          commissionAsset: o.N,
          time: o.T,
          positionSide: o.ps,
          buyer: o.S === 'BUY',
          maker: o.m,
          marginAsset: 'USDT',
        });
        h.trades.set(o.s, list);
        this.addIncome(h, o.s, 'REALIZED_PNL', o.rp, o.T, String(o.t));
        this.addIncome(h, o.s, 'COMMISSION', Decimal.parse(o.n).neg().toString(), o.T, String(o.t));
        return;
      }
      case 'ACCOUNT_UPDATE': {
        const h = this.account(e.accountId);
        const bc = e.a.B[0]?.bc ?? '0';
        h.updateTime = e.T;
        for (const p of e.a.P) h.positionTimes.set(`${p.s}:${p.ps}`, e.T);
        if (e.a.m === 'DEPOSIT' || e.a.m === 'WITHDRAW') this.addIncome(h, '', 'TRANSFER', bc, e.T);
        else if (e.a.m === 'FUNDING_FEE') this.addIncome(h, this.fundingSymbol, 'FUNDING_FEE', bc, e.T);
        else if (e.a.m === 'INSURANCE_CLEAR') this.addIncome(h, e.a.P[0]?.s ?? '', 'INSURANCE_CLEAR', bc, e.T);
        return;
      }
      case 'TRADE': {
        const list = this.trades.get(e.s) ?? [];
        list.push({
          id: e.t,
          price: e.p,
          qty: e.q,
          quoteQty: Decimal.parse(e.p).mul(Decimal.parse(e.q)).toString(),
          time,
          isBuyerMaker: e.m,
        });
        if (list.length > MAX_MARKET_TRADES) list.splice(0, list.length - MAX_MARKET_TRADES);
        this.trades.set(e.s, list);
        return;
      }
      case 'LIQUIDATION': {
        const list = this.liquidationSteps.get(e.accountId) ?? [];
        list.push(e);
        this.liquidationSteps.set(e.accountId, list);
        return;
      }
      case 'FUNDING': {
        this.fundingSymbol = e.s;
        const list = this.funding.get(e.s) ?? [];
        list.push({ symbol: e.s, fundingRate: e.r, fundingTime: e.E, markPrice: e.p });
        this.funding.set(e.s, list);
        return;
      }
      default:
        return;
    }
  }

  userTrades(accountId: string, symbol: string): readonly UserTrade[] {
    return this.accounts.get(accountId)?.trades.get(symbol) ?? [];
  }

  income(accountId: string): readonly Income[] {
    return this.accounts.get(accountId)?.income ?? [];
  }

  marginChanges(accountId: string): readonly MarginChange[] {
    return this.accounts.get(accountId)?.margin ?? [];
  }

  orderIds(accountId: string, symbol: string): readonly number[] {
    return this.accounts.get(accountId)?.orders.get(symbol) ?? [];
  }

  liquidations(accountId: string): readonly LiquidationExplanation[] {
    return this.liquidationSteps.get(accountId) ?? [];
  }

  amendments(accountId: string, orderId: number): readonly OrderAmendment[] {
    return [...(this.amends.get(accountId)?.get(orderId) ?? [])].reverse();
  }

  /** The in-memory history keeps no order states: the engine's memory is all there is. */
  order(): Order | undefined {
    return undefined;
  }

  marketTrades(symbol: string): readonly PublicTrade[] {
    return this.trades.get(symbol) ?? [];
  }

  fundingRates(symbol: string): readonly FundingRecord[] {
    return this.funding.get(symbol) ?? [];
  }

  accountUpdateTime(accountId: string): number {
    return this.accounts.get(accountId)?.updateTime ?? 0;
  }

  positionUpdateTime(accountId: string, symbol: string, positionSide: string): number {
    return this.accounts.get(accountId)?.positionTimes.get(`${symbol}:${positionSide}`) ?? 0;
  }

  recordMarginChange(accountId: string, change: MarginChange): void {
    this.account(accountId).margin.push(change);
  }
}
