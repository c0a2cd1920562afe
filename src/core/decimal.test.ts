import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal, dec, type RoundingMode } from './decimal.js';

describe('Decimal', () => {
  it('parses and prints plain decimals exactly', () => {
    for (const s of ['0', '1', '-1', '0.004', '-0.5', '1535443.01', '123456789012345678.123456789012345678']) {
      assert.equal(Decimal.parse(s).toString(), s);
    }
    assert.equal(dec('+1.50').toString(), '1.5');
    assert.equal(dec('000.10').toString(), '0.1');
    assert.equal(dec('-0.000').toString(), '0');
  });

  it('prints the shortest exact text of any mantissa and scale (parses back to the same value)', () => {
    fc.assert(
      // large, mid-sized and small mantissas (quantities and fees have a few digits)
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
          fc.bigInt({ min: -(2n ** 32n), max: 2n ** 32n }),
          fc.bigInt({ min: -2000n, max: 2000n }),
        ),
        fc.integer({ min: 0, max: 18 }),
        (m, e) => {
          const d = Decimal.fromUnits(m, e);
          const text = d.toString();
          assert.match(text, /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/, text);
          assert.ok(Decimal.parse(text).eq(d), `${m}e-${e} → ${text}`);
        },
      ),
      { numRuns: 6000 },
    );
  });

  it('divRoundTwice equals dividing at the inner scale then rounding at the outer one (HALF_UP both)', () => {
    const mantissa = fc.oneof(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), fc.bigInt({ min: -2000n, max: 2000n }));
    fc.assert(
      fc.property(
        mantissa,
        fc.integer({ min: 0, max: 18 }),
        mantissa.filter((m) => m !== 0n),
        fc.integer({ min: 0, max: 18 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 12 }),
        (am, ae, bm, be, inner, outer) => {
          const a = Decimal.fromUnits(am, ae);
          const b = Decimal.fromUnits(bm, be);
          assert.equal(a.divRoundTwice(b, inner, outer).toString(), a.div(b, inner).round(outer).toString(), `${a} / ${b}`);
        },
      ),
      { numRuns: 5000 },
    );
    // the double rounding case: 0.123456784999999999996 → 0.123456785 at 18 places → 0.12345679 at 8
    const x = Decimal.fromUnits(123456784999999999996n, 21);
    assert.equal(x.divRoundTwice(Decimal.ONE, 18, 8).toString(), '0.12345679');
    assert.equal(x.div(Decimal.ONE, 8).toString(), '0.12345678', 'rounded once it is below the half');
    assert.equal(x.neg().divRoundTwice(Decimal.ONE, 18, 8).toString(), '-0.12345679');
  });

  it('refuses anything that is not a plain decimal', () => {
    for (const s of ['', ' 1', '1e5', 'NaN', 'Infinity', '1.', '.5', '0x10', '1,5', '--1', '1.1234567890123456789']) {
      assert.equal(Decimal.tryParse(s), undefined, s);
      assert.throws(() => Decimal.parse(s));
    }
  });

  it('accepts exactly the strings of the grammar [+-]?digits(.digits)? (at most 18 places, 64 chars)', () => {
    const grammar = /^([+-]?)(\d+)(?:\.(\d{1,18}))?$/;
    const alphabet = fc.constantFrom('0', '1', '5', '9', '.', '-', '+', 'e', ' ');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
        const s = chars.join('');
        const m = grammar.exec(s);
        const d = Decimal.tryParse(s);
        if (m === null) return assert.equal(d, undefined, s);
        const [, sign, int, frac = ''] = m;
        assert.ok(d !== undefined, s);
        assert.equal(d.e, frac.length);
        assert.equal(d.m, (sign === '-' ? -1n : 1n) * BigInt(`${int}${frac}`));
      }),
      { numRuns: 3000 },
    );
  });

  it('adds, subtracts and multiplies without rounding', () => {
    assert.equal(dec('0.1').add(dec('0.2')).toString(), '0.3');
    assert.equal(dec('1').sub(dec('0.9999')).toString(), '0.0001');
    assert.equal(dec('109.488').mul(dec('31967.27')).mul(dec('0.025')).sub(dec('16300')).toString(), '71200.811444');
    assert.equal(dec('-3').mul(dec('0.5')).toString(), '-1.5');
  });

  it('divides to a chosen scale with the chosen rounding', () => {
    assert.equal(dec('9253.3').div(dec('20'), 2, 'HALF_UP').toString(), '462.67');
    assert.equal(dec('9253.3').div(dec('20'), 2, 'DOWN').toString(), '462.66');
    assert.equal(dec('1').div(dec('3'), 8).toString(), '0.33333333');
    assert.equal(dec('2').div(dec('3'), 8).toString(), '0.66666667');
    assert.equal(dec('-2').div(dec('3'), 8).toString(), '-0.66666667');
    assert.equal(dec('-2').div(dec('3'), 8, 'FLOOR').toString(), '-0.66666667');
    assert.equal(dec('-2').div(dec('3'), 8, 'CEIL').toString(), '-0.66666666');
    assert.throws(() => dec('1').div(dec('0'), 2));
  });

  it('rounds half-up and half-even at ties', () => {
    assert.equal(dec('2.5').round(0, 'HALF_UP').toString(), '3');
    assert.equal(dec('-2.5').round(0, 'HALF_UP').toString(), '-3');
    assert.equal(dec('2.5').round(0, 'HALF_EVEN').toString(), '2');
    assert.equal(dec('3.5').round(0, 'HALF_EVEN').toString(), '4');
    assert.equal(dec('1.005').toFixed(2), '1.01');
    assert.equal(dec('7').toFixed(3), '7.000');
    assert.equal(dec('-0.001').toFixed(2), '0.00');
  });

  it('rounds to ticks and steps', () => {
    assert.equal(dec('60000.17').roundToStep(dec('0.1'), 'DOWN').toString(), '60000.1');
    assert.equal(dec('60000.17').roundToStep(dec('0.1'), 'UP').toString(), '60000.2');
    assert.equal(dec('0.0149').roundToStep(dec('0.001'), 'DOWN').toString(), '0.014');
    assert.ok(dec('0.3').isMultipleOf(dec('0.1')));
    assert.ok(!dec('0.35').isMultipleOf(dec('0.1')));
  });

  it('agrees with exact rational arithmetic on random inputs', () => {
    const decimalArb = fc
      .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 9 }))
      .map(([m, e]) => new Decimal(m, e));
    fc.assert(
      fc.property(decimalArb, decimalArb, decimalArb, (a, b, c) => {
        // (a × b + c) compared as exact fractions over 10^(ea+eb+ec)
        const r = a.mul(b).add(c);
        const scale = a.e + b.e + c.e;
        const exact = a.m * b.m * 10n ** BigInt(c.e) + c.m * 10n ** BigInt(a.e + b.e);
        assert.equal(r.m * 10n ** BigInt(scale - r.e), exact);
        assert.equal(Decimal.parse(r.toString()).eq(r), true);
        assert.equal(a.add(b).sub(b).eq(a), true);
        assert.equal(a.cmp(b) + b.cmp(a), 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads its mantissa as a number exactly as Number(m) does, around the small-integer boundary too', () => {
    // near ±2^30 (the small-integer limit) and ±2^31, ±2^32 (where an int32 conversion would wrap)
    const near = (k: bigint) => fc.bigInt({ min: k - 3n, max: k + 3n });
    const mantissa = fc.oneof(
      ...[2n ** 30n, 2n ** 31n, 2n ** 32n].flatMap((k) => [near(k), near(-k)]),
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
      fc.bigInt({ min: -2000n, max: 2000n }),
    );
    fc.assert(
      fc.property(mantissa, fc.integer({ min: 0, max: 18 }), (m, e) => {
        const d = Decimal.fromUnits(m, e);
        // computed once, then kept: the same answer both times
        assert.equal(d.mantissaNumber(), Number(m));
        assert.equal(d.mantissaNumber(), Number(m));
        assert.equal(d.toNumber(), Number(m) / 10 ** e);
      }),
      { numRuns: 3000 },
    );
  });

  it('division error is below one unit in the last place', () => {
    const arb = fc.tuple(
      fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
      fc.bigInt({ min: 1n, max: 10n ** 12n }),
      fc.integer({ min: 0, max: 18 }),
    );
    fc.assert(
      fc.property(arb, ([n, d, scale]) => {
        const q = Decimal.of(n).div(Decimal.of(d), scale, 'HALF_UP');
        // |q × d − n| ≤ d / 2 units of 10^-scale
        const diff = q.m * d - n * 10n ** BigInt(scale);
        assert.ok((diff < 0n ? -diff : diff) * 2n <= d);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same answers whether its mantissas are held as doubles or bigints (around 2^53 too)', () => {
    // a reference in bigints only: the value as a fraction m / 10^e, each answer checked against it
    const near = (k: bigint) => fc.bigInt({ min: k - 40n, max: k + 40n });
    const SAFE = 2n ** 53n - 1n;
    const mantissa = fc.oneof(
      ...[SAFE, SAFE / 10n, SAFE / 1000n, 94906265n].flatMap((k) => [near(k), near(-k)]),
      fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }),
      fc.bigInt({ min: -2000n, max: 2000n }),
    );
    const decimal = fc.tuple(mantissa, fc.integer({ min: 0, max: 18 })).map(([m, e]) => new Decimal(m, e));
    const p10 = (n: number) => 10n ** BigInt(n);
    const at = (d: Decimal, e: number) => d.m * p10(e - d.e);
    const modes = fc.constantFrom<RoundingMode>('DOWN', 'UP', 'FLOOR', 'CEIL', 'HALF_UP', 'HALF_EVEN');
    /** n / d rounded with `mode`, from floor division alone */
    const roundedQuotient = (n: bigint, d: bigint, mode: RoundingMode): bigint => {
      if (d < 0n) [n, d] = [-n, -d];
      const fl = n >= 0n ? n / d : -((-n + d - 1n) / d);
      const r = n - fl * d; // 0 ≤ r < d
      if (r === 0n) return fl;
      const up = { DOWN: n < 0n, UP: n > 0n, FLOOR: false, CEIL: true }[mode as 'DOWN'];
      if (up !== undefined) return up ? fl + 1n : fl;
      if (2n * r !== d) return 2n * r > d ? fl + 1n : fl;
      if (mode === 'HALF_EVEN') return fl % 2n === 0n ? fl : fl + 1n;
      return n > 0n ? fl + 1n : fl; // half away from zero
    };
    fc.assert(
      fc.property(decimal, decimal, fc.integer({ min: 0, max: 18 }), modes, (a, b, scale, mode) => {
        const e = Math.max(a.e, b.e);
        assert.equal(at(a.add(b), e), at(a, e) + at(b, e));
        assert.equal(at(a.sub(b), e), at(a, e) - at(b, e));
        assert.equal(a.mul(b).m, a.m * b.m);
        assert.equal(a.mul(b).e, a.e + b.e);
        assert.equal(a.mulInt(7).m, a.m * 7n);
        const c = at(a, e) < at(b, e) ? -1 : at(a, e) > at(b, e) ? 1 : 0;
        assert.equal(a.cmp(b), c);
        assert.equal(a.sign(), a.m > 0n ? 1 : a.m < 0n ? -1 : 0);
        assert.equal(a.neg().m, -a.m);
        assert.equal(a.abs().m, a.m < 0n ? -a.m : a.m);
        assert.equal(a.mantissaNumber(), Number(a.m));
        if (!b.isZero()) {
          const q = a.div(b, scale, mode);
          assert.equal(q.e, scale);
          assert.equal(q.m, roundedQuotient(a.m * p10(scale + b.e), b.m * p10(a.e), mode));
        }
        const r = a.round(scale, mode);
        assert.equal(r.m, scale >= a.e ? a.m : roundedQuotient(a.m, p10(a.e - scale), mode));
        const text = a.toString();
        assert.equal(Decimal.parse(text).eq(a), true);
        assert.equal(a.normalize().toString(), text);
        assert.equal(at(a.normalize(), a.e), a.m);
      }),
      { numRuns: 4000 },
    );
  });
});
