/**
 * A position as the margin mathematics sees it: one leg (BOTH in one-way mode, LONG or SHORT in hedge
 * mode) of one symbol, with a signed size (positive long, negative short).
 */
import type { BracketTable } from './brackets.js';
import type { Decimal } from './decimal.js';

export type PositionSide = 'BOTH' | 'LONG' | 'SHORT';
export type MarginType = 'isolated' | 'cross';
export type PositionMode = 'one-way' | 'hedge';

export interface Position {
  readonly symbol: string;
  readonly positionSide: PositionSide;
  /** signed size in base units: > 0 long, < 0 short (a SHORT leg is always ≤ 0) */
  readonly positionAmt: Decimal;
  readonly entryPrice: Decimal;
  /** the symbol's leverage, an integer */
  readonly leverage: number;
  readonly marginType: MarginType;
  /** margin held by an isolated position (its wallet, without unrealized PnL); zero for cross */
  readonly isolatedWallet: Decimal;
}

/** What the margin of one symbol depends on besides the positions: its brackets and mark price. */
export interface SymbolRiskInput {
  readonly brackets: BracketTable;
  readonly markPrice: Decimal;
}
