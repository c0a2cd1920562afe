/**
 * Funding (spec margin.md §8.2): at each settlement every open position pays (rate > 0: longs pay
 * shorts) or receives `positionAmt × mark × rate` (booked at MONEY_SCALE places, half away from zero),
 * into the isolated wallet for isolated positions, the cross wallet otherwise. The payments of one
 * settlement sum to zero before rounding; the insurance fund takes what rounding leaves over. The rate is
 * the one given by `setFundingRate` (an input series), or else computed from the premium index sampled
 * at every mark update since the last settlement, from the book's impact bid/ask for the impact margin
 * notional (200 USDT × max leverage).
 */
import { CALC_SCALE, Decimal, fundingPayment, fundingRate, maxLeverage, money, premiumIndex, weightedPremium } from '../core/index.js';
import { settingsOf } from './account-margin.js';
import type { EngineEvent } from './events.js';
import type { Exchange } from './exchange.js';
import type { Level, OrderBook } from './order-book.js';
import { INSURANCE_FUND_ID, byAccountId, type Account, type EnginePosition, type SymbolState } from './state.js';

const IMPACT_MARGIN = Decimal.of(200);

/** Average price of taking `notional` USDT from one side of the book (undefined when it is too thin). */
export function impactPrice(book: OrderBook, side: 'BUY' | 'SELL', notional: Decimal, tickSize: Decimal): Decimal | undefined {
  const levels = side === 'BUY' ? book.asks : book.bids;
  let value = Decimal.ZERO;
  let qty = Decimal.ZERO;
  for (let i = 0; i < levels.size; i++) {
    const level = levels.at(i) as Level;
    const price = Decimal.fromUnits(BigInt(level.ticks), 0).mul(tickSize);
    for (let j = 0; j < level.size; j++) {
      const o = level.order(j);
      const avail = o.origQty.sub(o.executedQty);
      const need = notional.sub(value).div(price, CALC_SCALE, 'UP');
      const q = Decimal.min(avail, need);
      value = value.add(q.mul(price));
      qty = qty.add(q);
      if (!value.lt(notional)) return value.div(qty, CALC_SCALE);
    }
  }
  return undefined;
}

export function impactNotional(s: SymbolState): Decimal {
  return IMPACT_MARGIN.mulInt(maxLeverage(s.instrument.brackets));
}

/** Records one premium sample (called on every mark update). */
export const PREMIUM_SAMPLE_MS = 5000;

export function samplePremium(s: SymbolState, time: number): void {
  const index = s.indexPrice;
  if (index === undefined) return;
  // Binance computes the premium index every 5 seconds (5,760 points in 8 hours): one sample per 5-second
  // bucket of engine time, however often the mark moves
  const bucket = Math.floor(time / PREMIUM_SAMPLE_MS);
  if (bucket === s.premiumBucket) return;
  s.premiumBucket = bucket;
  const n = impactNotional(s);
  s.premiumSamples.push(
    premiumIndex(impactPrice(s.book, 'SELL', n, s.instrument.tickSize), impactPrice(s.book, 'BUY', n, s.instrument.tickSize), index),
  );
}

/** The rate the next settlement uses. */
export function nextFundingRate(s: SymbolState): Decimal {
  return s.fundingRate ?? fundingRate(weightedPremium(s.premiumSamples), undefined, s.fundingCap, s.fundingCap.neg());
}

export function settleFunding(ex: Exchange, s: SymbolState, time: number, events: EngineEvent[]): Decimal {
  const mark = s.markPrice as Decimal;
  const rate = nextFundingRate(s);
  const symbol = s.instrument.symbol;
  events.push({ e: 'FUNDING', E: time, s: symbol, r: rate.toString(), p: mark.toString() });
  // the symbol's holders in account-id order (the order of the events)
  const holders = [...(ex.holders.get(symbol) ?? [])].sort(byAccountId);
  // each payment is booked at MONEY_SCALE places; what rounding leaves of the zero sum is the insurance
  // fund's (docs/engine.md)
  let net = Decimal.ZERO;
  for (const a of holders) {
    const paid: EnginePosition[] = [];
    let change = Decimal.ZERO;
    for (const p of a.positions.values()) {
      if (p.symbol !== symbol || p.amt.isZero()) continue;
      const delta = money(fundingPayment(p.amt, mark, rate).neg());
      net = net.add(delta);
      if (settingsOf(a, symbol).marginType === 'ISOLATED') p.isolatedWallet = p.isolatedWallet.add(delta);
      else a.crossWallet = a.crossWallet.add(delta);
      a.funding = a.funding.add(delta);
      change = change.add(delta);
      paid.push(p);
    }
    if (paid.length > 0) {
      ex.risk.markDirty(a);
      events.push(ex.accountUpdate(a, 'FUNDING_FEE', time, change, paid));
    }
  }
  if (!net.isZero()) {
    const fund = ex.accounts.get(INSURANCE_FUND_ID) as Account;
    fund.crossWallet = fund.crossWallet.sub(net);
    fund.funding = fund.funding.sub(net);
    ex.risk.markDirty(fund);
  }
  s.fundingRate = undefined;
  s.premiumSamples.length = 0;
  s.lastFundingRate = rate;
  s.lastFundingTime = time;
  return rate;
}
