import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Exchange, type Command } from '../engine/index.js';
import { HEADER_BYTES, JournalCorruption } from './journal-format.js';
import { Store, listSegments, listSnapshots, type Credential, type StoredState } from './store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'perpsim-store-'));
  dirs.push(d);
  return d;
}

/** A little market: two funded accounts, a mark, resting orders and a trade. */
function commands(n: number): Command[] {
  const out: Command[] = [];
  let time = 1;
  const ids = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  for (const id of ids) {
    out.push({ type: 'createAccount', time: time++, accountId: id });
    out.push({ type: 'deposit', time: time++, accountId: id, asset: 'USDT', amount: '100000' });
  }
  out.push({ type: 'setMarkPrice', time: time++, symbol: 'BTCUSDT', markPrice: '60000' });
  for (let i = 0; out.length < n; i++) {
    const side = i % 2 === 0 ? 'SELL' : 'BUY';
    const accountId = ids[Math.floor(i / 2) % ids.length] as string; // (≤ 200 open orders each)
    out.push({
      type: 'placeOrder',
      time: time++,
      accountId,
      symbol: 'BTCUSDT',
      side,
      orderType: 'LIMIT',
      timeInForce: 'GTC',
      price: String(60000 + (side === 'SELL' ? 1 : -1) * (i % 7)),
      quantity: '0.01',
    });
  }
  return out;
}

/** Drives a store the way the venue does: execute, journal what was accepted. */
function drive(store: Store, ex: Exchange, cmds: Command[], creds: Credential[] = []): void {
  store.attach((): StoredState => ({ exchange: ex, credentials: creds, clockOffsetMs: 0 }));
  for (const c of cmds) {
    const r = ex.execute(c);
    if (r.ok) store.append({ t: 'cmd', c });
  }
}

describe('store: journal and snapshots', () => {
  it('recovers exactly what was journaled, and continues the same journal', async () => {
    const dir = tempDir();
    const cmds = commands(200);
    const reference = new Exchange();
    for (const c of cmds) reference.execute(c);

    const first = Store.open(dir, { snapshotEvery: 0 });
    assert.equal(first.recovery.seq, 0);
    const ex = first.state.exchange;
    drive(first.store, ex, cmds.slice(0, 120));
    first.store.append({ t: 'key', apiKey: 'k1', apiSecret: 's1', accountId: 'alice' });
    await first.store.sync();
    // no close: as if the process was killed after the last answer
    const second = Store.open(dir, { snapshotEvery: 0 });
    assert.equal(second.recovery.snapshotSeq, 0);
    assert.equal(second.recovery.replayed, 121);
    assert.equal(second.recovery.tornBytes, 0);
    assert.deepEqual(second.state.credentials, [{ apiKey: 'k1', apiSecret: 's1', accountId: 'alice' }]);
    drive(second.store, second.state.exchange, cmds.slice(120));
    await second.store.close();

    const third = Store.open(dir);
    assert.equal(third.state.exchange.stateHash(), reference.stateHash(), 'journal (+ close snapshot) = the reference run');
    assert.equal(third.recovery.replayed, 0, 'the clean shutdown left a snapshot at the end of the journal');
    await third.store.close();
  });

  it('snapshots every N records; start-up = newest snapshot + the journal after it; old snapshots are pruned', async () => {
    const dir = tempDir();
    const cmds = commands(1000);
    const reference = new Exchange();
    for (const c of cmds) assert.ok(reference.execute(c).ok, JSON.stringify(c));
    const s = Store.open(dir, { snapshotEvery: 300, keepSnapshots: 2 });
    for (let i = 0; i < cmds.length; i += 100) {
      drive(s.store, s.state.exchange, cmds.slice(i, i + 100));
      await s.store.sync();
      await new Promise((r) => setTimeout(r, 5)); // a background snapshot finishes
    }
    const snaps = listSnapshots(dir);
    assert.deepEqual(
      snaps.map((x) => x.seq),
      [600, 900],
    );
    assert.ok(listSegments(dir).length >= 4, 'a new segment starts at each snapshot');
    const r = Store.open(dir, { snapshotEvery: 0 });
    assert.equal(r.recovery.snapshotSeq, 900);
    assert.equal(r.recovery.replayed, r.recovery.seq - 900);
    assert.equal(r.state.exchange.stateHash(), reference.stateHash());
    await r.store.close();
  });

  it('drops a torn last write (partial record, zero-filled tail) and keeps everything before it', async () => {
    for (const tear of ['partial', 'zeros', 'checksum'] as const) {
      const dir = tempDir();
      const cmds = commands(50);
      const s = Store.open(dir, { snapshotEvery: 0 });
      drive(s.store, s.state.exchange, cmds);
      await s.store.sync();
      const hash = s.state.exchange.stateHash();
      const seg = listSegments(dir).at(-1)?.file as string;
      const size = statSync(seg).size;
      if (tear === 'partial') appendFileSync(seg, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123, 34]));
      if (tear === 'zeros') appendFileSync(seg, Buffer.alloc(4096));
      if (tear === 'checksum') appendFileSync(seg, Buffer.concat([Buffer.from([2, 0, 0, 0, 9, 9, 9, 9]), Buffer.from('{}')]));
      const r = Store.open(dir, { snapshotEvery: 0 });
      assert.equal(r.state.exchange.stateHash(), hash, tear);
      assert.ok(r.recovery.tornBytes > 0, tear);
      assert.equal(statSync(seg).size, size, `${tear}: the torn bytes are truncated`);
      // and the journal goes on cleanly after it
      drive(r.store, r.state.exchange, [{ type: 'deposit', time: 10_000, accountId: 'alice', asset: 'USDT', amount: '1' }]);
      await r.store.close();
      const again = Store.open(dir);
      assert.equal(again.state.exchange.accounts.get('alice')?.deposits.toString(), '100001');
      await again.store.close();
    }
  });

  it('reads a version-1 journal (JSON records) and goes on in a new version-2 segment after it', async () => {
    const dir = tempDir();
    const cmds = commands(40);
    // a version-1 segment as perpsim wrote it before: the same header with version 1, JSON payloads
    const head = Buffer.alloc(HEADER_BYTES);
    head.write('PSJOURNL', 0, 'ascii');
    head.writeUInt32LE(1, 8);
    const records = cmds.map((c) => {
      const body = Buffer.from(JSON.stringify({ t: 'cmd', c }));
      const h = Buffer.alloc(8);
      h.writeUInt32LE(body.length, 0);
      h.writeUInt32LE(crc32(body), 4);
      return Buffer.concat([h, body]);
    });
    writeFileSync(join(dir, 'journal-000000000000.log'), Buffer.concat([head, ...records]));
    const reference = new Exchange();
    for (const c of cmds) assert.ok(reference.execute(c).ok);
    const s = Store.open(dir, { snapshotEvery: 0 });
    assert.equal(s.state.exchange.stateHash(), reference.stateHash());
    const more = commands(60)
      .slice(40)
      .map((c) => ({ ...c, time: c.time + 1000 }));
    drive(s.store, s.state.exchange, more);
    await s.store.close();
    const segments = listSegments(dir);
    // (closing takes a snapshot, which starts one more segment)
    assert.deepEqual(
      segments.slice(0, 2).map((x) => [x.base, readFileSync(x.file).readUInt32LE(8)]),
      [
        [0, 1],
        [40, 2],
      ],
      'the old segment is left as it was; the new records go to a version-2 segment',
    );
    for (const x of segments.slice(2)) assert.equal(readFileSync(x.file).readUInt32LE(8), 2);
    for (const c of more) reference.execute(c);
    const again = Store.open(dir);
    assert.equal(again.state.exchange.stateHash(), reference.stateHash());
    await again.store.close();
  });

  it('stops on damage that is not a torn tail, naming the file and the byte offset', async () => {
    const dir = tempDir();
    const s = Store.open(dir, { snapshotEvery: 0 });
    drive(s.store, s.state.exchange, commands(30));
    await s.store.sync();
    const seg = listSegments(dir)[0]?.file as string;
    const data = readFileSync(seg);
    data[HEADER_BYTES + 8 + 3] = data[HEADER_BYTES + 8 + 3] === 65 ? 66 : 65; // a byte inside the first record
    writeFileSync(seg, data);
    assert.throws(
      () => Store.open(dir),
      (e: unknown) => e instanceof JournalCorruption && e.file === seg && e.offset === HEADER_BYTES && /checksum/.test(e.message),
    );
  });

  it('stops on a corrupted snapshot instead of starting from something else', async () => {
    const dir = tempDir();
    const s = Store.open(dir, { snapshotEvery: 0 });
    drive(s.store, s.state.exchange, commands(30));
    await s.store.close();
    const snap = listSnapshots(dir).at(-1)?.file as string;
    writeFileSync(snap, readFileSync(snap, 'utf8').replace('"crossWallet":"', '"crossWallet":"9'));
    assert.throws(
      () => Store.open(dir),
      (e: unknown) => e instanceof Error && e.message.startsWith(snap) && /state hash/.test(e.message),
    );
    assert.ok(readdirSync(dir).length > 0);
  });
});
