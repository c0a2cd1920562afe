/**
 * Display of exact decimal strings (as `perpsim calc` prints them) without going through floats: digit
 * grouping, a typographic minus, and the split between the cents and the finer digits.
 */
import { Decimal } from '../../../src/core/index.js';

export interface DecimalParts {
  readonly sign: '' | '−' | '+';
  /** integer part with thousands separators */
  readonly whole: string;
  /** the first `minDecimals` fraction digits (padded with zeros) */
  readonly cents: string;
  /** the remaining fraction digits, shown dimmed */
  readonly fine: string;
}

export function decimalParts(text: string, minDecimals = 2, plus = false): DecimalParts {
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  const [int = '0', frac = ''] = body.split('.');
  const whole = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const padded = frac.padEnd(minDecimals, '0');
  const isZero = /^0*$/.test(int) && /^0*$/.test(frac);
  return {
    sign: negative && !isZero ? '−' : plus && !isZero ? '+' : '',
    whole,
    cents: padded.slice(0, minDecimals),
    fine: padded.slice(minDecimals),
  };
}

/** "-75763.05220884" → "−75,763.05220884" */
export function groupDecimal(text: string, minDecimals = 2, plus = false): string {
  const p = decimalParts(text, minDecimals, plus);
  return `${p.sign}${p.whole}${p.cents === '' && p.fine === '' ? '' : `.${p.cents}${p.fine}`}`;
}

/** A ratio (0.0407…) as a percentage with two decimals ("4.07"), exactly. */
export function percentText(ratio: Decimal, decimals = 2): string {
  return ratio.mul(Decimal.of(100)).toFixed(decimals, 'HALF_UP');
}

/** (to − from) / from as a percentage with two decimals and a typographic sign ("−9.64", "+5.00"). */
export function changePercent(from: Decimal, to: Decimal, decimals = 2): string {
  if (from.isZero()) return '0';
  const text = percentText(to.sub(from).div(from, 18), decimals);
  return text.startsWith('-') ? `−${text.slice(1)}` : /^[0.]+$/.test(text) ? text : `+${text}`;
}

/** "10000.00000000" → "10000": the shortest exact form of a decimal string (API figures carry 8 places). */
export function trimDecimal(text: string): string {
  const d = Decimal.tryParse(text);
  return d === undefined ? text : d.toString();
}
