/** `perpsim calc` output: Binance positionRisk/account field names, every number a decimal string. */
import { DISPLAY_SCALE, type AccountRisk, type Decimal, type PositionRisk } from '../core/index.js';

/** Rounded half away from zero to 8 places, trailing zeros dropped (docs/decimal.md). */
export function show(d: Decimal): string {
  return d.round(DISPLAY_SCALE, 'HALF_UP').toString();
}

function showOptional(d: Decimal | undefined): string | null {
  return d === undefined ? null : show(d);
}

export function positionRiskJSON(r: PositionRisk): Record<string, unknown> {
  const p = r.position;
  return {
    symbol: p.symbol,
    positionSide: p.positionSide,
    positionAmt: show(p.positionAmt),
    entryPrice: show(p.entryPrice),
    markPrice: show(r.markPrice),
    notional: show(r.notional),
    unRealizedProfit: show(r.unRealizedProfit),
    leverage: String(p.leverage),
    marginType: p.marginType,
    isolatedWallet: show(p.isolatedWallet),
    isolatedMargin: show(r.isolatedMargin),
    initialMargin: show(r.initialMargin),
    maintMargin: show(r.maintMargin),
    maintMarginRatio: r.bracket.maintMarginRatio.toString(),
    bracket: r.bracket.bracket,
    marginRatio: showOptional(r.marginRatio),
    liquidationPrice: show(r.liquidationPrice),
    bankruptcyPrice: show(r.bankruptcyPrice),
    liquidatable: r.liquidatable,
  };
}

export function accountRiskJSON(a: AccountRisk): Record<string, unknown> {
  return {
    totalWalletBalance: show(a.totalWalletBalance),
    totalUnrealizedProfit: show(a.totalUnrealizedProfit),
    totalMarginBalance: show(a.totalMarginBalance),
    totalInitialMargin: show(a.totalInitialMargin),
    totalMaintMargin: show(a.totalMaintMargin),
    totalCrossWalletBalance: show(a.totalCrossWalletBalance),
    totalCrossUnPnl: show(a.totalCrossUnPnl),
    crossMaintMargin: show(a.crossMaintMargin),
    crossMarginBalance: show(a.crossMarginBalance),
    accountMarginRatio: showOptional(a.accountMarginRatio),
    availableBalance: show(a.availableBalance),
    maxWithdrawAmount: show(a.maxWithdrawAmount),
    liquidatable: a.crossLiquidatable,
  };
}
