/**
 * `perpsim calc` input: one JSON account snapshot, validated field by field so a bad input gets one
 * line naming the field (docs/calc.md describes the format).
 */
import { z } from 'zod';
import {
  builtinInstruments,
  buildBracketTable,
  BracketTableError,
  Decimal,
  type AccountSnapshot,
  type BracketTable,
  type Position,
  type SymbolRiskInput,
} from '../core/index.js';

export class CalcInputError extends Error {
  override name = 'CalcInputError';
}

const decimalString = z
  .string({ invalid_type_error: 'expected a decimal string such as "123.45"', required_error: 'required' })
  .refine((s) => Decimal.tryParse(s) !== undefined, {
    message: 'not a decimal number (digits, optional sign and point, at most 18 decimals)',
  });

const positiveDecimal = decimalString.refine((s) => Decimal.tryParse(s)?.isPositive() !== false, { message: 'must be greater than 0' });
const nonNegativeDecimal = decimalString.refine((s) => Decimal.tryParse(s)?.isNegative() !== true, { message: 'must not be negative' });

const leverage = z
  .union([z.number(), z.string()], { errorMap: () => ({ message: 'expected an integer leverage from 1 to 125' }) })
  .transform((v, ctx) => {
    const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 125) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an integer leverage from 1 to 125' });
      return z.NEVER;
    }
    return n;
  });

const bracketRow = z
  .object({
    bracket: z.number().int(),
    initialLeverage: z.number().int(),
    notionalFloor: decimalString,
    notionalCap: decimalString,
    maintMarginRatio: decimalString,
    cum: decimalString,
  })
  .passthrough();

const marksSchema = z.record(z.string(), positiveDecimal);

const positionSchema = z
  .object({
    symbol: z.string({ required_error: 'required' }).min(1),
    positionSide: z.enum(['BOTH', 'LONG', 'SHORT'], { errorMap: () => ({ message: 'expected BOTH, LONG or SHORT' }) }).default('BOTH'),
    positionAmt: decimalString,
    entryPrice: nonNegativeDecimal,
    leverage,
    marginType: z.enum(['isolated', 'cross'], { errorMap: () => ({ message: 'expected "isolated" or "cross"' }) }),
    isolatedWallet: nonNegativeDecimal.optional(),
  })
  .strict();

export const calcInputSchema = z
  .object({
    positionMode: z.enum(['one-way', 'hedge'], { errorMap: () => ({ message: 'expected "one-way" or "hedge"' }) }).default('one-way'),
    crossWalletBalance: decimalString,
    brackets: z.record(z.string(), z.array(bracketRow)).optional(),
    markPrices: marksSchema,
    positions: z.array(positionSchema),
    scenarios: z.array(z.object({ name: z.string(), markPrices: marksSchema }).strict()).optional(),
  })
  .strict();

export type CalcInput = z.infer<typeof calcInputSchema>;

export interface ParsedCalc {
  readonly input: CalcInput;
  readonly base: AccountSnapshot;
  readonly scenarios: readonly { name: string; markPrices: Record<string, string>; snapshot: AccountSnapshot }[];
}

function pathText(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(input)' : out;
}

function zodMessage(err: z.ZodError): string {
  const issue = err.issues[0] as z.ZodIssue;
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    return `${pathText([...issue.path, issue.keys[0] as string])}: unknown field`;
  }
  if (issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined') return `${pathText(issue.path)}: required`;
  return `${pathText(issue.path)}: ${issue.message}`;
}

export function parseCalcInput(raw: unknown): ParsedCalc {
  const result = calcInputSchema.safeParse(raw);
  if (!result.success) throw new CalcInputError(zodMessage(result.error));
  const input = result.data;

  const tables = new Map<string, BracketTable>();
  for (const [symbol, rows] of Object.entries(input.brackets ?? {})) {
    try {
      tables.set(symbol, buildBracketTable(symbol, rows));
    } catch (e) {
      if (e instanceof BracketTableError) throw new CalcInputError(e.message);
      throw e;
    }
  }
  const builtin = builtinInstruments();
  const tableFor = (symbol: string, at: string): BracketTable => {
    const t = tables.get(symbol) ?? builtin.get(symbol)?.brackets;
    if (t === undefined) {
      throw new CalcInputError(
        `${at}: unknown symbol ${JSON.stringify(symbol)} (built in: ${[...builtin.keys()].join(', ')}; give its table under brackets.${symbol})`,
      );
    }
    return t;
  };

  const positions: Position[] = input.positions.map((p, i) => {
    const at = `positions[${i}]`;
    let amt = Decimal.parse(p.positionAmt);
    if (input.positionMode === 'hedge' && p.positionSide !== 'BOTH') {
      if (amt.isNegative())
        throw new CalcInputError(`${at}.positionAmt: must not be negative with ${p.positionSide} (sizes are positive in hedge mode)`);
      if (p.positionSide === 'SHORT') amt = amt.neg();
    }
    if (p.marginType === 'isolated' && p.isolatedWallet === undefined) {
      throw new CalcInputError(`${at}.isolatedWallet: required for an isolated position`);
    }
    if (p.marginType === 'cross' && p.isolatedWallet !== undefined && !Decimal.parse(p.isolatedWallet).isZero()) {
      throw new CalcInputError(`${at}.isolatedWallet: only isolated positions hold an isolated wallet`);
    }
    if (!amt.isZero() && !Decimal.parse(p.entryPrice).isPositive())
      throw new CalcInputError(`${at}.entryPrice: must be greater than 0 for an open position`);
    tableFor(p.symbol, `${at}.symbol`);
    return {
      symbol: p.symbol,
      positionSide: p.positionSide,
      positionAmt: amt,
      entryPrice: Decimal.parse(p.entryPrice),
      leverage: p.leverage,
      marginType: p.marginType,
      isolatedWallet: p.marginType === 'isolated' ? Decimal.parse(p.isolatedWallet as string) : Decimal.ZERO,
    };
  });

  const snapshotAt = (marks: Record<string, string>, where: string): AccountSnapshot => {
    const symbols = new Map<string, SymbolRiskInput>();
    for (const p of positions) {
      if (symbols.has(p.symbol)) continue;
      const mark = marks[p.symbol];
      if (mark === undefined) throw new CalcInputError(`${where}.${p.symbol}: missing mark price for a symbol with a position`);
      symbols.set(p.symbol, { brackets: tableFor(p.symbol, `${where}.${p.symbol}`), markPrice: Decimal.parse(mark) });
    }
    return {
      positionMode: input.positionMode,
      crossWalletBalance: Decimal.parse(input.crossWalletBalance),
      positions,
      symbols,
    };
  };

  const base = snapshotAt(input.markPrices, 'markPrices');
  const scenarios = (input.scenarios ?? []).map((sc, i) => {
    const markPrices = { ...input.markPrices, ...sc.markPrices };
    return { name: sc.name, markPrices, snapshot: snapshotAt(markPrices, `scenarios[${i}].markPrices`) };
  });
  return { input, base, scenarios };
}
