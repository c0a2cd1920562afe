/**
 * `perpsim serve`: wires the adapters around one engine. The store recovers the state from --data-dir
 * (newest snapshot + journal); the venue journals every accepted command and every issued key; the REST
 * server (fastify) answers only once what it answered about is durable (group commit); the WebSocket
 * streams share the HTTP server; the feed drives index and mark prices and the built-in market maker.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../api/server.js';
import { attachStreams } from '../api/streams.js';
import { Venue } from '../api/venue.js';
import { registerWebAssets } from '../api/web-assets.js';
import { startFeed } from '../feed/index.js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { HistoryDb } from '../store/history-db.js';
import { Store } from '../store/store.js';
import type { Durability } from '../store/journal-writer.js';
import { missingStartFlags } from './v8-tuning.js';

/** How often the server looks for GTD orders whose date has passed (ms). */
const GTD_CHECK_MS = 250;

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly feed: 'replay' | 'manual';
  /** replay speed: seconds of history per wall-clock second */
  readonly speed: number;
  readonly adminToken?: string;
  readonly durability?: Durability;
  /** journal records between snapshots */
  readonly snapshotEvery?: number;
  /** request weight and order limits (Binance's by default; `none` switches them off, for benchmarks) */
  readonly rateLimits?: 'binance' | 'none';
  /** the built web UI served at `/` (dist/web by default; src/api/web-assets.ts) */
  readonly webRoot?: string;
  /** where the start-up banner goes (stdout by default) */
  readonly print?: (line: string) => void;
}

export interface RunningVenue {
  readonly venue: Venue;
  readonly url: string;
  readonly wsUrl: string;
  readonly adminToken: string;
  readonly demo: { accountId: string; apiKey: string; apiSecret: string };
  close(): Promise<void>;
}

export const DEMO_ACCOUNT = 'demo';
export const DEMO_BALANCE = '10000';

/** The demo account (10,000 USDT) and its key: created on the first start, found again afterwards. */
function demoCredential(venue: Venue): { accountId: string; apiKey: string; apiSecret: string } {
  for (const c of venue.credentials.values()) if (c.accountId === DEMO_ACCOUNT) return c;
  if (!venue.exchange.accounts.has(DEMO_ACCOUNT)) {
    const created = venue.run({ type: 'createAccount', accountId: DEMO_ACCOUNT });
    if (!created.ok) throw new Error(`cannot create the demo account: ${created.error.msg}`);
    const funded = venue.run({ type: 'deposit', accountId: DEMO_ACCOUNT, asset: 'USDT', amount: DEMO_BALANCE });
    if (!funded.ok) throw new Error(`cannot fund the demo account: ${funded.error.msg}`);
  }
  return venue.issueCredential(DEMO_ACCOUNT);
}

export async function serve(options: ServeOptions): Promise<RunningVenue> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  mkdirSync(options.dataDir, { recursive: true });
  const history = new HistoryDb(join(options.dataDir, 'history.sqlite'));
  const historyBefore = history.seq;
  const { store, state, recovery } = Store.open(options.dataDir, {
    durability: options.durability,
    snapshotEvery: options.snapshotEvery,
    // the history database catches up with the commands it had not written before the stop
    onReplay: (seq, events, time) => {
      if (history.needs(seq)) for (const e of events) history.add(e, time, seq);
    },
    beforeSnapshot: () => history.flush(),
  });
  history.flush();
  // the history may hold commands that never reached the journal (written before a sync the crash beat)
  const phantom = history.truncateAfter(recovery.seq);
  const venue = new Venue({
    exchange: state.exchange,
    credentials: state.credentials,
    clockOffsetMs: state.clockOffsetMs,
    journal: store,
  });
  venue.hub.subscribe((event, time, seq) => history.add(event, time, seq));
  store.attach(() => ({ exchange: venue.exchange, credentials: [...venue.credentials.values()], clockOffsetMs: venue.clockOffsetMs }));
  const recoveredHash = venue.exchange.stateHash();
  const demo = demoCredential(venue);
  const adminToken = options.adminToken ?? randomBytes(16).toString('hex');

  const app = buildServer(venue, {
    adminToken,
    history,
    ...(options.rateLimits === 'none'
      ? { rateLimits: { weightPerMinute: Number.MAX_SAFE_INTEGER, ordersPerMinute: Number.MAX_SAFE_INTEGER } }
      : {}),
  });
  const web = registerWebAssets(app, options.webRoot);
  // Nothing acknowledged is ever lost: no answer leaves before the journal holds what it reports.
  app.addHook('onSend', async (_req, _reply, payload) => {
    await venue.durable();
    return payload;
  });
  await app.listen({ port: options.port, host: options.host });
  const streams = attachStreams(app.server, venue);
  const feed = startFeed(venue, { feed: options.feed, speed: options.speed });
  // GTD orders expire as the clock passes their date, also when nothing else happens (Binance's do)
  const expiry = setInterval(() => venue.expireDueNow(), GTD_CHECK_MS).unref();
  await venue.durable();

  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const wsUrl = `ws://${host}:${address.port}`;
  print(`perpsim serve: a Binance USDⓈ-M futures venue on ${url}`);
  print(`  REST       ${url}/fapi/v1/...  (CCXT binanceusdm, binance SDK: point the fapi base URL here)`);
  print(web ? `  Web        ${url}/` : `  Web        not built (npm run build writes dist/web)`);
  print(`  WebSocket  ${wsUrl}/ws  (market: ${wsUrl}/market/ws, user data: ${wsUrl}/private/ws?listenKey=…)`);
  print(
    `  data       ${options.dataDir}: ${recovery.seq} journal records, snapshot at ${recovery.snapshotSeq}, ${recovery.replayed} replayed in ${recovery.ms.toFixed(0)} ms${recovery.tornBytes > 0 ? `, torn last write of ${recovery.tornBytes} bytes dropped (${recovery.tornFile})` : ''}`,
  );
  print(`  demo key   apiKey=${demo.apiKey}`);
  print(`             apiSecret=${demo.apiSecret}   (account "${DEMO_ACCOUNT}", ${DEMO_BALANCE} USDT on first start)`);
  print(`  admin      X-PERPSIM-ADMIN: ${adminToken}   (simulator control under ${url}/sim/v1, see docs/api.md)`);
  const symbols = [...venue.exchange.symbols.values()].filter((s) => s.markPrice !== undefined);
  print(
    `  market     ${options.feed === 'replay' ? `replaying shipped Binance history at ${options.speed}× (docs/feed.md)` : 'manual prices (POST /sim/v1/markPrice)'}; market maker "${feed.marketMaker?.accountId ?? 'none'}"${symbols.length > 0 ? `; marks: ${symbols.map((s) => `${s.instrument.symbol} ${s.markPrice?.toString()}`).join(', ')}` : ''}`,
  );
  if (historyBefore < recovery.snapshotSeq)
    print(
      `  warning    the history database ends at journal record ${historyBefore}, the snapshot at ${recovery.snapshotSeq}: history in between is missing`,
    );
  if (phantom > 0) print(`  history    dropped ${phantom} rows of commands the journal did not keep (a crash before their sync)`);
  const missing = missingStartFlags();
  if (missing.length > 0)
    print(
      `  V8         started without ${missing.join(' ')} (a smaller young generation: ~20 % fewer orders/s; \`npm start\` gives it, or NODE_OPTIONS; src/cli/v8-tuning.ts)`,
    );
  print(`  recovered  state hash ${recoveredHash} after journal record ${recovery.seq}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(expiry);
      feed.stop();
      await streams.close();
      await app.close();
      await store.close();
      history.close();
    })());
  return { venue, url, wsUrl, adminToken, demo, close };
}
