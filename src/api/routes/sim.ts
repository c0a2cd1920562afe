/**
 * Simulator control (JSON, outside /fapi): accounts with API keys, deposits and withdrawals, mark, index
 * and funding-rate inputs, and the simulated clock. Guarded by the admin token, sent as
 * `X-PERPSIM-ADMIN: <token>` or `Authorization: Bearer <token>`; anything else is 401.
 * Every change goes through `venue.run`, so it is stamped, journaled (later) and published like a trade.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { API, ApiError } from '../api-errors.js';
import { run, sendError, symbolState, type ApiContext } from '../route.js';
import { fundingIntervalMs } from './market.js';

/** The most funding settlements one clock advance runs per symbol (an advance of years stays cheap). */
const MAX_SETTLEMENTS = 1000;

const amount = z.union([z.string(), z.number().finite()]).transform((v) => String(v));

const schemas = {
  accounts: z
    .object({
      accountId: z.string().optional(),
      balances: z.record(amount).optional(),
      makerCommissionRate: amount.optional(),
      takerCommissionRate: amount.optional(),
    })
    .strict(),
  credentials: z.object({ accountId: z.string() }).strict(),
  transfer: z.object({ accountId: z.string(), asset: z.literal('USDT').default('USDT'), amount }).strict(),
  markPrice: z
    .object({ symbol: z.string(), price: amount.optional(), markPrice: amount.optional(), indexPrice: amount.optional() })
    .strict(),
  indexPrice: z.object({ symbol: z.string(), indexPrice: amount }).strict(),
  fundingRate: z.object({ symbol: z.string(), fundingRate: amount }).strict(),
  clock: z
    .object({
      advanceMs: z
        .number()
        .int()
        .nonnegative()
        .max(10 * 365 * 86_400_000),
    })
    .strict(),
};

function body<T extends z.ZodTypeAny>(schema: T, req: FastifyRequest): z.infer<T> {
  const r = schema.safeParse(req.body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0] as z.ZodIssue;
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : 'body');
  if (issue.code === 'unrecognized_keys') throw API.tooManyParams(0, issue.keys.length);
  throw API.mandatory(field);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function registerSimRoutes(app: FastifyInstance, ctx: ApiContext, adminToken: string): void {
  const { venue } = ctx;
  const ex = venue.exchange;

  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers['x-perpsim-admin'];
    const auth = req.headers['authorization'];
    const given =
      typeof header === 'string'
        ? header
        : typeof auth === 'string' && auth.startsWith('Bearer ')
          ? auth.slice('Bearer '.length)
          : undefined;
    if (given === undefined || adminToken === '' || !safeEqual(given, adminToken)) {
      return sendError(reply, new ApiError(-2015, 'Invalid admin token.', 401));
    }
  });

  let nextAccount = 1;
  app.post('/sim/v1/accounts', async (req) => {
    const b = body(schemas.accounts, req);
    for (const asset of Object.keys(b.balances ?? {})) if (asset !== 'USDT') throw API.invalidParam(`balances.${asset}`);
    let accountId = b.accountId;
    if (accountId === undefined) {
      while (ex.accounts.has(`acct-${nextAccount}`)) nextAccount++;
      accountId = `acct-${nextAccount++}`;
    }
    run(ctx, {
      type: 'createAccount',
      accountId,
      ...(b.makerCommissionRate !== undefined ? { makerCommissionRate: b.makerCommissionRate } : {}),
      ...(b.takerCommissionRate !== undefined ? { takerCommissionRate: b.takerCommissionRate } : {}),
    });
    const usdt = b.balances?.['USDT'];
    if (usdt !== undefined && Number(usdt) !== 0) run(ctx, { type: 'deposit', accountId, asset: 'USDT', amount: usdt });
    const cred = venue.issueCredential(accountId);
    return { accountId, apiKey: cred.apiKey, apiSecret: cred.apiSecret };
  });

  app.post('/sim/v1/credentials', async (req) => {
    const b = body(schemas.credentials, req);
    if (!ex.accounts.has(b.accountId)) throw API.badApiKey();
    const cred = venue.issueCredential(b.accountId);
    return { accountId: b.accountId, apiKey: cred.apiKey, apiSecret: cred.apiSecret };
  });

  for (const kind of ['deposit', 'withdraw'] as const) {
    app.post(`/sim/v1/${kind}`, async (req) => {
      const b = body(schemas.transfer, req);
      return run(ctx, { type: kind, accountId: b.accountId, asset: b.asset, amount: b.amount }) ?? {};
    });
  }

  app.post('/sim/v1/markPrice', async (req) => {
    const b = body(schemas.markPrice, req);
    symbolState(ctx, b.symbol);
    const mark = b.markPrice ?? b.price;
    if (mark === undefined) throw API.mandatory('price');
    run(ctx, { type: 'setMarkPrice', symbol: b.symbol, markPrice: mark, indexPrice: b.indexPrice ?? mark });
    const s = symbolState(ctx, b.symbol);
    return { symbol: b.symbol, markPrice: String(s.markPrice), indexPrice: String(s.indexPrice), time: venue.now() };
  });

  app.post('/sim/v1/indexPrice', async (req) => {
    const b = body(schemas.indexPrice, req);
    symbolState(ctx, b.symbol);
    return { symbol: b.symbol, ...(run(ctx, { type: 'setIndexPrice', symbol: b.symbol, indexPrice: b.indexPrice }) as object) };
  });

  app.post('/sim/v1/fundingRate', async (req) => {
    const b = body(schemas.fundingRate, req);
    symbolState(ctx, b.symbol);
    run(ctx, { type: 'setFundingRate', symbol: b.symbol, fundingRate: b.fundingRate });
    return { symbol: b.symbol, fundingRate: b.fundingRate };
  });

  /** Advances the clock; every funding time passed is settled (once per interval boundary) for symbols with a mark. */
  app.post('/sim/v1/clock', async (req) => {
    const b = body(schemas.clock, req);
    const before = venue.now();
    const after = venue.advance(b.advanceMs);
    const settlements: unknown[] = [];
    for (const [symbol, s] of ex.symbols) {
      if (s.markPrice === undefined) continue;
      const interval = fundingIntervalMs(s);
      const due = Math.min(MAX_SETTLEMENTS, Math.floor(after / interval) - Math.floor(before / interval));
      for (let i = 0; i < due; i++) settlements.push(run(ctx, { type: 'settleFunding', symbol }));
    }
    return { time: after, fundingSettlements: settlements };
  });

  app.get('/sim/v1/state', async () => ({ time: venue.now(), stateHash: ex.stateHash(), accounts: ex.accounts.size }));

  // why and how an account was liquidated: every step with the engine's explanation, oldest first
  app.get('/sim/v1/liquidations', async (req) => {
    const accountId = (req.query as Record<string, unknown>)['accountId'];
    if (typeof accountId !== 'string' || !ex.accounts.has(accountId)) throw API.invalidParam('accountId');
    return ctx.history.liquidations(accountId);
  });
}
