/**
 * Appends records to the current journal segment with group commit: `append` only buffers (it never
 * blocks the engine); one flush writes everything buffered with a single write and a single fdatasync,
 * while the next batch collects behind it. `sync()` resolves once every record appended before the call
 * is on disk, which is what an answer to a client waits for.
 *
 * A flush frames the records appended since the last one into one buffer (a command in its compact
 * encoding, command-codec.ts, anything else as JSON), writes it and syncs it.
 *
 * A failed write or sync is fatal for the writer: every waiter is rejected and later appends throw, so
 * nothing is ever acknowledged that was not stored.
 */
import { closeSync, fdatasync, fsyncSync, openSync, renameSync, writeSync, writev } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import type { Command } from '../engine/index.js';
import { encodeCommand } from './command-codec.js';
import { MAX_RECORD_BYTES, RECORD_HEAD_BYTES, crc32Bytes, encodeHeader, segmentName } from './journal-format.js';

const writevAsync = promisify(writev);
const fdatasyncAsync = promisify(fdatasync);

/** `fsync`: every batch is synced (the default); `os`: written, left to the OS to sync (benchmarks only). */
export type Durability = 'fsync' | 'os';

/** a point in the queue where the current segment ends and a new one (with this base) begins */
interface Rotation {
  readonly base: number;
}

/** framed records, ready to write: the first `length` bytes of `buf` */
interface Batch {
  readonly buf: Buffer;
  readonly length: number;
  readonly records: number;
}

/** room kept for a compact command (a longer one is journaled as JSON) */
const COMPACT_ROOM = 4096;
/** a batch buffer's first size */
const BATCH_BYTES = 64 * 1024;

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class JournalWriter {
  /** batches not written yet, and rotation points */
  private pending: (Batch | Rotation)[] = [];
  /** records appended since the last batch was sealed: commands, and JSON texts of other records */
  private readonly queued: (Command | string)[] = [];
  /** the buffer the next batch is framed in, and its bytes used */
  private buf: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /** batch buffers already written, kept (a few) for the next batches */
  private spare: Buffer[] = [];
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

  /** Buffers one record (as JSON); returns its sequence number. Throws if the journal has failed or is closed. */
  append(payload: unknown): number {
    return this.appendText(JSON.stringify(payload));
  }

  /**
   * Buffers an engine command record (`{"t":"cmd","c":…}`); returns its sequence number. The command is
   * encoded when its batch is sealed (compactly when it fits, command-codec.ts; else as JSON), all of a
   * batch in one loop: commands are immutable values (their types are readonly), so it is the command as
   * appended.
   */
  appendCommand(c: Command): number {
    this.usable();
    this.queued.push(c);
    this.appended++;
    this.kick();
    return this.appended;
  }

  /** Appends a record already serialized (the JSON text of its payload). */
  appendText(text: string): number {
    this.usable();
    // (a cheap bound first: a UTF-8 byte is at most 3 per UTF-16 unit)
    if (text.length * 3 > MAX_RECORD_BYTES && Buffer.byteLength(text) > MAX_RECORD_BYTES)
      throw new Error(`journal record of ${Buffer.byteLength(text)} bytes is over the ${MAX_RECORD_BYTES}-byte limit`);
    this.queued.push(text);
    this.appended++;
    this.kick();
    return this.appended;
  }

  private usable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error(`journal ${this.file} is closed`);
  }

  /** Makes room for `n` more bytes in the batch buffer (a bigger buffer keeps what is there). */
  private room(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.used + n));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }

  /** Frames one JSON text after the records in the batch buffer. */
  private frameText(text: string): void {
    this.room(RECORD_HEAD_BYTES + 3 * text.length);
    const start = this.used;
    const n = this.buf.write(text, start + RECORD_HEAD_BYTES, 'utf8');
    if (n > MAX_RECORD_BYTES) throw new Error(`journal record of ${n} bytes is over the ${MAX_RECORD_BYTES}-byte limit`);
    // the CRC of the text's UTF-8 bytes, i.e. of the payload just written
    this.framed(start, n, crc32(text));
  }

  /** Completes the record whose payload of `length` bytes was written after its head at `start`. */
  private framed(start: number, length: number, sum: number): void {
    const b = this.buf;
    // (two u32 LE, byte by byte: Buffer.writeUInt32LE's argument checks cost more than the stores)
    b[start] = length & 0xff;
    b[start + 1] = (length >>> 8) & 0xff;
    b[start + 2] = (length >>> 16) & 0xff;
    b[start + 3] = length >>> 24;
    b[start + 4] = sum & 0xff;
    b[start + 5] = (sum >>> 8) & 0xff;
    b[start + 6] = (sum >>> 16) & 0xff;
    b[start + 7] = sum >>> 24;
    this.used = start + RECORD_HEAD_BYTES + length;
  }

  /** Frames the queued records into the batch buffer and moves the batch to the write queue (a new buffer is started). */
  private seal(): void {
    const q = this.queued;
    if (q.length === 0) return;
    for (let i = 0; i < q.length; i++) {
      const r = q[i] as Command | string;
      if (typeof r === 'string') {
        this.frameText(r);
        continue;
      }
      this.room(RECORD_HEAD_BYTES + COMPACT_ROOM);
      const start = this.used;
      const end = encodeCommand(this.buf, start + RECORD_HEAD_BYTES, r, COMPACT_ROOM);
      if (end < 0) this.frameText(`{"t":"cmd","c":${JSON.stringify(r)}}`);
      else this.framed(start, end - start - RECORD_HEAD_BYTES, crc32Bytes(this.buf, start + RECORD_HEAD_BYTES, end));
    }
    this.pending.push({ buf: this.buf, length: this.used, records: q.length });
    q.length = 0;
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
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
    this.seal();
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
      // (what was appended while a batch was being written is sealed and written next)
      for (this.seal(); this.pending.length > 0; this.seal()) {
        // the batches up to the next rotation (or all of them), written with one writev and one sync
        let n = 0;
        let records = 0;
        for (; n < this.pending.length; n++) {
          const b = this.pending[n] as Batch | Rotation;
          if (!('buf' in b)) break;
          records += b.records;
        }
        if (n > 0) {
          const batches = this.pending.splice(0, n) as Batch[];
          const upTo = this.durable + records;
          await writevAsync(
            this.fd,
            batches.map((b) => b.buf.subarray(0, b.length)),
          );
          if (this.durability === 'fsync') await fdatasyncAsync(this.fd);
          // written: their buffers can take the next batches (a few kept; bigger ones are let go)
          for (const b of batches) if (b.buf.length === BATCH_BYTES && this.spare.length < 4) this.spare.push(b.buf);
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
        if (next !== undefined && !('buf' in next)) {
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
      if ((this.pending.length > 0 || this.queued.length > 0) && this.failure === undefined) this.kick();
    }
  }

  /** Flushes, syncs and closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing || this.pending.length > 0 || this.queued.length > 0) {
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
