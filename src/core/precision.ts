/**
 * Where perpsim rounds (see docs/decimal.md).
 *
 * Sums, differences and products are exact. Quotients (initial margin = notional / leverage, liquidation
 * and bankruptcy prices, ratios) are computed to CALC_SCALE places, rounded half away from zero, and
 * every number perpsim prints is rounded half away from zero to DISPLAY_SCALE places, as Binance's
 * positionRisk and account endpoints print 8 decimals.
 *
 * Money that moves (a fee, a realized profit, a funding fee, a clearance fee, margin moved into or out
 * of an isolated position) is booked at MONEY_SCALE places: USDT's 8 decimals, the precision of every
 * balance, commission, realized profit and income Binance reports. Wallets therefore always hold what
 * the API shows, and a wallet is exactly the sum of its income entries.
 */
import type { Decimal, RoundingMode } from './decimal.js';

export const CALC_SCALE = 18;
export const DISPLAY_SCALE = 8;
export const MONEY_SCALE = 8;

/** An amount as booked to a wallet: MONEY_SCALE places, half away from zero unless told otherwise. */
export function money(amount: Decimal, mode: RoundingMode = 'HALF_UP'): Decimal {
  return amount.round(MONEY_SCALE, mode);
}
