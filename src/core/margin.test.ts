// Worked vectors for the small margin formulas (spec margin.md §2–§3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBracketTable } from './brackets.js';
import { dec } from './decimal.js';
import { initialMargin } from './initial-margin.js';
import { maintenanceMargin } from './maintenance-margin.js';
import { openLoss, openOrderCost } from './open-order-cost.js';
import { notional, realizedPnl, unrealizedPnl } from './pnl.js';
import { marginRatio, isLiquidatable } from './margin-ratio.js';
import { availableBalance } from './available-balance.js';
import { maxWithdrawAmount } from './max-withdraw.js';

const single = (mmr: string) =>
  buildBracketTable('T', [
    { bracket: 1, initialLeverage: 75, notionalFloor: '0', notionalCap: '1000000', maintMarginRatio: mmr, cum: '0' },
  ]);

describe('margin formulas', () => {
  it('positionRisk v3 example: ADAUSDT 30 @ 0.385, mark 0.41047590, 20x, MMR 0.65%', () => {
    const n = notional(dec('30'), dec('0.41047590'));
    assert.equal(n.toString(), '12.314277');
    assert.equal(initialMargin(n, 20).toString(), '0.61571385');
    assert.equal(maintenanceMargin(single('0.0065'), n).amount.toFixed(8, 'DOWN'), '0.08004280');
    assert.equal(unrealizedPnl(dec('30'), dec('0.385'), dec('0.41047590')).toString(), '0.764277');
  });

  it('positionRisk v3 example: COMPUSDT short 1 @ 70.92841, mark 49.72023376, MMR 1%', () => {
    assert.equal(unrealizedPnl(dec('-1'), dec('70.92841'), dec('49.72023376')).toString(), '21.20817624');
    assert.equal(maintenanceMargin(single('0.01'), notional(dec('-1'), dec('49.72023376'))).amount.toFixed(8, 'DOWN'), '0.49720233');
  });

  it('order cost: official example, BTCUSDT 1 @ 9,253.30, mark 9,259.84, 20x → 462.66 long / 469.20 short', () => {
    assert.equal(openLoss('BUY', dec('1'), dec('9253.30'), dec('9259.84')).toString(), '0');
    assert.equal(openLoss('SELL', dec('1'), dec('9253.30'), dec('9259.84')).toString(), '6.54');
    // The page prints IM 462.665 truncated to cents.
    assert.equal(openOrderCost('BUY', dec('1'), dec('9253.30'), dec('9259.84'), 20).toFixed(2, 'DOWN'), '462.66');
    assert.equal(openOrderCost('SELL', dec('1'), dec('9253.30'), dec('9259.84'), 20).toFixed(2, 'DOWN'), '469.20');
  });

  it('realized PnL of closing part of a long and of a short', () => {
    assert.equal(realizedPnl(dec('0.2'), dec('60000'), dec('61000')).toString(), '200');
    assert.equal(realizedPnl(dec('-0.2'), dec('60000'), dec('61000')).toString(), '-200');
  });

  it('margin ratio example §3.6: hedge LONG 1 @ 60,000 + SHORT 0.5 @ 62,000, wallet 10,000, mark 45,000 → 7.714%', () => {
    const mb = dec('10000')
      .add(unrealizedPnl(dec('1'), dec('60000'), dec('45000')))
      .add(unrealizedPnl(dec('-0.5'), dec('62000'), dec('45000')));
    assert.equal(mb.toString(), '3500');
    const table = single('0.004');
    const mm = maintenanceMargin(table, dec('45000')).amount.add(maintenanceMargin(table, dec('22500')).amount);
    assert.equal(mm.toString(), '270');
    assert.equal(marginRatio(mm, mb)?.toFixed(5), '0.07714');
    assert.equal(isLiquidatable(mm, mb), false);
    assert.equal(isLiquidatable(mm, mm), true, 'liquidation happens at margin balance = MM');
    assert.equal(marginRatio(mm, dec('-1')), undefined);
  });

  it('available balance and max withdrawable follow the FAQ formulas', () => {
    const t = {
      crossWalletBalance: dec('1000'),
      crossUnrealizedPnl: dec('-150'),
      crossInitialMargin: dec('1000'),
      crossMaintMargin: dec('40'),
      isolatedOpenOrderMargin: dec('0'),
    };
    assert.equal(availableBalance(t).toString(), '0', 'never negative');
    assert.equal(maxWithdrawAmount(t).toString(), '0');
    const profit = { ...t, crossUnrealizedPnl: dec('300'), crossInitialMargin: dec('200') };
    assert.equal(availableBalance(profit).toString(), '1100', 'unrealized profit is available for orders');
    assert.equal(maxWithdrawAmount(profit).toString(), '960', 'but not withdrawable: capped by wallet − MM');
  });
});
