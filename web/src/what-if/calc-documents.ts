/**
 * The draft account as two `perpsim calc` documents (docs/calc.md), one per margin mode, each with the
 * marks of now and one scenario: the chosen price move. These documents are what the page evaluates (with
 * the calc's own code) and what it offers to copy, so `npx perpsim calc` on them prints the same figures.
 *
 * Cross: every position cross, the cross wallet = the wallet.
 * Isolated: every position isolated with its margin (by default its initial margin at entry), the cross
 * wallet = the wallet less those margins.
 */
import { Decimal } from '../../../src/core/index.js';
import { baseAsset, positionSymbols, SYMBOLS, type DraftAccount } from './draft-account.js';

export type MarginMode = 'isolated' | 'cross';

/** The input format of `perpsim calc` (every number a decimal string). */
export interface CalcDocument {
  positionMode: 'one-way';
  crossWalletBalance: string;
  markPrices: Record<string, string>;
  positions: {
    symbol: string;
    positionSide: 'BOTH';
    positionAmt: string;
    entryPrice: string;
    leverage: number;
    marginType: MarginMode;
    isolatedWallet?: string;
  }[];
  scenarios: { name: string; markPrices: Record<string, string> }[];
}

export interface CalcDocuments {
  readonly isolated: CalcDocument;
  readonly cross: CalcDocument;
  /** mark prices after the move, per symbol */
  readonly movedMarks: Readonly<Record<string, string>>;
  /** the margin each position holds in Isolated mode (same order as the positions) */
  readonly isolatedMargins: readonly Decimal[];
  readonly scenarioName: string;
}

/** A field of the editor that cannot be evaluated; `field` names it for the message. */
export class DraftError extends Error {
  override name = 'DraftError';
}

const HUNDRED = Decimal.of(100);
/** places kept for a moved price (a % with 4 decimals of a mark with 8 stays exact) */
const MOVED_PRICE_SCALE = 12;

function decimalField(text: string, what: string, rule: 'positive' | 'non-negative' | 'any' = 'any'): Decimal {
  const d = Decimal.tryParse(text.trim());
  if (d === undefined) throw new DraftError(`${what}: "${text}" is not a number`);
  if (rule === 'positive' && !d.isPositive()) throw new DraftError(`${what} must be greater than 0`);
  if (rule === 'non-negative' && d.isNegative()) throw new DraftError(`${what} must not be negative`);
  return d;
}

/** mark × (100 + move) / 100, exactly (12 places at most). */
export function movedPrice(mark: Decimal, movePercent: Decimal): Decimal {
  return mark.mul(HUNDRED.add(movePercent)).div(HUNDRED, MOVED_PRICE_SCALE, 'HALF_UP').normalize();
}

/** "BTC −8% / ETH +5%" */
export function scenarioName(moves: readonly { symbol: string; move: Decimal }[]): string {
  const moving = moves.filter((m) => !m.move.isZero());
  if (moving.length === 0) return 'no price move';
  return moving.map((m) => `${baseAsset(m.symbol)} ${m.move.isNegative() ? '−' : '+'}${m.move.abs().toString()}%`).join(' / ');
}

export function parseMove(text: string, symbol: string): Decimal {
  const move = decimalField(text === '' ? '0' : text, `${baseAsset(symbol)} move`);
  if (!move.gt(HUNDRED.neg())) throw new DraftError(`${baseAsset(symbol)} move must be above −100 %`);
  if (move.e > 4) throw new DraftError(`${baseAsset(symbol)} move: at most 4 decimals`);
  return move;
}

export function calcDocuments(account: DraftAccount): CalcDocuments {
  if (account.positions.length === 0) throw new DraftError('Add a position to compare the margin modes');
  const wallet = decimalField(account.walletBalance, 'Wallet balance', 'non-negative');
  const symbols = positionSymbols(account);
  const marks: Record<string, string> = {};
  const movedMarks: Record<string, string> = {};
  const moves: { symbol: string; move: Decimal }[] = [];
  for (const symbol of symbols) {
    const mark = decimalField(account.markPrices[symbol] ?? '', `${baseAsset(symbol)} mark price`, 'positive');
    const move = parseMove(account.moves[symbol] ?? '0', symbol);
    marks[symbol] = mark.toString();
    movedMarks[symbol] = movedPrice(mark, move).toString();
    moves.push({ symbol, move });
  }

  const isolatedMargins: Decimal[] = [];
  const base = account.positions.map((p, i) => {
    const at = `Position ${i + 1} (${baseAsset(p.symbol)})`;
    if (!SYMBOLS.includes(p.symbol)) throw new DraftError(`${at}: unknown symbol ${p.symbol}`);
    const qty = decimalField(p.qty, `${at} size`, 'positive');
    const entry = decimalField(p.entryPrice, `${at} entry price`, 'positive');
    const leverage = Number(p.leverage);
    if (!/^\d+$/.test(p.leverage.trim()) || leverage < 1 || leverage > 125)
      throw new DraftError(`${at} leverage: a whole number from 1 to 125`);
    const margin =
      p.isolatedMargin.trim() === ''
        ? qty.mul(entry).div(Decimal.of(leverage), 8, 'HALF_UP').normalize()
        : decimalField(p.isolatedMargin, `${at} isolated margin`, 'non-negative');
    isolatedMargins.push(margin);
    return {
      symbol: p.symbol,
      positionSide: 'BOTH' as const,
      positionAmt: (p.side === 'SHORT' ? qty.neg() : qty).toString(),
      entryPrice: entry.toString(),
      leverage,
    };
  });
  const seen = new Set<string>();
  for (const p of base) {
    if (seen.has(p.symbol)) throw new DraftError(`${baseAsset(p.symbol)} appears twice: one position per symbol (one-way mode)`);
    seen.add(p.symbol);
  }
  const held = Decimal.sum(isolatedMargins);
  if (held.gt(wallet)) {
    throw new DraftError(`The isolated margins (${held.toString()} USDT) exceed the wallet balance (${wallet.toString()} USDT)`);
  }

  const name = scenarioName(moves);
  const scenarios = [{ name, markPrices: { ...movedMarks } }];
  return {
    cross: {
      positionMode: 'one-way',
      crossWalletBalance: wallet.toString(),
      markPrices: { ...marks },
      positions: base.map((p) => ({ ...p, marginType: 'cross' })),
      scenarios,
    },
    isolated: {
      positionMode: 'one-way',
      crossWalletBalance: wallet.sub(held).toString(),
      markPrices: { ...marks },
      positions: base.map((p, i) => ({ ...p, marginType: 'isolated', isolatedWallet: (isolatedMargins[i] as Decimal).toString() })),
      scenarios: structuredClone(scenarios),
    },
    movedMarks,
    isolatedMargins,
    scenarioName: name,
  };
}
