import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from '../core/index.js';
import { AccountUpdateData } from './account-update-data.js';

const d = Decimal.parse;

describe('AccountUpdateData', () => {
  it('formats the balances and legs it was given: entry at 8 places, unrealized PnL on the mark', () => {
    const leg = {
      symbol: 'BTCUSDT',
      positionSide: 'BOTH' as const,
      amt: d('0.003'),
      // cost basis 180.01 for 0.003: entry 60003.3333… shown at 8 places
      cost: d('180.01'),
      isolatedWallet: Decimal.ZERO,
      isolated: false,
      mark: d('60010'),
    };
    const a = new AccountUpdateData('ORDER', d('999978.795116250000000000'), d('999978.79511625'), Decimal.ZERO, d('-5.4259'), [leg]);
    assert.deepEqual(a.B, [{ a: 'USDT', wb: '999978.79511625', cw: '999978.79511625', bc: '0' }]);
    assert.deepEqual(a.P, [
      {
        s: 'BTCUSDT',
        pa: '0.003',
        ep: '60003.33333333',
        bep: '60003.33333333',
        cr: '-5.4259',
        // 0.003 × 60010 − 180.01 = 0.02
        up: '0.02',
        mt: 'cross',
        iw: '0',
        ps: 'BOTH',
        ma: 'USDT',
      },
    ]);
    // made once: the same arrays on every read, and in the JSON
    assert.equal(a.P, a.P);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), { m: 'ORDER', B: a.B, P: a.P });
  });

  it('shows 0 unrealized PnL without a mark, and an isolated leg as isolated with its wallet', () => {
    const leg = {
      symbol: 'ETHUSDT',
      positionSide: 'SHORT' as const,
      amt: d('-2'),
      cost: d('-6000'),
      isolatedWallet: d('300.5'),
      isolated: true,
      mark: undefined,
    };
    const [p] = new AccountUpdateData('ORDER', d('1000'), d('699.5'), Decimal.ZERO, Decimal.ZERO, [leg]).P;
    assert.equal(p?.up, '0');
    assert.equal(p?.ep, '3000');
    assert.equal(p?.mt, 'isolated');
    assert.equal(p?.iw, '300.5');
  });
});
