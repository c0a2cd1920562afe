import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BracketTableError,
  bracketForNotional,
  buildBracketTable,
  maxLeverage,
  maxNotionalForLeverage,
  type BracketInput,
} from './brackets.js';
import { dec } from './decimal.js';
import { builtinInstruments } from './instrument.js';

const btc = () => (builtinInstruments().get('BTCUSDT') as NonNullable<ReturnType<ReturnType<typeof builtinInstruments>['get']>>).brackets;

describe('leverage brackets', () => {
  it('ships validated tables for BTCUSDT, ETHUSDT, SOLUSDT and XRPUSDT', () => {
    const all = builtinInstruments();
    assert.deepEqual([...all.keys()].sort(), ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']);
    assert.equal(all.get('BTCUSDT')?.brackets.length, 12);
    assert.equal(all.get('SOLUSDT')?.brackets[0]?.initialLeverage, 100);
    assert.equal(all.get('XRPUSDT')?.brackets[0]?.notionalCap.toString(), '10000');
  });

  it('matches the spec §2.5.1 BTCUSDT cum column (recurrence checked on load)', () => {
    const cums = btc().map((b) => b.cum.toString());
    assert.deepEqual(cums, [
      '0',
      '50',
      '950',
      '11450',
      '131450',
      '481450',
      '2981450',
      '14481450',
      '26481450',
      '41481450',
      '121481450',
      '421481450',
    ]);
    const eth = builtinInstruments()
      .get('ETHUSDT')
      ?.brackets.map((b) => b.cum.toString());
    assert.deepEqual(eth, [
      '0',
      '50',
      '950',
      '11450',
      '131450',
      '381450',
      '2006450',
      '9506450',
      '17506450',
      '27506450',
      '80506450',
      '280506450',
    ]);
  });

  it('selects the bracket with floor exclusive and cap inclusive', () => {
    assert.equal(bracketForNotional(btc(), dec('0')).bracket, 1);
    assert.equal(bracketForNotional(btc(), dec('50000')).bracket, 1);
    assert.equal(bracketForNotional(btc(), dec('50000.01')).bracket, 2);
    assert.equal(bracketForNotional(btc(), dec('-52587.06')).bracket, 2);
    assert.equal(bracketForNotional(btc(), dec('99999999999')).bracket, 12);
  });

  it('gives maxNotionalValue per leverage as spec §2.2 tabulates', () => {
    const expected: [number, string][] = [
      [125, '50000'],
      [101, '50000'],
      [100, '600000'],
      [76, '600000'],
      [75, '3000000'],
      [50, '12000000'],
      [26, '12000000'],
      [25, '70000000'],
      [20, '100000000'],
      [11, '100000000'],
      [10, '230000000'],
      [5, '480000000'],
      [4, '600000000'],
      [3, '800000000'],
      [2, '1200000000'],
      [1, '1800000000'],
    ];
    for (const [lev, cap] of expected) assert.equal(maxNotionalForLeverage(btc(), lev)?.toString(), cap, `L=${lev}`);
    assert.equal(maxNotionalForLeverage(btc(), 126), undefined);
    assert.equal(maxLeverage(btc()), 125);
  });

  const rows = (): BracketInput[] => [
    { bracket: 1, initialLeverage: 125, notionalFloor: '0', notionalCap: '50000', maintMarginRatio: '0.004', cum: '0' },
    { bracket: 2, initialLeverage: 100, notionalFloor: '50000', notionalCap: '250000', maintMarginRatio: '0.005', cum: '50' },
    { bracket: 3, initialLeverage: 50, notionalFloor: '250000', notionalCap: '1000000', maintMarginRatio: '0.01', cum: '1300' },
  ];

  it('accepts the official example "Level 3 = 250,000 × (1% − 0.5%) + 50 = 1,300"', () => {
    assert.equal(buildBracketTable('X', rows())[2]?.cum.toString(), '1300');
  });

  it('refuses inconsistent tables with a message naming the row and field', () => {
    const cases: [(r: BracketInput[]) => void, RegExp][] = [
      [(r) => ((r[2] as BracketInput).cum = '1250'), /brackets\.X\[2\]\.cum: inconsistent.*expected 1300/],
      [(r) => ((r[1] as BracketInput).notionalFloor = '60000'), /brackets\.X\[1\]\.notionalFloor: must equal the previous/],
      [(r) => ((r[0] as BracketInput).notionalFloor = '1'), /brackets\.X\[0\]\.notionalFloor/],
      [(r) => ((r[1] as BracketInput).bracket = 3), /brackets\.X\[1\]\.bracket/],
      [(r) => ((r[1] as BracketInput).maintMarginRatio = 'abc'), /brackets\.X\[1\]\.maintMarginRatio: not a decimal/],
      [(r) => ((r[1] as BracketInput).maintMarginRatio = '1.5'), /maintMarginRatio: must be between 0 and 1/],
      [(r) => ((r[2] as BracketInput).initialLeverage = 120), /brackets\.X\[2\]\.initialLeverage/],
      [(r) => ((r[1] as BracketInput).notionalCap = '40000'), /brackets\.X\[1\]\.notionalCap/],
    ];
    for (const [mutate, re] of cases) {
      const r = rows();
      mutate(r);
      assert.throws(
        () => buildBracketTable('X', r),
        (e: unknown) => e instanceof BracketTableError && re.test(e.message),
      );
    }
    assert.throws(() => buildBracketTable('X', []), BracketTableError);
  });
});
