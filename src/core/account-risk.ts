/**
 * Account risk: every margin figure of an account snapshot, as Binance's positionRisk and account
 * endpoints report them (spec margin.md §2–§4, §3.7 field identities).
 *
 * Input: the cross wallet, the positions (isolated ones with their wallet), and per symbol its brackets
 * and mark price. Output: per position the positionRisk fields plus the liquidation and bankruptcy
 * prices; for the account the totals, available balance, max withdrawable and cross margin ratio; and
 * whether each isolated position and the cross account would be liquidated at these marks.
 */
import { availableBalance, type CrossMarginTotals } from './available-balance.js';
import { bankruptcyPrice } from './bankruptcy-price.js';
import type { Bracket } from './brackets.js';
import { Decimal } from './decimal.js';
import { initialMargin } from './initial-margin.js';
import { liquidationPrice, type LiquidationLeg } from './liquidation-price.js';
import { maintenanceMargin } from './maintenance-margin.js';
import { isLiquidatable, marginRatio } from './margin-ratio.js';
import { maxWithdrawAmount } from './max-withdraw.js';
import { notional as notionalOf, unrealizedPnl } from './pnl.js';
import type { Position, PositionMode, SymbolRiskInput } from './position.js';

export interface AccountSnapshot {
  readonly positionMode: PositionMode;
  readonly crossWalletBalance: Decimal;
  readonly positions: readonly Position[];
  /** brackets and mark price of every symbol a position is in */
  readonly symbols: ReadonlyMap<string, SymbolRiskInput>;
  /** Σ initial margin of open orders on cross symbols (0 when there are none) */
  readonly crossOpenOrderMargin?: Decimal;
  /** Σ initial margin of open orders on isolated symbols */
  readonly isolatedOpenOrderMargin?: Decimal;
}

export interface PositionRisk {
  readonly position: Position;
  readonly markPrice: Decimal;
  readonly notional: Decimal;
  readonly unRealizedProfit: Decimal;
  /** isolatedWallet + uPnL for isolated positions, 0 for cross */
  readonly isolatedMargin: Decimal;
  readonly initialMargin: Decimal;
  readonly maintMargin: Decimal;
  readonly bracket: Bracket;
  readonly liquidationPrice: Decimal;
  readonly bankruptcyPrice: Decimal;
  /** isolated: MM / isolated margin balance; cross: the account's cross margin ratio */
  readonly marginRatio: Decimal | undefined;
  /** isolated: this position's trigger; cross: the cross account's trigger */
  readonly liquidatable: boolean;
}

export interface AccountRisk {
  readonly positions: readonly PositionRisk[];
  readonly totalWalletBalance: Decimal;
  readonly totalUnrealizedProfit: Decimal;
  readonly totalMarginBalance: Decimal;
  readonly totalInitialMargin: Decimal;
  readonly totalMaintMargin: Decimal;
  readonly totalCrossWalletBalance: Decimal;
  readonly totalCrossUnPnl: Decimal;
  readonly crossMaintMargin: Decimal;
  readonly crossMarginBalance: Decimal;
  readonly accountMarginRatio: Decimal | undefined;
  readonly availableBalance: Decimal;
  readonly maxWithdrawAmount: Decimal;
  readonly crossLiquidatable: boolean;
}

export class AccountError extends Error {
  override name = 'AccountError';
}

interface Valued {
  readonly position: Position;
  readonly input: SymbolRiskInput;
  readonly notional: Decimal;
  readonly upnl: Decimal;
  readonly im: Decimal;
  readonly mm: Decimal;
  readonly bracket: Bracket;
}

/** Checks the structural rules Binance enforces on positions (sides per mode, one margin type per symbol). */
export function validateSnapshot(s: AccountSnapshot): void {
  const seen = new Map<string, Position>();
  s.positions.forEach((p, i) => {
    const at = `positions[${i}]`;
    if (s.positionMode === 'one-way' && p.positionSide !== 'BOTH') {
      throw new AccountError(`${at}.positionSide: must be BOTH in one-way mode, got ${p.positionSide}`);
    }
    if (s.positionMode === 'hedge' && p.positionSide === 'BOTH') {
      throw new AccountError(`${at}.positionSide: must be LONG or SHORT in hedge mode`);
    }
    if (p.positionSide === 'LONG' && p.positionAmt.isNegative()) {
      throw new AccountError(`${at}.positionAmt: a LONG position cannot be negative`);
    }
    if (p.positionSide === 'SHORT' && p.positionAmt.isPositive()) {
      throw new AccountError(`${at}.positionAmt: a SHORT position is held as a negative amount`);
    }
    const key = `${p.symbol}/${p.positionSide}`;
    if (seen.has(key)) throw new AccountError(`${at}: duplicate position ${p.symbol} ${p.positionSide}`);
    for (const other of seen.values()) {
      if (other.symbol !== p.symbol) continue;
      if (other.marginType !== p.marginType) {
        throw new AccountError(
          `${at}.marginType: ${p.symbol} has one margin type for both sides, got ${other.marginType} and ${p.marginType}`,
        );
      }
      if (other.leverage !== p.leverage) {
        throw new AccountError(`${at}.leverage: ${p.symbol} has one leverage for both sides, got ${other.leverage} and ${p.leverage}`);
      }
    }
    seen.set(key, p);
    if (!s.symbols.has(p.symbol)) throw new AccountError(`${at}.symbol: no brackets or mark price for ${p.symbol}`);
    if (!Number.isInteger(p.leverage) || p.leverage < 1) throw new AccountError(`${at}.leverage: must be a positive integer`);
    if (p.marginType === 'isolated' && p.isolatedWallet.isNegative()) {
      throw new AccountError(`${at}.isolatedWallet: must not be negative`);
    }
    if (!p.entryPrice.isPositive() && !p.positionAmt.isZero()) {
      throw new AccountError(`${at}.entryPrice: must be positive for an open position`);
    }
  });
}

export function evaluateAccount(s: AccountSnapshot): AccountRisk {
  validateSnapshot(s);
  const valued: Valued[] = s.positions.map((position) => {
    const input = s.symbols.get(position.symbol) as SymbolRiskInput;
    const n = notionalOf(position.positionAmt, input.markPrice);
    const mm = maintenanceMargin(input.brackets, n);
    return {
      position,
      input,
      notional: n,
      upnl: unrealizedPnl(position.positionAmt, position.entryPrice, input.markPrice),
      im: initialMargin(n, position.leverage),
      mm: position.positionAmt.isZero() ? Decimal.ZERO : mm.amount,
      bracket: mm.bracket,
    };
  });

  let crossUpnl = Decimal.ZERO;
  let crossMM = Decimal.ZERO;
  let crossIM = Decimal.ZERO;
  let totalUpnl = Decimal.ZERO;
  let totalMM = Decimal.ZERO;
  let isolatedWallets = Decimal.ZERO;
  const crossBySymbol = new Map<string, { upnl: Decimal; mm: Decimal; legs: Valued[] }>();
  for (const v of valued) {
    totalUpnl = totalUpnl.add(v.upnl);
    totalMM = totalMM.add(v.mm);
    if (v.position.marginType === 'cross') {
      crossUpnl = crossUpnl.add(v.upnl);
      crossMM = crossMM.add(v.mm);
      crossIM = crossIM.add(v.im);
      const g = crossBySymbol.get(v.position.symbol) ?? { upnl: Decimal.ZERO, mm: Decimal.ZERO, legs: [] };
      g.upnl = g.upnl.add(v.upnl);
      g.mm = g.mm.add(v.mm);
      g.legs.push(v);
      crossBySymbol.set(v.position.symbol, g);
    } else {
      isolatedWallets = isolatedWallets.add(v.position.isolatedWallet);
    }
  }

  const crossOrders = s.crossOpenOrderMargin ?? Decimal.ZERO;
  const isoOrders = s.isolatedOpenOrderMargin ?? Decimal.ZERO;
  const totals: CrossMarginTotals = {
    crossWalletBalance: s.crossWalletBalance,
    crossUnrealizedPnl: crossUpnl,
    crossInitialMargin: crossIM.add(crossOrders),
    crossMaintMargin: crossMM,
    isolatedOpenOrderMargin: isoOrders,
  };
  const crossMB = s.crossWalletBalance.add(crossUpnl);
  const crossRatio = marginRatio(crossMM, crossMB);
  const crossLiq = isLiquidatable(crossMM, crossMB);

  // Cross liquidation/bankruptcy prices: one per symbol, shared by its LONG and SHORT legs.
  const crossPrices = new Map<string, { lp: Decimal; bp: Decimal }>();
  for (const [symbol, g] of crossBySymbol) {
    const legs: LiquidationLeg[] = g.legs.map((v) => ({
      positionAmt: v.position.positionAmt,
      entryPrice: v.position.entryPrice,
      brackets: v.input.brackets,
    }));
    const otherUpnl = crossUpnl.sub(g.upnl);
    const walletTerm = s.crossWalletBalance.sub(crossMM.sub(g.mm)).add(otherUpnl);
    const mark = (g.legs[0] as Valued).input.markPrice;
    crossPrices.set(symbol, {
      lp: liquidationPrice(legs, walletTerm, mark),
      bp: bankruptcyPrice(legs, s.crossWalletBalance.add(otherUpnl)),
    });
  }

  const positions: PositionRisk[] = valued.map((v) => {
    const p = v.position;
    const open = !p.positionAmt.isZero();
    if (p.marginType === 'cross') {
      const prices = crossPrices.get(p.symbol) as { lp: Decimal; bp: Decimal };
      return {
        position: p,
        markPrice: v.input.markPrice,
        notional: v.notional,
        unRealizedProfit: v.upnl,
        isolatedMargin: Decimal.ZERO,
        initialMargin: v.im,
        maintMargin: v.mm,
        bracket: v.bracket,
        liquidationPrice: open ? prices.lp : Decimal.ZERO,
        bankruptcyPrice: open ? prices.bp : Decimal.ZERO,
        marginRatio: crossRatio,
        liquidatable: crossLiq,
      };
    }
    const leg: LiquidationLeg = { positionAmt: p.positionAmt, entryPrice: p.entryPrice, brackets: v.input.brackets };
    const isoMargin = p.isolatedWallet.add(v.upnl);
    return {
      position: p,
      markPrice: v.input.markPrice,
      notional: v.notional,
      unRealizedProfit: v.upnl,
      isolatedMargin: isoMargin,
      initialMargin: v.im,
      maintMargin: v.mm,
      bracket: v.bracket,
      liquidationPrice: liquidationPrice([leg], p.isolatedWallet, v.input.markPrice),
      bankruptcyPrice: open ? bankruptcyPrice([leg], p.isolatedWallet) : Decimal.ZERO,
      marginRatio: marginRatio(v.mm, isoMargin),
      liquidatable: open && isLiquidatable(v.mm, isoMargin),
    };
  });

  const totalWallet = s.crossWalletBalance.add(isolatedWallets);
  return {
    positions,
    totalWalletBalance: totalWallet,
    totalUnrealizedProfit: totalUpnl,
    totalMarginBalance: totalWallet.add(totalUpnl),
    // Binance: "total initial margin required with current mark price (useless with isolated
    // positions)": cross positions plus all open orders (spec margin.md §3.7).
    totalInitialMargin: crossIM.add(crossOrders).add(isoOrders),
    totalMaintMargin: totalMM,
    totalCrossWalletBalance: s.crossWalletBalance,
    totalCrossUnPnl: crossUpnl,
    crossMaintMargin: crossMM,
    crossMarginBalance: crossMB,
    accountMarginRatio: crossRatio,
    availableBalance: availableBalance(totals),
    maxWithdrawAmount: maxWithdrawAmount(totals),
    crossLiquidatable: crossLiq,
  };
}
