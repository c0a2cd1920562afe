/** perpsim's exchange engine: a deterministic state machine over the margin core. */
export * from './commands.js';
export * from './events.js';
export { orderFieldsObject } from './order-update-fields.js';
export * from './errors.js';
export * from './state.js';
export * from './order-book.js';
export * from './position-update.js';
export * from './account-margin.js';
export * from './exchange.js';
export * from './snapshot.js';
export * from './amend-tracker.js';
export * from './margin-sweep.js';
