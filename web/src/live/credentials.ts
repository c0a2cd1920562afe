/**
 * The API key the live page signs with. Pasted by the user (perpsim serve prints a demo key at start-up)
 * and kept in sessionStorage: this tab only, gone when it closes.
 */
import { useCallback, useState } from 'react';
import type { Credentials } from './binance-rest.js';

const STORAGE = 'perpsim.credentials';

function load(): Credentials | undefined {
  try {
    const raw = sessionStorage.getItem(STORAGE);
    if (raw === null) return undefined;
    const c = JSON.parse(raw) as Partial<Credentials>;
    return typeof c.apiKey === 'string' && typeof c.apiSecret === 'string' ? { apiKey: c.apiKey, apiSecret: c.apiSecret } : undefined;
  } catch {
    return undefined;
  }
}

export function useCredentials(): [Credentials | undefined, (c: Credentials | undefined) => void] {
  const [cred, setCred] = useState<Credentials | undefined>(load);
  const set = useCallback((c: Credentials | undefined) => {
    if (c === undefined) sessionStorage.removeItem(STORAGE);
    else sessionStorage.setItem(STORAGE, JSON.stringify(c));
    setCred(c);
  }, []);
  return [cred, set];
}
