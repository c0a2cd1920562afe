/**
 * Request authentication (spec api.md §2.1–§2.4).
 *
 * - USER_STREAM: the `X-MBX-APIKEY` header only.
 * - SIGNED (TRADE / USER_DATA): the header, plus `timestamp` (ms), optional `recvWindow` (default 5000,
 *   at most 60000) and `signature` = lowercase hex HMAC-SHA256(secret, totalParams), where totalParams is
 *   the raw query string followed, with no separator, by the raw body, after the `signature=…` parameter
 *   is removed from whichever part holds it. Values stay URL-encoded exactly as sent.
 *
 * Checks, in order: key missing or malformed (-2014, 401), key unknown (-2015, 401), timestamp or signature
 * missing (-1102), timestamp malformed (-1100), recvWindow over 60000 (-1131), timestamp more than 1 s ahead
 * or older than recvWindow (-1021), signature wrong (-1022).
 *
 * Time [inference]: the venue clock can be advanced by the simulator (POST /sim/v1/clock) while clients
 * keep stamping wall-clock time, so a timestamp passes when it is within the window of either the venue
 * time or the wall clock.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { API } from './api-errors.js';
import type { RawParams } from './params.js';
import type { ApiCredential, Venue } from './venue.js';

export type Security = 'NONE' | 'USER_STREAM' | 'SIGNED';

const API_KEY_RE = /^[A-Za-z0-9]{1,128}$/;
const DEFAULT_RECV_WINDOW = 5000;
const MAX_RECV_WINDOW = 60000;

/** The signed text: query then body, with the `signature=` parameter taken out. */
export function signedPayload(query: string, body: string): { payload: string; signature: string | undefined } {
  let signature: string | undefined;
  const strip = (part: string) => {
    if (part === '') return part;
    const at = part.indexOf('signature=');
    if (at < 0) return part;
    // the usual case: one signature parameter, the last one
    if ((at === 0 || part.charCodeAt(at - 1) === 38) /* & */ && part.indexOf('&', at) < 0 && part.indexOf('signature=', at + 1) < 0) {
      signature = part.slice(at + 'signature='.length);
      return at === 0 ? '' : part.slice(0, at - 1);
    }
    const kept: string[] = [];
    for (const kv of part.split('&')) {
      if (kv.startsWith('signature=')) signature = kv.slice('signature='.length);
      else kept.push(kv);
    }
    return kept.join('&');
  };
  return { payload: strip(query) + strip(body), signature };
}

/** HMAC keys by secret (a key object spares the key set-up on every request) */
const keys = new Map<string, KeyObject>();

function hmac(secret: string, payload: string) {
  let key = keys.get(secret);
  if (key === undefined) {
    if (keys.size >= 10_000) keys.clear();
    keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  }
  return createHmac('sha256', key).update(payload);
}

export function sign(secret: string, payload: string): string {
  return hmac(secret, payload).digest('hex');
}

const SIGNATURE_RE = /^[0-9a-fA-F]{64}$/;

/** Looks up the API key of the request (-2014 / -2015 when missing, malformed or unknown). */
export function credentialOf(venue: Venue, header: string | string[] | undefined): ApiCredential {
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '' || !API_KEY_RE.test(key)) throw API.apiKeyFormat();
  const cred = venue.credentials.get(key);
  if (cred === undefined) throw API.badApiKey();
  return cred;
}

function within(now: number, ts: number, recvWindow: number): 'ok' | 'ahead' | 'old' {
  if (ts > now + 1000) return 'ahead';
  if (now - ts > recvWindow) return 'old';
  return 'ok';
}

/** Checks timestamp, recvWindow and signature of a SIGNED request. */
export function verifySigned(venue: Venue, cred: ApiCredential, params: RawParams, query: string, body: string): void {
  const tsText = params['timestamp'];
  if (tsText === undefined || tsText === '') throw API.mandatory('timestamp');
  const { payload, signature } = signedPayload(query, body);
  if (signature === undefined || signature === '' || params['signature'] === undefined) throw API.mandatory('signature');
  if (!/^[0-9]{1,20}$/.test(tsText)) throw API.illegalChars('timestamp', '^[0-9]{1,20}$');
  const ts = Number(tsText);
  let recvWindow = DEFAULT_RECV_WINDOW;
  const rw = params['recvWindow'];
  if (rw !== undefined && rw !== '') {
    if (!/^[0-9]{1,20}$/.test(rw)) throw API.illegalChars('recvWindow', '^[0-9]{1,20}$');
    recvWindow = Number(rw);
    if (recvWindow > MAX_RECV_WINDOW) throw API.recvWindow();
  }
  const venueCheck = within(venue.now(), ts, recvWindow);
  if (venueCheck !== 'ok') {
    const wallCheck = within(venue.wallTime(), ts, recvWindow);
    if (wallCheck !== 'ok') throw venueCheck === 'ahead' && wallCheck === 'ahead' ? API.timestampAhead() : API.timestampOutside();
  }
  // the hex signature in either case, compared as the 32 bytes it spells
  if (!SIGNATURE_RE.test(signature)) throw API.badSignature();
  if (!timingSafeEqual(hmac(cred.apiSecret, payload).digest(), Buffer.from(signature, 'hex'))) throw API.badSignature();
}
