/**
 * Leverage brackets (Binance "notional and leverage brackets", GET /fapi/v1/leverageBracket).
 *
 * A bracket covers notionals in (notionalFloor, notionalCap]: Binance's announcements state ranges as
 * "lower < Position ≤ upper" (spec margin.md §2.2). Maintenance margin is continuous across brackets
 * thanks to `cum`, so the choice at an exact boundary never changes MM; it only matters for the
 * leverage cap at exactly a boundary notional.
 */
import { Decimal } from './decimal.js';

export interface Bracket {
  readonly bracket: number;
  /** highest leverage allowed while the notional lies in this bracket */
  readonly initialLeverage: number;
  readonly notionalFloor: Decimal;
  readonly notionalCap: Decimal;
  readonly maintMarginRatio: Decimal;
  /** maintenance amount: MM = notional × MMR − cum */
  readonly cum: Decimal;
}

export type BracketTable = readonly Bracket[];

/** A bracket row as it appears in JSON (Binance's field names, numbers as strings or numbers). */
export interface BracketInput {
  bracket: number;
  initialLeverage: number;
  notionalFloor: string | number;
  notionalCap: string | number;
  maintMarginRatio: string | number;
  cum: string | number;
}

export class BracketTableError extends Error {
  override name = 'BracketTableError';
}

/** How far a stored `cum` may sit from the recurrence before the table is refused (one cent). */
export const CUM_TOLERANCE = Decimal.parse('0.01');

function toDecimal(value: string | number, where: string): Decimal {
  const text = typeof value === 'number' ? String(value) : value;
  const d = typeof text === 'string' ? Decimal.tryParse(text) : undefined;
  if (d === undefined) throw new BracketTableError(`${where}: not a decimal number: ${JSON.stringify(value)}`);
  return d;
}

/**
 * Builds and validates a bracket table: brackets numbered 1..n in order, the first floor 0, each floor
 * equal to the previous cap (contiguous), caps increasing, 0 < MMR < 1 and non-decreasing, leverage a
 * positive integer and non-increasing, and `cum` consistent with
 * `cum_1 = 0, cum_k = floor_k × (MMR_k − MMR_{k−1}) + cum_{k−1}` within one cent.
 * Throws BracketTableError naming the symbol, the row and the field.
 */
export function buildBracketTable(symbol: string, rows: readonly BracketInput[]): BracketTable {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new BracketTableError(`brackets.${symbol}: the table must have at least one bracket`);
  }
  const out: Bracket[] = [];
  rows.forEach((row, i) => {
    const at = `brackets.${symbol}[${i}]`;
    if (row === null || typeof row !== 'object') throw new BracketTableError(`${at}: must be an object`);
    if (row.bracket !== i + 1) {
      throw new BracketTableError(
        `${at}.bracket: expected ${i + 1} (brackets must be numbered 1..n in order), got ${JSON.stringify(row.bracket)}`,
      );
    }
    if (!Number.isInteger(row.initialLeverage) || row.initialLeverage < 1 || row.initialLeverage > 125) {
      throw new BracketTableError(`${at}.initialLeverage: must be an integer from 1 to 125, got ${JSON.stringify(row.initialLeverage)}`);
    }
    const b: Bracket = {
      bracket: row.bracket,
      initialLeverage: row.initialLeverage,
      notionalFloor: toDecimal(row.notionalFloor, `${at}.notionalFloor`),
      notionalCap: toDecimal(row.notionalCap, `${at}.notionalCap`),
      maintMarginRatio: toDecimal(row.maintMarginRatio, `${at}.maintMarginRatio`),
      cum: toDecimal(row.cum, `${at}.cum`),
    };
    if (!b.notionalCap.gt(b.notionalFloor)) {
      throw new BracketTableError(`${at}.notionalCap: must be greater than notionalFloor (${b.notionalFloor})`);
    }
    if (!b.maintMarginRatio.isPositive() || !b.maintMarginRatio.lt(Decimal.ONE)) {
      throw new BracketTableError(`${at}.maintMarginRatio: must be between 0 and 1, got ${b.maintMarginRatio}`);
    }
    const prev = out[i - 1];
    if (prev === undefined) {
      if (!b.notionalFloor.isZero()) throw new BracketTableError(`${at}.notionalFloor: the first bracket must start at 0`);
      if (!b.cum.isZero()) throw new BracketTableError(`${at}.cum: the first bracket's cum must be 0`);
    } else {
      if (!b.notionalFloor.eq(prev.notionalCap)) {
        throw new BracketTableError(
          `${at}.notionalFloor: must equal the previous bracket's notionalCap (${prev.notionalCap}), got ${b.notionalFloor}`,
        );
      }
      if (b.maintMarginRatio.lt(prev.maintMarginRatio)) {
        throw new BracketTableError(`${at}.maintMarginRatio: must not be lower than the previous bracket's (${prev.maintMarginRatio})`);
      }
      if (b.initialLeverage > prev.initialLeverage) {
        throw new BracketTableError(`${at}.initialLeverage: must not be higher than the previous bracket's (${prev.initialLeverage})`);
      }
      const expected = b.notionalFloor.mul(b.maintMarginRatio.sub(prev.maintMarginRatio)).add(prev.cum);
      if (b.cum.sub(expected).abs().gt(CUM_TOLERANCE)) {
        throw new BracketTableError(`${at}.cum: inconsistent with the bracket recurrence: expected ${expected}, got ${b.cum}`);
      }
    }
    out.push(b);
  });
  return out;
}

/**
 * The bracket whose range (floor, cap] contains |notional|; notional 0 is in bracket 1.
 * Above the last cap the last bracket applies (its rate keeps growing MM linearly).
 */
export function bracketForNotional(table: BracketTable, notional: Decimal): Bracket {
  return table[bracketIndexForNotional(table, notional)] as Bracket;
}

// Bracket caps as bigint mantissas at a given scale, cached per table, so that finding a bracket is a
// few bigint comparisons with no allocation (this is on the liquidation-price hot path).
const capsCache = new WeakMap<BracketTable, Map<number, bigint[]>>();

function capsAtScale(table: BracketTable, scale: number): bigint[] {
  let byScale = capsCache.get(table);
  if (byScale === undefined) {
    byScale = new Map();
    capsCache.set(table, byScale);
  }
  let caps = byScale.get(scale);
  if (caps === undefined) {
    caps = table.map((b) => b.notionalCap.m * 10n ** BigInt(scale - b.notionalCap.e));
    byScale.set(scale, caps);
  }
  return caps;
}

const maxCapScale = new WeakMap<BracketTable, number>();

/** Index into `table` of `bracketForNotional`. */
export function bracketIndexForNotional(table: BracketTable, notional: Decimal): number {
  let capScale = maxCapScale.get(table);
  if (capScale === undefined) {
    capScale = Math.max(...table.map((b) => b.notionalCap.e));
    maxCapScale.set(table, capScale);
  }
  let m = notional.m < 0n ? -notional.m : notional.m;
  let scale = notional.e;
  if (capScale > scale) {
    m *= 10n ** BigInt(capScale - scale);
    scale = capScale;
  }
  const caps = capsAtScale(table, scale);
  const last = caps.length - 1;
  for (let i = 0; i < last; i++) {
    if (m <= (caps[i] as bigint)) return i;
  }
  return last;
}

/** Highest leverage the symbol allows at all (bracket 1's initialLeverage). */
export function maxLeverage(table: BracketTable): number {
  return (table[0] as Bracket).initialLeverage;
}

/**
 * Largest total notional (position plus open orders) allowed at leverage L: the cap of the highest
 * bracket whose initialLeverage ≥ L (what POST /fapi/v1/leverage returns as maxNotionalValue).
 * Returns undefined when L exceeds every bracket's leverage.
 */
export function maxNotionalForLeverage(table: BracketTable, leverage: number): Decimal | undefined {
  let cap: Decimal | undefined;
  for (const b of table) {
    if (b.initialLeverage >= leverage) cap = b.notionalCap;
  }
  return cap;
}

/** Bracket table back in Binance's JSON shape (numbers as strings). */
export function bracketTableToJSON(table: BracketTable): BracketInput[] {
  return table.map((b) => ({
    bracket: b.bracket,
    initialLeverage: b.initialLeverage,
    notionalFloor: b.notionalFloor.toString(),
    notionalCap: b.notionalCap.toString(),
    maintMarginRatio: b.maintMarginRatio.toString(),
    cum: b.cum.toString(),
  }));
}
