/**
 * A WebSocket to perpsim's streams (docs/streams.md) that reconnects after a drop: the combined market
 * streams (`/market/stream?streams=a/b`, payloads wrapped as {stream, data}) or a user data stream
 * (`/private/ws?listenKey=K`). The hook opens it for the component's lifetime.
 */
import { useEffect, useRef, useState } from 'react';

export type SocketState = 'connecting' | 'open' | 'closed';

export function wsUrl(path: string): string {
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}${path}`;
}

/** Opens `path` (none when undefined); `onMessage` gets each parsed JSON payload. */
export function useStreamSocket(path: string | undefined, onMessage: (payload: unknown) => void): SocketState {
  const [state, setState] = useState<SocketState>('closed');
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (path === undefined) return;
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let delay = 500;
    const open = () => {
      setState('connecting');
      const ws = new WebSocket(wsUrl(path));
      socket = ws;
      ws.onopen = () => {
        delay = 500;
        setState('open');
      };
      ws.onmessage = (ev) => {
        try {
          handler.current(JSON.parse(String(ev.data)));
        } catch {
          // not JSON: ignore
        }
      };
      ws.onclose = () => {
        if (stopped) return;
        setState('closed');
        retry = setTimeout(open, delay);
        delay = Math.min(delay * 2, 10_000);
      };
    };
    open();
    return () => {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      socket?.close();
      setState('closed');
    };
  }, [path]);
  return state;
}
