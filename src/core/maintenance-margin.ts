/**
 * Maintenance margin (spec margin.md §2.4): MM = |notional| × MMR − cum, with MMR and cum from the
 * bracket that contains |notional| (the "tax bracket" method: independent of leverage).
 */
import { bracketForNotional, type Bracket, type BracketTable } from './brackets.js';
import type { Decimal } from './decimal.js';

export interface MaintenanceMargin {
  readonly amount: Decimal;
  readonly bracket: Bracket;
}

export function maintenanceMargin(table: BracketTable, notional: Decimal): MaintenanceMargin {
  const bracket = bracketForNotional(table, notional);
  return { amount: maintenanceMarginIn(bracket, notional), bracket };
}

/** MM of `notional` evaluated with a given bracket's rate and amount. */
export function maintenanceMarginIn(bracket: Bracket, notional: Decimal): Decimal {
  return notional.abs().mul(bracket.maintMarginRatio).sub(bracket.cum);
}
