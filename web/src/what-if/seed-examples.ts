/**
 * The seed article's example ("What are the margin modes of Binance Futures?"): a 1,000 USDT account long
 * BTC and ETH at 10x, BTC −8 % and ETH +5 %. The article sizes the two cases differently, so both are here:
 * Case A (Cross + Cross, examples/seed-case-a-cross.json): 5,000 USDT of each;
 * Case B (Isolated + Isolated, examples/seed-case-b-isolated.json): 1,000 USDT of each with 100 of margin.
 */
import { newPositionId, type DraftAccount } from './draft-account.js';

export interface SeedExample {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly account: DraftAccount;
}

function seedAccount(btcQty: string, ethQty: string): DraftAccount {
  return {
    walletBalance: '1000',
    positions: [
      { id: newPositionId(), symbol: 'BTCUSDT', side: 'LONG', qty: btcQty, entryPrice: '100000', leverage: '10', isolatedMargin: '' },
      { id: newPositionId(), symbol: 'ETHUSDT', side: 'LONG', qty: ethQty, entryPrice: '2500', leverage: '10', isolatedMargin: '' },
    ],
    markPrices: { BTCUSDT: '100000', ETHUSDT: '2500' },
    moves: { BTCUSDT: '-8', ETHUSDT: '5' },
    chartSymbol: 'BTCUSDT',
  };
}

export const SEED_EXAMPLES: readonly SeedExample[] = [
  {
    id: 'case-a',
    title: 'Article, Case A',
    summary: '1,000 USDT · BTC and ETH longs of 5,000 USDT each at 10x',
    account: seedAccount('0.05', '2'),
  },
  {
    id: 'case-b',
    title: 'Article, Case B',
    summary: '1,000 USDT · BTC and ETH longs of 1,000 USDT each at 10x, 100 USDT margin each',
    account: seedAccount('0.01', '0.4'),
  },
];
