/**
 * Conditional ("algo") orders (SIGNED; spec api.md §0.5, §5.3): POST/GET/DELETE /fapi/v1/algoOrder,
 * GET openAlgoOrders and allAlgoOrders, DELETE algoOpenOrders. CCXT sends every stop, take-profit and
 * trailing order here (`algoType=CONDITIONAL`, `triggerPrice`, `clientAlgoId`).
 *
 * They are the engine's conditional orders: `algoId` is the engine order id, which the order keeps when it
 * triggers and enters the book [inference: Binance creates a new order with its own id, reported as
 * `actualOrderId`; here `actualOrderId` is the same id]. algoStatus: NEW while waiting, CANCELED / EXPIRED,
 * TRIGGERED once in the book and still open, FINISHED when that order is done. The same orders also appear
 * in /fapi/v1/openOrders and /fapi/v1/order (as Binance listed them before the algo service).
 */
import type { FastifyInstance } from 'fastify';
import { Decimal } from '../../core/index.js';
import { averageFillPrice, isPendingConditional, type Account, type Exchange, type Order } from '../../engine/index.js';
import { API } from '../api-errors.js';
import { clientId, integer, oneOf, symbol } from '../params.js';
import { defineRoute, run, symbolState, type ApiContext } from '../route.js';
import { accountOrders, findOrder, orderShape, placeCommand } from './orders.js';

const CONDITIONAL = new Set(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET']);

function isAlgo(o: Order): boolean {
  return CONDITIONAL.has(o.origType);
}

function algoStatus(o: Order): string {
  if (isPendingConditional(o)) return o.status; // NEW, CANCELED, or EXPIRED when it could not enter the book
  if (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED') return 'TRIGGERED';
  return 'FINISHED';
}

export function algoView(ex: Exchange, o: Order): Record<string, unknown> {
  const i = ex.symbols.get(o.symbol)?.instrument;
  const p = (d: Decimal) => (i === undefined ? d.toString() : d.toFixed(Math.max(i.pricePrecision, d.normalize().e)));
  const q = (d: Decimal) => (i === undefined ? d.toString() : d.toFixed(Math.max(i.quantityPrecision, d.normalize().e)));
  const triggered = !isPendingConditional(o);
  const avg = averageFillPrice(o.executedQty, o.cumQuote);
  return {
    algoId: o.orderId,
    clientAlgoId: o.clientOrderId,
    algoType: 'CONDITIONAL',
    orderType: o.origType,
    symbol: o.symbol,
    side: o.side,
    positionSide: o.positionSide,
    timeInForce: o.timeInForce,
    quantity: q(o.origQty),
    algoStatus: algoStatus(o),
    actualOrderId: triggered ? String(o.orderId) : '',
    actualPrice: triggered ? avg.toString() : '0',
    triggerPrice: p(o.stopPrice),
    price: p(o.price),
    icebergQuantity: null,
    selfTradePreventionMode: o.selfTradePreventionMode,
    workingType: o.workingType,
    priceMatch: 'NONE',
    closePosition: o.closePosition,
    priceProtect: o.priceProtect,
    reduceOnly: o.reduceOnly,
    ...(o.origType === 'TRAILING_STOP_MARKET'
      ? {
          activatePrice: p(o.activationPrice ?? Decimal.ZERO),
          callbackRate: (o.callbackRate ?? Decimal.ZERO).mulInt(100).toString(),
        }
      : {}),
    createTime: o.time,
    updateTime: o.updateTime,
    triggerTime: triggered ? o.updateTime : 0,
    goodTillDate: 0,
  };
}

const algoShape = {
  algoType: oneOf('algoType', ['CONDITIONAL'] as const),
  symbol: orderShape.symbol,
  side: orderShape.side,
  positionSide: orderShape.positionSide,
  type: orderShape.type,
  timeInForce: orderShape.timeInForce,
  quantity: orderShape.quantity,
  price: orderShape.price,
  triggerPrice: orderShape.stopPrice,
  workingType: orderShape.workingType,
  priceMatch: orderShape.priceMatch,
  closePosition: orderShape.closePosition,
  priceProtect: orderShape.priceProtect,
  reduceOnly: orderShape.reduceOnly,
  activationPrice: orderShape.activationPrice,
  activatePrice: orderShape.activationPrice,
  callbackRate: orderShape.callbackRate,
  clientAlgoId: orderShape.newClientOrderId,
  selfTradePreventionMode: orderShape.selfTradePreventionMode,
  goodTillDate: orderShape.goodTillDate,
  newOrderRespType: orderShape.newOrderRespType,
};

const algoIdShape = {
  symbol: symbol().optional(),
  algoId: integer('algoId').optional(),
  clientAlgoId: clientId('clientAlgoId').optional(),
};

/** The account's algo order by algoId or clientAlgoId (any symbol, any status). */
function findAlgo(ctx: ApiContext, account: Account, p: { symbol?: string; algoId?: number; clientAlgoId?: string }): Order | undefined {
  if (p.symbol !== undefined) symbolState(ctx, p.symbol);
  if (p.algoId === undefined && p.clientAlgoId === undefined) throw API.eitherMandatory('algoId', 'clientAlgoId');
  for (const s of p.symbol !== undefined ? [p.symbol] : ctx.venue.exchange.symbols.keys()) {
    const o = findOrder(ctx, account, s, p.algoId, p.clientAlgoId);
    if (o !== undefined && isAlgo(o)) return o;
    if (p.algoId !== undefined && o !== undefined) return undefined;
  }
  return undefined;
}

export function registerAlgoRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const ex = ctx.venue.exchange;

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/algoOrder',
    security: 'SIGNED',
    weight: 0,
    params: algoShape,
    orders: () => 1,
    handler: ({ params, account }) => {
      if (!CONDITIONAL.has(params.type)) throw API.invalidOrderType();
      const { triggerPrice, clientAlgoId, algoType: _algoType, activatePrice, ...rest } = params;
      void _algoType;
      const cmd = placeCommand(ctx, account, {
        ...rest,
        ...(triggerPrice !== undefined ? { stopPrice: triggerPrice } : {}),
        ...(clientAlgoId !== undefined ? { newClientOrderId: clientAlgoId } : {}),
        ...(rest.activationPrice === undefined && activatePrice !== undefined ? { activationPrice: activatePrice } : {}),
      });
      const r = run(ctx, cmd) as { orderId: number };
      return algoView(ex, ex.orders.get(r.orderId) as Order);
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/algoOrder',
    security: 'SIGNED',
    weight: 1,
    params: algoIdShape,
    handler: ({ params, account }) => {
      const o = findAlgo(ctx, account, params);
      if (o === undefined) throw API.orderNotExist();
      return algoView(ex, o);
    },
  });

  defineRoute(app, ctx, {
    method: 'DELETE',
    url: '/fapi/v1/algoOrder',
    security: 'SIGNED',
    weight: 1,
    params: algoIdShape,
    handler: ({ params, account }) => {
      const o = findAlgo(ctx, account, params);
      if (o === undefined || !isPendingConditional(o) || !account.openOrders.has(o.orderId)) throw API.unknownOrder();
      run(ctx, { type: 'cancelOrder', accountId: account.accountId, symbol: o.symbol, orderId: o.orderId });
      return { algoId: o.orderId, clientAlgoId: o.clientOrderId, code: '200', msg: 'success' };
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/openAlgoOrders',
    security: 'SIGNED',
    weight: (raw) => (raw['symbol'] === undefined ? 40 : 1),
    params: {
      symbol: symbol().optional(),
      algoType: oneOf('algoType', ['CONDITIONAL'] as const).optional(),
      algoId: integer('algoId').optional(),
    },
    handler: ({ params, account }) => {
      if (params.symbol !== undefined) symbolState(ctx, params.symbol);
      return [...account.openOrders.values()]
        .filter(
          (o) =>
            isPendingConditional(o) &&
            (params.symbol === undefined || o.symbol === params.symbol) &&
            (params.algoId === undefined || o.orderId === params.algoId),
        )
        .sort((x, y) => x.orderId - y.orderId)
        .map((o) => algoView(ex, o));
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/allAlgoOrders',
    security: 'SIGNED',
    weight: 5,
    params: {
      symbol: symbol(),
      algoId: integer('algoId').optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      page: integer('page', 1).optional(),
      limit: integer('limit', 1, 1000).optional(),
    },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      const list = accountOrders(ctx, account, params.symbol, {
        fromId: params.algoId,
        startTime: params.startTime,
        endTime: params.endTime,
      }).filter(isAlgo);
      const limit = params.limit ?? 500;
      const skip = ((params.page ?? 1) - 1) * limit;
      return list.slice(skip, skip + limit).map((o) => algoView(ex, o));
    },
  });

  defineRoute(app, ctx, {
    method: 'DELETE',
    url: '/fapi/v1/algoOpenOrders',
    security: 'SIGNED',
    weight: 1,
    params: { symbol: symbol() },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      const pending = [...account.openOrders.values()]
        .filter((o) => o.symbol === params.symbol && isPendingConditional(o))
        .sort((x, y) => x.orderId - y.orderId);
      for (const o of pending) run(ctx, { type: 'cancelOrder', accountId: account.accountId, symbol: o.symbol, orderId: o.orderId });
      return { code: 200, msg: 'The operation of cancel all open order is done.' };
    },
  });
}
