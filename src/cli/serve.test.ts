// `perpsim serve` as a process: the crash test (kill -9 under concurrent signed orders, 20 times) and a
// clean stop. Every order that got a 200 must be there after the restart, with at least the fills it was
// answered with; the state hash after recovery must equal a fresh replay of the journal; money is conserved.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Decimal } from '../core/index.js';
import type { Exchange } from '../engine/index.js';
import { replayJournal, verifyJournal } from '../store/journal-tools.js';
import type { Credential } from '../store/store.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';

const ADMIN = 'crash-test-admin';
const dirs: string[] = [];
const procs: ChildProcess[] = [];
after(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Server = ServeProcess;

async function start(dataDir: string, extra: string[] = []): Promise<Server> {
  const server = startServeProcess([
    '--data-dir',
    dataDir,
    '--feed',
    'manual',
    '--admin-token',
    ADMIN,
    '--snapshot-every',
    '150',
    ...extra,
  ]);
  void server.then((s) => procs.push(s.proc)).catch(() => undefined);
  return server;
}

async function admin(url: string, path: string, body: unknown): Promise<Record<string, string>> {
  const r = await fetch(`${url}/sim/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-PERPSIM-ADMIN': ADMIN },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${path}: ${text}`);
  return JSON.parse(text) as Record<string, string>;
}

async function signed(url: string, cred: Credential, method: string, path: string, params: Record<string, string>): Promise<Response> {
  const query = new URLSearchParams({ ...params, timestamp: String(Date.now()), recvWindow: '60000' }).toString();
  const signature = createHmac('sha256', cred.apiSecret).update(query).digest('hex');
  return fetch(`${url}${path}?${query}&signature=${signature}`, { method, headers: { 'X-MBX-APIKEY': cred.apiKey } });
}

/** The journal replayed from nothing (up to record `upTo`), read-only: the code path of `perpsim journal replay`. */
const replayed = (dataDir: string, upTo = Infinity): Exchange => replayJournal(dataDir, upTo).exchange;

function assertConserved(ex: Exchange): void {
  let wallets = ex.feesCollected;
  let inflow = Decimal.ZERO;
  for (const a of ex.accounts.values()) {
    wallets = wallets.add(a.crossWallet);
    for (const p of a.positions.values()) wallets = wallets.add(p.isolatedWallet);
    inflow = inflow.add(a.deposits).sub(a.withdrawals).add(a.realizedPnl).add(a.funding).add(a.insuranceClear);
  }
  assert.equal(wallets.toString(), inflow.toString(), 'wallets + fees = deposits − withdrawals + realized PnL (+ funding, clearance)');
}

interface Ack {
  readonly cred: Credential;
  readonly orderId: number;
  readonly executedQty: Decimal;
}

describe('perpsim serve', () => {
  it('loses no acknowledged order across 20 kill -9 under concurrent signed orders; recovery = journal replay; money conserved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpsim-crash-'));
    dirs.push(dir);
    let srv = await start(dir);
    await admin(srv.url, 'markPrice', { symbol: 'BTCUSDT', price: '60000' });
    const traders: Credential[] = [];
    for (let i = 0; i < 3; i++)
      traders.push((await admin(srv.url, 'accounts', { balances: { USDT: '1000000' } })) as unknown as Credential);
    const acks: Ack[] = [];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let kills = 0;
    let totalAcks = 0;
    let tradesChecked = 0;
    for (let round = 0; round < 20; round++) {
      if (round > 0) {
        srv = await start(dir);
        // recovery = a fresh replay of the journal
        assert.equal(srv.stateHash, replayed(dir, srv.recoveredSeq).stateHash(), `round ${round}: recovered state = journal replay`);
        assertConserved(replayed(dir));
        // every acknowledged order is there, with at least the fills it was answered with
        for (const ack of acks) {
          const r = await signed(srv.url, ack.cred, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(ack.orderId) });
          const text = await r.text();
          assert.equal(r.status, 200, `round ${round}: acknowledged order ${ack.orderId} is missing: ${text}`);
          const o = JSON.parse(text) as { executedQty: string };
          assert.ok(Decimal.parse(o.executedQty).gte(ack.executedQty), `order ${ack.orderId} lost fills`);
          if (!ack.executedQty.isZero()) {
            // and its trades are in the history database (which is written off the hot path)
            const t = await signed(srv.url, ack.cred, 'GET', '/fapi/v1/userTrades', { symbol: 'BTCUSDT', orderId: String(ack.orderId) });
            const trades = JSON.parse(await t.text()) as { qty: string }[];
            const filled = trades.reduce((sum, x) => sum.add(Decimal.parse(x.qty)), Decimal.ZERO);
            assert.equal(filled.toString(), o.executedQty, `round ${round}: the trades of order ${ack.orderId} in the history`);
            tradesChecked++;
          }
        }
        acks.length = 0; // checked: the next round's acknowledgements are checked after the next kill
      }
      // concurrent signed orders until the kill
      let killed = false;
      const worker = async (w: number) => {
        const cred = traders[w % traders.length] as Credential;
        while (!killed) {
          const side = rand() < 0.5 ? 'BUY' : 'SELL';
          const price = (59990 + Math.floor(rand() * 21)).toFixed(1);
          const quantity = (0.001 * (1 + Math.floor(rand() * 5))).toFixed(3);
          try {
            const r = await signed(srv.url, cred, 'POST', '/fapi/v1/order', {
              symbol: 'BTCUSDT',
              side,
              type: 'LIMIT',
              timeInForce: rand() < 0.3 ? 'IOC' : 'GTC',
              price,
              quantity,
              newOrderRespType: 'RESULT',
            });
            if (r.status !== 200) continue; // a rejection (e.g. too many open orders) is not an acknowledgement
            const o = (await r.json()) as { orderId: number; executedQty: string };
            acks.push({ cred, orderId: o.orderId, executedQty: Decimal.parse(o.executedQty) });
            totalAcks++;
          } catch {
            // the connection died with the server: no answer, no promise made
          }
        }
      };
      const workers = Array.from({ length: 8 }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 80 + Math.floor(rand() * 250)));
      srv.proc.kill('SIGKILL');
      kills++;
      await srv.exited;
      killed = true;
      await Promise.all(workers);
    }
    // the last round's acknowledgements, after a last restart; then a clean stop leaves a verified snapshot
    srv = await start(dir);
    assert.equal(srv.stateHash, replayed(dir, srv.recoveredSeq).stateHash());
    assert.equal(replayJournal(dir).records >= srv.recoveredSeq, true);
    for (const ack of acks) {
      const r = await signed(srv.url, ack.cred, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(ack.orderId) });
      assert.equal(r.status, 200, `acknowledged order ${ack.orderId} is missing`);
    }
    srv.proc.kill('SIGTERM');
    assert.equal(await srv.exited, 0, 'a clean stop exits 0');
    assert.equal(kills, 20);
    assert.ok(totalAcks > 200, `only ${totalAcks} orders were acknowledged: the test did not load the server`);
    assert.ok(tradesChecked > 20, `only ${tradesChecked} filled orders had their trades checked`);
    const ex = replayed(dir);
    assertConserved(ex);
    const verified = verifyJournal(dir);
    assert.ok(verified.snapshotsChecked.length >= 1, 'snapshots were written and each equals the journal replay at its record');
    assert.ok(!ex.feesCollected.isZero(), 'orders traded');
  });
});
