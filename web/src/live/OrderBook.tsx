/**
 * The order book of one symbol: the top levels from GET /fapi/v1/depth, then the `<symbol>@depth20@500ms`
 * stream (full top-20 levels each time the book changes). Clicking a level puts its price in the order form.
 */
import { useEffect, useState } from 'react';
import { Decimal } from '../../../src/core/index.js';
import { groupDecimal, trimDecimal } from '../ui/decimal-text.js';
import { publicGet } from './binance-rest.js';
import type { SymbolInfo } from './exchange-info.js';
import { useStreamSocket } from './stream-socket.js';

type Level = [string, string];
interface Book {
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

const ROWS = 10;

function withTotals(levels: readonly Level[]): { price: string; qty: string; total: Decimal }[] {
  let total = Decimal.ZERO;
  return levels.slice(0, ROWS).map(([price, qty]) => {
    total = total.add(Decimal.parse(qty));
    return { price, qty, total };
  });
}

export function OrderBook({ info, onPickPrice }: { readonly info: SymbolInfo; readonly onPickPrice: (price: string) => void }) {
  const [book, setBook] = useState<Book>({ bids: [], asks: [] });
  const symbol = info.symbol;
  const lower = symbol.toLowerCase();

  useEffect(() => {
    let live = true;
    setBook({ bids: [], asks: [] });
    publicGet<{ bids: Level[]; asks: Level[] }>('/fapi/v1/depth', { symbol, limit: 20 }).then(
      (d) => live && setBook({ bids: d.bids, asks: d.asks }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [symbol]);

  useStreamSocket(`/market/stream?streams=${lower}@depth20@500ms`, (payload) => {
    const data = (payload as { data?: { e?: string; b?: Level[]; a?: Level[] } }).data;
    if (data?.e === 'depthUpdate' && data.b !== undefined && data.a !== undefined) setBook({ bids: data.b, asks: data.a });
  });

  const bids = withTotals(book.bids);
  const asks = withTotals(book.asks);
  const deepest = Decimal.max(bids[bids.length - 1]?.total ?? Decimal.ZERO, asks[asks.length - 1]?.total ?? Decimal.ZERO);
  const width = (total: Decimal) => (deepest.isPositive() ? `${(total.toNumber() / deepest.toNumber()) * 100}%` : '0%');
  const bestBid = book.bids[0]?.[0];
  const bestAsk = book.asks[0]?.[0];
  const spread = bestBid !== undefined && bestAsk !== undefined ? Decimal.parse(bestAsk).sub(Decimal.parse(bestBid)).toString() : undefined;

  const row = (side: 'bid' | 'ask', l: { price: string; qty: string; total: Decimal }) => (
    <tr
      key={`${side}-${l.price}`}
      className={`book-row book-${side}`}
      onClick={() => onPickPrice(trimDecimal(l.price))}
      title="use this price"
    >
      <td className="book-price">
        <span className="depth-bar" style={{ width: width(l.total) }} />
        <span className="num">{groupDecimal(l.price, 0)}</span>
      </td>
      <td className="num">{groupDecimal(l.qty, 0)}</td>
      <td className="num">{groupDecimal(l.total.toString(), 0)}</td>
    </tr>
  );

  return (
    <section className="panel book" data-testid="order-book">
      <div className="panel-head">
        <h2>Order book</h2>
        <span className="muted">top {ROWS}</span>
      </div>
      <table className="book-table">
        <thead>
          <tr>
            <th>Price</th>
            <th>Size</th>
            <th>Total</th>
          </tr>
        </thead>
        <tbody data-testid="book-asks">{[...asks].reverse().map((l) => row('ask', l))}</tbody>
        <tbody>
          <tr className="book-spread">
            <td colSpan={3}>{spread !== undefined ? <>spread {spread}</> : <span className="muted">no quotes</span>}</td>
          </tr>
        </tbody>
        <tbody data-testid="book-bids">{bids.map((l) => row('bid', l))}</tbody>
      </table>
    </section>
  );
}
