/**
 * Account and position configuration (SIGNED): leverage, marginType, positionSide/dual,
 * multiAssetsMargin, symbolConfig, accountConfig, commissionRate, leverageBracket, adlQuantile
 * (spec api.md §5.2). Changes go through the engine (`venue.run`), which answers Binance's errors.
 */
import type { FastifyInstance } from 'fastify';
import { Decimal, maxNotionalForLeverage } from '../../core/index.js';
import { settingsOf, type Account, type SymbolState } from '../../engine/index.js';
import { adlQuantile } from '../../engine/liquidation.js';
import { ApiError } from '../api-errors.js';
import { bool, integer, oneOf, symbol } from '../params.js';
import { defineRoute, run, symbolState, type ApiContext } from '../route.js';

export function leverageBracketJSON(s: SymbolState): Record<string, unknown> {
  return {
    symbol: s.instrument.symbol,
    notionalCoef: 1.0,
    brackets: s.instrument.brackets.map((b) => ({
      bracket: b.bracket,
      initialLeverage: b.initialLeverage,
      notionalCap: b.notionalCap.toNumber(),
      notionalFloor: b.notionalFloor.toNumber(),
      maintMarginRatio: b.maintMarginRatio.toNumber(),
      cum: b.cum.toNumber(),
    })),
  };
}

function symbolConfigJSON(a: Account, s: SymbolState): Record<string, unknown> {
  const st = settingsOf(a, s.instrument.symbol);
  return {
    symbol: s.instrument.symbol,
    marginType: st.marginType,
    isAutoAddMargin: 'false',
    leverage: st.leverage,
    maxNotionalValue: (maxNotionalForLeverage(s.instrument.brackets, st.leverage) ?? Decimal.ZERO).toString(),
  };
}

export function registerConfigRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const ex = ctx.venue.exchange;

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/leverage',
    security: 'SIGNED',
    weight: 1,
    params: { symbol: symbol(), leverage: integer('leverage') },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      return run(ctx, { type: 'setLeverage', accountId: account.accountId, symbol: params.symbol, leverage: params.leverage });
    },
  });

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/marginType',
    security: 'SIGNED',
    weight: 1,
    params: { symbol: symbol(), marginType: oneOf('marginType', ['ISOLATED', 'CROSSED'] as const) },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      return run(ctx, { type: 'setMarginType', accountId: account.accountId, symbol: params.symbol, marginType: params.marginType });
    },
  });

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/positionSide/dual',
    security: 'SIGNED',
    weight: 1,
    params: { dualSidePosition: bool('dualSidePosition') },
    handler: ({ params, account }) =>
      run(ctx, { type: 'setPositionMode', accountId: account.accountId, dualSidePosition: params.dualSidePosition }),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/positionSide/dual',
    security: 'SIGNED',
    weight: 30,
    params: {},
    handler: ({ account }) => ({ dualSidePosition: account.dualSidePosition }),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/multiAssetsMargin',
    security: 'SIGNED',
    weight: 30,
    params: {},
    handler: () => ({ multiAssetsMargin: false }),
  });

  // Multi-assets mode is not modelled: switching it off is a no-op, switching it on is refused [inference].
  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/multiAssetsMargin',
    security: 'SIGNED',
    weight: 1,
    params: { multiAssetsMargin: bool('multiAssetsMargin') },
    handler: ({ params }) => {
      if (params.multiAssetsMargin) throw new ApiError(-4171, 'Multi-Assets mode is not supported by this venue.');
      return { code: 200, msg: 'success' };
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/symbolConfig',
    security: 'SIGNED',
    weight: 5,
    params: { symbol: symbol().optional() },
    handler: ({ params, account }) => {
      const list = params.symbol !== undefined ? [symbolState(ctx, params.symbol)] : [...ex.symbols.values()];
      return list.map((s) => symbolConfigJSON(account, s));
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/accountConfig',
    security: 'SIGNED',
    weight: 5,
    params: {},
    handler: ({ account }) => ({
      feeTier: 0,
      canTrade: true,
      canDeposit: true,
      canWithdraw: true,
      dualSidePosition: account.dualSidePosition,
      updateTime: 0,
      multiAssetsMargin: false,
      tradeGroupId: -1,
    }),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/commissionRate',
    security: 'SIGNED',
    weight: 20,
    params: { symbol: symbol() },
    handler: ({ params, account }) => {
      symbolState(ctx, params.symbol);
      return {
        symbol: params.symbol,
        makerCommissionRate: account.makerRate.toString(),
        takerCommissionRate: account.takerRate.toString(),
        rpiCommissionRate: '0',
      };
    },
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: ['/fapi/v1/leverageBracket', '/fapi/v2/leverageBracket'],
    security: 'SIGNED',
    weight: 1,
    params: { symbol: symbol().optional() },
    handler: ({ params }) =>
      params.symbol !== undefined
        ? leverageBracketJSON(symbolState(ctx, params.symbol))
        : [...ex.symbols.values()].map(leverageBracketJSON),
  });

  defineRoute(app, ctx, {
    method: 'GET',
    url: '/fapi/v1/adlQuantile',
    security: 'SIGNED',
    weight: 5,
    params: { symbol: symbol().optional() },
    handler: ({ params, account }) => {
      if (params.symbol !== undefined) symbolState(ctx, params.symbol);
      const bySymbol = new Map<string, Record<string, number>>();
      for (const p of account.positions.values()) {
        if (p.amt.isZero() || (params.symbol !== undefined && p.symbol !== params.symbol)) continue;
        const q = bySymbol.get(p.symbol) ?? (account.dualSidePosition ? { LONG: 0, SHORT: 0, HEDGE: 0 } : { LONG: 0, SHORT: 0, BOTH: 0 });
        const n = adlQuantile(ex, account.accountId, p);
        if (p.positionSide === 'BOTH') {
          q['BOTH'] = n;
          if (p.amt.isPositive()) q['LONG'] = n;
          else q['SHORT'] = n;
        } else q[p.positionSide] = n;
        bySymbol.set(p.symbol, q);
      }
      return [...bySymbol].map(([symbol, adlQuantile]) => ({ symbol, adlQuantile }));
    },
  });
}
