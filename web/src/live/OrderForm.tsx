/**
 * A small order ticket: LIMIT (GTC) or MARKET, BUY or SELL, quantity and price, POSTed to /fapi/v1/order
 * (newOrderRespType=RESULT). A rejection shows Binance's code and message as the venue sent them.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { DecimalNumber } from '../ui/DecimalNumber.js';
import { trimDecimal } from '../ui/decimal-text.js';
import { BinanceError, signedRequest, type Credentials } from './binance-rest.js';
import type { SymbolInfo } from './exchange-info.js';

type Side = 'BUY' | 'SELL';
type OrderType = 'LIMIT' | 'MARKET';

interface OrderResult {
  orderId: number;
  status: string;
  side: Side;
  type: OrderType;
  origQty: string;
  executedQty: string;
  price: string;
  avgPrice: string;
}

export interface OrderFormProps {
  readonly cred: Credentials;
  readonly info: SymbolInfo;
  /** a price picked in the order book */
  readonly pickedPrice: string | undefined;
  readonly onPlaced: () => void;
}

export function OrderForm({ cred, info, pickedPrice, onPlaced }: OrderFormProps) {
  const [side, setSide] = useState<Side>('BUY');
  const [type, setType] = useState<OrderType>('LIMIT');
  const [qty, setQty] = useState('');
  const [price, setPrice] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: OrderResult } | { error: BinanceError | Error } | undefined>(undefined);

  useEffect(() => {
    if (pickedPrice !== undefined) setPrice(pickedPrice);
  }, [pickedPrice]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setResult(undefined);
    const params =
      type === 'LIMIT'
        ? { symbol: info.symbol, side, type, timeInForce: 'GTC', quantity: qty.trim(), price: price.trim(), newOrderRespType: 'RESULT' }
        : { symbol: info.symbol, side, type, quantity: qty.trim(), newOrderRespType: 'RESULT' };
    signedRequest<OrderResult>(cred, 'POST', '/fapi/v1/order', params)
      .then(
        (ok) => setResult({ ok }),
        (error: unknown) => setResult({ error: error as Error }),
      )
      .finally(() => {
        setBusy(false);
        onPlaced();
      });
  };

  return (
    <form className="panel order-form" onSubmit={submit} data-testid="order-form">
      <div className="panel-head">
        <h2>New order</h2>
        <span className="muted">{info.symbol}</span>
      </div>
      <div className="segmented" role="group" aria-label="side">
        {(['BUY', 'SELL'] as const).map((s) => (
          <button
            key={s}
            type="button"
            className={side === s ? `seg active ${s === 'BUY' ? 'buy' : 'sell'}` : 'seg'}
            onClick={() => setSide(s)}
            data-testid={`side-${s}`}
          >
            {s === 'BUY' ? 'Buy / Long' : 'Sell / Short'}
          </button>
        ))}
      </div>
      <div className="segmented small" role="group" aria-label="type">
        {(['LIMIT', 'MARKET'] as const).map((t) => (
          <button key={t} type="button" className={type === t ? 'seg active' : 'seg'} onClick={() => setType(t)} data-testid={`type-${t}`}>
            {t === 'LIMIT' ? 'Limit' : 'Market'}
          </button>
        ))}
      </div>
      {type === 'LIMIT' && (
        <label className="field stacked">
          <span>Price (tick {trimDecimal(info.tickSize)})</span>
          <input inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} data-testid="order-price" />
        </label>
      )}
      <label className="field stacked">
        <span>Quantity (step {trimDecimal(info.stepSize)})</span>
        <input inputMode="decimal" value={qty} onChange={(e) => setQty(e.target.value)} data-testid="order-qty" />
      </label>
      <button type="submit" className={`primary ${side === 'BUY' ? 'buy' : 'sell'}`} disabled={busy} data-testid="place-order">
        {side === 'BUY' ? 'Buy' : 'Sell'} {info.symbol}
      </button>
      {result !== undefined && 'ok' in result && (
        <div className="notice" data-testid="order-result">
          Order {result.ok.orderId}: {result.ok.status}
          {result.ok.status === 'FILLED' || result.ok.status === 'PARTIALLY_FILLED' ? (
            <>
              {' '}
              {trimDecimal(result.ok.executedQty)} at <DecimalNumber value={trimDecimal(result.ok.avgPrice)} />
            </>
          ) : null}
        </div>
      )}
      {result !== undefined && 'error' in result && (
        <div className="alert" data-testid="order-error">
          {result.error instanceof BinanceError ? (
            <>
              <code data-testid="order-error-code">{result.error.code}</code> <span data-testid="order-error-msg">{result.error.msg}</span>
            </>
          ) : (
            <span data-testid="order-error-msg">{result.error.message}</span>
          )}
        </div>
      )}
    </form>
  );
}
