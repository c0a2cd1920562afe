/**
 * Funding rate (spec margin.md §8.2, Binance FAQ "Funding Rate"):
 *
 *   F = P + clamp(I − P, −0.05 %, +0.05 %)      then capped to [floor, cap] of the symbol
 *
 * with P the average premium index over the interval (samples weighted 1, 2, …, n: later samples count
 * more) and I the interest rate per interval (0.01 % per 8 hours). The premium of one sample is
 *
 *   premium = (max(0, impact bid − index) − max(0, index − impact ask)) / index.
 */
import { Decimal } from './decimal.js';
import { CALC_SCALE } from './precision.js';

export const DEFAULT_INTEREST_RATE = Decimal.parse('0.0001');
export const FUNDING_CLAMP = Decimal.parse('0.0005');

function clamp(x: Decimal, lo: Decimal, hi: Decimal): Decimal {
  return x.lt(lo) ? lo : x.gt(hi) ? hi : x;
}

export function premiumIndex(impactBid: Decimal | undefined, impactAsk: Decimal | undefined, index: Decimal): Decimal {
  let num = Decimal.ZERO;
  if (impactBid !== undefined && impactBid.gt(index)) num = num.add(impactBid.sub(index));
  if (impactAsk !== undefined && index.gt(impactAsk)) num = num.sub(index.sub(impactAsk));
  return num.div(index, CALC_SCALE);
}

/** Σ i × P_i / Σ i over samples P_1 … P_n (0 with no samples). */
export function weightedPremium(samples: readonly Decimal[]): Decimal {
  if (samples.length === 0) return Decimal.ZERO;
  let num = Decimal.ZERO;
  samples.forEach((p, i) => {
    num = num.add(p.mulInt(i + 1));
  });
  const n = samples.length;
  return num.div(Decimal.of((n * (n + 1)) / 2), CALC_SCALE);
}

export function fundingRate(
  avgPremium: Decimal,
  interest: Decimal = DEFAULT_INTEREST_RATE,
  cap: Decimal = Decimal.parse('0.003'),
  floor: Decimal = cap.neg(),
): Decimal {
  const f = avgPremium.add(clamp(interest.sub(avgPremium), FUNDING_CLAMP.neg(), FUNDING_CLAMP));
  return clamp(f, floor, cap).round(8, 'HALF_UP');
}

/** What a position pays (> 0) or receives (< 0) at a settlement: positionAmt × mark × rate. */
export function fundingPayment(positionAmt: Decimal, markPrice: Decimal, rate: Decimal): Decimal {
  return positionAmt.mul(markPrice).mul(rate);
}
