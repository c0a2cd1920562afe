/**
 * Instrument (symbol) specifications: the exchangeInfo filters and the leverage brackets of a
 * USDⓈ-M perpetual. `loadInstrument` validates a raw record and fails with a message naming the field.
 */
import { buildBracketTable, type BracketInput, type BracketTable } from './brackets.js';
import { Decimal } from './decimal.js';
import { BUILTIN_INSTRUMENTS } from './builtin-instruments.js';

/** An instrument as written in JSON (numbers as strings where Binance sends strings). */
export interface InstrumentInput {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  marginAsset: string;
  pricePrecision: number;
  quantityPrecision: number;
  tickSize: string;
  minPrice: string;
  maxPrice: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  marketStepSize: string;
  marketMinQty: string;
  marketMaxQty: string;
  minNotional: string;
  multiplierUp: string;
  multiplierDown: string;
  multiplierDecimal: number;
  maxNumOrders: number;
  maxNumAlgoOrders: number;
  liquidationFee: string;
  marketTakeBound: string;
  triggerProtect: string;
  brackets: BracketInput[];
}

export interface Instrument {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset: string;
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  readonly tickSize: Decimal;
  readonly minPrice: Decimal;
  readonly maxPrice: Decimal;
  readonly stepSize: Decimal;
  readonly minQty: Decimal;
  readonly maxQty: Decimal;
  readonly marketStepSize: Decimal;
  readonly marketMinQty: Decimal;
  readonly marketMaxQty: Decimal;
  readonly minNotional: Decimal;
  readonly multiplierUp: Decimal;
  readonly multiplierDown: Decimal;
  readonly multiplierDecimal: number;
  readonly maxNumOrders: number;
  readonly maxNumAlgoOrders: number;
  readonly liquidationFee: Decimal;
  readonly marketTakeBound: Decimal;
  readonly triggerProtect: Decimal;
  readonly brackets: BracketTable;
}

export class InstrumentError extends Error {
  override name = 'InstrumentError';
}

const DECIMAL_FIELDS = [
  'tickSize',
  'minPrice',
  'maxPrice',
  'stepSize',
  'minQty',
  'maxQty',
  'marketStepSize',
  'marketMinQty',
  'marketMaxQty',
  'minNotional',
  'multiplierUp',
  'multiplierDown',
  'liquidationFee',
  'marketTakeBound',
  'triggerProtect',
] as const;

const POSITIVE_FIELDS = ['tickSize', 'stepSize', 'marketStepSize', 'maxPrice', 'maxQty', 'marketMaxQty'] as const;

export function loadInstrument(input: InstrumentInput): Instrument {
  const at = `instruments.${input.symbol}`;
  if (typeof input.symbol !== 'string' || !/^[A-Z0-9]{2,30}$/.test(input.symbol)) {
    throw new InstrumentError(`instrument.symbol: must be an upper-case symbol name, got ${JSON.stringify(input.symbol)}`);
  }
  const decimals = {} as Record<(typeof DECIMAL_FIELDS)[number], Decimal>;
  for (const field of DECIMAL_FIELDS) {
    const d = Decimal.tryParse(input[field]);
    if (d === undefined) throw new InstrumentError(`${at}.${field}: not a decimal number: ${JSON.stringify(input[field])}`);
    if (d.isNegative()) throw new InstrumentError(`${at}.${field}: must not be negative`);
    decimals[field] = d;
  }
  for (const field of POSITIVE_FIELDS) {
    if (!decimals[field].isPositive()) throw new InstrumentError(`${at}.${field}: must be positive`);
  }
  for (const field of ['pricePrecision', 'quantityPrecision', 'multiplierDecimal', 'maxNumOrders', 'maxNumAlgoOrders'] as const) {
    if (!Number.isInteger(input[field]) || input[field] < 0) throw new InstrumentError(`${at}.${field}: must be a non-negative integer`);
  }
  if (!decimals.minPrice.isMultipleOf(decimals.tickSize) && !decimals.minPrice.isZero()) {
    throw new InstrumentError(`${at}.minPrice: must be a multiple of tickSize`);
  }
  return {
    symbol: input.symbol,
    baseAsset: input.baseAsset,
    quoteAsset: input.quoteAsset,
    marginAsset: input.marginAsset,
    pricePrecision: input.pricePrecision,
    quantityPrecision: input.quantityPrecision,
    multiplierDecimal: input.multiplierDecimal,
    maxNumOrders: input.maxNumOrders,
    maxNumAlgoOrders: input.maxNumAlgoOrders,
    ...decimals,
    brackets: buildBracketTable(input.symbol, input.brackets),
  };
}

let builtin: ReadonlyMap<string, Instrument> | undefined;

/** The instruments perpsim ships (BTCUSDT, ETHUSDT, SOLUSDT, XRPUSDT), validated on first use. */
export function builtinInstruments(): ReadonlyMap<string, Instrument> {
  if (builtin === undefined) builtin = new Map(BUILTIN_INSTRUMENTS.map((i) => [i.symbol, loadInstrument(i)]));
  return builtin;
}
