/**
 * Binance error codes and messages the engine answers with (spec margin.md §6–§7, api.md §3). A
 * rejected command changes nothing and yields exactly one of these.
 */
export interface BinanceError {
  readonly code: number;
  readonly msg: string;
}

export const ERR = {
  BAD_SYMBOL: { code: -1121, msg: 'Invalid symbol.' },
  PRECISION: { code: -1111, msg: 'Precision is over the maximum defined for this asset.' },
  UNKNOWN_ORDER_CANCEL: { code: -2011, msg: 'Unknown order sent.' },
  ORDER_NOT_EXIST: { code: -2013, msg: 'Order does not exist.' },
  BALANCE_INSUFFICIENT: { code: -2018, msg: 'Balance is insufficient.' },
  MARGIN_INSUFFICIENT: { code: -2019, msg: 'Margin is insufficient.' },
  WOULD_IMMEDIATELY_TRIGGER: { code: -2021, msg: 'Order would immediately trigger.' },
  REDUCE_ONLY_REJECT: { code: -2022, msg: 'ReduceOnly Order is rejected.' },
  MARKET_TAKE_BOUND: { code: -4131, msg: "The counterparty's best price does not meet the PERCENT_PRICE filter limit." },
  INVALID_CALLBACK_RATE: { code: -4071, msg: 'Invalid callback rate.' },
  MAX_OPEN_ORDERS: { code: -2025, msg: 'Reach max open order limit.' },
  /** the symbol's maxNumAlgoOrders waiting conditional orders (Binance's MAX_STOP_ORDER_EXCEEDED) */
  MAX_STOP_ORDERS: { code: -4045, msg: 'Reach max stop order limit.' },
  /** a second waiting closePosition STOP_MARKET (or TAKE_PROFIT_MARKET) of the same side */
  CLOSE_POSITION_EXISTS: { code: -4130, msg: 'An open stop or take profit order with GTE and closePosition in the direction is existing.' },
  MAX_LEVERAGE_RATIO: { code: -2027, msg: 'Exceeded the maximum allowable position at current leverage.' },
  MIN_LEVERAGE_RATIO: { code: -2028, msg: 'Leverage is smaller than permitted: insufficient margin balance.' },
  PRICE_LESS_THAN_ZERO: { code: -4001, msg: 'Price less than 0.' },
  QTY_LESS_THAN_ZERO: { code: -4003, msg: 'Quantity less than or equal to zero.' },
  QTY_LESS_THAN_MIN: { code: -4004, msg: 'Quantity less than min quantity.' },
  QTY_GREATER_THAN_MAX: { code: -4005, msg: 'Quantity greater than max quantity.' },
  PRICE_LESS_THAN_MIN: { code: -4013, msg: 'Price less than min price.' },
  PRICE_NOT_TICK: { code: -4014, msg: 'Price not increased by tick size.' },
  PRICE_GREATER_THAN_MAX: { code: -4016, msg: 'Price is higher than mark price multiplier cap.' },
  PRICE_LOWER_THAN_FLOOR: { code: -4024, msg: 'Price is lower than mark price multiplier floor.' },
  INVALID_LEVERAGE: { code: -4028, msg: 'Leverage is not valid' },
  NO_NEED_TO_CHANGE_MARGIN_TYPE: { code: -4046, msg: 'No need to change margin type.' },
  MARGIN_TYPE_OPEN_ORDERS: { code: -4047, msg: 'Margin type cannot be changed if there exists open orders.' },
  MARGIN_TYPE_POSITION: { code: -4048, msg: 'Margin type cannot be changed if there exists position.' },
  ADD_ISOLATED_MARGIN_REJECT: { code: -4049, msg: 'Add margin only support for isolated position.' },
  CROSS_BALANCE_INSUFFICIENT: { code: -4050, msg: 'Cross balance insufficient.' },
  ISOLATED_BALANCE_INSUFFICIENT: { code: -4051, msg: 'Isolated balance insufficient.' },
  NO_POSITION_FOR_MARGIN: { code: -4054, msg: 'Cannot add position margin: position is 0.' },
  AMOUNT_MUST_BE_POSITIVE: { code: -4055, msg: 'Amount must be positive.' },
  NO_NEED_TO_CHANGE_POSITION_SIDE: { code: -4059, msg: 'No need to change position side.' },
  INVALID_POSITION_SIDE: { code: -4060, msg: 'Invalid position side.' },
  POSITION_SIDE_NOT_MATCH: { code: -4061, msg: "Order's position side does not match user's setting." },
  REDUCE_ONLY_CONFLICT: { code: -4062, msg: 'Invalid or improper reduceOnly value.' },
  POSITION_SIDE_OPEN_ORDERS: { code: -4067, msg: 'Position side cannot be changed if there exists open orders.' },
  POSITION_SIDE_POSITION: { code: -4068, msg: 'Position side cannot be changed if there exists position.' },
  ISOLATED_LEVERAGE_REDUCTION: { code: -4161, msg: 'Leverage reduction is not supported in Isolated Margin Mode with open positions.' },
  FOK_REJECT: {
    code: -5021,
    msg: 'Due to the order could not be filled immediately, the FOK order has been rejected. The order will not be recorded in the order history',
  },
  GTX_REJECT: {
    code: -5022,
    msg: 'Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history',
  },
  /** amend (modifyOrder) of an order that is not a resting LIMIT order */
  LIMIT_ORDER_ONLY: { code: -5025, msg: 'Only limit order is supported.' },
  /** the order's 10,000th amend */
  MAX_AMENDMENTS: { code: -5026, msg: 'Exceed maximum modify order limit.' },
  /** amend to the order's own price and quantity */
  SAME_ORDER: { code: -5027, msg: 'No need to modify the order.' },
  INVALID_PRICE_MATCH: { code: -5037, msg: 'Invalid price match' },
  PRICE_MATCH_ORDER_TYPE: { code: -5038, msg: 'Price match only supports order type: LIMIT, STOP AND TAKE_PROFIT' },
  INVALID_SELF_TRADE_PREVENTION_MODE: { code: -5039, msg: 'Invalid self trade prevention mode' },
  GOOD_TILL_DATE: {
    code: -5040,
    msg: 'The goodTillDate timestamp must be greater than the current time plus 600 seconds and smaller than 253402300799000 (UTC 9999-12-31 23:59:59)',
  },
  BBO_ORDER_REJECT: { code: -5041, msg: 'No depth matches this BBO order' },
  DUPLICATE_CLIENT_ORDER_ID: { code: -4116, msg: 'ClientOrderId is duplicated.' },
  ACCOUNT_EXISTS: { code: -9001, msg: 'Account already exists.' },
  NO_ACCOUNT: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
  BAD_PARAM: { code: -1102, msg: 'Mandatory parameter was not sent, was empty/null, or malformed.' },
} as const satisfies Record<string, BinanceError>;

export function minNotionalError(minNotional: string): BinanceError {
  return { code: -4164, msg: `Order's notional must be no smaller than ${minNotional} (unless you choose reduce only).` };
}

/** An amend whose new remaining quantity × price is below MIN_NOTIONAL (Binance's MODIFICATION_MIN_NOTIONAL). */
export function modificationMinNotionalError(minNotional: string): BinanceError {
  return { code: -5029, msg: `Order's notional must be no smaller than ${minNotional}` };
}

export function invalidLeverageError(leverage: number): BinanceError {
  return { code: -4028, msg: `Leverage ${leverage} is not valid` };
}

export function badParam(name: string): BinanceError {
  return { code: -1102, msg: `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.` };
}

export function notRequired(name: string): BinanceError {
  return { code: -1106, msg: `Parameter '${name}' sent when not required.` };
}

/**
 * A refused command, thrown by validation and turned into `{ ok: false, error }` by `execute`. It is made
 * without a stack trace: capturing one was most of a rejection's cost (~5.7 µs of a refused cancel), and
 * nobody reads it (the answer carries Binance's code and message).
 */
export class EngineRejection extends Error {
  readonly error: BinanceError;
  constructor(error: BinanceError) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(error.msg);
    Error.stackTraceLimit = limit;
    this.name = 'EngineRejection';
    this.error = error;
  }
}

/** Throws a rejection; used inside validation so that nothing is mutated before all checks pass. */
export function reject(error: BinanceError): never {
  throw new EngineRejection(error);
}
