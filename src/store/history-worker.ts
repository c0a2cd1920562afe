/**
 * The history database's writer thread (started by `HistoryDb`, history-db.ts): receives the batches of
 * history rows in order and writes each in one transaction on its own SQLite connection, so the event loop
 * that runs the engine and answers clients does not spend its time in SQLite.
 *
 * Shared state with the owner (an Int32Array over `state`): [0] the id of the last message done, [1] 1 once
 * a write failed, [2] 1 once the thread runs; a Float64 at byte 16: the result of the last truncation. After a failure nothing more is
 * written (a later batch would advance `meta.last_seq` past the rows that were lost), and the error is
 * posted both on `replies` (read synchronously by the owner) and to the parent (reported asynchronously).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { HistoryWriter, prepareHistoryDatabase, type HistoryBatch } from './history-writer.js';

export interface HistoryWorkerData {
  readonly file: string;
  readonly state: SharedArrayBuffer;
  readonly replies: MessagePort;
}

export type HistoryWorkerMessage =
  | { readonly id: number; readonly batch: HistoryBatch }
  | { readonly id: number; readonly truncate: number }
  | { readonly id: number; readonly close: true };

const { file, state, replies } = workerData as HistoryWorkerData;
const shared = new Int32Array(state, 0, 3);
const result = new Float64Array(state, 16, 1);
Atomics.store(shared, 2, 1);
const port = parentPort as MessagePort;

let db: Database.Database | undefined;
let writer: HistoryWriter | undefined;
let failed = false;

function fail(e: unknown): void {
  failed = true;
  const message = `history database ${file}: ${(e as Error)?.message ?? String(e)}`;
  replies.postMessage(message);
  port.postMessage({ error: message });
  Atomics.store(shared, 1, 1);
}

try {
  db = new Database(file);
  prepareHistoryDatabase(db);
  writer = new HistoryWriter(db);
} catch (e) {
  fail(e);
}

port.on('message', (m: HistoryWorkerMessage) => {
  if (!failed) {
    try {
      if ('batch' in m) (writer as HistoryWriter).write(m.batch);
      else if ('truncate' in m) result[0] = (writer as HistoryWriter).truncateAfter(m.truncate);
      else db?.close();
    } catch (e) {
      fail(e);
    }
  }
  Atomics.store(shared, 0, m.id);
  Atomics.notify(shared, 0);
  if ('close' in m) {
    replies.close();
    port.close();
  }
});
