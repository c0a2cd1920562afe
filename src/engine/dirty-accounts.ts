/**
 * The accounts marked for a later recomputation (the risk index's triggers, the margin sweep's rows), in
 * the order they were first marked. Membership is a bit on the account (`Account.dirtyBits`): marking an
 * account is a bit test on an object the command has just touched, where a Set would hash it into a
 * table of every account, mostly out of the CPU's caches. Each user owns one bit.
 */
import type { Account } from './state.js';

export const RISK_DIRTY = 1;
export const SWEEP_DIRTY = 2;

export class DirtyAccounts {
  private readonly list: Account[] = [];

  constructor(private readonly bit: number) {}

  get size(): number {
    return this.list.length;
  }

  add(a: Account): void {
    if ((a.dirtyBits & this.bit) !== 0) return;
    a.dirtyBits |= this.bit;
    this.list.push(a);
  }

  has(a: Account): boolean {
    return (a.dirtyBits & this.bit) !== 0;
  }

  clear(): void {
    for (const a of this.list) a.dirtyBits &= ~this.bit;
    this.list.length = 0;
  }

  [Symbol.iterator](): IterableIterator<Account> {
    return this.list[Symbol.iterator]();
  }
}
