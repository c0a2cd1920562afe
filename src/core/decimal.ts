/**
 * Exact decimal numbers for prices, quantities and money.
 *
 * A value is `m × 10^-e` with an integer mantissa `m` and a small non-negative integer scale `e`. The
 * mantissa is held as a double while it is a safe integer and as a bigint beyond (exact either way).
 * Addition, subtraction and multiplication are exact (no rounding ever happens in them);
 * rounding happens only where it is asked for: in `div`, `round`, `roundToStep` and `toFixed`.
 * See docs/decimal.md for why this representation was chosen (measured against fixed-scale bigint
 * and decimal.js) and for the rounding rules perpsim applies.
 */

export type RoundingMode =
  /** toward zero (truncate) */
  | 'DOWN'
  /** away from zero */
  | 'UP'
  /** toward −∞ */
  | 'FLOOR'
  /** toward +∞ */
  | 'CEIL'
  /** to nearest, ties away from zero */
  | 'HALF_UP'
  /** to nearest, ties to even */
  | 'HALF_EVEN';

export class DecimalError extends Error {
  override name = 'DecimalError';
}

const POW10: bigint[] = [];
for (let i = 0; i <= 64; i++) POW10.push(10n ** BigInt(i));

function pow10(n: number): bigint {
  return n <= 64 ? (POW10[n] as bigint) : 10n ** BigInt(n);
}

/** Exact powers of ten as doubles (10^22 is the largest a double holds exactly). */
const POW10_DOUBLE = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Largest scale accepted from text input. */
export const MAX_INPUT_SCALE = 18;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Whether a quotient truncated toward zero, with a non-zero remainder, moves one unit away from zero
 * under `mode`: `negative` is the exact quotient's sign, `half` how twice the remainder compares with the
 * divisor (−1 below, 0 equal, 1 above; read by the HALF modes only), `odd` whether the truncated
 * quotient is odd (HALF_EVEN's tie).
 */
function stepsAway(mode: RoundingMode, negative: boolean, half: number, odd: boolean): boolean {
  switch (mode) {
    case 'DOWN':
      return false;
    case 'UP':
      return true;
    case 'FLOOR':
      return negative;
    case 'CEIL':
      return !negative;
    case 'HALF_UP':
    case 'HALF_EVEN':
      return half > 0 || (half === 0 && (mode === 'HALF_UP' || odd));
  }
}

function isHalfMode(mode: RoundingMode): boolean {
  return mode === 'HALF_UP' || mode === 'HALF_EVEN';
}

/** Integer division of a by b (b ≠ 0) rounded with `mode`. */
function divRound(a: bigint, b: bigint, mode: RoundingMode): bigint {
  const q = a / b; // truncates toward zero
  const r = a - q * b;
  if (r === 0n) return q;
  const negative = a < 0n !== b < 0n;
  let half = 0;
  if (isHalfMode(mode)) {
    const r2 = (r < 0n ? -r : r) * 2n;
    const babs = b < 0n ? -b : b;
    half = r2 > babs ? 1 : r2 < babs ? -1 : 0;
  }
  if (!stepsAway(mode, negative, half, (q & 1n) !== 0n)) return q;
  return negative ? q - 1n : q + 1n;
}

/** The largest mantissa kept as a double: every integer up to it (2^53 − 1) is exact in one. */
const SAFE = Number.MAX_SAFE_INTEGER;
const BIG_SAFE = BigInt(SAFE);
/** Scale differences up to this align a double mantissa by one exact multiplication (10^15 < 2^53). */
const SAFE_SHIFT = 15;

function safe(n: number): boolean {
  return n <= SAFE && n >= -SAFE;
}

/**
 * Integer division of a by b (both safe integers, b ≠ 0) rounded with `mode`, in doubles: `a % b` is
 * exact for any two doubles and `a − r` is a multiple of b no larger than a, so the quotient is exact.
 */
function divRoundSmall(a: number, b: number, mode: RoundingMode): number {
  const r = a % b;
  const q = (a - r) / b + 0;
  if (r === 0) return q;
  const negative = a < 0 !== b < 0;
  let half = 0;
  if (isHalfMode(mode)) {
    // doubling is exact in binary, and |r| < |b| ≤ 2^53
    const r2 = Math.abs(r) * 2;
    const babs = Math.abs(b);
    half = r2 > babs ? 1 : r2 < babs ? -1 : 0;
  }
  if (!stepsAway(mode, negative, half, q % 2 !== 0)) return q;
  return negative ? q - 1 : q + 1;
}

export class Decimal {
  /**
   * The mantissa as a double when it is a safe integer (|m| < 2^53); otherwise ±∞ (the mantissa's
   * sign), and `big` holds the mantissa.
   * Most prices, quantities and money at 8 places fit a double, and +, −, × of two that fit, when the
   * result fits too, are one instruction and no bigint (a result past 2^53 shows as such and is redone
   * in bigints): exact either way.
   */
  private readonly n: number;
  /** the mantissa as a bigint: always when it is not a safe integer; otherwise once `m` was read (kept) */
  private big: bigint | undefined;
  /** scale: number of decimal places the mantissa carries */
  readonly e: number;
  /** `toString()`'s text, computed once (a Decimal never changes) */
  private text: string | undefined;

  /** `m × 10^-e`. A number `m` must be a safe integer (not checked: `Decimal.of` checks). */
  constructor(m: bigint | number, e: number) {
    if (typeof m === 'number') {
      this.n = m;
      this.big = undefined;
    } else if (m <= BIG_SAFE && m >= -BIG_SAFE) {
      this.n = Number(m);
      this.big = m;
    } else {
      // ±∞: its sign (and that it is not zero) is all the other paths read off `n` for a mantissa past
      // 2^53; converting the bigint would cost a runtime call on every such result
      this.n = m > 0n ? Infinity : -Infinity;
      this.big = m;
    }
    this.e = e;
    this.text = undefined;
  }

  /** mantissa */
  get m(): bigint {
    return (this.big ??= BigInt(this.n));
  }

  static readonly ZERO = new Decimal(0, 0);
  static readonly ONE = new Decimal(1, 0);

  /** Parses a plain decimal string ("123", "-0.004", "+1.5"). No exponents, no spaces, no NaN. */
  static parse(text: string): Decimal {
    const d = Decimal.tryParse(text);
    if (d === undefined) throw new DecimalError(`not a decimal number: ${JSON.stringify(text)}`);
    return d;
  }

  /** Like `parse`, but returns undefined on bad input. */
  static tryParse(text: string): Decimal | undefined {
    if (typeof text !== 'string') return undefined;
    const n = text.length;
    if (n === 0 || n > 64) return undefined;
    // one pass over the characters: [+-]? digits ( . digits )?
    let i = 0;
    const first = text.charCodeAt(0);
    const negative = first === 45; // '-'
    if (negative || first === 43) i = 1; // '+'
    const intStart = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    const intEnd = i;
    if (intEnd === intStart) return undefined;
    let scale = 0;
    let digits: string;
    if (i === n) {
      digits = intStart === 0 ? text : text.slice(intStart);
    } else {
      if (text.charCodeAt(i) !== 46) return undefined; // '.'
      i++;
      const fracStart = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      if (i !== n || i === fracStart) return undefined;
      scale = n - fracStart;
      if (scale > MAX_INPUT_SCALE) return undefined;
      digits = text.slice(intStart, intEnd) + text.slice(fracStart);
    }
    // up to 15 digits are a safe integer: read as a double (exact), longer ones as a bigint
    if (digits.length <= 15) {
      const v = Number(digits);
      return new Decimal(negative ? 0 - v : v, scale);
    }
    const m = BigInt(digits);
    return new Decimal(negative ? -m : m, scale);
  }

  /** From an integer (bigint or safe integer number). */
  static of(value: bigint | number): Decimal {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new DecimalError(`not a safe integer: ${value}`);
      return new Decimal(value + 0, 0);
    }
    return new Decimal(value, 0);
  }

  /** value = units × 10^-scale */
  static fromUnits(units: bigint, scale: number): Decimal {
    return new Decimal(units, scale);
  }

  static min(a: Decimal, b: Decimal): Decimal {
    return a.cmp(b) <= 0 ? a : b;
  }

  static max(a: Decimal, b: Decimal): Decimal {
    return a.cmp(b) >= 0 ? a : b;
  }

  static sum(values: Iterable<Decimal>): Decimal {
    let acc = Decimal.ZERO;
    for (const v of values) acc = acc.add(v);
    return acc;
  }

  add(o: Decimal): Decimal {
    // adding zero gives the same value: the same object (Decimals are immutable)
    if (o.n === 0) return this;
    if (this.n === 0) return o;
    return sumSmall(this.n, this.e, o.n, o.e) ?? addBig(this.m, this.e, o.m, o.e);
  }

  sub(o: Decimal): Decimal {
    if (o.n === 0) return this;
    return sumSmall(this.n, this.e, 0 - o.n, o.e) ?? addBig(this.m, this.e, -o.m, o.e);
  }

  mul(o: Decimal): Decimal {
    // a product past 2^53 rounds to a double past it (and ∞ × anything is ∞ or NaN): the check sees it
    const r = this.n * o.n;
    if (safe(r)) return new Decimal(r + 0, this.e + o.e);
    return new Decimal(this.m * o.m, this.e + o.e);
  }

  /** Multiplies by an integer. */
  mulInt(k: bigint | number): Decimal {
    if (typeof k === 'number' && Number.isSafeInteger(k)) {
      const r = this.n * k;
      if (safe(r)) return new Decimal(r + 0, this.e);
    }
    return new Decimal(this.m * BigInt(k), this.e);
  }

  /** this / o, rounded to `scale` decimal places with `mode`. Throws on division by zero. */
  div(o: Decimal, scale: number, mode: RoundingMode = 'HALF_UP'): Decimal {
    if (o.n === 0) throw new DecimalError('division by zero');
    // this.m/10^this.e ÷ o.m/10^o.e = (this.m × 10^(o.e + scale − this.e)) / o.m / 10^scale
    const shift = o.e + scale - this.e;
    if (shift <= SAFE_SHIFT && shift >= -SAFE_SHIFT) {
      const a = shift >= 0 ? this.n * (POW10_DOUBLE[shift] as number) : this.n;
      const b = shift >= 0 ? o.n : o.n * (POW10_DOUBLE[-shift] as number);
      if (safe(a) && safe(b)) return new Decimal(divRoundSmall(a, b, mode), scale);
    }
    if (shift >= 0) return new Decimal(divRound(this.m * pow10(shift), o.m, mode), scale);
    return new Decimal(divRound(this.m, o.m * pow10(-shift), mode), scale);
  }

  /**
   * `this.div(o, inner).round(outer)` (both HALF_UP, `outer` < `inner`) with one division: the quotient at
   * `outer` places rounds up when its remainder r (of the divisor d) reaches the half less half a unit
   * at `inner` places, 2r·10^k ≥ d·(10^k − 1) with k = inner − outer: exactly when the value rounded at
   * `inner` places is at or past the half at `outer`. (A shown entry price: 18 places, shown at 8.)
   */
  divRoundTwice(o: Decimal, inner: number, outer: number): Decimal {
    if (o.n === 0) throw new DecimalError('division by zero');
    if (outer >= inner) return this.div(o, inner);
    const shift = o.e + outer - this.e;
    let num = shift >= 0 ? this.m * pow10(shift) : this.m;
    let den = shift >= 0 ? o.m : o.m * pow10(-shift);
    const negative = num < 0n !== den < 0n;
    if (num < 0n) num = -num;
    if (den < 0n) den = -den;
    let q = num / den;
    const r = num - q * den;
    const k = pow10(inner - outer);
    if (r !== 0n && 2n * r * k >= den * (k - 1n)) q += 1n;
    return new Decimal(negative ? -q : q, outer);
  }

  neg(): Decimal {
    return safe(this.n) ? new Decimal(0 - this.n, this.e) : new Decimal(-(this.big as bigint), this.e);
  }

  abs(): Decimal {
    return this.n < 0 ? this.neg() : this;
  }

  /** −1, 0 or 1 */
  sign(): -1 | 0 | 1 {
    return this.n > 0 ? 1 : this.n < 0 ? -1 : 0;
  }

  isZero(): boolean {
    return this.n === 0;
  }

  isNegative(): boolean {
    return this.n < 0;
  }

  isPositive(): boolean {
    return this.n > 0;
  }

  cmp(o: Decimal): -1 | 0 | 1 {
    const d = this.e - o.e;
    let a = this.n;
    let b = o.n;
    if (d > 0 && d <= SAFE_SHIFT) b *= POW10_DOUBLE[d] as number;
    else if (d < 0 && d >= -SAFE_SHIFT) a *= POW10_DOUBLE[-d] as number;
    else if (d !== 0) return cmpBig(this.m, this.e, o.m, o.e);
    if (safe(a) && safe(b)) return a < b ? -1 : a > b ? 1 : 0;
    return cmpBig(this.m, this.e, o.m, o.e);
  }

  eq(o: Decimal): boolean {
    return this.cmp(o) === 0;
  }
  lt(o: Decimal): boolean {
    return this.cmp(o) < 0;
  }
  lte(o: Decimal): boolean {
    return this.cmp(o) <= 0;
  }
  gt(o: Decimal): boolean {
    return this.cmp(o) > 0;
  }
  gte(o: Decimal): boolean {
    return this.cmp(o) >= 0;
  }

  /** Rounds to `scale` decimal places. */
  round(scale: number, mode: RoundingMode = 'HALF_UP'): Decimal {
    if (scale >= this.e) return this;
    const d = this.e - scale;
    if (safe(this.n) && d <= SAFE_SHIFT) return new Decimal(divRoundSmall(this.n, POW10_DOUBLE[d] as number, mode), scale);
    return new Decimal(divRound(this.m, pow10(d), mode), scale);
  }

  /** Rounds to a multiple of `step` (a tick or lot size). */
  roundToStep(step: Decimal, mode: RoundingMode): Decimal {
    if (step.n <= 0) throw new DecimalError('step must be positive');
    const e = Math.max(this.e, step.e);
    const a = this.m * pow10(e - this.e);
    const s = step.m * pow10(e - step.e);
    return new Decimal(divRound(a, s, mode) * s, e);
  }

  /** True when this is an exact multiple of `step`. */
  isMultipleOf(step: Decimal): boolean {
    if (step.n === 0) return false;
    const e = Math.max(this.e, step.e);
    return (this.m * pow10(e - this.e)) % (step.m * pow10(e - step.e)) === 0n;
  }

  /** Same value with trailing zeros of the fraction removed. */
  normalize(): Decimal {
    if (this.n === 0) return this.e === 0 ? this : Decimal.ZERO;
    if (this.e === 0) return this;
    // count the trailing zeros on the digits (one conversion) instead of dividing by 10 repeatedly
    const digits = this.digits();
    let k = 0;
    while (k < this.e && digits.charCodeAt(digits.length - 1 - k) === 48) k++;
    if (k === 0) return this;
    if (safe(this.n)) return new Decimal(this.n / (POW10_DOUBLE[k] as number), this.e - k);
    return new Decimal((this.big as bigint) / pow10(k), this.e - k);
  }

  /** Exactly `dp` decimal places (rounded with `mode` when needed). */
  toFixed(dp: number, mode: RoundingMode = 'HALF_UP'): string {
    const r = dp < this.e ? this.round(dp, mode) : this;
    const m = r.m * pow10(dp - r.e);
    return format(m, dp);
  }

  /** Shortest exact text ("1.5", "-0.004", "0"). */
  toString(): string {
    if (this.text === undefined) this.text = shortest(this.digits(), this.n < 0, this.e);
    return this.text;
  }

  toJSON(): string {
    return this.toString();
  }

  /**
   * The nearest double, or within 2u + u² of the value (u = 2^-53): the mantissa's double is rounded once
   * and the division by an exact power of ten (up to 10^22) once; larger scales go through Number(text),
   * which is correctly rounded. Lossy: for charts, logs and float bounds that fall back to exact
   * decimals; never for money.
   */
  toNumber(): number {
    return this.e <= 22 ? this.mantissaNumber() / (POW10_DOUBLE[this.e] as number) : Number(this.toString());
  }

  /** Number(m): exact while |m| ≤ 2^53, the nearest double beyond. */
  mantissaNumber(): number {
    return safe(this.n) ? this.n : Number(this.big as bigint);
  }

  /** The mantissa's digits without a sign ("0" for zero). */
  private digits(): string {
    if (safe(this.n)) return String(Math.abs(this.n));
    const m = this.big as bigint;
    return (m < 0n ? -m : m).toString();
  }
}

/**
 * a·10^-ea + b·10^-eb in doubles (a and b mantissas: safe integers, or ±∞ for one past 2^53), or undefined
 * when the aligned operands or the sum are not safe integers: then it is for `addBig`. A sum past 2^53
 * rounds to a double past it, and ±∞ gives ±∞ or NaN, so the checks see both.
 */
function sumSmall(a: number, ea: number, b: number, eb: number): Decimal | undefined {
  // the operand with fewer places is aligned to the other's scale (one exact multiplication)
  const d = ea - eb;
  if (d > SAFE_SHIFT || d < -SAFE_SHIFT) return undefined;
  const aAt = d < 0 ? a * (POW10_DOUBLE[-d] as number) : a;
  const bAt = d > 0 ? b * (POW10_DOUBLE[d] as number) : b;
  const r = aAt + bAt;
  return safe(aAt) && safe(bAt) && safe(r) ? new Decimal(r + 0, d < 0 ? eb : ea) : undefined;
}

/** a·10^-ea + b·10^-eb in bigints (either not a safe integer, or their sum is not) */
function addBig(a: bigint, ea: number, b: bigint, eb: number): Decimal {
  const d = ea - eb;
  if (d === 0) return new Decimal(a + b, ea);
  if (d > 0) return new Decimal(a + b * pow10(d), ea);
  return new Decimal(a * pow10(-d) + b, eb);
}

function cmpBig(a: bigint, ea: number, b: bigint, eb: number): -1 | 0 | 1 {
  const d = ea - eb;
  if (d > 0) b *= pow10(d);
  else if (d < 0) a *= pow10(-d);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The digits of |m| × 10^-e with the fraction's trailing zeros (and a bare point) left out. */
function shortest(digits: string, negative: boolean, e: number): string {
  if (digits === '0') return '0';
  if (e > 0) {
    // drop the fraction's trailing zeros from the digits before placing the point
    let end = digits.length;
    const stop = end - e;
    while (end > stop && digits.charCodeAt(end - 1) === 48) end--;
    const fraction = end - stop;
    if (end < digits.length) digits = digits.slice(0, end);
    if (fraction > 0) {
      if (digits.length <= fraction) digits = '0'.repeat(fraction - digits.length + 1) + digits;
      const point = digits.length - fraction;
      digits = `${digits.slice(0, point)}.${digits.slice(point)}`;
    }
  }
  return negative ? `-${digits}` : digits;
}

function format(m: bigint, e: number): string {
  const negative = m < 0n;
  let digits = (negative ? -m : m).toString();
  if (e > 0) {
    if (digits.length <= e) digits = '0'.repeat(e - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - e)}.${digits.slice(digits.length - e)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Shorthand for `Decimal.parse`. */
export function dec(text: string | number | bigint): Decimal {
  if (typeof text === 'string') return Decimal.parse(text);
  return Decimal.of(text);
}
