/**
 * bench/risk: cost of mark-price ticks and re-margining over many accounts (run with `npm run bench`).
 *
 * The scale is 100,000 accounts / 1,000,000 positions over 10 symbols; this run builds
 * RISK_ACCOUNTS accounts (default 10,000) with one BTCUSDT position each, opened by real trades (half
 * isolated, half cross; 1 % at 100x so that a −1 % tick liquidates them), and prints:
 * - a mark tick that liquidates nobody,
 * - a full re-margin of every account (available balance, positions/s),
 * - a tick that liquidates about 1 % of the positions.
 * The engine still scans every account on a tick (no trigger-price index yet), so the tick cost grows
 * with the number of accounts: the figures show how far that is from the targets.
 */
import { Exchange, marginSummary, viewOf, type Command } from '../../src/engine/index.js';

const N = Number(process.env['RISK_ACCOUNTS'] ?? 10_000);
const ex = new Exchange();
let time = 1;
const run = (c: Command) => {
  const r = ex.execute(c);
  if (!r.ok) throw new Error(`${c.type}: ${JSON.stringify(r.error)}`);
  return r;
};

const t0 = process.hrtime.bigint();
run({ type: 'createAccount', time: time++, accountId: 'mm' });
run({ type: 'deposit', time: time++, accountId: 'mm', asset: 'USDT', amount: '100000000000' });
run({ type: 'setLeverage', time: time++, accountId: 'mm', symbol: 'BTCUSDT', leverage: 1 });
run({ type: 'setMarkPrice', time: time++, symbol: 'BTCUSDT', markPrice: '60000' });
for (let i = 0; i < N; i++) {
  const id = `a${i}`;
  const hot = i % 100 === 0;
  run({ type: 'createAccount', time: time++, accountId: id });
  run({ type: 'deposit', time: time++, accountId: id, asset: 'USDT', amount: hot ? '13' : '1000' });
  if (i % 2 === 0) run({ type: 'setMarginType', time: time++, accountId: id, symbol: 'BTCUSDT', marginType: 'ISOLATED' });
  run({ type: 'setLeverage', time: time++, accountId: id, symbol: 'BTCUSDT', leverage: hot ? 100 : 5 });
  run({
    type: 'placeOrder',
    time: time++,
    accountId: 'mm',
    symbol: 'BTCUSDT',
    side: 'SELL',
    orderType: 'LIMIT',
    quantity: '0.02',
    price: '60000',
  });
  run({ type: 'placeOrder', time: time++, accountId: id, symbol: 'BTCUSDT', side: 'BUY', orderType: 'MARKET', quantity: '0.02' });
}
// liquidity for the liquidations
run({
  type: 'placeOrder',
  time: time++,
  accountId: 'mm',
  symbol: 'BTCUSDT',
  side: 'BUY',
  orderType: 'LIMIT',
  quantity: '100',
  price: '59000',
});
const build = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`built ${N.toLocaleString('en-US')} accounts with one position each in ${build.toFixed(1)} s`);

const time1 = (f: () => void, rounds = 5): number => {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const s = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - s) / 1e6);
  }
  return best;
};

let up = true;
const quiet = time1(() => {
  run({ type: 'setMarkPrice', time: time++, symbol: 'BTCUSDT', markPrice: up ? '60010' : '60000' });
  up = !up;
});
console.log(
  `mark tick, nobody liquidated: ${quiet.toFixed(2)} ms for ${N.toLocaleString('en-US')} positions   [target ≤ 1 ms for 100,000]`,
);

const remargin = time1(() => {
  for (const a of ex.accounts.values()) marginSummary(viewOf(a), ex.symbols);
}, 3);
console.log(
  `full re-margin of every account: ${remargin.toFixed(1)} ms = ${Math.round((ex.accounts.size / remargin) * 1000).toLocaleString('en-US')} positions/s   [target ≥ 20,000,000/s]`,
);

const s = process.hrtime.bigint();
const r = run({ type: 'setMarkPrice', time: time++, symbol: 'BTCUSDT', markPrice: '59400' });
const liqMs = Number(process.hrtime.bigint() - s) / 1e6;
const n = r.events.filter((e) => e.e === 'LIQUIDATION').length;
console.log(`mark tick −1 % liquidating ${n} positions (${((n / N) * 100).toFixed(1)} %): ${liqMs.toFixed(1)} ms`);
