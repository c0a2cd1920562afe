/**
 * The running exchange as the adapters see it: one engine, the venue clock, API credentials and user-data
 * listen keys, and the event hub. Every state change goes through `run`, which stamps the command with the
 * venue time, executes it and publishes its events: the one place where journaling (issue 6) hooks in.
 */
import { randomBytes } from 'node:crypto';
import { Exchange, type Command, type Result } from '../engine/index.js';
import { EventHub } from './event-hub.js';

/** A command as an adapter builds it: the venue stamps the time. */
export type UnstampedCommand = Command extends infer C ? (C extends Command ? Omit<C, 'time'> : never) : never;

export interface ApiCredential {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly accountId: string;
}

export interface ListenKey {
  readonly listenKey: string;
  readonly accountId: string;
  /** venue time (ms) after which the key expires unless kept alive (PUT) */
  expiresAt: number;
}

/** Binance: a listen key lives 60 minutes after its last keep-alive. */
export const LISTEN_KEY_TTL_MS = 60 * 60 * 1000;

export interface VenueOptions {
  readonly exchange?: Exchange;
  /** wall clock (ms); tests pass a fake one */
  readonly wallClock?: () => number;
  /** source of random bytes for keys (tests may make it deterministic) */
  readonly random?: (bytes: number) => Buffer;
  /** where accepted commands and venue facts are journaled (the store; none: in memory only) */
  readonly journal?: VenueJournal;
  /** credentials and clock offset recovered from the journal */
  readonly credentials?: Iterable<ApiCredential>;
  readonly clockOffsetMs?: number;
}

/** What the venue journals: accepted commands (time-stamped) and the venue facts that are not engine state. */
export type VenueRecord =
  | { readonly t: 'cmd'; readonly c: Command }
  | { readonly t: 'key'; readonly apiKey: string; readonly apiSecret: string; readonly accountId: string }
  | { readonly t: 'clock'; readonly offsetMs: number };

/** The journal port (implemented by src/store; wired by the CLI). */
export interface VenueJournal {
  /** returns the record's sequence number */
  append(record: VenueRecord): number;
  /** resolves when everything appended so far is durable */
  sync(): Promise<void>;
}

export class Venue {
  readonly exchange: Exchange;
  readonly hub = new EventHub();
  /** by API key */
  readonly credentials = new Map<string, ApiCredential>();
  /** by listen key */
  readonly listenKeys = new Map<string, ListenKey>();
  private readonly wallClock: () => number;
  private readonly random: (bytes: number) => Buffer;
  /** simulated time = wall clock + offset (POST /sim/v1/clock advances it) */
  private offsetMs = 0;
  /** the last time stamped on a command: venue time never goes backwards */
  private lastTime = 0;
  /**
   * Order-book update id per symbol (depth `lastUpdateId`, stream `U`/`u`/`pu`): raised by one for every
   * accepted command that changed the symbol's book (any ORDER_TRADE_UPDATE on the symbol).
   */
  readonly bookUpdateIds = new Map<string, number>();

  constructor(options: VenueOptions = {}) {
    this.exchange = options.exchange ?? new Exchange();
    this.wallClock = options.wallClock ?? Date.now;
    this.random = options.random ?? randomBytes;
    this.journal = options.journal;
    for (const c of options.credentials ?? []) this.credentials.set(c.apiKey, c);
    this.offsetMs = options.clockOffsetMs ?? 0;
    this.lastTime = this.exchange.counters().time;
  }

  private readonly journal: VenueJournal | undefined;

  /**
   * Resolves when every change made so far is durable: an answer to a client waits for this, so nothing
   * acknowledged is lost (group commit: many answers share one fsync).
   */
  durable(): Promise<void> {
    return this.journal === undefined ? Promise.resolve() : this.journal.sync();
  }

  /** The simulated clock's offset from the wall clock (ms). */
  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  /** Venue time in epoch ms (monotonic). */
  now(): number {
    const t = Math.max(this.lastTime, this.wallClock() + this.offsetMs);
    this.lastTime = t;
    return t;
  }

  /** The wall clock (ms), without the simulated offset: request timestamps are checked against it too. */
  wallTime(): number {
    return this.wallClock();
  }

  /** Moves simulated time forward (funding and other time-based events are due by the new time). */
  advance(ms: number): number {
    this.offsetMs += ms;
    this.journal?.append({ t: 'clock', offsetMs: this.offsetMs });
    const time = this.now();
    this.expireDue(time);
    return time;
  }

  /**
   * GTD orders whose time has come by the venue clock now expire (a journaled command); nothing happens
   * when none is due. The server calls it on a timer, so an order expires on time without other traffic.
   */
  expireDueNow(): void {
    this.expireDue(this.now());
  }

  /** GTD orders whose time has come expire, as a journaled command of their own. */
  private expireDue(time: number): void {
    const expiry = this.exchange.nextExpiry();
    if (expiry !== undefined && expiry <= time) this.run({ type: 'expireOrders' });
  }

  /** Executes one command at the venue's current time and publishes its events. */
  run(cmd: UnstampedCommand): Result {
    const time = this.now();
    if (cmd.type !== 'expireOrders') this.expireDue(time);
    const stamped = { ...cmd, time } as Command;
    const result = this.exchange.execute(stamped);
    if (result.ok) {
      const seq = this.journal?.append({ t: 'cmd', c: stamped }) ?? 0;
      let touched: Set<string> | undefined;
      for (const e of result.events) if (e.e === 'ORDER_TRADE_UPDATE') (touched ??= new Set()).add(e.o.s);
      if (touched !== undefined) for (const s of touched) this.bookUpdateIds.set(s, this.bookUpdateId(s) + 1);
      this.hub.publish(result.events, time, seq);
    }
    return result;
  }

  /** The symbol's current order-book update id (0 before any order). */
  bookUpdateId(symbol: string): number {
    return this.bookUpdateIds.get(symbol) ?? 0;
  }

  /** Issues a new API key/secret pair for an existing account. */
  issueCredential(accountId: string): ApiCredential {
    const credential: ApiCredential = {
      apiKey: this.random(32).toString('hex'),
      apiSecret: this.random(32).toString('hex'),
      accountId,
    };
    this.credentials.set(credential.apiKey, credential);
    this.journal?.append({ t: 'key', ...credential });
    return credential;
  }

  /** Binance returns the account's existing key while it is valid, and extends it. */
  listenKeyFor(accountId: string): ListenKey {
    const now = this.now();
    for (const k of this.listenKeys.values()) {
      if (k.accountId === accountId && k.expiresAt > now) {
        k.expiresAt = now + LISTEN_KEY_TTL_MS;
        return k;
      }
    }
    // Binance's keys are 64 alphanumeric characters; hex keeps them free of the '-' and '_' of base64url
    const key: ListenKey = { listenKey: this.random(32).toString('hex'), accountId, expiresAt: now + LISTEN_KEY_TTL_MS };
    this.listenKeys.set(key.listenKey, key);
    return key;
  }
}
