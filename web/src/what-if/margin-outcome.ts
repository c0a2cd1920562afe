/**
 * What a margin mode does to the account at the chosen move, from the figures of `perpsim calc`'s own
 * evaluation (src/cli/calc-evaluate.ts → src/core evaluateAccount), all in exact decimals.
 *
 * The one step the calc does not take is the liquidation itself. Here a liquidated position (an isolated
 * one at its own trigger, every cross position when the cross account triggers) counts as closed with its
 * margin lost: Binance closes it between the liquidation and the bankruptcy price and keeps what is left
 * as the clearance fee (1.25 % of the notional for BTC, more than the maintenance margin that is left,
 * so in practice all of it). Equity = what the account still holds after that.
 */
import { Decimal, type AccountRisk, type PositionRisk } from '../../../src/core/index.js';
import { evaluateCalc, type CalcEvaluation } from '../../../src/cli/calc-evaluate.js';
import type { CalcDocument, MarginMode } from './calc-documents.js';

export interface PositionOutcome {
  readonly risk: PositionRisk;
  /** liquidated at these marks */
  readonly liquidated: boolean;
  /** what the position still contributes to the account: its margin balance, 0 once liquidated */
  readonly value: Decimal;
}

export interface AccountOutcome {
  readonly risk: AccountRisk;
  readonly positions: readonly PositionOutcome[];
  /** what the account holds after liquidations: cross margin balance (0 if it triggered) + surviving isolated margins */
  readonly equity: Decimal;
  /** equity − wallet: the gain (positive) or loss (negative) of the move */
  readonly change: Decimal;
  /** the margin that liquidations took: a liquidated isolated position's wallet, the whole cross wallet */
  readonly liquidatedMargin: Decimal;
}

export interface ModeOutcome {
  readonly mode: MarginMode;
  readonly document: CalcDocument;
  readonly evaluation: CalcEvaluation;
  /** at the marks of now */
  readonly now: AccountOutcome;
  /** after the move (the document's scenario) */
  readonly moved: AccountOutcome;
}

/** Equity and losses of an evaluated account once liquidated positions are closed. */
export function accountOutcome(risk: AccountRisk): AccountOutcome {
  let equity = risk.crossLiquidatable ? Decimal.ZERO : risk.crossMarginBalance;
  let liquidatedMargin = risk.crossLiquidatable ? risk.totalCrossWalletBalance : Decimal.ZERO;
  const positions = risk.positions.map((r): PositionOutcome => {
    const cross = r.position.marginType === 'cross';
    const liquidated = !r.position.positionAmt.isZero() && (cross ? risk.crossLiquidatable : r.liquidatable);
    if (cross) return { risk: r, liquidated, value: liquidated ? Decimal.ZERO : r.unRealizedProfit };
    if (liquidated) liquidatedMargin = liquidatedMargin.add(r.position.isolatedWallet);
    else equity = equity.add(r.isolatedMargin);
    return { risk: r, liquidated, value: liquidated ? Decimal.ZERO : r.isolatedMargin };
  });
  return { risk, positions, equity, change: equity.sub(risk.totalWalletBalance), liquidatedMargin };
}

export function modeOutcome(mode: MarginMode, document: CalcDocument): ModeOutcome {
  const evaluation = evaluateCalc(document);
  const scenario = evaluation.scenarios[0];
  if (scenario === undefined) throw new Error('a what-if document has one scenario');
  return { mode, document, evaluation, now: accountOutcome(evaluation.base), moved: accountOutcome(scenario.risk) };
}
