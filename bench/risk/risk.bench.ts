/**
 * bench/risk: cost of mark-price ticks and re-margining over many accounts (run with `npm run bench`).
 *
 * The scale: RISK_ACCOUNTS accounts (default 100,000) with a position in each of 10 symbols
 * (1,000,000 positions), every one opened by a real market order against a market maker. Even accounts
 * are cross in every symbol, odd ones isolated. 1 % of the accounts (i % 100 = 1, isolated) hold their
 * BTCUSDT long at 100x and another 1 % (i % 100 = 3) their ETHUSDT long, so that a −1 % tick liquidates
 * 1 % of that symbol's positions: BTCUSDT's with no bids near (the insurance fund is still empty, so every
 * one is auto-deleveraged against the shorts), ETHUSDT's into bids 0.5 % below. The four
 * built-in instruments are joined by six clones under other names (same filters and brackets) to make
 * ten symbols. It prints:
 * - a mark tick that liquidates nobody (the risk index pops no one: src/engine/risk-index.ts),
 * - a full re-index of the risk index (every account's triggers, as after a snapshot restore), with the
 *   slacks from the margin sweep's bounded floats and from the exact decimal checks,
 * - a full re-margin of every account: marginSummary of each (exact decimals), and the margin sweep
 *   (src/engine/margin-sweep.ts: float columns with error bounds, exact decisions), in positions/s,
 * - a tick that liquidates 1 % of the symbol's positions, through ADL (BTCUSDT) and through the book (ETHUSDT).
 */
import { BUILTIN_INSTRUMENTS } from '../../src/core/builtin-instruments.js';
import { loadInstrument, type Instrument } from '../../src/core/index.js';
import { Exchange, marginSummary, marginSweep, viewOf, type Command } from '../../src/engine/index.js';

const N = Number(process.env['RISK_ACCOUNTS'] ?? 100_000);
const QUIET_TICKS = 2_000;

/** per base instrument: a price and a quantity worth about 300 USDT at it */
const BASE: Record<string, { price: number; qty: string }> = {
  BTCUSDT: { price: 60000, qty: '0.005' },
  ETHUSDT: { price: 3000, qty: '0.100' },
  SOLUSDT: { price: 150, qty: '2' },
  XRPUSDT: { price: 0.6, qty: '500.0' },
};
const instruments: Instrument[] = [];
const market: { symbol: string; price: number; qty: string }[] = [];
for (let k = 0; k < 10; k++) {
  const input = BUILTIN_INSTRUMENTS[k % BUILTIN_INSTRUMENTS.length];
  if (input === undefined) throw new Error('no built-in instruments');
  const symbol = k < BUILTIN_INSTRUMENTS.length ? input.symbol : `${input.baseAsset}${k}USDT`;
  instruments.push(
    loadInstrument({ ...input, symbol, baseAsset: k < BUILTIN_INSTRUMENTS.length ? input.baseAsset : `${input.baseAsset}${k}` }),
  );
  const base = BASE[input.symbol];
  if (base === undefined) throw new Error(`no bench price for ${input.symbol}`);
  market.push({ symbol, ...base });
}

const ex = new Exchange(instruments);
let time = 1;
const run = (c: Command) => {
  const r = ex.execute(c);
  if (!r.ok) throw new Error(`${c.type} ${JSON.stringify(c)}: ${JSON.stringify(r.error)}`);
  return r;
};
/** the cohort liquidated by a −1 % tick of symbol k (k = 0 BTCUSDT, k = 1 ETHUSDT) */
const hotIn = (i: number, k: number) => (k === 0 && i % 100 === 1) || (k === 1 && i % 100 === 3);
const side = (i: number, k: number): 'BUY' | 'SELL' => (hotIn(i, k) ? 'BUY' : (i + k) % 2 === 0 ? 'BUY' : 'SELL');

const t0 = process.hrtime.bigint();
run({ type: 'createAccount', time: time++, accountId: 'mm' });
run({ type: 'deposit', time: time++, accountId: 'mm', asset: 'USDT', amount: '100000000000' });
for (const m of market) {
  run({ type: 'setLeverage', time: time++, accountId: 'mm', symbol: m.symbol, leverage: 1 });
  run({ type: 'setMarkPrice', time: time++, symbol: m.symbol, markPrice: String(m.price) });
  // one resting order per side holds every taker's fill (the takers are about half buyers, half sellers)
  let buys = 0;
  for (let i = 0; i < N; i++) if (side(i, market.indexOf(m)) === 'BUY') buys++;
  // the maker's resting orders, split at the symbol's maximum order quantity
  const inst = instruments[market.indexOf(m)] as Instrument;
  const decimals = m.qty.includes('.') ? (m.qty.split('.')[1]?.length ?? 0) : 0;
  const rest = (side: 'BUY' | 'SELL', takers: number, price: string) => {
    const perOrder = Math.max(1, Math.floor(Number(inst.maxQty.toString()) / Number(m.qty)));
    for (let left = takers; left > 0; left -= perOrder) {
      const quantity = (Math.min(left, perOrder) * Number(m.qty)).toFixed(decimals);
      run({ type: 'placeOrder', time: time++, accountId: 'mm', symbol: m.symbol, side, orderType: 'LIMIT', quantity, price });
    }
  };
  rest('SELL', buys, String(m.price));
  // (one tick below the ask: the two would trade with each other at one price)
  rest('BUY', N - buys, (m.price - Number(inst.tickSize.toString())).toFixed(4));
}
const hot = [0, 0];
for (let i = 0; i < N; i++) {
  const id = `a${i}`;
  const isolated = i % 2 === 1;
  if (hotIn(i, 0)) hot[0] = (hot[0] ?? 0) + 1;
  if (hotIn(i, 1)) hot[1] = (hot[1] ?? 0) + 1;
  run({ type: 'createAccount', time: time++, accountId: id });
  run({ type: 'deposit', time: time++, accountId: id, asset: 'USDT', amount: '10000' });
  market.forEach((m, k) => {
    if (isolated) run({ type: 'setMarginType', time: time++, accountId: id, symbol: m.symbol, marginType: 'ISOLATED' });
    if (hotIn(i, k)) run({ type: 'setLeverage', time: time++, accountId: id, symbol: m.symbol, leverage: 100 });
    run({ type: 'placeOrder', time: time++, accountId: id, symbol: m.symbol, side: side(i, k), orderType: 'MARKET', quantity: m.qty });
  });
}
const btc = market[0] as (typeof market)[number];
const eth = market[1] as (typeof market)[number];
// liquidity for the ETHUSDT liquidations: bids 0.5 % below (above the 100x longs' bankruptcy prices, ~1 %
// below); BTCUSDT gets none
run({
  type: 'placeOrder',
  time: time++,
  accountId: 'mm',
  symbol: eth.symbol,
  side: 'BUY',
  orderType: 'LIMIT',
  quantity: '100',
  price: (eth.price * 0.995).toFixed(2),
});
const build = Number(process.hrtime.bigint() - t0) / 1e9;
let positions = 0;
for (const a of ex.accounts.values()) for (const p of a.positions.values()) if (!p.amt.isZero()) positions++;
const btcHolders = ex.holders.get(btc.symbol)?.size ?? 0;
console.log(
  `built ${N.toLocaleString('en-US')} accounts, ${positions.toLocaleString('en-US')} positions over ${market.length} symbols ` +
    `(${btcHolders.toLocaleString('en-US')} holding ${btc.symbol}) by real orders in ${build.toFixed(1)} s`,
);

// ---- the first tick indexes every account the build changed (triggers are recomputed lazily) -------
const first = process.hrtime.bigint();
run({ type: 'setMarkPrice', time: time++, symbol: btc.symbol, markPrice: String(btc.price) });
console.log(
  `first tick after the build (computes the triggers of every changed account): ${(Number(process.hrtime.bigint() - first) / 1e6).toFixed(0)} ms; ` +
    `risk index ${JSON.stringify(ex.risk.size())}`,
);

// ---- a tick that liquidates nobody ----------------------------------------------------------------
const samples = new Float64Array(QUIET_TICKS);
for (let i = 0; i < QUIET_TICKS; i++) {
  const price = String(i % 2 === 0 ? btc.price + 6 : btc.price); // ±0.01 %
  const s = process.hrtime.bigint();
  const r = run({ type: 'setMarkPrice', time: time++, symbol: btc.symbol, markPrice: price });
  samples[i] = Number(process.hrtime.bigint() - s) / 1e6;
  if (r.events.length !== 1) throw new Error(`a quiet tick produced ${r.events.length} events`);
}
samples.sort();
const pct = (p: number) => samples[Math.min(QUIET_TICKS - 1, Math.ceil((p / 100) * QUIET_TICKS) - 1)] as number;
console.log(
  `mark tick, nobody liquidated (${btcHolders.toLocaleString('en-US')} ${btc.symbol} positions): ` +
    `p50 ${(pct(50) * 1000).toFixed(1)} µs, p99 ${(pct(99) * 1000).toFixed(1)} µs, max ${(pct(100) * 1000).toFixed(1)} µs over ${QUIET_TICKS} ticks   ` +
    `[target ≤ 1 ms for 100,000: ${pct(99) <= 1 ? 'met' : 'NOT met'}]`,
);

// ---- full re-margin ---------------------------------------------------------------------------------
let best = Infinity;
for (let round = 0; round < 2; round++) {
  const s = process.hrtime.bigint();
  for (const a of ex.accounts.values()) marginSummary(viewOf(a), ex.symbols);
  best = Math.min(best, Number(process.hrtime.bigint() - s) / 1e6);
}
const perSecond = Math.round((positions / best) * 1000);
console.log(
  `full re-margin of every account (exact decimals, marginSummary): ${best.toFixed(0)} ms = ${perSecond.toLocaleString('en-US')} positions/s`,
);

// ---- full re-index (every account's triggers, as after restoreSnapshot) ------------------------------
const reindex = (from: 'sweep' | 'exact') => {
  ex.risk.slacksFrom = from;
  const s = process.hrtime.bigint();
  ex.risk.markAllDirty();
  ex.risk.flush();
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  ex.risk.slacksFrom = 'sweep';
  return ms;
};
// alternated, best of two each (each pass leaves the previous entries stale until the heaps are compacted)
let reindexExact = Infinity;
let reindexSweep = Infinity;
for (let round = 0; round < 2; round++) {
  reindexExact = Math.min(reindexExact, reindex('exact'));
  reindexSweep = Math.min(reindexSweep, reindex('sweep'));
}
console.log(
  `full re-index of the risk index (markAllDirty + flush, ${positions.toLocaleString('en-US')} positions): ` +
    `slacks from exact decimals ${reindexExact.toFixed(0)} ms, from the margin sweep ${reindexSweep.toFixed(0)} ms ` +
    `(${(reindexExact / reindexSweep).toFixed(1)}×); risk index ${JSON.stringify(ex.risk.size())}`,
);

// ---- full re-margin with the margin sweep -----------------------------------------------------------
// the first sweep after a reset copies every account into the columns; later ones only re-read the dirty ones
ex.risk.sweep.markAllDirty();
const firstStart = process.hrtime.bigint();
let result = marginSweep(ex);
const firstSweep = Number(process.hrtime.bigint() - firstStart) / 1e6;
let bestSweep = Infinity;
for (let round = 0; round < 10; round++) {
  const s = process.hrtime.bigint();
  result = marginSweep(ex);
  bestSweep = Math.min(bestSweep, Number(process.hrtime.bigint() - s) / 1e6);
}
if (result.positions !== positions) throw new Error(`the sweep saw ${result.positions} positions, not ${positions}`);
const sweepPerSecond = Math.round((positions / bestSweep) * 1000);
console.log(
  `full re-margin of every account (margin sweep: float columns with error bounds, exact decisions): ${bestSweep.toFixed(1)} ms = ` +
    `${sweepPerSecond.toLocaleString('en-US')} positions/s, ${result.rechecked.toLocaleString('en-US')} accounts rechecked exactly, ` +
    `${result.crossLiquidatable.length + result.isolatedLiquidatable.length} liquidatable, ${result.marginCall.length} at the margin-call level ` +
    `(first sweep, copying every account into the columns: ${firstSweep.toFixed(0)} ms)   ` +
    `[target ≥ 20,000,000 positions/s: ${sweepPerSecond >= 20_000_000 ? 'met' : 'NOT met'}]`,
);

// ---- ticks that liquidate 1 % ------------------------------------------------------------------------
for (const [k, m, via] of [
  [0, btc, 'auto-deleveraged (no bids, empty insurance fund)'],
  [1, eth, 'into the book'],
] as const) {
  const holders = ex.holders.get(m.symbol)?.size ?? 0;
  const s = process.hrtime.bigint();
  const r = run({ type: 'setMarkPrice', time: time++, symbol: m.symbol, markPrice: (m.price * 0.99).toFixed(2) });
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  const n = r.events.filter((e) => e.e === 'LIQUIDATION').length;
  const adl = r.events.filter((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.c === 'adl_autoclose').length;
  console.log(
    `mark tick −1 % on ${m.symbol} liquidating ${n.toLocaleString('en-US')} of ${holders.toLocaleString('en-US')} positions ` +
      `(${((n / holders) * 100).toFixed(2)} %) ${via}: ${ms.toFixed(1)} ms, ${r.events.length.toLocaleString('en-US')} events` +
      (adl > 0 ? `, ${adl.toLocaleString('en-US')} ADL fills` : ''),
  );
  if (n !== hot[k]) throw new Error(`expected ${hot[k]} liquidations on ${m.symbol}, got ${n}`);
}
