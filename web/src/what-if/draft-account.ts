/**
 * The account as the what-if editor holds it: every field the text the user typed, so a half-typed number
 * never loses keystrokes. `calc-documents.ts` turns it into `perpsim calc` input, once per margin mode.
 */
import { builtinInstruments } from '../../../src/core/index.js';

export type Side = 'LONG' | 'SHORT';

export interface DraftPosition {
  /** stable React key */
  readonly id: number;
  readonly symbol: string;
  readonly side: Side;
  /** size in base units, positive */
  readonly qty: string;
  readonly entryPrice: string;
  readonly leverage: string;
  /** margin the position holds in Isolated mode; empty: its initial margin at entry (size × entry / leverage) */
  readonly isolatedMargin: string;
}

export interface DraftAccount {
  /** the whole wallet: the cross wallet in Cross mode; in Isolated mode it also funds the isolated margins */
  readonly walletBalance: string;
  readonly positions: readonly DraftPosition[];
  /** mark price now, per symbol */
  readonly markPrices: Readonly<Record<string, string>>;
  /** the move to evaluate, in percent of the mark, per symbol ("-8") */
  readonly moves: Readonly<Record<string, string>>;
  /** the symbol whose price is the chart's horizontal axis */
  readonly chartSymbol: string;
}

/** The symbols the margin core knows (brackets built in). */
export const SYMBOLS: readonly string[] = [...builtinInstruments().keys()];

/** Short name for labels: BTCUSDT → BTC. */
export const baseAsset = (symbol: string): string => symbol.replace(/USDT$/, '');

/** The distinct symbols of the positions, in order of first appearance. */
export function positionSymbols(account: DraftAccount): string[] {
  return [...new Set(account.positions.map((p) => p.symbol))];
}

let nextId = 1;
export function newPositionId(): number {
  return nextId++;
}

/** The chart's symbol: the chosen one while a position is in it, else the first position's. */
export function chartSymbolOf(account: DraftAccount): string {
  const symbols = positionSymbols(account);
  return symbols.includes(account.chartSymbol) ? account.chartSymbol : (symbols[0] ?? account.chartSymbol);
}
