/** The account to compare: wallet, positions and mark prices, plus the article's two cases as presets. */
import { Decimal } from '../../../src/core/index.js';
import { baseAsset, newPositionId, positionSymbols, SYMBOLS, type DraftAccount, type DraftPosition, type Side } from './draft-account.js';
import { SEED_EXAMPLES } from './seed-examples.js';

export interface AccountEditorProps {
  readonly account: DraftAccount;
  readonly onChange: (account: DraftAccount) => void;
}

/** The margin an empty "isolated margin" field stands for: size × entry / leverage (shown as a placeholder). */
function autoMargin(p: DraftPosition): string {
  const qty = Decimal.tryParse(p.qty);
  const entry = Decimal.tryParse(p.entryPrice);
  const lev = Number(p.leverage);
  if (qty === undefined || entry === undefined || !Number.isInteger(lev) || lev < 1) return '';
  return qty.mul(entry).div(Decimal.of(lev), 2, 'HALF_UP').toString();
}

export function AccountEditor({ account, onChange }: AccountEditorProps) {
  const setPosition = (id: number, patch: Partial<DraftPosition>) => {
    const positions = account.positions.map((p) => (p.id === id ? { ...p, ...patch } : p));
    const markPrices = { ...account.markPrices };
    const moves = { ...account.moves };
    for (const p of positions) {
      markPrices[p.symbol] ??= p.entryPrice;
      moves[p.symbol] ??= '0';
    }
    onChange({ ...account, positions, markPrices, moves });
  };
  const addPosition = () => {
    const used = new Set(account.positions.map((p) => p.symbol));
    const symbol = SYMBOLS.find((s) => !used.has(s)) ?? 'BTCUSDT';
    const entryPrice = account.markPrices[symbol] ?? '';
    const position: DraftPosition = { id: newPositionId(), symbol, side: 'LONG', qty: '', entryPrice, leverage: '10', isolatedMargin: '' };
    onChange({
      ...account,
      positions: [...account.positions, position],
      moves: { ...account.moves, [symbol]: account.moves[symbol] ?? '0' },
    });
  };
  const removePosition = (id: number) => onChange({ ...account, positions: account.positions.filter((p) => p.id !== id) });

  return (
    <section className="panel editor" data-testid="account-editor">
      <div className="panel-head">
        <h2>Account</h2>
        <div className="presets">
          {SEED_EXAMPLES.map((ex) => (
            <button
              key={ex.id}
              type="button"
              className="chip"
              title={ex.summary}
              onClick={() => onChange(ex.account)}
              data-testid={`preset-${ex.id}`}
            >
              {ex.title}
            </button>
          ))}
        </div>
      </div>

      <label className="field wallet">
        <span>Wallet balance</span>
        <input
          inputMode="decimal"
          value={account.walletBalance}
          onChange={(e) => onChange({ ...account, walletBalance: e.target.value })}
          data-testid="wallet-balance"
        />
        <span className="unit">USDT</span>
      </label>

      <table className="grid-table positions-editor">
        <thead>
          <tr>
            <th>Symbol</th>
            <th>Side</th>
            <th>Size</th>
            <th>Entry price</th>
            <th>Lev.</th>
            <th title="Margin the position holds in Isolated mode; empty: its initial margin (size × entry / leverage)">Isolated margin</th>
            <th aria-label="remove" />
          </tr>
        </thead>
        <tbody>
          {account.positions.map((p) => (
            <tr key={p.id} data-testid={`edit-${p.symbol}`}>
              <td>
                <select value={p.symbol} onChange={(e) => setPosition(p.id, { symbol: e.target.value })}>
                  {SYMBOLS.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <select
                  className={p.side === 'LONG' ? 'side-long' : 'side-short'}
                  value={p.side}
                  onChange={(e) => setPosition(p.id, { side: e.target.value as Side })}
                >
                  <option value="LONG">Long</option>
                  <option value="SHORT">Short</option>
                </select>
              </td>
              <td>
                <input inputMode="decimal" value={p.qty} onChange={(e) => setPosition(p.id, { qty: e.target.value })} aria-label="size" />
              </td>
              <td>
                <input
                  inputMode="decimal"
                  value={p.entryPrice}
                  onChange={(e) => setPosition(p.id, { entryPrice: e.target.value })}
                  aria-label="entry price"
                />
              </td>
              <td>
                <input
                  className="narrow"
                  inputMode="numeric"
                  value={p.leverage}
                  onChange={(e) => setPosition(p.id, { leverage: e.target.value })}
                  aria-label="leverage"
                />
              </td>
              <td>
                <input
                  inputMode="decimal"
                  value={p.isolatedMargin}
                  placeholder={autoMargin(p)}
                  onChange={(e) => setPosition(p.id, { isolatedMargin: e.target.value })}
                  aria-label="isolated margin"
                />
              </td>
              <td>
                <button type="button" className="icon-button" title="Remove" onClick={() => removePosition(p.id)}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="link-button" onClick={addPosition}>
        + Add position
      </button>

      <div className="marks">
        <h3>Mark prices now</h3>
        {positionSymbols(account).map((symbol) => (
          <label className="field" key={symbol}>
            <span>{baseAsset(symbol)}</span>
            <input
              inputMode="decimal"
              value={account.markPrices[symbol] ?? ''}
              onChange={(e) => onChange({ ...account, markPrices: { ...account.markPrices, [symbol]: e.target.value } })}
              data-testid={`mark-${symbol}`}
            />
            <span className="unit">USDT</span>
          </label>
        ))}
      </div>
    </section>
  );
}
