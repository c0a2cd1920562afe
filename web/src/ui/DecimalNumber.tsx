/**
 * One exact number on screen: grouped, cents in full colour and finer digits dimmed, the exact string in
 * `data-value` (what `perpsim calc` printed, so a test or a reader can compare it character for character).
 */
import { decimalParts } from './decimal-text.js';

export interface DecimalNumberProps {
  readonly value: string;
  readonly minDecimals?: number;
  /** show "+" on positive values */
  readonly plus?: boolean;
  /** colour by sign (green gain, red loss) */
  readonly signed?: boolean;
  readonly suffix?: string;
  readonly testId?: string;
}

export function DecimalNumber({ value, minDecimals = 2, plus = false, signed = false, suffix, testId }: DecimalNumberProps) {
  const p = decimalParts(value, minDecimals, plus);
  const zero = /^[-+]?0*(\.0*)?$/.test(value);
  const tone = !signed || zero ? '' : value.startsWith('-') ? ' num-neg' : ' num-pos';
  return (
    <span className={`num${tone}`} data-value={value} data-testid={testId}>
      {p.sign}
      {p.whole}
      {p.cents !== '' || p.fine !== '' ? '.' : ''}
      {p.cents}
      {p.fine !== '' && <span className="num-fine">{p.fine}</span>}
      {suffix !== undefined && <span className="num-suffix">{suffix}</span>}
    </span>
  );
}
