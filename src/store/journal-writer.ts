/**
 * Appends records to the current journal segment with group commit: `append` only buffers (it never
 * blocks the engine); one flush writes everything buffered with a single write and a single fdatasync,
 * while the next batch collects behind it. `sync()` resolves once every record appended before the call
 * is on disk, which is what an answer to a client waits for.
 *
 * A failed write or sync is fatal for the writer: every waiter is rejected and later appends throw, so
 * nothing is ever acknowledged that was not stored.
 */
import { closeSync, fdatasync, fsyncSync, openSync, renameSync, writeSync, writev } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_RECORD_BYTES, encodeHeader, encodeRecords, segmentName } from './journal-format.js';

const writevAsync = promisify(writev);
const fdatasyncAsync = promisify(fdatasync);

/** `fsync`: every batch is synced (the default); `os`: written, left to the OS to sync (benchmarks only). */
export type Durability = 'fsync' | 'os';

/** a point in the queue where the current segment ends and a new one (with this base) begins */
interface Rotation {
  readonly base: number;
}

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class JournalWriter {
  /** JSON texts of the records not written yet, and rotation points */
  private pending: (string | Rotation)[] = [];
  private appended: number;
  private durable: number;
  private waiters: Waiter[] = [];
  private flushing = false;
  private failure: Error | undefined;
  private closed = false;
  /** batches written, for the benchmark */
  batches = 0;
  /** base of the segment the next record goes to */
  private segmentStart: number;

  private constructor(
    private file: string,
    private fd: number,
    seq: number,
    private readonly dir: string,
    private readonly durability: Durability,
    base: number,
  ) {
    this.appended = seq;
    this.durable = seq;
    this.segmentStart = base;
  }

  /** The segment file records are written to now. */
  get currentFile(): string {
    return this.file;
  }

  /** Creates segment `base` in `dir` (header written and synced under a temporary name, then renamed). */
  static create(dir: string, base: number, durability: Durability = 'fsync'): JournalWriter {
    const file = join(dir, segmentName(base));
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, encodeHeader(base));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
    syncDir(dirname(file));
    return new JournalWriter(file, openSync(file, 'a'), base, dir, durability, base);
  }

  /** Continues an existing segment (base `base`) whose valid content ends at sequence number `seq`. */
  static continue(file: string, base: number, seq: number, durability: Durability = 'fsync'): JournalWriter {
    return new JournalWriter(file, openSync(file, 'a'), seq, dirname(file), durability, base);
  }

  /** Sequence number of the last record appended. */
  get seq(): number {
    return this.appended;
  }

  /** Buffers one record; returns its sequence number. Throws if the journal has failed or is closed. */
  append(payload: unknown): number {
    return this.appendText(JSON.stringify(payload));
  }

  /** Appends a record already serialized (the JSON text of its payload). */
  appendText(text: string): number {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error(`journal ${this.file} is closed`);
    // (a cheap bound first: a UTF-8 byte is at most 3 per UTF-16 unit)
    if (text.length * 3 > MAX_RECORD_BYTES && Buffer.byteLength(text) > MAX_RECORD_BYTES)
      throw new Error(`journal record of ${Buffer.byteLength(text)} bytes is over the ${MAX_RECORD_BYTES}-byte limit`);
    this.pending.push(text);
    this.appended++;
    this.kick();
    return this.appended;
  }

  /**
   * Ends the current segment after the records appended so far; later records go to a new segment whose
   * base is the current sequence number. The old segment is written and synced before the new one is
   * created, so only the last segment can ever have a torn tail.
   */
  rotate(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.segmentStart === this.appended) return; // the current segment is still empty
    this.segmentStart = this.appended;
    this.pending.push({ base: this.appended });
    this.kick();
  }

  private kick(): void {
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flushLoop());
    }
  }

  /** Resolves when everything appended so far is durable. */
  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const seq = this.appended;
    if (this.durable >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        // the records up to the next rotation (or all of them), written with one writev and one sync
        let n = 0;
        while (n < this.pending.length && typeof this.pending[n] === 'string') n++;
        if (n > 0) {
          const batch = encodeRecords(this.pending.splice(0, n) as string[]);
          const upTo = this.durable + n;
          await writevAsync(this.fd, [batch]);
          if (this.durability === 'fsync') await fdatasyncAsync(this.fd);
          this.batches++;
          this.durable = upTo;
          const still: Waiter[] = [];
          for (const w of this.waiters) {
            if (w.seq <= upTo) w.resolve();
            else still.push(w);
          }
          this.waiters = still;
        }
        const next = this.pending[0];
        if (next !== undefined && typeof next !== 'string') {
          this.pending.shift();
          fsyncSync(this.fd);
          closeSync(this.fd);
          const created = JournalWriter.create(this.dir, next.base, this.durability);
          this.file = created.file;
          this.fd = created.fd;
        }
      }
    } catch (e) {
      this.failure = new Error(`journal ${this.file}: write failed: ${(e as Error).message}`);
      for (const w of this.waiters) w.reject(this.failure);
      this.waiters = [];
    } finally {
      this.flushing = false;
      if (this.pending.length > 0 && this.failure === undefined) this.kick();
    }
  }

  /** Flushes, syncs and closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing || this.pending.length > 0) {
      await this.sync();
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Makes a rename or a new file in `dir` durable. */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some platforms cannot fsync a directory; the rename is then as durable as the OS makes it
  }
}
