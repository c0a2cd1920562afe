/**
 * The signed-in account: balances (GET /fapi/v3/account), positions with their liquidation price
 * (GET /fapi/v3/positionRisk, computed by the same core as `perpsim calc`), and open orders with a cancel.
 */
import { useState } from 'react';
import { Decimal } from '../../../src/core/index.js';
import { DecimalNumber } from '../ui/DecimalNumber.js';
import { trimDecimal } from '../ui/decimal-text.js';
import { BinanceError, signedRequest, type Credentials } from './binance-rest.js';
import type { AccountData } from './account-data.js';

export interface AccountPanelProps {
  readonly cred: Credentials;
  readonly data: AccountData;
  readonly onDisconnect: () => void;
}

const mask = (key: string) => (key.length > 12 ? `${key.slice(0, 6)}…${key.slice(-4)}` : key);
const n = (text: string, testId?: string, signed = false) => <DecimalNumber value={trimDecimal(text)} signed={signed} testId={testId} />;

export function AccountPanel({ cred, data, onDisconnect }: AccountPanelProps) {
  const [cancelError, setCancelError] = useState<string | undefined>(undefined);
  const a = data.account;
  const cancel = (symbol: string, orderId: number) => {
    setCancelError(undefined);
    signedRequest(cred, 'DELETE', '/fapi/v1/order', { symbol, orderId }).then(
      () => data.refresh(),
      (e: unknown) => setCancelError(e instanceof BinanceError ? `${e.code} ${e.msg}` : (e as Error).message),
    );
  };

  return (
    <section className="panel account-panel" data-testid="account-panel">
      <div className="panel-head">
        <h2>Account</h2>
        <span className="key-chip">
          <span className={`stream-state stream-${data.userStream}`} title="user data stream">
            {data.userStream === 'open' ? 'live' : data.userStream}
          </span>
          key <code>{mask(cred.apiKey)}</code>
          <button type="button" className="link-button" onClick={onDisconnect} data-testid="disconnect">
            disconnect
          </button>
        </span>
      </div>
      {data.error !== undefined && (
        <div className="alert" data-testid="account-error">
          {data.error instanceof BinanceError ? (
            <>
              <code>{data.error.code}</code> {data.error.msg}
            </>
          ) : (
            data.error.message
          )}
        </div>
      )}
      {a !== undefined && (
        <div className="stats balances" data-testid="balances">
          <div className="stat">
            <span className="stat-label">Wallet balance</span>
            <span className="stat-value">
              {n(a.totalWalletBalance, 'wallet-balance-live')} <small>USDT</small>
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Unrealized PnL</span>
            <span className="stat-value">{n(a.totalUnrealizedProfit, undefined, true)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Margin balance</span>
            <span className="stat-value">{n(a.totalMarginBalance)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Available</span>
            <span className="stat-value">{n(a.availableBalance, 'available-balance')}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Maint. margin</span>
            <span className="stat-value">{n(a.totalMaintMargin)}</span>
          </div>
        </div>
      )}

      <h3>Positions</h3>
      {data.positions.length === 0 ? (
        <p className="muted empty">No open position.</p>
      ) : (
        <table className="grid-table data-table" data-testid="positions">
          <thead>
            <tr>
              <th>Symbol</th>
              <th>Size</th>
              <th>Entry</th>
              <th>Mark</th>
              <th>Liq. price</th>
              <th>Margin</th>
              <th>Unrealized PnL</th>
            </tr>
          </thead>
          <tbody>
            {data.positions.map((p) => {
              const cfg = data.configs.get(p.symbol);
              const isolated = cfg?.marginType === 'ISOLATED';
              return (
                <tr key={`${p.symbol}-${p.positionSide}`} data-testid={`position-${p.symbol}`}>
                  <td>
                    <strong>{p.symbol}</strong>{' '}
                    <span className="muted">
                      {isolated ? 'Isolated' : 'Cross'}
                      {cfg !== undefined ? ` ${cfg.leverage}x` : ''}
                    </span>
                  </td>
                  <td className={p.positionAmt.startsWith('-') ? 'side-short' : 'side-long'}>{trimDecimal(p.positionAmt)}</td>
                  <td>{n(p.entryPrice)}</td>
                  <td>{n(p.markPrice)}</td>
                  <td>
                    {Decimal.tryParse(p.liquidationPrice)?.isZero() === false ? (
                      n(p.liquidationPrice, `liq-${p.symbol}`)
                    ) : (
                      <span
                        className="muted"
                        data-testid={`liq-${p.symbol}`}
                        data-value={p.liquidationPrice}
                        title="no liquidation price above zero"
                      >
                        none
                      </span>
                    )}
                  </td>
                  <td>{isolated ? n(p.isolatedMargin) : <span className="muted">cross</span>}</td>
                  <td>{n(p.unRealizedProfit, undefined, true)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <h3>Open orders</h3>
      {cancelError !== undefined && <div className="alert">{cancelError}</div>}
      {data.orders.length === 0 ? (
        <p className="muted empty" data-testid="no-open-orders">
          No open order.
        </p>
      ) : (
        <table className="grid-table data-table" data-testid="open-orders">
          <thead>
            <tr>
              <th>Symbol</th>
              <th>Side</th>
              <th>Type</th>
              <th>Price</th>
              <th>Quantity</th>
              <th>Filled</th>
              <th>Order id</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.orders.map((o) => (
              <tr key={o.orderId} data-testid={`order-${o.orderId}`}>
                <td>{o.symbol}</td>
                <td className={o.side === 'BUY' ? 'side-long' : 'side-short'}>{o.side}</td>
                <td>{o.type}</td>
                <td>{n(o.price)}</td>
                <td>{trimDecimal(o.origQty)}</td>
                <td>{trimDecimal(o.executedQty)}</td>
                <td className="muted">{o.orderId}</td>
                <td>
                  <button type="button" className="link-button" onClick={() => cancel(o.symbol, o.orderId)}>
                    cancel
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
