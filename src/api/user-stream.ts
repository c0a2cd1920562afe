/**
 * User data streams (spec api.md §6.4): the engine's account events delivered to the connections that
 * subscribed with the account's listen key, in Binance's shapes (the engine's `accountId` stripped).
 * A fill's ORDER_TRADE_UPDATE is preceded by a TRADE_LITE, as Binance sends it. When a key expires (checked
 * against the venue clock) its subscribers get `listenKeyExpired` once and nothing more for that key.
 */
import type { EngineEvent, OrderUpdate } from '../engine/index.js';
import type { Venue } from './venue.js';

/** A connection's side of a user-data subscription. */
export interface UserSink {
  /** an event for the account behind `listenKey` */
  deliver(listenKey: string, data: unknown): void;
  /** the key expired: `listenKeyExpired` was delivered, the subscription is gone */
  expired(listenKey: string): void;
}

const USER_EVENTS = new Set(['ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE', 'MARGIN_CALL', 'ACCOUNT_CONFIG_UPDATE']);

/** The Binance payload of an engine event that belongs on a user stream (undefined for the others). */
export function userPayload(event: EngineEvent): { accountId: string; data: Record<string, unknown> } | undefined {
  if (!USER_EVENTS.has(event.e) || !('accountId' in event)) return undefined;
  const { accountId, ...data } = event;
  return { accountId, data };
}

/** TRADE_LITE for a fill (x = TRADE). */
export function tradeLite(event: OrderUpdate): Record<string, unknown> {
  const o = event.o;
  return { e: 'TRADE_LITE', E: event.E, T: event.T, s: o.s, q: o.q, p: o.p, m: o.m, c: o.c, S: o.S, L: o.L, l: o.l, t: o.t, i: o.i };
}

export class UserStreams {
  private readonly byKey = new Map<string, Set<UserSink>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly venue: Venue) {
    this.unsubscribe = venue.hub.subscribe((event, time) => this.onEvent(event, time));
  }

  close(): void {
    this.unsubscribe();
    this.byKey.clear();
  }

  /** Whether `listenKey` is known and not expired. */
  isValid(listenKey: string): boolean {
    const k = this.venue.listenKeys.get(listenKey);
    return k !== undefined && k.expiresAt > this.venue.now();
  }

  /** Subscribes; false when the key is unknown or expired. */
  add(listenKey: string, sink: UserSink): boolean {
    if (!this.isValid(listenKey)) return false;
    let sinks = this.byKey.get(listenKey);
    if (sinks === undefined) this.byKey.set(listenKey, (sinks = new Set()));
    sinks.add(sink);
    return true;
  }

  remove(listenKey: string, sink: UserSink): void {
    const sinks = this.byKey.get(listenKey);
    if (sinks === undefined) return;
    sinks.delete(sink);
    if (sinks.size === 0) this.byKey.delete(listenKey);
  }

  /** Number of subscribed keys (for tests and stats). */
  get size(): number {
    return this.byKey.size;
  }

  /** Sends `listenKeyExpired` to the subscribers of every key that is gone or past its expiry. */
  checkExpiry(): void {
    if (this.byKey.size === 0) return;
    const now = this.venue.now();
    for (const key of [...this.byKey.keys()]) {
      const k = this.venue.listenKeys.get(key);
      if (k === undefined || k.expiresAt <= now) this.expire(key, now);
    }
  }

  private expire(listenKey: string, now: number): void {
    const sinks = this.byKey.get(listenKey);
    if (sinks === undefined) return;
    this.byKey.delete(listenKey);
    const data = { e: 'listenKeyExpired', E: now, listenKey };
    for (const sink of sinks) {
      sink.deliver(listenKey, data);
      sink.expired(listenKey);
    }
  }

  private onEvent(event: EngineEvent, time: number): void {
    if (this.byKey.size === 0) return;
    const payload = userPayload(event);
    if (payload === undefined) return;
    for (const key of [...this.byKey.keys()]) {
      const k = this.venue.listenKeys.get(key);
      if (k === undefined || k.accountId !== payload.accountId) continue;
      if (k.expiresAt <= time) {
        this.expire(key, time);
        continue;
      }
      const sinks = this.byKey.get(key) as Set<UserSink>;
      const lite = event.e === 'ORDER_TRADE_UPDATE' && event.o.x === 'TRADE' ? tradeLite(event) : undefined;
      for (const sink of sinks) {
        if (lite !== undefined) sink.deliver(key, lite);
        sink.deliver(key, payload.data);
      }
    }
  }
}
