/**
 * Orders and trades (SIGNED): order POST/GET/PUT/DELETE, batchOrders POST/PUT/DELETE, openOrders,
 * openOrder, allOpenOrders, countdownCancelAll, allOrders, orderAmendment, forceOrders, userTrades, income
 * (spec api.md §5.3).
 *
 * An account only ever sees its own orders: an order id of another account (or another symbol) is
 * "Order does not exist." (-2013) on queries and "Unknown order sent." (-2011) on cancels, exactly as an
 * id that was never issued.
 *
 * timeInForce GTD needs goodTillDate (the engine cuts it to the second and checks Binance's window, -5040);
 * priceMatch (LIMIT / STOP / TAKE_PROFIT, never with a price) takes the price from the book (-5041 when that
 * level is empty). priceProtect=TRUE is kept on the order; a conditional order then waits while the last
 * and mark prices are further apart than the symbol's triggerProtect (docs/engine.md).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { hasClientOrderId, PRICE_MATCHES, type Account, type Order, type PlaceOrder } from '../../engine/index.js';
import { API, ApiError } from '../api-errors.js';
import {
  bool,
  clientId,
  decimal,
  integer,
  oneOf,
  orderType,
  parseParams,
  positionSide,
  RESP_TYPES,
  side,
  STP_MODES,
  symbol,
  text,
  timeInForce,
  WORKING_TYPES,
  type RawParams,
} from '../params.js';
import { defineRoute, run, symbolState, type ApiContext } from '../route.js';
import { forceOrderView, orderAck, orderResponse, orderView } from '../views.js';
import type { UnstampedCommand } from '../venue.js';

export const orderShape = {
  symbol: symbol(),
  side: side(),
  type: orderType(),
  positionSide: positionSide().optional(),
  timeInForce: timeInForce().optional(),
  quantity: decimal('quantity').optional(),
  price: decimal('price').optional(),
  reduceOnly: bool('reduceOnly').optional(),
  newClientOrderId: clientId('newClientOrderId').optional(),
  stopPrice: decimal('stopPrice').optional(),
  closePosition: bool('closePosition').optional(),
  activationPrice: decimal('activationPrice').optional(),
  callbackRate: decimal('callbackRate').optional(),
  workingType: oneOf('workingType', WORKING_TYPES).optional(),
  priceProtect: bool('priceProtect').optional(),
  newOrderRespType: oneOf('newOrderRespType', RESP_TYPES).optional(),
  priceMatch: oneOf('priceMatch', PRICE_MATCHES).optional(),
  selfTradePreventionMode: oneOf('selfTradePreventionMode', STP_MODES).optional(),
  goodTillDate: integer('goodTillDate').optional(),
};

type OrderParams = z.infer<z.ZodObject<typeof orderShape>>;

/** Binance's mandatory-parameter rules per order type, then the engine command. */
export function placeCommand(ctx: ApiContext, account: Account, p: OrderParams): UnstampedCommand {
  symbolState(ctx, p.symbol);
  const market = p.type === 'MARKET' || p.type === 'STOP_MARKET' || p.type === 'TAKE_PROFIT_MARKET' || p.type === 'TRAILING_STOP_MARKET';
  const needsStop = p.type === 'STOP' || p.type === 'STOP_MARKET' || p.type === 'TAKE_PROFIT' || p.type === 'TAKE_PROFIT_MARKET';
  if (!market) {
    if (p.timeInForce === undefined) throw API.mandatory('timeInForce');
    if (p.quantity === undefined) throw API.mandatory('quantity');
    if (p.price === undefined && (p.priceMatch ?? 'NONE') === 'NONE') throw API.mandatory('price');
  } else {
    if (p.price !== undefined) throw API.notRequired('price');
    if (p.quantity === undefined && p.closePosition !== true) throw API.mandatory('quantity');
  }
  if (!market && p.timeInForce === 'GTD' && p.goodTillDate === undefined) throw API.mandatory('goodTillDate');
  if (needsStop && p.stopPrice === undefined) throw API.mandatory('stopPrice');
  if (!needsStop && p.stopPrice !== undefined) throw API.notRequired('stopPrice');
  if (p.type === 'TRAILING_STOP_MARKET' && p.callbackRate === undefined) throw API.mandatory('callbackRate');
  if (p.type !== 'TRAILING_STOP_MARKET' && (p.callbackRate !== undefined || p.activationPrice !== undefined)) {
    throw API.notRequired(p.callbackRate !== undefined ? 'callbackRate' : 'activationPrice');
  }
  const cmd: Omit<PlaceOrder, 'time'> = {
    type: 'placeOrder',
    accountId: account.accountId,
    symbol: p.symbol,
    side: p.side,
    orderType: p.type,
    ...(p.quantity !== undefined ? { quantity: p.quantity } : {}),
    ...(p.price !== undefined ? { price: p.price } : {}),
    ...(!market && p.timeInForce !== undefined ? { timeInForce: p.timeInForce } : {}),
    ...(!market && p.timeInForce === 'GTD' ? { goodTillDate: p.goodTillDate } : {}),
    ...(p.priceMatch !== undefined && p.priceMatch !== 'NONE' ? { priceMatch: p.priceMatch } : {}),
    ...(p.stopPrice !== undefined ? { stopPrice: p.stopPrice } : {}),
    ...(p.workingType !== undefined ? { workingType: p.workingType } : {}),
    ...(p.closePosition === true ? { closePosition: true } : {}),
    ...(p.callbackRate !== undefined ? { callbackRate: p.callbackRate } : {}),
    ...(p.activationPrice !== undefined ? { activationPrice: p.activationPrice } : {}),
    ...(p.positionSide !== undefined ? { positionSide: p.positionSide } : {}),
    ...(p.reduceOnly === true ? { reduceOnly: true } : {}),
    ...(p.priceProtect === true ? { priceProtect: true } : {}),
    ...(p.newClientOrderId !== undefined ? { newClientOrderId: p.newClientOrderId } : {}),
    ...(p.selfTradePreventionMode !== undefined ? { selfTradePreventionMode: p.selfTradePreventionMode } : {}),
  };
  return cmd;
}

function orderOf(ctx: ApiContext, result: unknown): Order {
  const id = (result as { orderId?: number } | undefined)?.orderId;
  const o = id === undefined ? undefined : ctx.venue.exchange.orders.get(id);
  if (o === undefined) throw API.unknown();
  return o;
}

export function placeOrder(ctx: ApiContext, account: Account, p: OrderParams): Record<string, unknown> {
  const o = orderOf(ctx, run(ctx, placeCommand(ctx, account, p)));
  return p.newOrderRespType === 'RESULT' ? orderResponse(ctx.venue.exchange, o) : orderAck(ctx.venue.exchange, o);
}

/**
 * Every order the account placed in the symbol (the engine's, or the history's last state once the engine
 * has forgotten it), ascending id, from `fromId` on and created within [startTime, endTime].
 */
export function accountOrders(
  ctx: ApiContext,
  account: Account,
  symbol: string,
  range: { fromId?: number | undefined; startTime?: number | undefined; endTime?: number | undefined },
): Order[] {
  const from = range.startTime ?? 0;
  const to = range.endTime ?? Number.MAX_SAFE_INTEGER;
  const list: Order[] = [];
  for (const id of ctx.history.orderIds(account.accountId, symbol)) {
    if (range.fromId !== undefined && id < range.fromId) continue;
    const o = ctx.venue.exchange.orders.get(id) ?? ctx.history.order(account.accountId, id);
    if (o !== undefined && o.time >= from && o.time <= to) list.push(o);
  }
  return list;
}

/** The account's order by id or client id in the symbol (any status), or undefined. */
export function findOrder(ctx: ApiContext, account: Account, symbol: string, orderId?: number, clientOrderId?: string): Order | undefined {
  const ex = ctx.venue.exchange;
  if (orderId !== undefined) {
    const o = ex.orders.get(orderId) ?? ctx.history.order(account.accountId, orderId);
    return o !== undefined && o.accountId === account.accountId && o.symbol === symbol ? o : undefined;
  }
  if (clientOrderId === undefined) return undefined;
  const ids = ctx.history.orderIds(account.accountId, symbol);
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i] as number;
    const o = ex.orders.get(id) ?? ctx.history.order(account.accountId, id);
    if (o !== undefined && hasClientOrderId(o, clientOrderId)) return o;
  }
  return undefined;
}

const idShape = {
  symbol: symbol(),
  orderId: integer('orderId').optional(),
  origClientOrderId: clientId('origClientOrderId').optional(),
};

function requireId(p: { orderId?: number; origClientOrderId?: string }): void {
  if (p.orderId === undefined && p.origClientOrderId === undefined) throw API.eitherMandatory('orderId', 'origClientOrderId');
}

function cancel(ctx: ApiContext, account: Account, p: { symbol: string; orderId?: number; origClientOrderId?: string }) {
  symbolState(ctx, p.symbol);
  requireId(p);
  const r = run(ctx, {
    type: 'cancelOrder',
    accountId: account.accountId,
    symbol: p.symbol,
    ...(p.orderId !== undefined ? { orderId: p.orderId } : { origClientOrderId: p.origClientOrderId as string }),
  });
  return orderResponse(ctx.venue.exchange, orderOf(ctx, r));
}

const amendShape = {
  symbol: symbol(),
  side: side(),
  quantity: decimal('quantity'),
  price: decimal('price').optional(),
  orderId: integer('orderId').optional(),
  origClientOrderId: clientId('origClientOrderId').optional(),
  priceMatch: oneOf('priceMatch', PRICE_MATCHES).optional(),
};

function amend(ctx: ApiContext, account: Account, p: z.infer<z.ZodObject<typeof amendShape>>) {
  symbolState(ctx, p.symbol);
  requireId(p);
  const r = run(ctx, {
    type: 'modifyOrder',
    accountId: account.accountId,
    symbol: p.symbol,
    side: p.side,
    quantity: p.quantity,
    ...(p.price !== undefined ? { price: p.price } : {}),
    ...(p.priceMatch !== undefined && p.priceMatch !== 'NONE' ? { priceMatch: p.priceMatch } : {}),
    ...(p.orderId !== undefined ? { orderId: p.orderId } : { origClientOrderId: p.origClientOrderId as string }),
  });
  return orderResponse(ctx.venue.exchange, orderOf(ctx, r));
}

/** Runs `f`; a Binance error becomes the batch item `{code,msg}`. */
function item(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (e instanceof ApiError) return e.body();
    throw e;
  }
}

/** A batch item as a flat string record (clients send strings; numbers and booleans are accepted too). */
function itemParams(x: unknown): RawParams {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw API.invalidParam('batchOrders');
  const out: RawParams = {};
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw API.invalidParam(k);
  }
  return out;
}

function jsonList(name: string, textValue: string, max: number): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textValue);
  } catch {
    throw API.invalidParam(name);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw API.invalidParam(name);
  if (parsed.length > max) throw new ApiError(-4082, `Invalid number of batch place orders: ${parsed.length}`);
  return parsed;
}

function page<T>(list: readonly T[], fromStart: boolean, limit: number): T[] {
  return fromStart ? list.slice(0, limit) : list.slice(Math.max(0, list.length - limit));
}

export function registerOrderRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const ex = ctx.venue.exchange;

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/order',
    security: 'SIGNED',
    weight: 0,
    params: orderShape,
    orders: () => 1,
    handler: ({ params, account }) => placeOrder(ctx, account, params),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/order',
    security: 'SIGNED',
    weight: 1,
    params: idShape,
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      requireId(params);
      const o = findOrder(ctx, account, params.symbol, params.orderId, params.origClientOrderId);
      if (o === undefined) throw API.orderNotExist();
      return orderView(ex, o);
    },
  });

  defineRoute(app, ctx, {
    method: 'DELETE',
    url: '/fapi/v1/order',
    security: 'SIGNED',
    weight: 1,
    params: idShape,
    handler: ({ params, account }) => cancel(ctx, account, params),
  });

  defineRoute(app, ctx, {
    method: 'PUT',
    url: '/fapi/v1/order',
    security: 'SIGNED',
    weight: 1,
    params: amendShape,
    orders: () => 1,
    handler: ({ params, account }) => amend(ctx, account, params),
  });

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/batchOrders',
    security: 'SIGNED',
    weight: 5,
    params: { batchOrders: text('batchOrders', 20_000) },
    orders: (p) => {
      try {
        return Math.min(5, (JSON.parse(p.batchOrders) as unknown[]).length ?? 1);
      } catch {
        return 1;
      }
    },
    handler: ({ params, account }) =>
      jsonList('batchOrders', params.batchOrders, 5).map((x) =>
        item(() => placeOrder(ctx, account, parseParams(orderShape, itemParams(x), false))),
      ),
  });

  defineRoute(app, ctx, {
    method: 'PUT',
    url: '/fapi/v1/batchOrders',
    security: 'SIGNED',
    weight: 5,
    params: { batchOrders: text('batchOrders', 20_000) },
    handler: ({ params, account }) =>
      jsonList('batchOrders', params.batchOrders, 5).map((x) =>
        item(() => amend(ctx, account, parseParams(amendShape, itemParams(x), false))),
      ),
  });

  defineRoute(app, ctx, {
    method: 'DELETE',
    url: '/fapi/v1/batchOrders',
    security: 'SIGNED',
    weight: 1,
    params: {
      symbol: symbol(),
      orderIdList: text('orderIdList', 2000).optional(),
      origClientOrderIdList: text('origClientOrderIdList', 2000).optional(),
      // CCXT sends the lists under lower-case names
      orderidlist: text('orderidlist', 2000).optional(),
      origclientorderidlist: text('origclientorderidlist', 2000).optional(),
    },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      const orderIdList = params.orderIdList ?? params.orderidlist;
      const clientIdList = params.origClientOrderIdList ?? params.origclientorderidlist;
      if (orderIdList !== undefined) {
        return jsonList('orderIdList', orderIdList, 10).map((id) =>
          item(() => {
            if (typeof id !== 'number' && typeof id !== 'string') throw API.invalidParam('orderIdList');
            const n = Number(id);
            if (!Number.isSafeInteger(n) || n < 0) throw API.unknownOrder();
            return cancel(ctx, account, { symbol: params.symbol, orderId: n });
          }),
        );
      }
      if (clientIdList !== undefined) {
        return jsonList('origClientOrderIdList', clientIdList, 10).map((id) =>
          item(() => {
            if (typeof id !== 'string') throw API.invalidParam('origClientOrderIdList');
            return cancel(ctx, account, { symbol: params.symbol, origClientOrderId: id });
          }),
        );
      }
      throw API.eitherMandatory('orderIdList', 'origClientOrderIdList');
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/openOrders',
    security: 'SIGNED',
    weight: (raw) => (raw['symbol'] === undefined ? 40 : 1),
    params: { symbol: symbol().optional() },
    handler: ({ params, account }) => {
      if (params.symbol !== undefined) symbolState(ctx, params.symbol);
      return [...account.openOrders.values()]
        .filter((o) => params.symbol === undefined || o.symbol === params.symbol)
        .sort((x, y) => x.orderId - y.orderId)
        .map((o) => orderView(ex, o));
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/openOrder',
    security: 'SIGNED',
    weight: 1,
    params: idShape,
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      requireId(params);
      for (const o of account.openOrders.values()) {
        if (o.symbol !== params.symbol) continue;
        if (
          params.orderId !== undefined
            ? o.orderId === params.orderId
            : params.origClientOrderId !== undefined && hasClientOrderId(o, params.origClientOrderId)
        )
          return orderView(ex, o);
      }
      throw API.orderNotExist();
    },
  });

  defineRoute(app, ctx, {
    method: 'DELETE',
    url: '/fapi/v1/allOpenOrders',
    security: 'SIGNED',
    weight: 1,
    params: { symbol: symbol() },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      return run(ctx, { type: 'cancelAllOrders', accountId: account.accountId, symbol: params.symbol });
    },
  });

  // An order's amends (Binance "Get Order Modify History"), newest first, within [startTime, endTime].
  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/orderAmendment',
    security: 'SIGNED',
    weight: 1,
    params: {
      ...idShape,
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      limit: integer('limit', 1, 100).optional(),
    },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      requireId(params);
      const o = findOrder(ctx, account, params.symbol, params.orderId, params.origClientOrderId);
      if (o === undefined) throw API.orderNotExist();
      const from = params.startTime ?? 0;
      const to = params.endTime ?? Number.MAX_SAFE_INTEGER;
      return ctx.history
        .amendments(account.accountId, o.orderId)
        .filter((a) => a.time >= from && a.time <= to)
        .slice(0, params.limit ?? 50)
        .map((a) => ({
          amendmentId: a.amendmentId,
          symbol: a.symbol,
          pair: a.symbol,
          orderId: a.orderId,
          clientOrderId: a.clientOrderId,
          time: a.time,
          amendment: {
            price: { before: a.priceBefore, after: a.priceAfter },
            origQty: { before: a.qtyBefore, after: a.qtyAfter },
            count: a.count,
          },
        }));
    },
  });

  // The account's liquidation and auto-deleveraging orders (Binance "User's Force Orders"): by
  // autoCloseType (clientOrderId autoclose-… / adl_autoclose), within [startTime, endTime] (7 days back
  // from endTime, or now, without a startTime), oldest first, the newest `limit` of them.
  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/forceOrders',
    security: 'SIGNED',
    weight: (raw) => (raw['symbol'] === undefined ? 50 : 20),
    params: {
      symbol: symbol().optional(),
      autoCloseType: oneOf('autoCloseType', ['LIQUIDATION', 'ADL'] as const).optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      limit: integer('limit', 1, 100).optional(),
    },
    handler: ({ params, account }) => {
      if (params.symbol !== undefined) symbolState(ctx, params.symbol);
      const endTime = params.endTime ?? ctx.venue.now();
      const startTime = params.startTime ?? endTime - 7 * 24 * 3600_000;
      const prefix = params.autoCloseType === 'ADL' ? 'adl_autoclose' : params.autoCloseType === 'LIQUIDATION' ? 'autoclose-' : undefined;
      const list: Order[] = [];
      for (const sym of params.symbol !== undefined ? [params.symbol] : ex.symbols.keys())
        for (const o of accountOrders(ctx, account, sym, { startTime, endTime }))
          if (o.type === 'LIQUIDATION' && (prefix === undefined || o.clientOrderId.startsWith(prefix))) list.push(o);
      list.sort((x, y) => x.time - y.time || x.orderId - y.orderId);
      return page(list, false, params.limit ?? 50).map((o) => forceOrderView(ex, o));
    },
  });

  // Auto-cancel: all the account's open orders in the symbol are cancelled countdownTime ms from now unless
  // the next call (a heartbeat) comes first; 0 stops the countdown. The venue's clock runs it out (an
  // expireOrders command, journaled like the GTD expiries).
  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/countdownCancelAll',
    security: 'SIGNED',
    weight: 10,
    params: { symbol: symbol(), countdownTime: integer('countdownTime') },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      return run(ctx, {
        type: 'setCountdownCancelAll',
        accountId: account.accountId,
        symbol: params.symbol,
        countdownTime: params.countdownTime,
      });
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/allOrders',
    security: 'SIGNED',
    weight: 5,
    params: {
      symbol: symbol(),
      orderId: integer('orderId').optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      limit: integer('limit', 1, 1000).optional(),
    },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      const list = accountOrders(ctx, account, params.symbol, {
        fromId: params.orderId,
        startTime: params.startTime,
        endTime: params.endTime,
      });
      return page(list, params.orderId !== undefined || params.startTime !== undefined, params.limit ?? 500).map((o) => orderView(ex, o));
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/userTrades',
    security: 'SIGNED',
    weight: 5,
    params: {
      symbol: symbol(),
      orderId: integer('orderId').optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      fromId: integer('fromId').optional(),
      limit: integer('limit', 1, 1000).optional(),
    },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      if (params.fromId !== undefined && (params.startTime !== undefined || params.endTime !== undefined)) {
        throw new ApiError(-4133, 'fromId cannot be sent with startTime or endTime.');
      }
      const from = params.startTime ?? 0;
      const to = params.endTime ?? Number.MAX_SAFE_INTEGER;
      const list = ctx.history
        .userTrades(account.accountId, params.symbol)
        .filter(
          (t) =>
            (params.orderId === undefined || t.orderId === params.orderId) &&
            (params.fromId === undefined || t.id >= params.fromId) &&
            t.time >= from &&
            t.time <= to,
        );
      return page(list, params.fromId !== undefined || params.startTime !== undefined, params.limit ?? 500);
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/income',
    security: 'SIGNED',
    weight: 30,
    params: {
      symbol: symbol().optional(),
      incomeType: text('incomeType', 64).optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      page: integer('page', 1).optional(),
      limit: integer('limit', 1, 1000).optional(),
    },
    handler: ({ params, account }) => {
      if (params.symbol !== undefined) symbolState(ctx, params.symbol);
      const from = params.startTime ?? 0;
      const to = params.endTime ?? Number.MAX_SAFE_INTEGER;
      const list = ctx.history
        .income(account.accountId)
        .filter(
          (r) =>
            (params.symbol === undefined || r.symbol === params.symbol) &&
            (params.incomeType === undefined || r.incomeType === params.incomeType) &&
            r.time >= from &&
            r.time <= to,
        );
      const limit = params.limit ?? 100;
      const skip = ((params.page ?? 1) - 1) * limit;
      if (params.startTime !== undefined) return list.slice(skip, skip + limit);
      const end = Math.max(0, list.length - skip);
      return list.slice(Math.max(0, end - limit), end);
    },
  });
}
