/**
 * The signed-in account, kept fresh: GET /fapi/v3/account, /fapi/v3/positionRisk, /fapi/v1/openOrders and
 * /fapi/v1/symbolConfig, fetched on connect, every few seconds (marks move liquidation prices and PnL),
 * and whenever the user data stream (listen key → /private/ws) reports an order or balance change.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Decimal } from '../../../src/core/index.js';
import { BinanceError, keyedRequest, signedRequest, type Credentials } from './binance-rest.js';
import { useStreamSocket } from './stream-socket.js';

export interface AccountInfo {
  totalWalletBalance: string;
  totalUnrealizedProfit: string;
  totalMarginBalance: string;
  totalInitialMargin: string;
  totalMaintMargin: string;
  availableBalance: string;
  maxWithdrawAmount: string;
}

export interface PositionInfo {
  symbol: string;
  positionSide: string;
  positionAmt: string;
  entryPrice: string;
  markPrice: string;
  unRealizedProfit: string;
  liquidationPrice: string;
  isolatedMargin: string;
  isolatedWallet: string;
  notional: string;
  maintMargin: string;
}

export interface OpenOrder {
  orderId: number;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: string;
  price: string;
  origQty: string;
  executedQty: string;
  status: string;
  time: number;
}

export interface SymbolConfig {
  symbol: string;
  marginType: 'CROSSED' | 'ISOLATED';
  leverage: number;
}

export interface AccountData {
  readonly account: AccountInfo | undefined;
  readonly positions: readonly PositionInfo[];
  readonly orders: readonly OpenOrder[];
  readonly configs: ReadonlyMap<string, SymbolConfig>;
  readonly error: BinanceError | Error | undefined;
  readonly userStream: 'open' | 'connecting' | 'closed';
  readonly refresh: () => void;
}

const POLL_MS = 3000;
const KEEPALIVE_MS = 30 * 60_000;

export function useAccountData(cred: Credentials | undefined): AccountData {
  const [account, setAccount] = useState<AccountInfo | undefined>(undefined);
  const [positions, setPositions] = useState<readonly PositionInfo[]>([]);
  const [orders, setOrders] = useState<readonly OpenOrder[]>([]);
  const [configs, setConfigs] = useState<ReadonlyMap<string, SymbolConfig>>(new Map());
  const [error, setError] = useState<BinanceError | Error | undefined>(undefined);
  const [listenKey, setListenKey] = useState<string | undefined>(undefined);
  const generation = useRef(0);

  const refresh = useCallback(() => {
    if (cred === undefined) return;
    const mine = generation.current;
    Promise.all([
      signedRequest<AccountInfo>(cred, 'GET', '/fapi/v3/account'),
      signedRequest<PositionInfo[]>(cred, 'GET', '/fapi/v3/positionRisk'),
      signedRequest<OpenOrder[]>(cred, 'GET', '/fapi/v1/openOrders'),
      signedRequest<SymbolConfig[]>(cred, 'GET', '/fapi/v1/symbolConfig'),
    ]).then(
      ([a, p, o, c]) => {
        if (mine !== generation.current) return;
        setAccount(a);
        setPositions(p.filter((x) => Decimal.tryParse(x.positionAmt)?.isZero() === false));
        setOrders([...o].sort((x, y) => y.time - x.time));
        setConfigs(new Map(c.map((x) => [x.symbol, x])));
        setError(undefined);
      },
      (e: unknown) => mine === generation.current && setError(e as Error),
    );
  }, [cred]);

  // a new key: forget the old account, load, poll, open a user data stream
  useEffect(() => {
    generation.current++;
    setAccount(undefined);
    setPositions([]);
    setOrders([]);
    setConfigs(new Map());
    setError(undefined);
    setListenKey(undefined);
    if (cred === undefined) return;
    refresh();
    const poll = setInterval(refresh, POLL_MS);
    let live = true;
    const newKey = () =>
      keyedRequest<{ listenKey: string }>(cred, 'POST', '/fapi/v1/listenKey').then(
        (r) => live && setListenKey(r.listenKey),
        () => undefined,
      );
    void newKey();
    const keepAlive = setInterval(() => void keyedRequest(cred, 'PUT', '/fapi/v1/listenKey').catch(newKey), KEEPALIVE_MS);
    return () => {
      live = false;
      clearInterval(poll);
      clearInterval(keepAlive);
    };
  }, [cred, refresh]);

  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const userStream = useStreamSocket(
    listenKey === undefined ? undefined : `/private/ws?listenKey=${encodeURIComponent(listenKey)}`,
    (payload) => {
      const e = (payload as { e?: string }).e;
      if (e === 'listenKeyExpired') {
        setListenKey(undefined);
        if (cred !== undefined)
          void keyedRequest<{ listenKey: string }>(cred, 'POST', '/fapi/v1/listenKey').then((r) => setListenKey(r.listenKey));
        return;
      }
      // coalesce the bursts (NEW, TRADE_LITE, TRADE, ACCOUNT_UPDATE) into one refresh
      if (pending.current === undefined) {
        pending.current = setTimeout(() => {
          pending.current = undefined;
          refresh();
        }, 150);
      }
    },
  );

  return { account, positions, orders, configs, error, userStream, refresh };
}
