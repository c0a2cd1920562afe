/**
 * The Binance-compatible REST server (docs/api.md): /fapi/v1, v2 and v3 on the venue, plus the simulator
 * control endpoints under /sim/v1. `buildServer` only builds the fastify instance; the caller listens:
 *
 *   const venue = new Venue();
 *   const app = buildServer(venue, { adminToken: 'secret' });
 *   await app.listen({ port: 0, host: '127.0.0.1' });
 *
 * /fapi requests keep their raw body (the signature covers it byte for byte); /sim takes JSON.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ApiError, API } from './api-errors.js';
import { MemoryHistory, type History } from './history.js';
import { BINANCE_LIMITS, RateLimiter, type RateLimits } from './rate-limit.js';
import { sendError, type ApiContext } from './route.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerAlgoRoutes } from './routes/algo.js';
import { registerConfigRoutes } from './routes/config.js';
import { rateLimitsJSON, registerMarketRoutes } from './routes/market.js';
import { registerOrderRoutes } from './routes/orders.js';
import { registerSimRoutes } from './routes/sim.js';
import { registerUserStreamRoutes } from './routes/user-stream.js';
import type { Venue } from './venue.js';

export interface ServerOptions {
  /** guards /sim/v1 (X-PERPSIM-ADMIN or Authorization: Bearer) */
  readonly adminToken: string;
  readonly logger?: boolean;
  /** request weight and order limits (Binance's by default) */
  readonly rateLimits?: RateLimits;
  /** where trades, income and margin changes are kept (in memory by default) */
  readonly history?: History;
}

export function buildServer(venue: Venue, options: ServerOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  const limits = options.rateLimits ?? BINANCE_LIMITS;
  const ctx: ApiContext = {
    venue,
    history: options.history ?? new MemoryHistory(venue.hub),
    limiter: new RateLimiter(limits, () => venue.wallTime()),
  };

  app.setErrorHandler((error: FastifyError | ApiError, req, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // a body the parser refused (too large, bad JSON on /sim): the client's fault, never a 5xx
      return sendError(reply, new ApiError(-1100, `Illegal characters found in a parameter. ${error.message}`, 400));
    }
    req.log.error(error);
    return sendError(reply, API.unknown());
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    return reply
      .code(404)
      .type('application/json')
      .send({ code: -5000, msg: `Path ${path}, Method ${req.method} is invalid` });
  });

  // Binance: /fapi parameters are form-encoded; the raw text is kept for the signature.
  app.register(async (fapi) => {
    fapi.removeAllContentTypeParsers();
    fapi.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    registerMarketRoutes(fapi, ctx, rateLimitsJSON(limits.weightPerMinute, limits.ordersPerMinute));
    registerConfigRoutes(fapi, ctx);
    registerOrderRoutes(fapi, ctx);
    registerAlgoRoutes(fapi, ctx);
    registerAccountRoutes(fapi, ctx);
    registerUserStreamRoutes(fapi, ctx);
  });

  app.register(async (sim) => registerSimRoutes(sim, ctx, options.adminToken));
  return app;
}
