/**
 * Where perpsim rounds (see docs/decimal.md).
 *
 * Sums, differences and products are exact. Quotients (initial margin = notional / leverage, liquidation
 * and bankruptcy prices, ratios) are computed to CALC_SCALE places, rounded half away from zero, and
 * every number perpsim prints is rounded half away from zero to DISPLAY_SCALE places, as Binance's
 * positionRisk and account endpoints print 8 decimals.
 */
export const CALC_SCALE = 18;
export const DISPLAY_SCALE = 8;
