/**
 * The REST calls of the live page, on the same origin as the page (perpsim serve): public GETs, and
 * SIGNED requests (parameters in the query string, timestamp + recvWindow, `&signature=`, the key in
 * X-MBX-APIKEY) exactly as a Binance client sends them. A rejection throws Binance's `{code,msg}`.
 */
import { signQuery } from './request-signature.js';

export interface Credentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

export class BinanceError extends Error {
  override name = 'BinanceError';
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly status: number,
  ) {
    super(`${code} ${msg}`);
  }
}

export type Params = Record<string, string | number | undefined>;

function queryOf(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.append(k, String(v));
  return q.toString();
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BinanceError(-1000, `HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
  }
  if (!res.ok || (typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'number' && body.code < 0)) {
    const e = body as { code?: number; msg?: string };
    throw new BinanceError(e.code ?? -1000, e.msg ?? `HTTP ${res.status}`, res.status);
  }
  return body as T;
}

export async function publicGet<T>(path: string, params: Params = {}): Promise<T> {
  const q = queryOf(params);
  return answer<T>(await fetch(q === '' ? path : `${path}?${q}`));
}

export async function signedRequest<T>(
  cred: Credentials,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  params: Params = {},
): Promise<T> {
  const query = queryOf({ ...params, recvWindow: 10000, timestamp: Date.now() });
  const signature = await signQuery(cred.apiSecret, query);
  return answer<T>(await fetch(`${path}?${query}&signature=${signature}`, { method, headers: { 'X-MBX-APIKEY': cred.apiKey } }));
}

/** USER_STREAM endpoints: the API key, no signature. */
export async function keyedRequest<T>(cred: Credentials, method: 'POST' | 'PUT' | 'DELETE', path: string): Promise<T> {
  return answer<T>(await fetch(path, { method, headers: { 'X-MBX-APIKEY': cred.apiKey } }));
}
