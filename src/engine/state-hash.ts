/**
 * A deterministic hash of the whole engine state (accounts, settings, positions, open orders in book
 * order, marks, counters). Same command log ⇒ same hash. 64-bit FNV-1a over a canonical text.
 */
export function fnv1a64(text: string): string {
  // two 32-bit lanes of FNV-1a (seeded differently), 16 hex digits
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193 + 0x2c);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
