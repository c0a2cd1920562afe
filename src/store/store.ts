/**
 * The durable store under `--data-dir`: the command journal (segments, group commit) and snapshots.
 *
 * Start-up = the newest snapshot + the journal records after it. The journal keeps every segment, so the
 * whole history can always be replayed from nothing (`perpsim journal verify` checks that every snapshot
 * equals that replay). Layout and record types: docs/store.md.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Exchange, restoreSnapshot, takeSnapshot, type Command, type EngineEvent, type EngineSnapshot } from '../engine/index.js';
import { JOURNAL_VERSION, JournalCorruption, scanSegment, segmentBase } from './journal-format.js';
import { JournalWriter, syncDir, type Durability } from './journal-writer.js';

/** What the journal holds: accepted engine commands, and the venue facts that are not engine state. */
export type JournalRecord =
  | { readonly t: 'cmd'; readonly c: Command }
  | { readonly t: 'key'; readonly apiKey: string; readonly apiSecret: string; readonly accountId: string }
  | { readonly t: 'clock'; readonly offsetMs: number };

export interface Credential {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly accountId: string;
}

/** The state a store restores: the engine plus the venue facts. */
export interface StoredState {
  readonly exchange: Exchange;
  readonly credentials: Credential[];
  readonly clockOffsetMs: number;
}

export const STORE_SNAPSHOT_FORMAT = 'perpsim-store-snapshot';

interface StoreSnapshot {
  readonly format: typeof STORE_SNAPSHOT_FORMAT;
  readonly version: 1;
  /** the journal sequence number the snapshot includes (every record up to it) */
  readonly seq: number;
  readonly engine: EngineSnapshot;
  readonly credentials: Credential[];
  readonly clockOffsetMs: number;
}

export interface Recovery {
  /** sequence number of the snapshot started from (0: none) */
  readonly snapshotSeq: number;
  /** journal records applied after it */
  readonly replayed: number;
  /** the last sequence number in the journal */
  readonly seq: number;
  /** bytes of a torn last write that were dropped (0 normally) */
  readonly tornBytes: number;
  readonly tornFile: string | undefined;
  readonly ms: number;
}

export interface StoreOptions {
  readonly durability?: Durability;
  /** write a snapshot after this many journal records (default 100,000; 0: only on close) */
  readonly snapshotEvery?: number;
  /** snapshots kept (default 2) */
  readonly keepSnapshots?: number;
  /** recovery: the events of each replayed command (for the history database) */
  readonly onReplay?: (seq: number, events: readonly EngineEvent[], time: number) => void;
  /** called right before a snapshot is taken (the history database flushes, so it is never behind one) */
  readonly beforeSnapshot?: () => void;
}

const snapshotName = (seq: number) => `snapshot-${String(seq).padStart(12, '0')}.json`;
const snapshotSeqOf = (name: string): number | undefined => {
  const m = /^snapshot-(\d{12})\.json$/.exec(name);
  return m === null ? undefined : Number(m[1]);
};

/** Applies one journal record to a state being rebuilt; returns the engine events of a command record. */
export function applyRecord(
  state: { exchange: Exchange; credentials: Map<string, Credential>; clockOffsetMs: number },
  rec: unknown,
  where: string,
): readonly EngineEvent[] | undefined {
  const r = rec as JournalRecord;
  if (r?.t === 'cmd') {
    const result = state.exchange.execute(r.c);
    if (!result.ok)
      throw new Error(
        `${where}: journaled command rejected on replay (${result.error.code} ${result.error.msg}): the engine is not deterministic or the journal was edited`,
      );
    return result.events;
  } else if (r?.t === 'key') {
    state.credentials.set(r.apiKey, { apiKey: r.apiKey, apiSecret: r.apiSecret, accountId: r.accountId });
  } else if (r?.t === 'clock') {
    state.clockOffsetMs = r.offsetMs;
  } else {
    throw new Error(`${where}: unknown journal record ${JSON.stringify(rec).slice(0, 80)}`);
  }
  return undefined;
}

export interface Segment {
  readonly file: string;
  readonly base: number;
}

export function listSegments(dir: string): Segment[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ file: join(dir, name), base: segmentBase(name) }))
    .filter((s): s is Segment => s.base !== undefined)
    .sort((a, b) => a.base - b.base);
}

export function listSnapshots(dir: string): { file: string; seq: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ file: join(dir, name), seq: snapshotSeqOf(name) }))
    .filter((s): s is { file: string; seq: number } => s.seq !== undefined)
    .sort((a, b) => a.seq - b.seq);
}

export function readSnapshot(file: string): StoreSnapshot {
  let parsed: StoreSnapshot;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as StoreSnapshot;
  } catch (e) {
    throw new Error(`${file}: corrupted snapshot: ${(e as Error).message}`, { cause: e });
  }
  if (parsed?.format !== STORE_SNAPSHOT_FORMAT || parsed.version !== 1) throw new Error(`${file}: not a perpsim snapshot (version 1)`);
  return parsed;
}

/**
 * Reads every segment in order, checking that they join up (each one's base is where the previous ended)
 * and that only the last one has a torn tail. Calls `onRecord` with each record's sequence number.
 */
export function readJournal(
  dir: string,
  onRecord: (seq: number, rec: unknown, where: string) => void,
  /** records up to this sequence number are not needed: segments that end before it are not read */
  fromSeq = 0,
): {
  seq: number;
  tornBytes: number;
  tornFile: string | undefined;
  lastFile: string | undefined;
  lastBase: number;
  lastValidBytes: number;
  /** the last segment's format version */
  lastVersion: number;
} {
  const all = listSegments(dir);
  let first = 0;
  while (first + 1 < all.length && (all[first + 1] as Segment).base <= fromSeq) first++;
  const segments = all.slice(first);
  let seq = segments[0]?.base ?? 0;
  let tornBytes = 0;
  let tornFile: string | undefined;
  let lastValidBytes = 0;
  let lastVersion = JOURNAL_VERSION;
  for (const [i, seg] of segments.entries()) {
    const scan = scanSegment(seg.file, readFileSync(seg.file));
    if (scan.base !== seg.base) throw new JournalCorruption(seg.file, 16, `header says base ${scan.base}, the file name ${seg.base}`);
    if (scan.base !== seq)
      throw new JournalCorruption(seg.file, 0, `segment starts after record ${scan.base}, but the journal before it ends at ${seq}`);
    if (scan.tornBytes > 0 && i < segments.length - 1)
      throw new JournalCorruption(seg.file, scan.validBytes, 'damaged record in a segment that is not the last one');
    for (const rec of scan.records) {
      seq++;
      onRecord(seq, rec, `${seg.file} record ${seq}`);
    }
    if (scan.tornBytes > 0) {
      tornBytes = scan.tornBytes;
      tornFile = seg.file;
    }
    lastValidBytes = scan.validBytes;
    lastVersion = scan.version;
  }
  return { seq, tornBytes, tornFile, lastFile: segments.at(-1)?.file, lastBase: segments.at(-1)?.base ?? 0, lastValidBytes, lastVersion };
}

export class Store {
  private readonly writer: JournalWriter;
  private sinceSnapshot = 0;
  private snapshotDue = false;
  private snapshotting: Promise<void> | undefined;
  private readonly snapshotEvery: number;
  private readonly keepSnapshots: number;
  private readonly beforeSnapshot: (() => void) | undefined;

  /** reads the live state for snapshots (`attach`); until then, the state recovered at open */
  private current: () => StoredState;

  private constructor(
    readonly dir: string,
    writer: JournalWriter,
    options: StoreOptions,
    recovered: StoredState,
  ) {
    this.current = () => recovered;
    this.writer = writer;
    this.snapshotEvery = options.snapshotEvery ?? 100_000;
    this.keepSnapshots = Math.max(1, options.keepSnapshots ?? 2);
    this.beforeSnapshot = options.beforeSnapshot;
  }

  /**
   * Opens (or creates) the store in `dir` and recovers its state: the newest snapshot, then the journal
   * after it. A torn last write is dropped (and reported); any other damage throws, naming the file and
   * byte offset.
   */
  static open(dir: string, options: StoreOptions = {}): { store: Store; state: StoredState; recovery: Recovery } {
    const t0 = performance.now();
    mkdirSync(dir, { recursive: true });
    const snapshots = listSnapshots(dir);
    const newest = snapshots.at(-1);
    let exchange: Exchange;
    const credentials = new Map<string, Credential>();
    let clockOffsetMs = 0;
    let snapshotSeq = 0;
    if (newest !== undefined) {
      const snap = readSnapshot(newest.file);
      if (snap.seq !== newest.seq) throw new Error(`${newest.file}: says it includes record ${snap.seq}, its name ${newest.seq}`);
      try {
        exchange = restoreSnapshot(snap.engine);
      } catch (e) {
        throw new Error(`${newest.file}: ${(e as Error).message}`, { cause: e });
      }
      for (const c of snap.credentials) credentials.set(c.apiKey, c);
      clockOffsetMs = snap.clockOffsetMs;
      snapshotSeq = snap.seq;
    } else {
      exchange = new Exchange();
    }
    const state = { exchange, credentials, clockOffsetMs };
    let replayed = 0;
    const read = readJournal(
      dir,
      (seq, rec, where) => {
        if (seq <= snapshotSeq) return;
        const events = applyRecord(state, rec, where);
        if (events !== undefined) options.onReplay?.(seq, events, (rec as { c: Command }).c.time);
        replayed++;
      },
      snapshotSeq,
    );
    if (read.seq < snapshotSeq) throw new Error(`${newest?.file}: includes record ${snapshotSeq}, but the journal ends at ${read.seq}`);
    let writer: JournalWriter;
    if (read.lastFile === undefined) {
      writer = JournalWriter.create(dir, 0, options.durability);
    } else {
      if (read.tornBytes > 0) {
        truncateSync(read.lastFile, read.lastValidBytes);
        const fd = openSync(read.lastFile, 'r+');
        fsyncSync(fd);
        closeSync(fd);
      }
      if (read.lastVersion === JOURNAL_VERSION) writer = JournalWriter.continue(read.lastFile, read.lastBase, read.seq, options.durability);
      else {
        // a segment of an older format is not continued in the new one: a new segment starts after it (an
        // empty one, which would have the same name, is replaced)
        if (read.seq === read.lastBase) rmSync(read.lastFile);
        writer = JournalWriter.create(dir, read.seq, options.durability);
      }
    }
    const stored: StoredState = { exchange, credentials: [...credentials.values()], clockOffsetMs: state.clockOffsetMs };
    const store = new Store(dir, writer, options, stored);
    for (const s of snapshots.slice(0, -store.keepSnapshots)) rmSync(s.file, { force: true });
    return {
      store,
      state: stored,
      recovery: {
        snapshotSeq,
        replayed,
        seq: read.seq,
        tornBytes: read.tornBytes,
        tornFile: read.tornFile,
        ms: performance.now() - t0,
      },
    };
  }

  /** Tells the store how to read the live state (for snapshots). */
  attach(current: () => StoredState): void {
    this.current = current;
  }

  /** Sequence number of the last record appended. */
  get seq(): number {
    return this.writer.seq;
  }

  /** Appends one record (buffered; `sync()` makes it durable); returns its sequence number. May start a snapshot. */
  append(rec: JournalRecord): number {
    // a command record in the compact encoding when it has one (command-codec.ts), else as JSON
    const seq = rec.t === 'cmd' && typeof rec.c === 'object' && rec.c !== null ? this.writer.appendCommand(rec.c) : this.writer.append(rec);
    // Taken at the end of the event-loop turn, not inside this append: the command's events are published
    // after it is journaled, and the history must hold them before a snapshot passes them by. (Due while
    // one is being written: taken at the first append after it is done.)
    if (this.snapshotEvery > 0 && ++this.sinceSnapshot >= this.snapshotEvery && this.snapshotting === undefined && !this.snapshotDue) {
      this.snapshotDue = true;
      setImmediate(() => {
        this.snapshotDue = false;
        this.sinceSnapshot = 0;
        void this.snapshot().catch((e: unknown) => process.stderr.write(`perpsim: snapshot failed: ${(e as Error).message}\n`));
      });
    }
    return seq;
  }

  /** Resolves when every record appended so far is on disk. */
  sync(): Promise<void> {
    return this.writer.sync();
  }

  /**
   * Writes a snapshot of the live state at the current sequence number, once the journal up to it is
   * durable (so a snapshot never holds what the journal lost), and starts a new journal segment there.
   */
  snapshot(): Promise<void> {
    if (this.snapshotting !== undefined) return this.snapshotting;
    this.beforeSnapshot?.();
    const live = this.current();
    const seq = this.writer.seq;
    const body: StoreSnapshot = {
      format: STORE_SNAPSHOT_FORMAT,
      version: 1,
      seq,
      engine: takeSnapshot(live.exchange),
      credentials: live.credentials,
      clockOffsetMs: live.clockOffsetMs,
    };
    this.writer.rotate();
    this.snapshotting = (async () => {
      try {
        await this.writer.sync();
        const file = join(this.dir, snapshotName(seq));
        const tmp = `${file}.tmp`;
        const fd = openSync(tmp, 'w');
        try {
          writeSync(fd, JSON.stringify(body));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, file);
        syncDir(this.dir);
        for (const s of listSnapshots(this.dir).slice(0, -this.keepSnapshots)) rmSync(s.file, { force: true });
      } finally {
        this.snapshotting = undefined;
      }
    })();
    return this.snapshotting;
  }

  /** Clean shutdown: a final snapshot, then the journal is synced and closed. */
  async close(): Promise<void> {
    await this.snapshotting;
    if (this.seq > 0) await this.snapshot();
    await this.writer.close();
  }
}
