/**
 * Positions, account and balance (SIGNED): positionRisk v2/v3, account v2/v3, balance v2/v3,
 * positionMargin and its history (spec api.md §5.4). The figures are computed in views.ts.
 */
import type { FastifyInstance } from 'fastify';
import { Decimal } from '../../core/index.js';
import { decimal, integer, oneOf, positionSide, symbol } from '../params.js';
import { defineRoute, run, symbolState, type ApiContext } from '../route.js';
import { accountV2, accountV3, balance, positionRiskV2, positionRiskV3 } from '../views.js';

export function registerAccountRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const ex = ctx.venue.exchange;

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v3/positionRisk',
    security: 'SIGNED',
    weight: 5,
    params: { symbol: symbol().optional() },
    handler: ({ params, account }) => {
      if (params.symbol !== undefined) symbolState(ctx, params.symbol);
      return positionRiskV3(ex, ctx.history, account, params.symbol);
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v2/positionRisk',
    security: 'SIGNED',
    weight: 5,
    params: { symbol: symbol().optional() },
    handler: ({ params, account }) => {
      if (params.symbol !== undefined) symbolState(ctx, params.symbol);
      return positionRiskV2(ex, ctx.history, account, params.symbol);
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v3/account',
    security: 'SIGNED',
    weight: 5,
    params: {},
    handler: ({ account }) => accountV3(ex, ctx.history, account),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v2/account',
    security: 'SIGNED',
    weight: 5,
    params: {},
    handler: ({ account }) => accountV2(ex, ctx.history, account),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: ['/fapi/v2/balance', '/fapi/v3/balance'],
    security: 'SIGNED',
    weight: 5,
    params: {},
    handler: ({ account }) => balance(ex, ctx.history, account),
  });

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/positionMargin',
    security: 'SIGNED',
    weight: 1,
    params: {
      symbol: symbol(),
      positionSide: positionSide().optional(),
      amount: decimal('amount'),
      type: oneOf('type', ['1', '2'] as const),
    },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      const type = params.type === '1' ? 1 : 2;
      run(ctx, {
        type: 'modifyIsolatedMargin',
        accountId: account.accountId,
        symbol: params.symbol,
        ...(params.positionSide !== undefined ? { positionSide: params.positionSide } : {}),
        amount: params.amount,
        marginType: type,
      });
      ctx.history.recordMarginChange(account.accountId, {
        symbol: params.symbol,
        type,
        deltaType: 'USER_ADJUST',
        amount: Decimal.parse(params.amount).toString(),
        asset: 'USDT',
        time: ctx.venue.now(),
        positionSide: params.positionSide ?? 'BOTH',
      });
      return { amount: Decimal.parse(params.amount).toNumber(), code: 200, msg: 'Successfully modify position margin.', type };
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/positionMargin/history',
    security: 'SIGNED',
    weight: 1,
    params: {
      symbol: symbol(),
      type: oneOf('type', ['1', '2'] as const).optional(),
      startTime: integer('startTime').optional(),
      endTime: integer('endTime').optional(),
      limit: integer('limit', 1, 1000).optional(),
    },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      const from = params.startTime ?? 0;
      const to = params.endTime ?? Number.MAX_SAFE_INTEGER;
      const list = ctx.history
        .marginChanges(account.accountId)
        .filter(
          (m) =>
            m.symbol === params.symbol && (params.type === undefined || String(m.type) === params.type) && m.time >= from && m.time <= to,
        );
      const limit = params.limit ?? 500;
      return params.startTime !== undefined ? list.slice(0, limit) : list.slice(Math.max(0, list.length - limit));
    },
  });
}
