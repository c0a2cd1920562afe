/**
 * User-data stream keys (USER_STREAM: the API key header, no signature; spec api.md §5.5). POST returns
 * the account's live key (extended) or a new one; PUT extends it (-1125 when there is none); DELETE
 * removes it. The WebSocket side is streams.ts.
 */
import type { FastifyInstance } from 'fastify';
import { API } from '../api-errors.js';
import { text } from '../params.js';
import { LISTEN_KEY_TTL_MS } from '../venue.js';
import { defineRoute, type ApiContext } from '../route.js';

export function registerUserStreamRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { venue } = ctx;
  const liveKey = (accountId: string) => {
    const now = venue.now();
    for (const k of venue.listenKeys.values()) if (k.accountId === accountId && k.expiresAt > now) return k;
    return undefined;
  };

  defineRoute(app, ctx, {
    method: 'POST',
    url: '/fapi/v1/listenKey',
    security: 'USER_STREAM',
    weight: 1,
    params: { listenKey: text('listenKey', 128).optional() },
    handler: ({ account }) => ({ listenKey: venue.listenKeyFor(account.accountId).listenKey }),
  });

  defineRoute(app, ctx, {
    method: 'PUT',
    url: '/fapi/v1/listenKey',
    security: 'USER_STREAM',
    weight: 1,
    params: { listenKey: text('listenKey', 128).optional() },
    handler: ({ account }) => {
      const k = liveKey(account.accountId);
      if (k === undefined) throw API.invalidListenKey();
      k.expiresAt = venue.now() + LISTEN_KEY_TTL_MS;
      return { listenKey: k.listenKey };
    },
  });

  defineRoute(app, ctx, {
    method: 'DELETE',
    url: '/fapi/v1/listenKey',
    security: 'USER_STREAM',
    weight: 1,
    params: { listenKey: text('listenKey', 128).optional() },
    handler: ({ account }) => {
      for (const [key, k] of venue.listenKeys) if (k.accountId === account.accountId) venue.listenKeys.delete(key);
      return {};
    },
  });
}
