/**
 * Request parameters: the raw query string and the raw form body are decoded and merged (body wins,
 * spec api.md §2.3), then checked against a zod schema per endpoint. A malformed request always gets
 * one of Binance's parameter errors with HTTP 400, never a 5xx:
 *
 * - a parameter sent twice in the same part → -1101;
 * - a parameter the endpoint does not read → -1104 [inference: Binance's spot rule; clients only send
 *   documented parameters, and every documented one is listed, even those perpsim ignores];
 * - a mandatory parameter missing or empty → -1102;
 * - characters outside the parameter's grammar (letters in a number, a lower-case symbol) → -1100, with
 *   Binance's "legal range" regular expression in the message;
 * - a well-formed value that is not allowed → the specific code (-1115 timeInForce, -1116 type, -1117
 *   side, -1120 interval, -4060 positionSide) or -1130.
 */
import { z } from 'zod';
import { API, ApiError } from './api-errors.js';

export type RawParams = Record<string, string>;

/** Parameters every signed request may carry besides its own. */
const AUTH_PARAMS = new Set(['timestamp', 'recvWindow', 'signature']);

function decodePart(part: string, into: RawParams, seen: Set<string>): void {
  if (part === '') return;
  for (const [k, v] of new URLSearchParams(part)) {
    if (seen.has(k)) throw API.duplicate();
    seen.add(k);
    into[k] = v;
  }
}

/** Decodes and merges the raw query string (without `?`) and the raw form body. */
export function mergeParams(query: string, body: string): RawParams {
  const out: RawParams = {};
  decodePart(query, out, new Set());
  decodePart(body, out, new Set());
  return out;
}

// ---- field grammar -------------------------------------------------------------------------------

const DECIMAL_RANGE = '^([0-9]{1,20})(\\.[0-9]{1,20})?$';
const DECIMAL_RE = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;
const INT_RANGE = '^[0-9]{1,20}$';
const INT_RE = /^[0-9]{1,20}$/;
const SYMBOL_RANGE = '^[A-Z0-9-_.]{1,20}$';
const SYMBOL_RE = /^[A-Z0-9_.-]{1,20}$/;
const CLIENT_ID_RANGE = '^[\\.A-Z\\:/a-z0-9_-]{1,36}$';
const CLIENT_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;

function fail(ctx: z.RefinementCtx, error: ApiError): never {
  ctx.addIssue({ code: z.ZodIssueCode.custom, params: { api: error } });
  return z.NEVER as never;
}

/** A decimal number as text (kept as text: the engine parses it exactly). */
export const decimal = (name: string) =>
  z.string().transform((v, ctx) => (DECIMAL_RE.test(v) ? v : fail(ctx, API.illegalChars(name, DECIMAL_RANGE))));

/** A non-negative integer (ids, times, counts); values beyond 2^53 are not valid. */
export const integer = (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.string().transform((v, ctx) => {
    if (!INT_RE.test(v)) return fail(ctx, API.illegalChars(name, INT_RANGE));
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) return fail(ctx, API.invalidParam(name));
    return n;
  });

export const symbol = () => z.string().transform((v, ctx) => (SYMBOL_RE.test(v) ? v : fail(ctx, API.illegalChars('symbol', SYMBOL_RANGE))));

export const clientId = (name: string) =>
  z.string().transform((v, ctx) => (CLIENT_ID_RE.test(v) ? v : fail(ctx, API.illegalChars(name, CLIENT_ID_RANGE))));

/** One of `values`; anything else gets `error` (default -1130). */
export const oneOf = <const T extends readonly string[]>(name: string, values: T, error?: () => ApiError) =>
  z
    .string()
    .transform((v, ctx) =>
      (values as readonly string[]).includes(v) ? (v as T[number]) : fail(ctx, (error ?? (() => API.invalidParam(name)))()),
    );

/** "true" / "false" (either case, as Binance accepts). */
export const bool = (name: string) =>
  z.string().transform((v, ctx) => {
    const l = v.toLowerCase();
    return l === 'true' ? true : l === 'false' ? false : fail(ctx, API.invalidParam(name));
  });

/** Free text (ignored parameters such as priceProtect's companions); only its length is bounded. */
export const text = (name: string, max = 1024) =>
  z.string().transform((v, ctx) => (v.length <= max ? v : fail(ctx, API.invalidParam(name))));

export type Shape = Record<string, z.ZodTypeAny>;

/**
 * Checks `raw` against the endpoint's fields; returns the typed values. Empty values count as not sent.
 * `signed` endpoints also read timestamp, recvWindow and signature (checked by signature.ts).
 */
export function parseParams<S extends Shape>(shape: S, raw: RawParams, signed: boolean): z.infer<z.ZodObject<S>> {
  const input: Record<string, string> = {};
  let read = 0;
  let sent = 0;
  for (const [k, v] of Object.entries(raw)) {
    if (signed && AUTH_PARAMS.has(k)) continue;
    sent++;
    if (Object.hasOwn(shape, k)) {
      read++;
      if (v !== '') input[k] = v;
    }
  }
  if (read < sent) throw API.tooManyParams(read, sent);
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data as z.infer<z.ZodObject<S>>;
  const issue = result.error.issues[0] as z.ZodIssue;
  const api = (issue as { params?: { api?: unknown } }).params?.api;
  if (api instanceof ApiError) throw api;
  const field = String(issue.path[0] ?? 'parameter');
  if (input[field] === undefined) throw API.mandatory(field);
  throw API.invalidParam(field);
}

/** The common enums with Binance's dedicated error codes. */
export const SIDES = ['BUY', 'SELL'] as const;
export const ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'] as const;
export const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'] as const;
export const POSITION_SIDES = ['BOTH', 'LONG', 'SHORT'] as const;
export const WORKING_TYPES = ['MARK_PRICE', 'CONTRACT_PRICE'] as const;
export const STP_MODES = ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'NONE'] as const;
export const RESP_TYPES = ['ACK', 'RESULT'] as const;

export const side = () => oneOf('side', SIDES, API.invalidSide);
export const orderType = () => oneOf('type', ORDER_TYPES, API.invalidOrderType);
export const timeInForce = () => oneOf('timeInForce', TIME_IN_FORCE, API.invalidTimeInForce);
export const positionSide = () => oneOf('positionSide', POSITION_SIDES, API.invalidPositionSide);
