/**
 * Test fixture for the REST API: a venue with a listening server on 127.0.0.1:0, the simulator control
 * calls, and a minimal signed Binance client (query-string parameters, as tiagosiebler's SDK sends them).
 * Used by the API tests only.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from './server.js';
import { sign } from './signature.js';
import { Venue } from './venue.js';

export const ADMIN_TOKEN = 'test-admin-token';

/** CCXT binanceusdm's fapi URLs pointed at a perpsim server (spec api.md §1.1). */
export function ccxtFapiUrls(base: string): Record<string, string> {
  return {
    fapiPublic: `${base}/fapi/v1`,
    fapiPrivate: `${base}/fapi/v1`,
    fapiPublicV2: `${base}/fapi/v2`,
    fapiPrivateV2: `${base}/fapi/v2`,
    fapiPublicV3: `${base}/fapi/v3`,
    fapiPrivateV3: `${base}/fapi/v3`,
    fapiData: `${base}/futures/data`,
  };
}

export interface Credential {
  readonly accountId: string;
  readonly apiKey: string;
  readonly apiSecret: string;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export class Harness {
  readonly venue: Venue;
  readonly app: FastifyInstance;
  base = '';

  constructor(options: Partial<ServerOptions> = {}, venue = new Venue()) {
    this.venue = venue;
    this.app = buildServer(venue, { adminToken: ADMIN_TOKEN, ...options });
  }

  async listen(): Promise<this> {
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    this.base = `http://127.0.0.1:${(this.app.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  async admin(path: string, body: unknown): Promise<Answer> {
    const res = await this.app.inject({
      method: 'POST',
      url: path,
      headers: { 'x-perpsim-admin': ADMIN_TOKEN, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.json(), headers: new Headers(res.headers as Record<string, string>) };
  }

  async account(usdt: string): Promise<Credential> {
    const r = await this.admin('/sim/v1/accounts', { balances: { USDT: usdt } });
    if (r.status !== 200) throw new Error(`account: ${JSON.stringify(r.body)}`);
    return r.body as Credential;
  }

  async mark(symbol: string, price: string): Promise<void> {
    const r = await this.admin('/sim/v1/markPrice', { symbol, price });
    if (r.status !== 200) throw new Error(`mark: ${JSON.stringify(r.body)}`);
  }

  /** A signed request through fastify's inject (parameters in the query string). */
  async signed(cred: Credential, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, params: Record<string, string> = {}) {
    const qs = new URLSearchParams({ ...params, timestamp: String(Date.now()) }).toString();
    const res = await this.app.inject({
      method,
      url: `${path}?${qs}&signature=${sign(cred.apiSecret, qs)}`,
      headers: { 'x-mbx-apikey': cred.apiKey },
    });
    return { status: res.statusCode, body: res.json() as unknown, headers: res.headers };
  }

  /** A GTC LIMIT order of `cred` on BTCUSDT (more parameters in `extra`); its answer. */
  limit(cred: Credential, side: 'BUY' | 'SELL', quantity: string, price: string, extra: Record<string, string> = {}) {
    return this.ok(cred, 'POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side,
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity,
      price,
      ...extra,
    });
  }

  /** As `signed`, but throws unless the answer is 200. */
  async ok(cred: Credential, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, params: Record<string, string> = {}) {
    const r = await this.signed(cred, method, path, params);
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown> & Record<string, unknown>[];
  }
}

/** A market for BTCUSDT at `mark`: a maker account resting `qty` on each side one tick range around it. */
export async function seedMarket(h: Harness, mark = '60000', bid = '59900', ask = '60000', qty = '0.5'): Promise<Credential> {
  await h.mark('BTCUSDT', mark);
  const maker = await h.account('1000000');
  await h.ok(maker, 'POST', '/fapi/v1/order', {
    symbol: 'BTCUSDT',
    side: 'SELL',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: qty,
    price: ask,
  });
  await h.ok(maker, 'POST', '/fapi/v1/order', {
    symbol: 'BTCUSDT',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: qty,
    price: bid,
  });
  return maker;
}
