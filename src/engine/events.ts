/**
 * Events: what the engine emits for accepted commands. They carry what Binance's user data stream
 * carries (field letters as in ORDER_TRADE_UPDATE / ACCOUNT_UPDATE / ACCOUNT_CONFIG_UPDATE) so the API
 * layer only translates them, plus the account they belong to. ORDER_TRADE_UPDATE's `o` and ACCOUNT_UPDATE's
 * `a` make their text when read (order-update-fields.ts, account-update-data.ts; docs/engine.md, "Events and order answers"),
 * and so does TRADE (trade-event.ts): read their fields or serialize them (JSON.stringify), and compare events as JSON.
 */
import type { TradeEvent } from './trade-event.js';

export interface OrderUpdate {
  readonly e: 'ORDER_TRADE_UPDATE';
  readonly accountId: string;
  readonly E: number;
  readonly T: number;
  readonly o: {
    s: string; // symbol
    c: string; // client order id
    S: string; // side
    o: string; // order type
    f: string; // time in force
    q: string; // original quantity
    p: string; // price
    ap: string; // average price
    sp: string; // stop price
    x: 'NEW' | 'CANCELED' | 'CALCULATED' | 'EXPIRED' | 'TRADE' | 'AMENDMENT';
    X: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';
    i: number; // order id
    l: string; // last filled quantity
    z: string; // cumulative filled quantity
    L: string; // last filled price
    N: string; // commission asset
    n: string; // commission
    T: number; // trade time
    t: number; // trade id
    b: string; // bids notional
    a: string; // ask notional
    m: boolean; // maker?
    R: boolean; // reduce only
    wt: string;
    ot: string;
    ps: string; // position side
    cp: boolean;
    rp: string; // realized profit of the trade
    pP: boolean; // price protection
    si: number; // ignored by Binance's docs; always 0
    ss: number; // ignored by Binance's docs; always 0
    V: string; // self-trade prevention mode
    pm: string;
    gtd: number;
    er: string; // expiry reason ("0": none)
  };
}

export type AccountUpdateReason =
  | 'DEPOSIT'
  | 'WITHDRAW'
  | 'ORDER'
  | 'FUNDING_FEE'
  | 'WITHDRAW_REJECT'
  | 'ADJUSTMENT'
  | 'INSURANCE_CLEAR'
  | 'ADMIN_DEPOSIT'
  | 'ADMIN_WITHDRAW'
  | 'MARGIN_TRANSFER'
  | 'MARGIN_TYPE_CHANGE'
  | 'ASSET_TRANSFER'
  | 'OPTIONS_PREMIUM_FEE'
  | 'OPTIONS_SETTLE_PROFIT'
  | 'AUTO_EXCHANGE';

export interface AccountUpdate {
  readonly e: 'ACCOUNT_UPDATE';
  readonly accountId: string;
  readonly E: number;
  readonly T: number;
  readonly a: {
    m: AccountUpdateReason;
    B: { a: string; wb: string; cw: string; bc: string }[];
    P: {
      s: string;
      pa: string;
      ep: string;
      bep: string;
      cr: string;
      up: string;
      mt: 'isolated' | 'cross';
      iw: string;
      ps: string;
      ma: string;
    }[];
  };
}

export interface AccountConfigUpdate {
  readonly e: 'ACCOUNT_CONFIG_UPDATE';
  readonly accountId: string;
  readonly E: number;
  readonly T: number;
  readonly ac?: { s: string; l: number };
  readonly ai?: { j: boolean };
}

/** Not a Binance stream event: the engine's record of a settings change Binance reports only by REST. */
export interface SettingsChange {
  readonly e: 'SETTINGS_CHANGE';
  readonly accountId: string;
  readonly E: number;
  readonly change: { marginType?: { symbol: string; marginType: 'ISOLATED' | 'CROSSED' }; dualSidePosition?: boolean };
}

export interface MarkPriceUpdate {
  readonly e: 'MARK_PRICE_UPDATE';
  readonly E: number;
  readonly s: string;
  readonly p: string;
  readonly i: string;
}

export interface AccountCreated {
  readonly e: 'ACCOUNT_CREATED';
  readonly accountId: string;
  readonly E: number;
}

/** one fill, for the market's streams (trade-event.ts: formatted when read) */
export type { TradeEvent };

/**
 * Not a Binance event: perpsim's explanation of one liquidation step, so a user can see why: the state at
 * the trigger, the formula's liquidation and bankruptcy prices, and what was closed where.
 */
export interface LiquidationExplanation {
  readonly e: 'LIQUIDATION';
  readonly accountId: string;
  readonly E: number;
  readonly symbol: string;
  readonly positionSide: string;
  readonly marginType: 'isolated' | 'cross';
  readonly markPrice: string;
  readonly positionAmt: string;
  readonly entryPrice: string;
  /** the isolated wallet, or the cross wallet */
  readonly walletBalance: string;
  /** of the position (isolated) or the cross account */
  readonly marginBalance: string;
  readonly maintMargin: string;
  readonly liquidationPrice: string;
  readonly bankruptcyPrice: string;
  readonly closed: { via: 'book' | 'insurance' | 'adl'; qty: string; avgPrice: string; counterparty?: string }[];
  readonly clearanceFee: string;
  /** only reduced toward a lower bracket in this step */
  readonly partial: boolean;
}

/** Binance's MARGIN_CALL user-stream event: the cross margin ratio reached the warning level. */
export interface MarginCall {
  readonly e: 'MARGIN_CALL';
  readonly accountId: string;
  readonly E: number;
  /** cross wallet balance */
  readonly cw: string;
  readonly p: { s: string; ps: string; pa: string; mt: 'CROSSED' | 'ISOLATED'; iw: string; mp: string; up: string; mm: string }[];
}

export interface FundingSettlement {
  readonly e: 'FUNDING';
  readonly E: number;
  readonly s: string;
  /** funding rate */
  readonly r: string;
  /** mark price used */
  readonly p: string;
}

export type EngineEvent =
  | LiquidationExplanation
  | FundingSettlement
  | MarginCall
  | OrderUpdate
  | AccountUpdate
  | AccountConfigUpdate
  | SettingsChange
  | MarkPriceUpdate
  | AccountCreated
  | TradeEvent;
