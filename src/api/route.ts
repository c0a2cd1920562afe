/**
 * The request pipeline every /fapi endpoint goes through, in Binance's order:
 * parameters decoded and merged (-1101) → request weight counted (429 / -1003, `X-MBX-USED-WEIGHT-1M`) →
 * API key (-2014 / -2015) → timestamp and signature (-1102 / -1021 / -1022) → the endpoint's parameter
 * schema (-1100 / -1102 / -1104 / …) → new-order count (-1015) → handler. Errors are `{code,msg}` with
 * the status of api-errors.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Account } from '../engine/index.js';
import { API, ApiError, fromEngine } from './api-errors.js';
import type { History } from './history.js';
import { mergeParams, parseParams, type RawParams, type Shape } from './params.js';
import type { RateLimiter } from './rate-limit.js';
import { credentialOf, verifySigned, type Security } from './signature.js';
import type { UnstampedCommand, Venue } from './venue.js';

export interface ApiContext {
  readonly venue: Venue;
  readonly history: History;
  readonly limiter: RateLimiter;
}

export interface Call<S extends Shape> {
  readonly params: z.infer<z.ZodObject<S>>;
  /** the caller's account (USER_STREAM and SIGNED endpoints) */
  readonly account: Account;
  readonly raw: RawParams;
  readonly reply: FastifyReply;
}

export interface RouteSpec<S extends Shape> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string | readonly string[];
  readonly security: Security;
  /** request weight (may depend on the raw parameters) */
  readonly weight: number | ((raw: RawParams) => number);
  readonly params: S;
  /** how many new orders the request places (counted per account and minute) */
  readonly orders?: (params: z.infer<z.ZodObject<S>>) => number;
  readonly handler: (call: Call<S>) => unknown;
}

export function rawParts(req: FastifyRequest): { query: string; body: string } {
  const url = req.url;
  const q = url.indexOf('?');
  return { query: q < 0 ? '' : url.slice(q + 1), body: typeof req.body === 'string' ? req.body : '' };
}

export function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  return reply.code(e.status).type('application/json').send(e.body());
}

export function defineRoute<S extends Shape>(app: FastifyInstance, ctx: ApiContext, spec: RouteSpec<S>): void {
  const urls = typeof spec.url === 'string' ? [spec.url] : spec.url;
  for (const url of urls) {
    app.route({
      method: spec.method,
      url,
      // synchronous (fastify sends what it throws to the error handler): no promise per request
      handler: (req, reply) => {
        const { query, body } = rawParts(req);
        const raw = mergeParams(query, body);
        const weight = typeof spec.weight === 'number' ? spec.weight : spec.weight(raw);
        const used = ctx.limiter.weigh(req.ip, weight);
        reply.header('X-MBX-USED-WEIGHT-1M', String(used));
        let account: Account | undefined;
        if (spec.security !== 'NONE') {
          const cred = credentialOf(ctx.venue, req.headers['x-mbx-apikey']);
          if (spec.security === 'SIGNED') verifySigned(ctx.venue, cred, raw, query, body);
          account = ctx.venue.exchange.accounts.get(cred.accountId);
          if (account === undefined) throw API.badApiKey();
        }
        const params = parseParams(spec.params, raw, spec.security === 'SIGNED');
        if (spec.orders !== undefined && account !== undefined) {
          const n = spec.orders(params);
          if (n > 0) reply.header('X-MBX-ORDER-COUNT-1M', String(ctx.limiter.countOrders(account.accountId, n)));
        }
        const result = spec.handler({ params, account: account as Account, raw, reply });
        reply.type('application/json').send(JSON.stringify(result));
      },
    });
  }
}

/** Runs a command through the venue; a rejection becomes the engine's Binance error. */
export function run(ctx: ApiContext, cmd: UnstampedCommand): unknown {
  const r = ctx.venue.run(cmd);
  if (!r.ok) throw fromEngine(r.error);
  return r.result;
}

/** The symbol's state, or -1121. */
export function symbolState(ctx: ApiContext, symbol: string) {
  const s = ctx.venue.exchange.symbols.get(symbol);
  if (s === undefined) throw API.invalidSymbol();
  return s;
}
