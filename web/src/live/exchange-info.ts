/** The symbols the venue lists, with the filters the order form and the chart need (GET /fapi/v1/exchangeInfo). */
import { useEffect, useState } from 'react';
import { publicGet } from './binance-rest.js';

export interface SymbolInfo {
  readonly symbol: string;
  readonly pricePrecision: number;
  readonly tickSize: string;
  readonly stepSize: string;
  readonly minNotional: string;
}

interface RawSymbol {
  symbol: string;
  pricePrecision: number;
  filters: { filterType: string; tickSize?: string; stepSize?: string; notional?: string }[];
}

export function useExchangeInfo(): { symbols: readonly SymbolInfo[]; error: string | undefined } {
  const [symbols, setSymbols] = useState<readonly SymbolInfo[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    publicGet<{ symbols: RawSymbol[] }>('/fapi/v1/exchangeInfo').then(
      (info) => {
        if (!live) return;
        setSymbols(
          info.symbols.map((s) => {
            const filter = (type: string) => s.filters.find((f) => f.filterType === type);
            return {
              symbol: s.symbol,
              pricePrecision: s.pricePrecision,
              tickSize: filter('PRICE_FILTER')?.tickSize ?? '0.01',
              stepSize: filter('LOT_SIZE')?.stepSize ?? '0.001',
              minNotional: filter('MIN_NOTIONAL')?.notional ?? '0',
            };
          }),
        );
      },
      (e: unknown) => live && setError((e as Error).message),
    );
    return () => {
      live = false;
    };
  }, []);
  return { symbols, error };
}

/** Decimals of a step such as "0.10" → 1 (significant places), for chart price formats. */
export function stepDecimals(step: string): number {
  const frac = step.split('.')[1]?.replace(/0+$/, '') ?? '';
  return frac.length;
}
