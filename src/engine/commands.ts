/**
 * Commands: everything that can change the exchange's state. Plain JSON (numbers as decimal strings) so
 * that a command log can be journaled and replayed byte for byte. Time comes in on every command
 * (`time`, epoch ms); the engine never reads a clock.
 */
export type Side = 'BUY' | 'SELL';
/** LIQUIDATION is the engine's own: liquidation and auto-deleverage orders (never placed by users). */
export type OrderType = 'LIMIT' | 'MARKET' | ConditionalType | 'LIQUIDATION';
export type ConditionalType = 'STOP' | 'STOP_MARKET' | 'TAKE_PROFIT' | 'TAKE_PROFIT_MARKET' | 'TRAILING_STOP_MARKET';
export type WorkingType = 'MARK_PRICE' | 'CONTRACT_PRICE';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX' | 'GTD';
/**
 * Price match ("BBO"): the price is taken from the book when the order is placed (a STOP / TAKE_PROFIT:
 * when it triggers). OPPONENT_n: the n-th best price level of the other side; QUEUE_n: of the order's own
 * side (n = 1 without a suffix) [inference: docs/engine.md].
 */
export type PriceMatch = 'NONE' | 'OPPONENT' | 'OPPONENT_5' | 'OPPONENT_10' | 'OPPONENT_20' | 'QUEUE' | 'QUEUE_5' | 'QUEUE_10' | 'QUEUE_20';
export const PRICE_MATCHES: readonly PriceMatch[] = [
  'NONE',
  'OPPONENT',
  'OPPONENT_5',
  'OPPONENT_10',
  'OPPONENT_20',
  'QUEUE',
  'QUEUE_5',
  'QUEUE_10',
  'QUEUE_20',
];
export type CommandPositionSide = 'BOTH' | 'LONG' | 'SHORT';
/** What a newClientOrderId may be (Binance: `^[.A-Z:/a-z0-9_-]{1,36}$`). */
export const CLIENT_ORDER_ID_RE = /^[.A-Za-z0-9:/_-]{1,36}$/;
export type SelfTradePrevention = 'EXPIRE_TAKER' | 'EXPIRE_MAKER' | 'EXPIRE_BOTH' | 'NONE';
export const SELF_TRADE_PREVENTION_MODES: ReadonlySet<string> = new Set<SelfTradePrevention>([
  'EXPIRE_TAKER',
  'EXPIRE_MAKER',
  'EXPIRE_BOTH',
  'NONE',
]);

interface Base {
  readonly time: number;
}

export interface CreateAccount extends Base {
  readonly type: 'createAccount';
  readonly accountId: string;
  /** default 0.0002 */
  readonly makerCommissionRate?: string;
  /** default 0.0005 */
  readonly takerCommissionRate?: string;
}

export interface Deposit extends Base {
  readonly type: 'deposit';
  readonly accountId: string;
  readonly asset: 'USDT';
  readonly amount: string;
}

export interface Withdraw extends Base {
  readonly type: 'withdraw';
  readonly accountId: string;
  readonly asset: 'USDT';
  readonly amount: string;
}

export interface SetLeverage extends Base {
  readonly type: 'setLeverage';
  readonly accountId: string;
  readonly symbol: string;
  readonly leverage: number;
}

export interface SetMarginType extends Base {
  readonly type: 'setMarginType';
  readonly accountId: string;
  readonly symbol: string;
  readonly marginType: 'ISOLATED' | 'CROSSED';
}

export interface SetPositionMode extends Base {
  readonly type: 'setPositionMode';
  readonly accountId: string;
  readonly dualSidePosition: boolean;
}

export interface SetMarkPrice extends Base {
  readonly type: 'setMarkPrice';
  readonly symbol: string;
  readonly markPrice: string;
  readonly indexPrice?: string;
}

/** An index price alone: the engine computes the mark from it (spec §8.3). */
export interface SetIndexPrice extends Base {
  readonly type: 'setIndexPrice';
  readonly symbol: string;
  readonly indexPrice: string;
}

/** The funding rate the next settlement of `symbol` uses (an input series; otherwise the premium formula). */
export interface SetFundingRate extends Base {
  readonly type: 'setFundingRate';
  readonly symbol: string;
  readonly fundingRate: string;
}

/** Settles funding of `symbol` now, at the current mark (the feed or the simulator clock sends it). */
export interface SettleFunding extends Base {
  readonly type: 'settleFunding';
  readonly symbol: string;
}

export interface PlaceOrder extends Base {
  readonly type: 'placeOrder';
  readonly accountId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  /** required, except with closePosition */
  readonly quantity?: string;
  readonly price?: string;
  readonly timeInForce?: TimeInForce;
  /** trigger price of STOP / STOP_MARKET / TAKE_PROFIT / TAKE_PROFIT_MARKET */
  readonly stopPrice?: string;
  /** which price triggers a conditional order: CONTRACT_PRICE (last trade, default) or MARK_PRICE */
  readonly workingType?: WorkingType;
  /** STOP_MARKET / TAKE_PROFIT_MARKET: close the whole position when triggered */
  readonly closePosition?: boolean;
  /** TRAILING_STOP_MARKET: callback rate in percent, 0.1 to 10 */
  readonly callbackRate?: string;
  /** TRAILING_STOP_MARKET: price from which the trail starts (default: the working price at placement) */
  readonly activationPrice?: string;
  readonly positionSide?: CommandPositionSide;
  readonly reduceOnly?: boolean;
  readonly newClientOrderId?: string;
  readonly selfTradePreventionMode?: SelfTradePrevention;
  /** LIMIT / STOP / TAKE_PROFIT without a price: take it from the book (not with `price`) */
  readonly priceMatch?: PriceMatch;
  /** timeInForce GTD: when the order expires (epoch ms; cut to the second) */
  readonly goodTillDate?: number;
  /**
   * Conditional orders: do not trigger while the last price and the mark price are further apart than the
   * symbol's triggerProtect (docs/engine.md, "Conditional orders"). Kept and shown on any order.
   */
  readonly priceProtect?: boolean;
}

export interface CancelOrder extends Base {
  readonly type: 'cancelOrder';
  readonly accountId: string;
  readonly symbol: string;
  readonly orderId?: number;
  readonly origClientOrderId?: string;
}

/** Amend a resting LIMIT order's price and/or quantity (PUT /fapi/v1/order). */
export interface ModifyOrder extends Base {
  readonly type: 'modifyOrder';
  readonly accountId: string;
  readonly symbol: string;
  readonly orderId?: number;
  readonly origClientOrderId?: string;
  readonly side: Side;
  /** the new total quantity (including what is already filled) */
  readonly quantity: string;
  /** the new price; or, instead, a price match */
  readonly price?: string;
  readonly priceMatch?: PriceMatch;
}

/**
 * Expires the GTD orders whose goodTillDate has come and runs out the auto-cancel countdowns whose deadline
 * has come (the venue sends it as its clock passes them: `Exchange.nextExpiry`).
 */
export interface ExpireOrders extends Base {
  readonly type: 'expireOrders';
}

export interface CancelAllOrders extends Base {
  readonly type: 'cancelAllOrders';
  readonly accountId: string;
  readonly symbol: string;
}

/**
 * Auto-cancel (POST /fapi/v1/countdownCancelAll): the account's open orders in the symbol are all
 * cancelled `countdownTime` ms after this command unless another one replaces the countdown first (a
 * heartbeat); 0 stops it. The cancellation is an `expireOrders` command at or after the deadline.
 */
export interface SetCountdownCancelAll extends Base {
  readonly type: 'setCountdownCancelAll';
  readonly accountId: string;
  readonly symbol: string;
  readonly countdownTime: number;
}

export interface ModifyIsolatedMargin extends Base {
  readonly type: 'modifyIsolatedMargin';
  readonly accountId: string;
  readonly symbol: string;
  readonly positionSide?: CommandPositionSide;
  readonly amount: string;
  /** 1 add, 2 reduce */
  readonly marginType: 1 | 2;
}

export type Command =
  | CreateAccount
  | Deposit
  | Withdraw
  | SetLeverage
  | SetMarginType
  | SetPositionMode
  | SetMarkPrice
  | SetIndexPrice
  | SetFundingRate
  | SettleFunding
  | PlaceOrder
  | CancelOrder
  | ModifyOrder
  | CancelAllOrders
  | SetCountdownCancelAll
  | ModifyIsolatedMargin
  | ExpireOrders;
