/**
 * Binance USDⓈ-M WebSocket streams on the venue's HTTP server (spec api.md §6, docs/streams.md).
 *
 * Paths (the prefix routing of Binance's 2026 split; any tail after `/ws` that is not a stream name, such
 * as CCXT's connection index `/public/ws/0`, is ignored):
 *
 *   /public|/market /ws[/<name>/<name>…]        raw payloads, SUBSCRIBE to add streams
 *   /public|/market /stream?streams=<a>/<b>     wrapped `{"stream":name,"data":payload}`
 *   /private/ws?listenKey=K, /private/ws/K      raw user data of K's account
 *   /private/stream?listenKey=K                 wrapped, `stream` = K
 *   /private/stream?streams=  + SUBSCRIBE [K]   wrapped, `stream` = K
 *
 * Control frames: SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY ("combined"),
 * answered `{"result":…,"id":<same id>}` or `{"error":{"code":2,"msg":"Invalid request"},"id":…}`.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Venue } from './venue.js';
import { MarketStreams, TICK_PERIODS } from './market-streams.js';
import { parseStreamName, type ParsedStream } from './stream-names.js';
import { UserStreams, type UserSink } from './user-stream.js';

export interface StreamsOptions {
  /** server ping period; a client that has not answered the previous ping is dropped (Binance: 3 min) */
  readonly pingIntervalMs?: number;
  /** how often listen keys are checked for expiry against the venue clock (default 1 s) */
  readonly listenKeyCheckMs?: number;
  /** a client whose unsent data exceeds this is dropped (default 16 MiB) */
  readonly maxBufferedBytes?: number;
  /** streams per connection (Binance: 1024) */
  readonly maxStreamsPerConnection?: number;
}

export interface AttachedStreams {
  close(): Promise<void>;
  /** open connections */
  readonly connections: number;
}

type Scope = 'public' | 'market' | 'private';
type Id = number | string | null;

const INVALID_REQUEST = { code: 2, msg: 'Invalid request' };
const INVALID_JSON = { code: 3, msg: 'Invalid JSON' };
const PATH_RE = /^\/(public|market|private)\/(ws|stream)(?:\/(.*))?$/;

class Connection implements UserSink {
  /** subscribed stream names → their key (market scopes) */
  readonly names = new Map<string, string>();
  /** subscribed listen keys (private scope) */
  readonly listenKeys = new Set<string>();

  constructor(
    readonly ws: WebSocket,
    readonly scope: Scope,
    public combined: boolean,
    /** opened with a key in the URL: closed when its last key expires */
    readonly keyInUrl: boolean,
    private readonly maxBuffered: number,
  ) {}

  alive = true;

  sendText(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.maxBuffered) {
      this.ws.terminate(); // a client that does not keep up is dropped, as Binance does
      return;
    }
    this.ws.send(text);
  }

  reply(body: Record<string, unknown>): void {
    this.sendText(JSON.stringify(body));
  }

  deliver(listenKey: string, data: unknown): void {
    const text = JSON.stringify(data);
    this.sendText(this.combined ? `{"stream":${JSON.stringify(listenKey)},"data":${text}}` : text);
  }

  expired(listenKey: string): void {
    this.listenKeys.delete(listenKey);
    if (this.keyInUrl && this.listenKeys.size === 0) this.ws.close(1000, 'listenKeyExpired');
  }
}

export function attachStreams(server: Server, venue: Venue, options: StreamsOptions = {}): AttachedStreams {
  const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  const maxStreams = options.maxStreamsPerConnection ?? 1024;
  // control frames are small: a client cannot make the server buffer large messages
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const connections = new Set<Connection>();
  /** stream key → subscribed connections and the names they used */
  const router = new Map<string, Map<Connection, Set<string>>>();

  const market = new MarketStreams(venue, (key, data) => {
    const subs = router.get(key);
    if (subs === undefined) return;
    const text = JSON.stringify(data);
    for (const [conn, names] of subs) {
      if (!conn.combined) conn.sendText(text);
      else for (const name of names) conn.sendText(`{"stream":${JSON.stringify(name)},"data":${text}}`);
    }
  });
  const users = new UserStreams(venue);
  const isSymbol = (symbol: string) => venue.exchange.symbols.has(symbol);

  function subscribe(conn: Connection, name: string, parsed: ParsedStream): void {
    conn.names.set(name, parsed.key);
    let subs = router.get(parsed.key);
    if (subs === undefined) {
      router.set(parsed.key, (subs = new Map()));
      market.activate(parsed);
    }
    let names = subs.get(conn);
    if (names === undefined) subs.set(conn, (names = new Set()));
    names.add(name);
  }

  function unsubscribe(conn: Connection, name: string): void {
    const key = conn.names.get(name);
    if (key === undefined) return;
    conn.names.delete(name);
    const subs = router.get(key);
    const names = subs?.get(conn);
    if (subs === undefined || names === undefined) return;
    names.delete(name);
    if (names.size === 0) subs.delete(conn);
    if (subs.size === 0) {
      router.delete(key);
      market.deactivate(key);
    }
  }

  function drop(conn: Connection): void {
    if (!connections.delete(conn)) return;
    for (const name of [...conn.names.keys()]) unsubscribe(conn, name);
    for (const key of conn.listenKeys) users.remove(key, conn);
    conn.listenKeys.clear();
  }

  function onControl(conn: Connection, raw: RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString());
    } catch {
      conn.reply({ error: INVALID_JSON, id: null });
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      conn.reply({ error: INVALID_REQUEST, id: null });
      return;
    }
    const { method, params, id: rawId } = msg as { method?: unknown; params?: unknown; id?: unknown };
    const idOk =
      rawId === undefined || rawId === null || typeof rawId === 'string' || (typeof rawId === 'number' && Number.isInteger(rawId));
    const id: Id = idOk ? ((rawId ?? null) as Id) : null;
    const fail = () => conn.reply({ error: INVALID_REQUEST, id });
    if (!idOk) return fail();
    switch (method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!Array.isArray(params) || !params.every((p) => typeof p === 'string')) return fail();
        const names = params as string[];
        const subscribing = method === 'SUBSCRIBE';
        if (conn.scope === 'private') {
          if (subscribing) {
            if (!names.every((k) => users.isValid(k))) return fail();
            for (const k of names) if (users.add(k, conn)) conn.listenKeys.add(k);
          } else {
            for (const k of names) {
              users.remove(k, conn);
              conn.listenKeys.delete(k);
            }
          }
          return conn.reply({ result: null, id });
        }
        if (subscribing) {
          const parsed = names.map((n) => parseStreamName(n, isSymbol));
          if (parsed.some((p) => p === undefined)) return fail();
          const added = names.filter((n) => !conn.names.has(n)).length;
          if (conn.names.size + added > maxStreams) return fail();
          names.forEach((n, i) => subscribe(conn, n, parsed[i] as ParsedStream));
        } else {
          for (const n of names) unsubscribe(conn, n);
        }
        return conn.reply({ result: null, id });
      }
      case 'LIST_SUBSCRIPTIONS':
        return conn.reply({ result: conn.scope === 'private' ? [...conn.listenKeys] : [...conn.names.keys()], id });
      case 'SET_PROPERTY': {
        if (!Array.isArray(params) || params[0] !== 'combined' || typeof params[1] !== 'boolean') return fail();
        conn.combined = params[1];
        return conn.reply({ result: null, id });
      }
      case 'GET_PROPERTY': {
        if (!Array.isArray(params) || params[0] !== 'combined') return fail();
        return conn.reply({ result: conn.combined, id });
      }
      default:
        return fail();
    }
  }

  function refuse(socket: Duplex, status: number, reason: string, body: unknown): void {
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = PATH_RE.exec(url.pathname);
    if (m === null) {
      // another upgrade handler may own this path; alone, answer like an unknown path
      if (server.listenerCount('upgrade') <= 1) refuse(socket, 404, 'Not Found', { code: -1, msg: 'Unknown path.' });
      return;
    }
    const scope = m[1] as Scope;
    const combined = m[2] === 'stream';
    const fromTail = combined ? [] : (m[3] ?? '').split('/').filter((s) => s !== '');
    const fromParam = (url.searchParams.get('streams') ?? '').split('/').filter((s) => s !== '');
    let keys: string[] = [];
    const initial: [string, ParsedStream][] = [];
    if (scope === 'private') {
      const listenKey = url.searchParams.get('listenKey');
      keys = listenKey !== null ? [listenKey] : [...fromTail, ...fromParam];
      if (keys.some((k) => !users.isValid(k))) {
        refuse(socket, 400, 'Bad Request', { code: -1125, msg: 'This listenKey does not exist.' });
        return;
      }
    } else {
      // a `/ws/<anything>` tail that is not a stream name (CCXT's connection index) is ignored
      for (const name of fromTail) {
        const parsed = parseStreamName(name, isSymbol);
        if (parsed !== undefined) initial.push([name, parsed]);
      }
      for (const name of fromParam) {
        const parsed = parseStreamName(name, isSymbol);
        if (parsed === undefined) {
          refuse(socket, 400, 'Bad Request', { code: -1100, msg: `Invalid stream name: ${name}` });
          return;
        }
        initial.push([name, parsed]);
      }
      initial.splice(maxStreams);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, scope, combined, scope === 'private' && keys.length > 0, maxBuffered);
      connections.add(conn);
      for (const [name, parsed] of initial) subscribe(conn, name, parsed);
      for (const k of keys) if (users.add(k, conn)) conn.listenKeys.add(k);
      ws.on('message', (raw) => onControl(conn, raw));
      ws.on('pong', () => (conn.alive = true));
      ws.on('close', () => drop(conn));
      ws.on('error', () => drop(conn));
    });
  }

  server.on('upgrade', onUpgrade);

  const timers: NodeJS.Timeout[] = [];
  for (const period of TICK_PERIODS) timers.push(setInterval(() => market.tick(period), period).unref());
  timers.push(setInterval(() => users.checkExpiry(), options.listenKeyCheckMs ?? 1000).unref());
  timers.push(
    setInterval(() => {
      for (const conn of connections) {
        if (!conn.alive) {
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        conn.ws.ping();
      }
    }, options.pingIntervalMs ?? 180_000).unref(),
  );

  return {
    get connections() {
      return connections.size;
    },
    async close() {
      for (const t of timers) clearInterval(t);
      server.off('upgrade', onUpgrade);
      market.close();
      users.close();
      for (const conn of [...connections]) {
        conn.ws.terminate();
        drop(conn);
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
