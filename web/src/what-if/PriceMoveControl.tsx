/** The move to evaluate: per symbol a slider and a number field in percent, and the price it leads to. */
import { Decimal } from '../../../src/core/index.js';
import { DecimalNumber } from '../ui/DecimalNumber.js';
import { baseAsset, chartSymbolOf, positionSymbols, type DraftAccount } from './draft-account.js';
import { movedPrice } from './calc-documents.js';

export interface PriceMoveControlProps {
  readonly account: DraftAccount;
  readonly onChange: (account: DraftAccount) => void;
}

const SLIDER_MIN = -50;
const SLIDER_MAX = 50;

export function PriceMoveControl({ account, onChange }: PriceMoveControlProps) {
  const setMove = (symbol: string, text: string) => onChange({ ...account, moves: { ...account.moves, [symbol]: text } });
  return (
    <section className="panel moves" data-testid="price-moves">
      <div className="panel-head">
        <h2>Price move</h2>
        <label className="inline-field">
          chart against
          <select value={chartSymbolOf(account)} onChange={(e) => onChange({ ...account, chartSymbol: e.target.value })}>
            {positionSymbols(account).map((s) => (
              <option key={s} value={s}>
                {baseAsset(s)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {positionSymbols(account).map((symbol) => {
        const text = account.moves[symbol] ?? '0';
        const move = Decimal.tryParse(text === '' ? '0' : text);
        const mark = Decimal.tryParse(account.markPrices[symbol] ?? '');
        const slider = Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, Number(text) || 0));
        const target = move !== undefined && mark !== undefined && move.gt(Decimal.of(-100)) ? movedPrice(mark, move) : undefined;
        return (
          <div className="move-row" key={symbol} data-testid={`move-${symbol}`}>
            <span className="move-symbol">{baseAsset(symbol)}</span>
            <input
              type="range"
              min={SLIDER_MIN}
              max={SLIDER_MAX}
              step={0.1}
              value={slider}
              onChange={(e) => setMove(symbol, Number(e.target.value).toFixed(1).replace(/\.0$/, ''))}
              aria-label={`${baseAsset(symbol)} move slider`}
            />
            <span className="move-input">
              <input
                inputMode="decimal"
                value={text}
                onChange={(e) => setMove(symbol, e.target.value)}
                aria-label={`${baseAsset(symbol)} move %`}
              />
              <span className="unit">%</span>
            </span>
            <span className="move-target">
              → {target !== undefined ? <DecimalNumber value={target.toString()} testId={`moved-${symbol}`} /> : '—'}
            </span>
          </div>
        );
      })}
    </section>
  );
}
