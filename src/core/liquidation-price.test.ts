import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluateAccount, type AccountRisk, type AccountSnapshot } from './account-risk.js';
import { bankruptcyPrice } from './bankruptcy-price.js';
import { buildBracketTable, maxNotionalForLeverage, type BracketTable } from './brackets.js';
import { Decimal, dec } from './decimal.js';
import { builtinInstruments, type Instrument } from './instrument.js';
import { liquidationPrice } from './liquidation-price.js';
import type { MarginType, Position, PositionMode, PositionSide, SymbolRiskInput } from './position.js';

const inst = (s: string) => builtinInstruments().get(s) as Instrument;
const BTC = () => inst('BTCUSDT').brackets;

describe('liquidation price: worked examples (spec margin.md §4.4)', () => {
  it('Example A: isolated long 0.5 @ 60,000, 20x, wallet 1,500 → 57,228.9157, bankruptcy 57,000', () => {
    const leg = { positionAmt: dec('0.5'), entryPrice: dec('60000'), brackets: BTC() };
    assert.equal(liquidationPrice([leg], dec('1500'), dec('60000')).toFixed(4), '57228.9157');
    assert.equal(bankruptcyPrice([leg], dec('1500')).toString(), '57000');
  });

  it('Example B: isolated short 0.8 @ 60,000, 10x crosses into bracket 2 → 65,733.8308, bankruptcy 66,000', () => {
    const leg = { positionAmt: dec('-0.8'), entryPrice: dec('60000'), brackets: BTC() };
    assert.equal(liquidationPrice([leg], dec('4800'), dec('60000')).toFixed(4), '65733.8308');
    assert.equal(bankruptcyPrice([leg], dec('4800')).toString(), '66000');
  });

  it('Example C: hedge cross LONG 1 @ 60,000 + SHORT 0.5 @ 62,000, wallet 10,000 → 38,461.5385 after re-selection', () => {
    const legs = [
      { positionAmt: dec('1'), entryPrice: dec('60000'), brackets: BTC() },
      { positionAmt: dec('-0.5'), entryPrice: dec('62000'), brackets: BTC() },
    ];
    assert.equal(liquidationPrice(legs, dec('10000'), dec('60000')).toFixed(4), '38461.5385');
  });

  it("Binance's official cross example (2021 tables) → ETH 1,153.26 and BTC 26,316.89", () => {
    const btc2021 = buildBracketTable(
      'BTCUSDT',
      [
        ['0', '50000', '0.004', '0', 125],
        ['50000', '250000', '0.005', '50', 100],
        ['250000', '1000000', '0.01', '1300', 50],
        ['1000000', '10000000', '0.025', '16300', 20],
        ['10000000', '20000000', '0.05', '266300', 10],
        ['20000000', '50000000', '0.1', '1266300', 5],
      ].map(([f, c, m, cum, l], i) => ({
        bracket: i + 1,
        notionalFloor: f as string,
        notionalCap: c as string,
        maintMarginRatio: m as string,
        cum: cum as string,
        initialLeverage: l as number,
      })),
    );
    const eth2021 = buildBracketTable(
      'ETHUSDT',
      [
        ['0', '10000', '0.005', '0', 100],
        ['10000', '100000', '0.0065', '15', 75],
        ['100000', '500000', '0.01', '365', 50],
        ['500000', '1000000', '0.02', '5365', 25],
        ['1000000', '2000000', '0.05', '35365', 10],
        ['2000000', '5000000', '0.1', '135365', 5],
        ['5000000', '10000000', '0.125', '260365', 4],
      ].map(([f, c, m, cum, l], i) => ({
        bracket: i + 1,
        notionalFloor: f as string,
        notionalCap: c as string,
        maintMarginRatio: m as string,
        cum: cum as string,
        initialLeverage: l as number,
      })),
    );
    const snapshot: AccountSnapshot = {
      positionMode: 'one-way',
      crossWalletBalance: dec('1535443.01'),
      positions: [
        {
          symbol: 'BTCUSDT',
          positionSide: 'BOTH',
          positionAmt: dec('109.488'),
          entryPrice: dec('32481.98'),
          leverage: 1,
          marginType: 'cross',
          isolatedWallet: Decimal.ZERO,
        },
        {
          symbol: 'ETHUSDT',
          positionSide: 'BOTH',
          positionAmt: dec('3683.979'),
          entryPrice: dec('1456.84'),
          leverage: 1,
          marginType: 'cross',
          isolatedWallet: Decimal.ZERO,
        },
      ],
      symbols: new Map([
        ['BTCUSDT', { brackets: btc2021, markPrice: dec('31967.27') }],
        ['ETHUSDT', { brackets: eth2021, markPrice: dec('1335.18') }],
      ]),
    };
    const risk = evaluateAccount(snapshot);
    const [btc, eth] = risk.positions;
    assert.equal(btc?.maintMargin.toString(), '71200.811444');
    assert.equal(eth?.maintMargin.toString(), '356512.508122');
    assert.equal(eth?.liquidationPrice.toFixed(2), '1153.26');
    assert.equal(btc?.liquidationPrice.toFixed(2), '26316.89');
  });

  it('reports 0 when there is no liquidation price (over-collateralised long)', () => {
    const leg = { positionAmt: dec('1'), entryPrice: dec('100'), brackets: BTC() };
    assert.equal(liquidationPrice([leg], dec('200'), dec('100')).toString(), '0');
    assert.equal(liquidationPrice([], dec('200'), dec('100')).toString(), '0');
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests: random accounts across brackets, isolated and cross, one-way and hedge.

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT'] as const;
const BASE_PRICE: Record<string, string> = { BTCUSDT: '60000', ETHUSDT: '3000', SOLUSDT: '150', XRPUSDT: '0.6' };

interface GenPos {
  symbol: string;
  side: PositionSide;
  notional: number; // target entry notional in USDT
  priceMove: number; // mark / entry − 1
  extraMargin: number; // isolated wallet = IM × (1 + extra)
}

/** Quantity multiple of the step giving roughly `notional` at `price`. */
function qtyFor(i: Instrument, notionalUsd: number, price: Decimal): Decimal {
  const raw = Decimal.parse((notionalUsd / price.toNumber()).toFixed(8));
  const q = raw.roundToStep(i.stepSize, 'DOWN');
  return q.isPositive() ? q : i.stepSize;
}

function priceFor(i: Instrument, base: string, move: number): Decimal {
  const p = Decimal.parse((Number(base) * (1 + move)).toFixed(8)).roundToStep(i.tickSize, 'HALF_UP');
  return p.isPositive() ? p : i.tickSize;
}

function leverageFor(table: BracketTable, notionalAbs: Decimal, want: number): number {
  let l = Math.min(want, table[0]?.initialLeverage ?? 1);
  while (l > 1 && (maxNotionalForLeverage(table, l) as Decimal).lt(notionalAbs)) l--;
  return l;
}

const genPos = fc.record({
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom<PositionSide>('LONG', 'SHORT'),
  notional: fc.oneof(fc.double({ min: 20, max: 60_000, noNaN: true }), fc.double({ min: 60_000, max: 40_000_000, noNaN: true })),
  priceMove: fc.double({ min: -0.15, max: 0.15, noNaN: true }),
  extraMargin: fc.double({ min: 0, max: 1.5, noNaN: true }),
});

const genAccount = fc.record({
  mode: fc.constantFrom<PositionMode>('one-way', 'hedge'),
  marginTypes: fc.dictionary(fc.constantFrom(...SYMBOLS), fc.constantFrom<MarginType>('isolated', 'cross')),
  leverage: fc.integer({ min: 1, max: 125 }),
  wallet: fc.double({ min: 0, max: 3_000_000, noNaN: true }),
  positions: fc.array(genPos, { minLength: 1, maxLength: 6 }),
});

type GenAccount = typeof genAccount extends fc.Arbitrary<infer T> ? T : never;

function buildSnapshot(g: GenAccount): AccountSnapshot {
  const marks = new Map<string, Decimal>();
  const positions: Position[] = [];
  const seen = new Set<string>();
  for (const p of g.positions as GenPos[]) {
    const i = inst(p.symbol);
    const side: PositionSide = g.mode === 'one-way' ? 'BOTH' : p.side;
    const key = `${p.symbol}/${side}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!marks.has(p.symbol)) marks.set(p.symbol, priceFor(i, BASE_PRICE[p.symbol] as string, p.priceMove));
    const entry = priceFor(i, BASE_PRICE[p.symbol] as string, 0);
    const q = qtyFor(i, p.notional, entry);
    const signed = side === 'SHORT' || (side === 'BOTH' && p.side === 'SHORT') ? q.neg() : q;
    const marginType: MarginType = g.marginTypes[p.symbol] ?? 'cross';
    const lev = leverageFor(i.brackets, q.mul(entry), g.leverage);
    const im = q.mul(entry).div(Decimal.of(lev), 8, 'UP');
    const extra = Decimal.parse((im.toNumber() * p.extraMargin).toFixed(2));
    positions.push({
      symbol: p.symbol,
      positionSide: side,
      positionAmt: signed,
      entryPrice: entry,
      leverage: lev,
      marginType,
      isolatedWallet: marginType === 'isolated' ? im.add(extra) : Decimal.ZERO,
    });
  }
  // One leverage per symbol (hedge legs share it).
  const levBySymbol = new Map<string, number>();
  const fixed = positions.map((p) => {
    const l = levBySymbol.get(p.symbol) ?? p.leverage;
    levBySymbol.set(p.symbol, l);
    return { ...p, leverage: l };
  });
  const symbols = new Map<string, SymbolRiskInput>();
  for (const [s, m] of marks) symbols.set(s, { brackets: inst(s).brackets, markPrice: m });
  return { positionMode: g.mode, crossWalletBalance: Decimal.parse((g.wallet as number).toFixed(2)), positions: fixed, symbols };
}

function withMark(s: AccountSnapshot, symbol: string, mark: Decimal): AccountSnapshot {
  const symbols = new Map(s.symbols);
  symbols.set(symbol, { ...(s.symbols.get(symbol) as SymbolRiskInput), markPrice: mark });
  return { ...s, symbols };
}

function flagFor(risk: AccountRisk, p: Position): boolean {
  const r = risk.positions.find((x) => x.position.symbol === p.symbol && x.position.positionSide === p.positionSide);
  assert.ok(r);
  return p.marginType === 'cross' ? risk.crossLiquidatable : r.liquidatable;
}

describe('liquidation price: properties', () => {
  it('is the boundary: safe one tick on the mark side, liquidated one tick past it', () => {
    let checked = 0;
    fc.assert(
      fc.property(genAccount, (g) => {
        const s = buildSnapshot(g);
        const risk = evaluateAccount(s);
        for (const r of risk.positions) {
          const p = r.position;
          const lp = r.liquidationPrice;
          if (lp.isZero()) continue;
          const tick = inst(p.symbol).tickSize;
          const mark = r.markPrice;
          const healthy = !flagFor(risk, p);
          if (!healthy || mark.sub(lp).abs().lte(tick.mulInt(2))) continue;
          const towardMark = mark.gt(lp) ? 1 : -1;
          const safe = lp.add(tick.mulInt(towardMark));
          const past = lp.sub(tick.mulInt(towardMark));
          if (!past.isPositive()) continue;
          assert.equal(
            flagFor(evaluateAccount(withMark(s, p.symbol, safe)), p),
            false,
            `${p.symbol} ${p.positionSide} ${p.marginType}: liquidated at ${safe}, LP ${lp}`,
          );
          assert.equal(
            flagFor(evaluateAccount(withMark(s, p.symbol, past)), p),
            true,
            `${p.symbol} ${p.positionSide} ${p.marginType}: not liquidated at ${past}, LP ${lp}`,
          );
          checked++;
        }
      }),
      { numRuns: 3000 },
    );
    assert.ok(checked > 1000, `only ${checked} positions had a liquidation price to check`);
  });

  it('at the reported price the margin balance equals the maintenance margin (within one tick of notional)', () => {
    fc.assert(
      fc.property(genAccount, (g) => {
        const s = buildSnapshot(g);
        const risk = evaluateAccount(s);
        for (const r of risk.positions) {
          const p = r.position;
          if (r.liquidationPrice.isZero()) continue;
          const at = evaluateAccount(withMark(s, p.symbol, r.liquidationPrice));
          const [mb, mm] =
            p.marginType === 'cross'
              ? [at.crossMarginBalance, at.crossMaintMargin]
              : (() => {
                  const x = at.positions.find((y) => y.position.symbol === p.symbol && y.position.positionSide === p.positionSide);
                  return [x?.isolatedMargin as Decimal, x?.maintMargin as Decimal];
                })();
          // The price is exact to 18 places; one tick of price moves MB − MM by at most Σ|q| × tick.
          const qty = s.positions
            .filter((x) => x.symbol === p.symbol && (p.marginType === 'cross' || x.positionSide === p.positionSide))
            .reduce((a, x) => a.add(x.positionAmt.abs()), Decimal.ZERO);
          const tol = qty.mul(inst(p.symbol).tickSize);
          assert.ok(mb.sub(mm).abs().lte(tol), `${p.symbol} ${p.marginType}: MB ${mb} vs MM ${mm} at ${r.liquidationPrice}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('does not depend on the order positions are listed in', () => {
    fc.assert(
      fc.property(genAccount, fc.integer(), (g, seed) => {
        const s = buildSnapshot(g);
        const shuffled = [...s.positions].sort(
          (a, b) => (((a.symbol + a.positionSide).length * 31 + seed) % 7) - (((b.symbol + b.positionSide).length * 17 + seed) % 5),
        );
        const reversed = [...s.positions].reverse();
        const key = (r: AccountRisk) =>
          Object.fromEntries(
            r.positions.map((x) => [
              `${x.position.symbol}/${x.position.positionSide}`,
              `${x.liquidationPrice}|${x.bankruptcyPrice}|${x.maintMargin}|${x.liquidatable}`,
            ]),
          );
        const a = evaluateAccount(s);
        for (const order of [shuffled, reversed]) {
          const b = evaluateAccount({ ...s, positions: order });
          assert.deepEqual(key(b), key(a));
          assert.equal(b.availableBalance.toString(), a.availableBalance.toString());
          assert.equal(b.maxWithdrawAmount.toString(), a.maxWithdrawAmount.toString());
        }
      }),
      { numRuns: 1000 },
    );
  });
});
