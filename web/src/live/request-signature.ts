/**
 * Binance's request signature, computed in the browser with Web Crypto:
 * signature = hex(HMAC-SHA256(apiSecret, totalParams)), appended as `&signature=`.
 * Web Crypto exists only in a secure context (https, or http on localhost / 127.0.0.1).
 */
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (key === undefined) {
    if (globalThis.crypto?.subtle === undefined) {
      throw new Error('Web Crypto is unavailable: open the page on http://127.0.0.1 or http://localhost (or over https) to sign requests');
    }
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

export async function signQuery(secret: string, query: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(query));
  let hex = '';
  for (const byte of new Uint8Array(mac)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
