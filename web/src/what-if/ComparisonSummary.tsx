/**
 * The comparison in two sentences: what each mode leaves of the account at the move, and at which price
 * of the chart symbol each mode liquidates.
 */
import { show } from '../../../src/cli/calc-output.js';
import { DecimalNumber } from '../ui/DecimalNumber.js';
import { changePercent } from '../ui/decimal-text.js';
import { baseAsset } from './draft-account.js';
import type { ModeOutcome } from './margin-outcome.js';

function Line({ outcome, symbol }: { readonly outcome: ModeOutcome; readonly symbol: string }) {
  const { mode, moved, now } = outcome;
  const asset = baseAsset(symbol);
  const own = moved.positions.filter((p) => p.risk.position.symbol === symbol && p.risk.liquidationPrice.isPositive());
  const mark = now.positions.find((p) => p.risk.position.symbol === symbol)?.risk.markPrice;
  const liquidated = moved.positions.filter((p) => p.liquidated).map((p) => baseAsset(p.risk.position.symbol));
  return (
    <li className={`summary-line summary-${mode}`} data-testid={`summary-${mode}`}>
      <span className="summary-mode">{mode === 'isolated' ? 'Isolated' : 'Cross'}</span>
      <span>
        equity <DecimalNumber value={show(moved.equity)} /> USDT (<DecimalNumber value={show(moved.change)} signed plus />)
        {liquidated.length > 0 ? (
          <strong className="num-neg">
            {' '}
            · {mode === 'cross' ? 'the whole account is liquidated' : `${liquidated.join(' and ')} liquidated`}
          </strong>
        ) : (
          ' · nothing liquidated'
        )}
        {own.map((p) => (
          <span key={p.risk.position.symbol} className="summary-liq">
            {' '}
            · {mode === 'cross' ? `the account liquidates at ${asset}` : `${asset} liquidates at`}{' '}
            <DecimalNumber value={p.risk.liquidationPrice.round(2, 'HALF_UP').toFixed(2)} />
            {mark !== undefined && <> ({changePercent(mark, p.risk.liquidationPrice)} % from now)</>}
          </span>
        ))}
      </span>
    </li>
  );
}

export function ComparisonSummary(props: {
  readonly isolated: ModeOutcome;
  readonly cross: ModeOutcome;
  readonly scenarioName: string;
  readonly symbol: string;
}) {
  return (
    <div className="panel summary" data-testid="what-if-summary">
      <h2>At {props.scenarioName}</h2>
      <ul>
        <Line outcome={props.isolated} symbol={props.symbol} />
        <Line outcome={props.cross} symbol={props.symbol} />
      </ul>
    </div>
  );
}
