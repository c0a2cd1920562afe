import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../core/index.js';
import { DirtyAccounts, RISK_DIRTY, SWEEP_DIRTY } from './dirty-accounts.js';
import { newAccount } from './state.js';

const account = (id: string) => newAccount(id, Decimal.ZERO, Decimal.ZERO);

test('DirtyAccounts keeps each account once, in the order first marked', () => {
  const d = new DirtyAccounts(RISK_DIRTY);
  const [a, b, c] = [account('a'), account('b'), account('c')];
  for (const x of [b, a, b, c, a]) d.add(x);
  assert.deepEqual(
    [...d].map((x) => x.accountId),
    ['b', 'a', 'c'],
  );
  assert.equal(d.size, 3);
  assert.ok(d.has(a));
});

test('DirtyAccounts.clear unmarks every account, so that they can be marked again', () => {
  const d = new DirtyAccounts(RISK_DIRTY);
  const a = account('a');
  d.add(a);
  d.clear();
  assert.equal(d.size, 0);
  assert.ok(!d.has(a));
  assert.equal(a.dirtyBits, 0);
  d.add(a);
  assert.deepEqual([...d], [a]);
});

test('two DirtyAccounts with their own bits do not see each other', () => {
  const risk = new DirtyAccounts(RISK_DIRTY);
  const sweep = new DirtyAccounts(SWEEP_DIRTY);
  const a = account('a');
  risk.add(a);
  assert.ok(!sweep.has(a));
  sweep.add(a);
  risk.clear();
  assert.ok(sweep.has(a));
  assert.ok(!risk.has(a));
  assert.deepEqual([...sweep], [a]);
});
