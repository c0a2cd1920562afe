// End-to-end through the real `perpsim` binary: the examples of examples/ and the bad-input contract.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = `${root}bin/perpsim.js`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function perpsim(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Json = Record<string, any>;

function calcFile(name: string): Json {
  const r = perpsim(['calc', `examples/${name}`]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Json;
}

const pos = (block: Json, symbol: string, side = 'BOTH'): Json =>
  block.positions.find((p: Json) => p.symbol === symbol && p.positionSide === side);
const cents = (s: string) => Number(s).toFixed(2);

describe('perpsim calc: spec §4.4 worked examples', () => {
  it("Binance's official cross example: ETH 1,153.26 and BTC 26,316.89", () => {
    const out = calcFile('binance-official-cross-2021.json');
    assert.equal(cents(pos(out, 'ETHUSDT').liquidationPrice), '1153.26');
    assert.equal(cents(pos(out, 'BTCUSDT').liquidationPrice), '26316.89');
    assert.equal(pos(out, 'BTCUSDT').maintMargin, '71200.811444');
    assert.equal(pos(out, 'ETHUSDT').maintMargin, '356512.508122');
  });

  it('Example A: 57,228.92 / bankruptcy 57,000', () => {
    const p = pos(calcFile('spec-example-a-isolated-long.json'), 'BTCUSDT');
    assert.equal(p.liquidationPrice, '57228.91566265');
    assert.equal(p.bankruptcyPrice, '57000');
  });

  it('Example B: 65,733.83 (bracket 2 at the liquidation notional) / bankruptcy 66,000', () => {
    const p = pos(calcFile('spec-example-b-isolated-short.json'), 'BTCUSDT');
    assert.equal(p.liquidationPrice, '65733.83084577');
    assert.equal(p.bankruptcyPrice, '66000');
  });

  it('Example C: hedge cross shares one price 38,461.54; margin ratio 7.714% at 45,000', () => {
    const out = calcFile('spec-example-c-hedge-cross.json');
    assert.equal(pos(out, 'BTCUSDT', 'LONG').liquidationPrice, '38461.53846154');
    assert.equal(pos(out, 'BTCUSDT', 'SHORT').liquidationPrice, '38461.53846154');
    assert.equal(pos(out, 'BTCUSDT', 'SHORT').positionAmt, '-0.5', 'Binance shows a SHORT leg as a negative amount');
    const at45k = out.scenarios[0];
    assert.equal(at45k.account.crossMarginBalance, '3500');
    assert.equal(at45k.account.crossMaintMargin, '270');
    assert.equal(at45k.account.accountMarginRatio, '0.07714286');
  });
});

describe('perpsim calc: the seed articles', () => {
  // Seed "Isolated vs Cross" (002): a 1,000 USDT account, BTC and ETH longs of 5,000 USDT at 10x (Case A,
  // cross) or 1,000 USDT with 100 USDT isolated margin each (Case B); BTC −8 %, ETH +5 %.
  it('Case A (cross): net floating loss 150, account balance 850, no liquidation', () => {
    const out = calcFile('seed-case-a-cross.json');
    assert.equal(pos(out, 'BTCUSDT').initialMargin, '500');
    assert.equal(pos(out, 'ETHUSDT').initialMargin, '500');
    const s = out.scenarios[0];
    assert.equal(pos(s, 'BTCUSDT').unRealizedProfit, '-400');
    assert.equal(pos(s, 'ETHUSDT').unRealizedProfit, '250');
    assert.equal(s.account.totalUnrealizedProfit, '-150');
    assert.equal(s.account.totalMarginBalance, '850');
    assert.equal(s.account.liquidatable, false);
    // "once liquidation happens, all 1,000 USDT is gone": the whole account is at stake.
    assert.equal(out.scenarios[1].account.liquidatable, true);
  });

  it('Case B (isolated): BTC loses 80 and has 20 left, ETH +50 cannot help it; at −10 % only that 100 is lost', () => {
    const out = calcFile('seed-case-b-isolated.json');
    const s = out.scenarios[0];
    assert.equal(pos(s, 'BTCUSDT').unRealizedProfit, '-80');
    assert.equal(pos(s, 'BTCUSDT').isolatedMargin, '20');
    assert.equal(pos(s, 'ETHUSDT').unRealizedProfit, '50');
    assert.equal(pos(s, 'ETHUSDT').isolatedMargin, '150');
    // "near liquidation" is loose: 20 left against an MM of 3.68 is not liquidated yet; it is at 90,361.45.
    assert.equal(pos(s, 'BTCUSDT').maintMargin, '3.68');
    assert.equal(pos(s, 'BTCUSDT').liquidatable, false);
    assert.equal(cents(pos(s, 'BTCUSDT').liquidationPrice), '90361.45');
    const worse = out.scenarios[1];
    assert.equal(pos(worse, 'BTCUSDT').liquidatable, true);
    assert.equal(pos(worse, 'ETHUSDT').liquidatable, false);
    assert.equal(worse.account.totalCrossWalletBalance, '800', 'the 800 outside the isolated positions is untouched');
    assert.equal(out.scenarios[2].account.liquidatable, false, 'even at −25 % the cross wallet is not at risk');
  });

  it('Initial margin = position size / leverage: 1,000 @ 10x → 100, 5,000 @ 5x → 1,000, 100 @ 20x → 5', () => {
    const out = calcFile('seed-initial-margin.json');
    assert.equal(pos(out, 'BTCUSDT').initialMargin, '100');
    assert.equal(pos(out, 'ETHUSDT').initialMargin, '1000');
    assert.equal(pos(out, 'XRPUSDT').initialMargin, '5');
  });

  it("the article's leverage table: IM rate = 1/L; the MM rate depends on the bracket, not on leverage", () => {
    // Seed 002's table pairs 5x–100x with a 0.5 % maintenance rate and 125x with 0.4 %. On Binance MM
    // does not depend on leverage (tax-bracket method): a 1,000 USDT BTCUSDT position is in bracket 1
    // (0.4 %) at every leverage; 0.5 % is bracket 1 of SOLUSDT/XRPUSDT or bracket 2 of BTCUSDT. The
    // article's IM rates are right and its MM column is only right for those; we test the real figures.
    const expected: [number, string][] = [
      [5, '200'],
      [10, '100'],
      [20, '50'],
      [50, '20'],
      [100, '10'],
      [125, '8'],
    ];
    for (const [lev, im] of expected) {
      const input = {
        crossWalletBalance: '1000',
        markPrices: { BTCUSDT: '100000' },
        positions: [{ symbol: 'BTCUSDT', positionAmt: '0.01', entryPrice: '100000', leverage: lev, marginType: 'cross' }],
      };
      const r = perpsim(['calc', '-'], JSON.stringify(input));
      assert.equal(r.status, 0, r.stderr);
      const p = pos(JSON.parse(r.stdout), 'BTCUSDT');
      assert.equal(p.initialMargin, im, `IM at ${lev}x`);
      assert.equal(p.maintMarginRatio, '0.004', `MMR at ${lev}x`);
      assert.equal(p.maintMargin, '4');
    }
  });

  it('10,000 USDT account, 2,000 isolated on a BTC long at 10x: liquidation takes the 2,000 and keeps the 8,000', () => {
    const out = calcFile('seed-isolated-2000-of-10000.json');
    const s = out.scenarios[0];
    assert.equal(pos(s, 'BTCUSDT').liquidatable, true);
    assert.equal(s.account.totalCrossWalletBalance, '8000');
    assert.equal(s.account.liquidatable, false);
  });

  it('5,000 wallet, 15,000 BTC long at 3x cross: the profitable ETH position pushes the liquidation price away', () => {
    const out = calcFile('seed-cross-3x-5000.json');
    const up = Number(pos(out.scenarios[0], 'BTCUSDT').liquidationPrice);
    const down = Number(pos(out.scenarios[1], 'BTCUSDT').liquidationPrice);
    assert.ok(up < down, `ETH profit should lower BTC's liquidation price (${up} vs ${down})`);
  });

  it('every example file evaluates', () => {
    for (const f of readdirSync(`${root}examples`).filter((n) => n.endsWith('.json'))) calcFile(f);
  });
});

describe('perpsim calc: bad input', () => {
  const good = () => ({
    positionMode: 'one-way',
    crossWalletBalance: '10000',
    markPrices: { BTCUSDT: '59000' },
    positions: [
      {
        symbol: 'BTCUSDT',
        positionSide: 'BOTH',
        positionAmt: '0.5',
        entryPrice: '60000',
        leverage: 20,
        marginType: 'isolated',
        isolatedWallet: '1500',
      },
    ],
  });
  const cases: [string, (j: Json) => void, RegExp][] = [
    ['missing field', (j) => delete j.crossWalletBalance, /^perpsim calc: crossWalletBalance: required$/],
    ['non-numeric string', (j) => (j.positions[0].positionAmt = 'abc'), /^perpsim calc: positions\[0\]\.positionAmt: not a decimal number/],
    ['number instead of string', (j) => (j.crossWalletBalance = 10000), /^perpsim calc: crossWalletBalance: expected a decimal string/],
    [
      'unknown symbol',
      (j) => ((j.positions[0].symbol = 'DOGEUSDT'), (j.markPrices = { DOGEUSDT: '1' })),
      /^perpsim calc: positions\[0\]\.symbol: unknown symbol "DOGEUSDT"/,
    ],
    [
      'inconsistent bracket table',
      (j) =>
        (j.brackets = {
          BTCUSDT: [
            { bracket: 1, initialLeverage: 125, notionalFloor: '0', notionalCap: '50000', maintMarginRatio: '0.004', cum: '0' },
            { bracket: 2, initialLeverage: 100, notionalFloor: '50000', notionalCap: '600000', maintMarginRatio: '0.005', cum: '40' },
          ],
        }),
      /^perpsim calc: brackets\.BTCUSDT\[1\]\.cum: inconsistent/,
    ],
    [
      'negative quantity with LONG',
      (j) => ((j.positionMode = 'hedge'), (j.positions[0].positionSide = 'LONG'), (j.positions[0].positionAmt = '-0.5')),
      /^perpsim calc: positions\[0\]\.positionAmt: must not be negative with LONG/,
    ],
    [
      'LONG in one-way mode',
      (j) => (j.positions[0].positionSide = 'LONG'),
      /^perpsim calc: positions\[0\]\.positionSide: must be BOTH in one-way mode/,
    ],
    ['isolated without wallet', (j) => delete j.positions[0].isolatedWallet, /^perpsim calc: positions\[0\]\.isolatedWallet: required/],
    [
      'bad enum',
      (j) => (j.positions[0].marginType = 'ISOLATED'),
      /^perpsim calc: positions\[0\]\.marginType: expected "isolated" or "cross"/,
    ],
    ['missing mark', (j) => (j.markPrices = {}), /^perpsim calc: markPrices\.BTCUSDT: missing mark price/],
    ['bad leverage', (j) => (j.positions[0].leverage = 0), /^perpsim calc: positions\[0\]\.leverage: expected an integer leverage/],
    ['unknown field', (j) => (j.positions[0].foo = 1), /^perpsim calc: positions\[0\]\.foo: unknown field/],
    ['exponent notation', (j) => (j.markPrices.BTCUSDT = '5.9e4'), /^perpsim calc: markPrices\.BTCUSDT: not a decimal number/],
  ];
  for (const [name, mutate, re] of cases) {
    it(`${name}: exit 2, one line naming the field`, () => {
      const j = good() as Json;
      mutate(j);
      const r = perpsim(['calc', '-'], JSON.stringify(j));
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), re);
    });
  }

  it('not JSON, and a missing file', () => {
    let r = perpsim(['calc', '-'], '{nope');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^perpsim calc: input is not valid JSON/);
    r = perpsim(['calc', 'no-such-file.json']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^perpsim calc: cannot read no-such-file\.json: ENOENT/);
  });

  it('--help works', () => {
    const r = perpsim(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /calc \[options\] \[file\]|calc \[file\]/);
  });
});
