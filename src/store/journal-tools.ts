/**
 * Operator tools over a data directory (`perpsim journal verify|replay|export`): they only read it.
 * - verify: replays the whole journal from nothing and checks every snapshot against the replay at its
 *   sequence number (a snapshot's state hash must equal the hash of replaying the journal up to it);
 * - replay: replays the whole journal and reports the final state hash and the replay speed;
 * - export: writes the journal as JSON lines (one record per line, with its sequence number) and the
 *   final state as an engine snapshot.
 */
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Exchange, takeSnapshot } from '../engine/index.js';
import { applyRecord, listSegments, listSnapshots, readJournal, readSnapshot, type Credential } from './store.js';

export interface ReplayReport {
  readonly records: number;
  readonly commands: number;
  readonly segments: number;
  readonly tornBytes: number;
  readonly stateHash: string;
  readonly ms: number;
  /** snapshots compared with the replay (verify) */
  readonly snapshotsChecked: { seq: number; file: string; hash: string }[];
}

export class VerifyError extends Error {
  override name = 'VerifyError';
}

/**
 * Replays the journal from nothing; `onSeq` sees the exchange after each record (and at 0, before any),
 * with the record; records past `upTo` are read but not applied.
 */
function replayAll(
  dir: string,
  onSeq?: (seq: number, ex: Exchange, rec: unknown) => void,
  upTo = Infinity,
): ReplayReport & { exchange: Exchange } {
  const t0 = performance.now();
  const state = { exchange: new Exchange(), credentials: new Map<string, Credential>(), clockOffsetMs: 0 };
  let commands = 0;
  onSeq?.(0, state.exchange, undefined);
  const read = readJournal(dir, (seq, rec, where) => {
    if (seq > upTo) return;
    applyRecord(state, rec, where);
    if ((rec as { t?: string }).t === 'cmd') commands++;
    onSeq?.(seq, state.exchange, rec);
  });
  return {
    exchange: state.exchange,
    records: read.seq,
    commands,
    segments: listSegments(dir).length,
    tornBytes: read.tornBytes,
    stateHash: state.exchange.stateHash(),
    ms: performance.now() - t0,
    snapshotsChecked: [],
  };
}

/** The whole journal (or its first `upTo` records) replayed from nothing; the report carries the exchange. */
export function replayJournal(dir: string, upTo = Infinity): ReplayReport & { exchange: Exchange } {
  return replayAll(dir, undefined, upTo);
}

/** Throws VerifyError naming the first snapshot that differs from the replay (or lies past its end). */
export function verifyJournal(dir: string): ReplayReport {
  const expected = new Map<number, { file: string; hash: string }>();
  for (const s of listSnapshots(dir)) expected.set(s.seq, { file: s.file, hash: readSnapshot(s.file).engine.stateHash });
  const checked: { seq: number; file: string; hash: string }[] = [];
  const report = replayAll(dir, (seq, ex) => {
    const want = expected.get(seq);
    if (want === undefined) return;
    const got = ex.stateHash();
    if (got !== want.hash)
      throw new VerifyError(`${want.file}: state hash ${want.hash}, but replaying the journal to record ${seq} gives ${got}`);
    checked.push({ seq, ...want });
  });
  for (const [seq, s] of expected) {
    if (seq > report.records) throw new VerifyError(`${s.file}: includes record ${seq}, but the journal ends at ${report.records}`);
  }
  return { ...report, snapshotsChecked: checked };
}

/** Writes DIR/journal.jsonl and DIR/state.json; returns the report of the replay it made on the way. */
export async function exportJournal(dataDir: string, outDir: string): Promise<ReplayReport> {
  mkdirSync(outDir, { recursive: true });
  const out = createWriteStream(join(outDir, 'journal.jsonl'));
  const report = replayAll(dataDir, (seq, _ex, rec) => {
    if (seq > 0) out.write(`${JSON.stringify({ seq, ...(rec as object) })}\n`);
  });
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  writeFileSync(join(outDir, 'state.json'), JSON.stringify(takeSnapshot(report.exchange)));
  return report;
}
