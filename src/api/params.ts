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
 *
 * Every field type below is a zod schema (so routes can be typed from their shape) that also carries its
 * check as a plain function; `parseParams` runs those directly, field by field in the shape's order, which
 * gives the same value and the same first error as zod's object parse at a fraction of its cost (it falls
 * back to zod for a shape with a field of another kind).
 */
import { z } from 'zod';
import { API, ApiError } from './api-errors.js';

export type RawParams = Record<string, string>;

/** Parameters every signed request may carry besides its own. */
const AUTH_PARAMS = new Set(['timestamp', 'recvWindow', 'signature']);

function decodePart(part: string, into: RawParams, seen: Set<string>): void {
  if (part === '') return;
  if (part.includes('%') || part.includes('+')) {
    // escapes: the WHATWG form decoding (invalid escapes kept as they are, UTF-8, '+' as a space)
    for (const [k, v] of new URLSearchParams(part)) {
      if (seen.has(k)) throw API.duplicate();
      seen.add(k);
      into[k] = v;
    }
    return;
  }
  // nothing to decode: the same pairs as URLSearchParams gives, without its decoding pass
  let start = 0;
  while (start <= part.length) {
    let end = part.indexOf('&', start);
    if (end < 0) end = part.length;
    if (end > start) {
      const eq = part.indexOf('=', start);
      const k = eq < 0 || eq > end ? part.slice(start, end) : part.slice(start, eq);
      const v = eq < 0 || eq > end ? '' : part.slice(eq + 1, end);
      if (seen.has(k)) throw API.duplicate();
      seen.add(k);
      into[k] = v;
    }
    start = end + 1;
  }
}

/** Decodes and merges the raw query string (without `?`) and the raw form body. */
export function mergeParams(query: string, body: string): RawParams {
  const out: RawParams = {};
  decodePart(query, out, new Set());
  if (body !== '') decodePart(body, out, new Set());
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

/** where a field schema keeps its plain check */
const CHECK = Symbol('perpsim.paramCheck');

/** A field's check: the value, or an ApiError thrown. */
type Check<T> = (v: string) => T;

/** A string field checked by `check`: a zod schema carrying the check for `parseParams`' direct path. */
function field<T>(check: Check<T>): z.ZodEffects<z.ZodString, T, string> {
  const schema = z.string().transform((v, ctx): T => {
    try {
      return check(v);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      ctx.addIssue({ code: z.ZodIssueCode.custom, params: { api: e } });
      return z.NEVER;
    }
  });
  return Object.assign(schema, { [CHECK]: check });
}

/** A decimal number as text (kept as text: the engine parses it exactly). */
export const decimal = (name: string) =>
  field((v) => {
    if (DECIMAL_RE.test(v)) return v;
    throw API.illegalChars(name, DECIMAL_RANGE);
  });

/** A non-negative integer (ids, times, counts); values beyond 2^53 are not valid. */
export const integer = (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  field((v) => {
    if (!INT_RE.test(v)) throw API.illegalChars(name, INT_RANGE);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw API.invalidParam(name);
    return n;
  });

export const symbol = () =>
  field((v) => {
    if (SYMBOL_RE.test(v)) return v;
    throw API.illegalChars('symbol', SYMBOL_RANGE);
  });

export const clientId = (name: string) =>
  field((v) => {
    if (CLIENT_ID_RE.test(v)) return v;
    throw API.illegalChars(name, CLIENT_ID_RANGE);
  });

/** One of `values`; anything else gets `error` (default -1130). */
export const oneOf = <const T extends readonly string[]>(name: string, values: T, error?: () => ApiError) =>
  field((v): T[number] => {
    if ((values as readonly string[]).includes(v)) return v as T[number];
    throw (error ?? (() => API.invalidParam(name)))();
  });

/** "true" / "false" (either case, as Binance accepts). */
export const bool = (name: string) =>
  field((v) => {
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
    throw API.invalidParam(name);
  });

/** Free text (ignored parameters such as priceProtect's companions); only its length is bounded. */
export const text = (name: string, max = 1024) =>
  field((v) => {
    if (v.length <= max) return v;
    throw API.invalidParam(name);
  });

export type Shape = Record<string, z.ZodTypeAny>;

interface FieldCheck {
  readonly name: string;
  readonly optional: boolean;
  readonly check: Check<unknown>;
}

/** per shape: its fields' checks in order, or null when a field is not one of ours (zod parses it) */
const compiled = new WeakMap<Shape, readonly FieldCheck[] | null>();

function compile(shape: Shape): readonly FieldCheck[] | null {
  let fields = compiled.get(shape);
  if (fields !== undefined) return fields;
  const list: FieldCheck[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    const optional = schema instanceof z.ZodOptional;
    const inner = (optional ? (schema as z.ZodOptional<z.ZodTypeAny>).unwrap() : schema) as { [CHECK]?: Check<unknown> };
    const check = inner[CHECK];
    if (check === undefined) {
      list.length = 0;
      break;
    }
    list.push({ name, optional, check });
  }
  fields = list.length === Object.keys(shape).length ? list : null;
  compiled.set(shape, fields);
  return fields;
}

/**
 * Checks `raw` against the endpoint's fields; returns the typed values. Empty values count as not sent.
 * `signed` endpoints also read timestamp, recvWindow and signature (checked by signature.ts).
 */
export function parseParams<S extends Shape>(shape: S, raw: RawParams, signed: boolean): z.infer<z.ZodObject<S>> {
  const input: Record<string, string> = {};
  let read = 0;
  let sent = 0;
  for (const k in raw) {
    if (signed && AUTH_PARAMS.has(k)) continue;
    sent++;
    if (Object.hasOwn(shape, k)) {
      read++;
      const v = raw[k] as string;
      if (v !== '') input[k] = v;
    }
  }
  if (read < sent) throw API.tooManyParams(read, sent);
  const fields = compile(shape);
  if (fields !== null) {
    // zod's object parse reports its issues in the shape's order: the first failing field is the same
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = input[f.name];
      if (v === undefined) {
        if (!f.optional) throw API.mandatory(f.name);
        continue;
      }
      out[f.name] = f.check(v);
    }
    return out as z.infer<z.ZodObject<S>>;
  }
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
