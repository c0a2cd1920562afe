/** perpsim's margin core: pure, exact margin mathematics of Binance USDⓈ-M futures. */
export * from './decimal.js';
export * from './precision.js';
export * from './brackets.js';
export * from './instrument.js';
export * from './position.js';
export * from './pnl.js';
export * from './initial-margin.js';
export * from './open-order-cost.js';
export * from './maintenance-margin.js';
export * from './liquidation-price.js';
export * from './bankruptcy-price.js';
export * from './available-balance.js';
export * from './max-withdraw.js';
export * from './margin-ratio.js';
export * from './account-risk.js';
export * from './funding-rate.js';
export * from './mark-price.js';
