/**
 * bench/engine, the IOC alone (run with `npm run bench:ioc`; never part of `npm test`).
 *
 * The engine bench times IOC orders inside exchange-core's message mix, where ~30 other messages run
 * between two IOCs. This times the same kind of IOC in a loop of its own: a maker rests a GTC order one
 * tick from the centre, then a taker's IOC takes it whole (one fill), sides alternating. 1,000 funded
 * accounts (900 makers and 100 takers, used in turn), ~1,000 resting orders around the centre, as in the
 * engine bench. Only the IOC is timed.
 *
 * Each pass runs twice: as is, and reading a buffer of BENCH_THRASH bytes (default 4 MiB) before each IOC,
 * which pushes the loop's data out of the CPU's L2 and part of its L3, as the mix's other messages do.
 * The difference is what cold data costs an IOC (docs/engine.md, "The IOC alone and in the mix").
 *
 * BENCH_FILLS (default "1,2"): how many makers' orders each IOC takes, a list: with 2, two makers of
 * different accounts rest at the same price and the IOC takes both (two fills). The step from one to two
 * is what one more fill costs, warm and cold.
 *
 * Counted in instructions: `BENCH_TARGET=ioc npm run bench:instructions` (engine-instructions.bench.ts),
 * pairs of the first BENCH_FILLS count.
 */
import { Exchange, type Command } from '../../src/engine/index.js';
import { tuneV8 } from '../../src/cli/v8-tuning.js';

if (process.env['BENCH_V8'] !== 'default') tuneV8();

const N = Number(process.env['BENCH_N'] ?? 100_000);
const THRASH_BYTES = Number(process.env['BENCH_THRASH'] ?? 4 * 1024 * 1024);
const FILLS = (process.env['BENCH_FILLS'] ?? '1,2').split(',').map(Number);
if (FILLS.some((k) => !Number.isInteger(k) || k < 1 || k > 9))
  throw new Error('BENCH_FILLS: whole numbers of fills from 1 to 9, comma-separated');
const SYMBOL = 'BTCUSDT';
const CENTER_TICKS = 600_000; // 60000.0 at tick 0.1
const MAKERS = 900;
const TAKERS = 100;
const T0 = 1_700_000_000_000;

const ids = Array.from({ length: MAKERS + TAKERS }, (_, i) => `acc${String(i).padStart(4, '0')}`);
const priceText = (ticks: number) => `${Math.floor(ticks / 10)}.${ticks % 10}`;
const fmt2 = (n: number) => n.toFixed(2);

function limit(time: number, account: string, side: 'BUY' | 'SELL', ticks: number, qty: string, tif: 'GTC' | 'IOC'): Command {
  return {
    type: 'placeOrder',
    time,
    accountId: account,
    symbol: SYMBOL,
    side,
    orderType: 'LIMIT',
    quantity: qty,
    price: priceText(ticks),
    timeInForce: tif,
  };
}

function must(ex: Exchange, c: Command): void {
  const r = ex.execute(c);
  if (!r.ok) throw new Error(`${c.type} refused: ${r.error.code} ${r.error.msg}`);
}

/** A fresh exchange with funded accounts and a book of ~1,000 orders 2..901 ticks from the centre. */
function freshExchange(): { ex: Exchange; time: number } {
  const ex = new Exchange();
  let time = T0;
  for (const id of ids) {
    must(ex, { type: 'createAccount', time, accountId: id });
    must(ex, { type: 'deposit', time, accountId: id, asset: 'USDT', amount: '1000000' });
  }
  must(ex, { type: 'setMarkPrice', time, symbol: SYMBOL, markPrice: priceText(CENTER_TICKS) });
  // a fixed spread of distances (a multiplicative walk): the same book every pass
  let d = 7;
  for (let i = 0; i < 1000; i++) {
    d = (d * 37 + 11) % 900;
    const side = i % 2 === 0 ? 'BUY' : 'SELL';
    must(ex, limit(++time, ids[i % MAKERS] as string, side, side === 'BUY' ? CENTER_TICKS - 2 - d : CENTER_TICKS + 2 + d, '0.050', 'GTC'));
  }
  return { ex, time };
}

/** Quantity text of `units` thousandths (below 1). */
const qtyText = (units: number) => `0.${String(units).padStart(3, '0')}`;

/**
 * Pair i from engine time `time`: the makers' GTC orders (one a fill, placed and executed here) and the IOC
 * that takes them (answered, not executed). The taker buys 0.010 and sells 0.007 a fill in turn: legs grow
 * slowly, and fills both add and reduce.
 */
function makersThenIoc(ex: Exchange, i: number, fills: number, time: number): Command {
  const buy = i % 2 === 0;
  const ticks = buy ? CENTER_TICKS + 1 : CENTER_TICKS - 1;
  const units = buy ? 10 : 7;
  for (let f = 0; f < fills; f++)
    must(ex, limit(time + f, ids[(i * fills + f) % MAKERS] as string, buy ? 'SELL' : 'BUY', ticks, qtyText(units), 'GTC'));
  return limit(time + fills, ids[MAKERS + (i % TAKERS)] as string, buy ? 'BUY' : 'SELL', ticks, qtyText(units * fills), 'IOC');
}

function mustFill(r: ReturnType<Exchange['execute']>, i: number): void {
  if (!r.ok || (r.result as { status?: unknown }).status !== 'FILLED') throw new Error(`IOC ${i} did not fill: ${JSON.stringify(r)}`);
}

function pass(thrash: Int32Array | undefined, fills: number): Float64Array {
  const fresh = freshExchange();
  const ex = fresh.ex;
  let time = fresh.time;
  const lat = new Float64Array(N);
  let sink = 0;
  for (let i = 0; i < N; i++) {
    const ioc = makersThenIoc(ex, i, fills, time + 1);
    time += fills + 1;
    if (thrash !== undefined) for (let j = 0; j < thrash.length; j += 16) sink += thrash[j] as number;
    const t0 = process.hrtime.bigint();
    const r = ex.execute(ioc);
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
    mustFill(r, i);
  }
  if (sink < 0) console.log(sink); // the reads' sum is used, so the reading loop is not dropped as dead code
  return lat;
}

function report(name: string, lat: Float64Array): void {
  // the second half of the pass: the code is compiled and the legs have grown
  const s = lat.slice(N >> 1).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  let slow = 0;
  for (const v of s) if (v > 5) slow++;
  console.log(
    `  ${name.padEnd(36)} p50 ${fmt2(at(0.5))} µs, p90 ${fmt2(at(0.9))} µs, p99 ${fmt2(at(0.99))} µs; slower than 5 µs ${((100 * slow) / s.length).toFixed(1)} %`,
  );
}

// BENCH_MODE=instructions (engine-instructions.bench.ts with BENCH_TARGET=ioc runs it under callgrind):
// one exchange, WARM pairs of the first BENCH_FILLS count, then N more unless BENCH_REPLAY=0; the two
// runs' difference is N pairs' own instructions, the code long compiled
if (process.env['BENCH_MODE'] === 'instructions') {
  const fills = FILLS[0] as number;
  const fresh = freshExchange();
  let time = fresh.time;
  const pairs = (from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      mustFill(fresh.ex.execute(makersThenIoc(fresh.ex, i, fills, time + 1)), i);
      time += fills + 1;
    }
  };
  const WARM = 20_000;
  pairs(0, WARM);
  if (process.env['BENCH_REPLAY'] !== '0') pairs(WARM, N);
  process.exit(0);
}

const buffer = new Int32Array(Math.max(16, THRASH_BYTES >> 2)).fill(1);
console.log(`bench/engine IOC alone: IOC orders in a loop of their own, ${N.toLocaleString('en-US')} a pass (the second half timed)`);
for (const k of FILLS) pass(undefined, k); // warm-up: the code compiled before anything is timed
for (let round = 0; round < 2; round++) {
  for (const k of FILLS) {
    const fills = `${k} fill${k === 1 ? ' ' : 's'}`;
    report(`${fills}, as is`, pass(undefined, k));
    report(`${fills}, ${(THRASH_BYTES / 1048576).toFixed(0)} MiB read before each`, pass(buffer, k));
  }
}
console.log('  (compare: the engine bench prints the IOC in its mix by fills, "IOC by fills")');
