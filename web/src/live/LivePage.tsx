/**
 * The live venue: a symbol's candles and mark (REST + streams), its order book, and the account of a
 * pasted API key with an order ticket. Everything goes through the Binance API perpsim serves.
 */
import { useState } from 'react';
import { AccountPanel } from './AccountPanel.js';
import { useAccountData } from './account-data.js';
import { ApiKeyForm } from './ApiKeyForm.js';
import { CandleChart } from './CandleChart.js';
import { useCredentials } from './credentials.js';
import { useExchangeInfo } from './exchange-info.js';
import { OrderBook } from './OrderBook.js';
import { OrderForm } from './OrderForm.js';

export function LivePage() {
  const { symbols, error } = useExchangeInfo();
  const [symbol, setSymbol] = useState('BTCUSDT');
  const [cred, setCred] = useCredentials();
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const data = useAccountData(cred);
  const info = symbols.find((s) => s.symbol === symbol) ?? symbols[0];

  if (error !== undefined) {
    return (
      <div className="alert">
        Cannot reach the venue&apos;s API (<code>/fapi/v1/exchangeInfo</code>): {error}
      </div>
    );
  }
  if (info === undefined) return <p className="muted">Loading the venue…</p>;

  return (
    <div className="live" data-testid="live">
      <div className="symbol-bar">
        {symbols.map((s) => (
          <button
            key={s.symbol}
            type="button"
            className={s.symbol === info.symbol ? 'chip active' : 'chip'}
            onClick={() => {
              setSymbol(s.symbol);
              setPicked(undefined);
            }}
            data-testid={`symbol-${s.symbol}`}
          >
            {s.symbol}
          </button>
        ))}
      </div>
      <div className="live-grid">
        <div className="live-main">
          <CandleChart key={info.symbol} info={info} />
          {cred === undefined ? (
            <ApiKeyForm onConnect={setCred} />
          ) : (
            <AccountPanel cred={cred} data={data} onDisconnect={() => setCred(undefined)} />
          )}
        </div>
        <div className="live-side">
          <OrderBook key={info.symbol} info={info} onPickPrice={setPicked} />
          {cred !== undefined && <OrderForm cred={cred} info={info} pickedPrice={picked} onPlaced={data.refresh} />}
        </div>
      </div>
    </div>
  );
}
