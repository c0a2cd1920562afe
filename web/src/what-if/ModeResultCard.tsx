/**
 * One margin mode at the chosen move: the verdict, equity and change, each position's figures (rows =
 * figures, columns = positions, so the Isolated and Cross cards line up), and the equity chart.
 * Every figure is printed with `show()`, the rounding `perpsim calc` prints with.
 */
import type { CSSProperties, ReactNode } from 'react';
import type { Decimal } from '../../../src/core/index.js';
import { show } from '../../../src/cli/calc-output.js';
import { DecimalNumber } from '../ui/DecimalNumber.js';
import { changePercent, groupDecimal, percentText } from '../ui/decimal-text.js';
import { baseAsset } from './draft-account.js';
import { EquityChart } from './EquityChart.js';
import type { EquityCurve } from './equity-curve.js';
import type { ModeOutcome, PositionOutcome } from './margin-outcome.js';

export interface ModeResultCardProps {
  readonly outcome: ModeOutcome;
  readonly curve: EquityCurve | undefined;
  readonly scenarioName: string;
}

const MODE_TEXT = {
  isolated: { title: 'Isolated', lede: 'Each position risks only the margin put into it.', color: '#5b8def' },
  cross: { title: 'Cross', lede: 'All positions share the whole wallet.', color: '#e2a93b' },
} as const;

function ratioText(r: Decimal | undefined): string {
  return r === undefined ? '∞' : `${percentText(r)} %`;
}

function verdict(o: ModeOutcome): { text: string; tone: 'ok' | 'bad' } {
  const m = o.moved;
  if (o.mode === 'cross') {
    return m.risk.crossLiquidatable
      ? { text: `Account liquidated: all ${groupDecimal(show(m.liquidatedMargin))} USDT lost`, tone: 'bad' }
      : { text: 'No liquidation', tone: 'ok' };
  }
  const gone = m.positions.filter((p) => p.liquidated);
  if (gone.length === 0) return { text: 'No liquidation', tone: 'ok' };
  const names = gone.map((p) => baseAsset(p.risk.position.symbol)).join(' and ');
  return { text: `${names} liquidated: ${groupDecimal(show(m.liquidatedMargin))} USDT of margin lost`, tone: 'bad' };
}

function positionLabel(p: PositionOutcome): string {
  const amt = p.risk.position.positionAmt;
  return `${baseAsset(p.risk.position.symbol)} ${amt.isNegative() ? 'short' : 'long'} ${amt.abs().toString()}`;
}

export function ModeResultCard({ outcome, curve, scenarioName }: ModeResultCardProps) {
  const { mode, moved, now } = outcome;
  const text = MODE_TEXT[mode];
  const v = verdict(outcome);
  const wallet = moved.risk.totalWalletBalance;
  const id = (what: string, symbol?: string) => `${mode}-${symbol === undefined ? '' : `${symbol}-`}${what}`;
  const row = (label: string, hint: string, cell: (p: PositionOutcome, i: number) => ReactNode) => (
    <tr>
      <th scope="row" title={hint}>
        {label}
      </th>
      {moved.positions.map((p, i) => (
        <td key={p.risk.position.symbol}>{cell(p, i)}</td>
      ))}
    </tr>
  );

  return (
    <section
      className={`panel mode-card mode-${mode}`}
      data-testid={`mode-${mode}`}
      style={{ '--mode-color': text.color } as CSSProperties}
    >
      <header className="mode-head">
        <div>
          <h2>{text.title}</h2>
          <p className="lede">{text.lede}</p>
        </div>
        <span className={`badge badge-${v.tone}`} data-testid={id('verdict')}>
          {v.text}
        </span>
      </header>

      <div className="stats">
        <div className="stat">
          <span className="stat-label" title={`what the account holds at ${scenarioName}, liquidated positions closed`}>
            Equity after the move
          </span>
          <span className="stat-value big">
            <DecimalNumber value={show(moved.equity)} testId={id('equity')} /> <small>USDT</small>
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">{moved.change.isNegative() ? 'Loss' : 'Change'}</span>
          <span className="stat-value">
            <DecimalNumber value={show(moved.change)} signed plus testId={id('change')} />
            <small className="stat-sub">{changePercent(wallet, moved.equity)} % of the wallet</small>
          </span>
        </div>
        {mode === 'cross' ? (
          <div className="stat">
            <span className="stat-label" title="cross maintenance margin / cross margin balance; liquidation at 100 %">
              Account margin ratio
            </span>
            <span
              className="stat-value"
              data-testid={id('accountMarginRatio')}
              data-value={moved.risk.accountMarginRatio === undefined ? '' : show(moved.risk.accountMarginRatio)}
            >
              {ratioText(moved.risk.accountMarginRatio)}
            </span>
          </div>
        ) : (
          <div className="stat">
            <span className="stat-label" title="the wallet less the isolated margins: what no isolated liquidation can touch">
              Cross wallet
            </span>
            <span className="stat-value">
              <DecimalNumber value={show(moved.risk.totalCrossWalletBalance)} testId={id('crossWallet')} />
            </span>
          </div>
        )}
        <div className="stat">
          <span className="stat-label" title="wallet + unrealized PnL, before liquidations">
            Margin balance
          </span>
          <span className="stat-value">
            <DecimalNumber value={show(moved.risk.totalMarginBalance)} testId={id('marginBalance')} />
            {!moved.risk.totalMarginBalance.eq(moved.equity) && <small className="stat-sub">if nothing were liquidated</small>}
          </span>
        </div>
      </div>

      <table className="figures">
        <thead>
          <tr>
            <th />
            {moved.positions.map((p) => (
              <th
                key={p.risk.position.symbol}
                scope="col"
                className={p.risk.position.positionAmt.isNegative() ? 'side-short' : 'side-long'}
              >
                {positionLabel(p)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {row('Mark price', 'the mark after the move', (p) => (
            <DecimalNumber value={show(p.risk.markPrice)} testId={id('markPrice', p.risk.position.symbol)} />
          ))}
          {row('Unrealized PnL', 'size × (mark − entry)', (p) => (
            <DecimalNumber value={show(p.risk.unRealizedProfit)} signed plus testId={id('unRealizedProfit', p.risk.position.symbol)} />
          ))}
          {mode === 'isolated' &&
            row('Isolated margin', "the position's margin balance: the margin put in + its unrealized PnL (of the margin put in)", (p) => (
              <>
                <DecimalNumber value={show(p.risk.isolatedMargin)} testId={id('isolatedMargin', p.risk.position.symbol)} />
                <span className="of">
                  {' '}
                  of <DecimalNumber value={show(p.risk.position.isolatedWallet)} testId={id('isolatedWallet', p.risk.position.symbol)} />
                </span>
              </>
            ))}
          {row('Maint. margin', 'notional × maintenance rate − maintenance amount of its bracket', (p) => (
            <DecimalNumber value={show(p.risk.maintMargin)} testId={id('maintMargin', p.risk.position.symbol)} />
          ))}
          {row(
            'Margin ratio',
            mode === 'isolated' ? 'maintenance margin / isolated margin; liquidation at 100 %' : "the cross account's ratio",
            (p) => (
              <span
                data-testid={id('marginRatio', p.risk.position.symbol)}
                data-value={p.risk.marginRatio === undefined ? '' : show(p.risk.marginRatio)}
              >
                {ratioText(p.risk.marginRatio)}
              </span>
            ),
          )}
          {row('Liquidation price', 'the mark at which the margin balance meets the maintenance margin', (p, i) => {
            const lp = p.risk.liquidationPrice;
            const before = now.positions[i]?.risk.markPrice;
            return lp.isPositive() ? (
              <>
                <DecimalNumber value={show(lp)} testId={id('liquidationPrice', p.risk.position.symbol)} />
                {before !== undefined && <small className="distance">{changePercent(before, lp)} % from now</small>}
              </>
            ) : (
              <span className="muted" data-testid={id('liquidationPrice', p.risk.position.symbol)} data-value="0">
                none
              </span>
            );
          })}
          {row('Status', 'liquidated at the marks after the move?', (p) => (
            <span className={p.liquidated ? 'status status-bad' : 'status status-ok'} data-testid={id('status', p.risk.position.symbol)}>
              {p.liquidated ? 'Liquidated' : 'Open'}
            </span>
          ))}
        </tbody>
      </table>

      {curve !== undefined && (
        <EquityChart curve={curve} wallet={wallet.toNumber()} color={text.color} moveLabel={scenarioName} testId={id('chart')} />
      )}
    </section>
  );
}
