/**
 * Binance's REST limits, per calendar minute of wall-clock time: request weight per IP (2400 by default,
 * reported in `X-MBX-USED-WEIGHT-1M` on every answer) and new orders per account (1200, reported in
 * `X-MBX-ORDER-COUNT-1M` on order requests). Over the weight limit a request is answered 429 with -1003
 * and not executed; over the order limit, 429 with -1015.
 */
import { API } from './api-errors.js';

export interface RateLimits {
  /** request weight per IP and minute (Binance: 2400) */
  readonly weightPerMinute: number;
  /** new orders per account and minute (Binance: 1200) */
  readonly ordersPerMinute: number;
}

export const BINANCE_LIMITS: RateLimits = { weightPerMinute: 2400, ordersPerMinute: 1200 };

interface Counter {
  minute: number;
  used: number;
}

export class RateLimiter {
  private readonly weights = new Map<string, Counter>();
  private readonly orders = new Map<string, Counter>();

  constructor(
    readonly limits: RateLimits,
    private readonly clock: () => number,
  ) {}

  private bump(map: Map<string, Counter>, key: string, amount: number): number {
    const minute = Math.floor(this.clock() / 60_000);
    let c = map.get(key);
    if (c === undefined || c.minute !== minute) {
      if (map.size > 10_000) for (const [k, old] of map) if (old.minute !== minute) map.delete(k);
      c = { minute, used: 0 };
      map.set(key, c);
    }
    c.used += amount;
    return c.used;
  }

  /** Adds the request's weight; returns the minute's total, or throws -1003 once it is over the limit. */
  weigh(ip: string, weight: number): number {
    const used = this.bump(this.weights, ip, weight);
    if (used > this.limits.weightPerMinute) {
      const err = API.tooManyRequests(this.limits.weightPerMinute);
      (err as { usedWeight?: number }).usedWeight = used;
      throw err;
    }
    return used;
  }

  /** The weight used so far this minute. */
  usedWeight(ip: string): number {
    const c = this.weights.get(ip);
    return c !== undefined && c.minute === Math.floor(this.clock() / 60_000) ? c.used : 0;
  }

  /** Counts `n` new orders of an account; throws -1015 over the limit. */
  countOrders(accountId: string, n: number): number {
    const used = this.bump(this.orders, accountId, n);
    if (used > this.limits.ordersPerMinute) throw API.tooManyOrders(this.limits.ordersPerMinute);
    return used;
  }
}

/** Binance's documented weights that depend on a parameter. */
export function depthWeight(limit: number): number {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

export function klinesWeight(limit: number): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}
