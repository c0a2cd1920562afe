/**
 * The journal's on-disk format (version 2; version 1 is still read), documented in docs/store.md.
 *
 * A segment file `journal-<first seq − 1, 12 digits>.log` is a 24-byte header followed by records:
 *
 *   header  = "PSJOURNL" (8 bytes ASCII) · format version u32 LE (2) · flags u32 LE (0) · base seq u64 LE
 *   record  = payload length u32 LE (1 .. 16 MiB) · CRC-32 of the payload u32 LE · payload
 *   payload = UTF-8 JSON of the record (starts with `{`), or (version 2) a compact engine command
 *             (starts with 0x01: command-codec.ts)
 *
 * Record n of a segment (from 1) has sequence number base + n. Sequence numbers count every record ever
 * written, across segments; a snapshot says up to which sequence number it includes.
 */
import { crc32 } from 'node:zlib';
import { COMPACT_COMMAND, decodeCommand } from './command-codec.js';

export const JOURNAL_MAGIC = 'PSJOURNL';
/** the version written; versions 1 (JSON payloads only) and 2 are read */
export const JOURNAL_VERSION = 2;
export const HEADER_BYTES = 24;
export const RECORD_HEAD_BYTES = 8;
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function segmentName(base: number): string {
  return `journal-${String(base).padStart(12, '0')}.log`;
}

export function segmentBase(name: string): number | undefined {
  const m = /^journal-(\d{12})\.log$/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

export function encodeHeader(base: number): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(JOURNAL_MAGIC, 0, 'ascii');
  b.writeUInt32LE(JOURNAL_VERSION, 8);
  b.writeUInt32LE(0, 12);
  b.writeBigUInt64LE(BigInt(base), 16);
  return b;
}

/** CRC-32 tables for eight bytes at a time ("slicing by 8"): T[k][n] is the CRC of byte n followed by k zero bytes */
const T = Array.from({ length: 8 }, () => new Int32Array(256));
const [T0, T1, T2, T3, T4, T5, T6, T7] = T as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
];
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T0[n] = c;
}
for (let k = 1; k < 8; k++) {
  const prev = T[k - 1] as Int32Array;
  const t = T[k] as Int32Array;
  for (let n = 0; n < 256; n++) t[n] = ((prev[n] as number) >>> 8) ^ (T0[(prev[n] as number) & 0xff] as number);
}

/**
 * CRC-32 of `b[start, end)`, the same checksum as zlib's `crc32`, computed here eight bytes at a time: a
 * compact record is ~60 bytes, and zlib's call costs more than the bytes do.
 */
export function crc32Bytes(b: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24));
    const hi = (b[i + 4] as number) | ((b[i + 5] as number) << 8) | ((b[i + 6] as number) << 16) | ((b[i + 7] as number) << 24);
    c =
      (T7[lo & 0xff] as number) ^
      (T6[(lo >>> 8) & 0xff] as number) ^
      (T5[(lo >>> 16) & 0xff] as number) ^
      (T4[lo >>> 24] as number) ^
      (T3[hi & 0xff] as number) ^
      (T2[(hi >>> 8) & 0xff] as number) ^
      (T1[(hi >>> 16) & 0xff] as number) ^
      (T0[hi >>> 24] as number);
  }
  for (; i < end; i++) c = (T0[(c ^ (b[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** A record's payload as the record: a compact command, or JSON. Throws on a payload that is neither. */
export function decodePayload(body: Buffer): unknown {
  if (body[0] === COMPACT_COMMAND) return { t: 'cmd', c: decodeCommand(body) };
  return JSON.parse(body.toString('utf8'));
}

/** A journal file that cannot be read as one: start-up stops with this (file and byte offset named). */
export class JournalCorruption extends Error {
  override name = 'JournalCorruption';
  constructor(
    readonly file: string,
    readonly offset: number,
    why: string,
  ) {
    super(`${file}: corrupted at byte ${offset}: ${why}`);
  }
}

export interface SegmentScan {
  readonly base: number;
  /** the segment's format version */
  readonly version: number;
  /** the records' payloads, parsed */
  readonly records: unknown[];
  /** bytes of the file that hold the header and whole, valid records */
  readonly validBytes: number;
  /** bytes after them that were a torn (incomplete) last write, if any */
  readonly tornBytes: number;
}

/**
 * Reads a segment. A damaged record at the end of the file is a torn last write when it runs past the end
 * of the file, when everything from it to the end is zero bytes, or when it is the file's last record and
 * only its checksum fails: those bytes are reported as `tornBytes` (the caller may truncate them). Any
 * other damage is corruption.
 */
export function scanSegment(file: string, data: Buffer): SegmentScan {
  // (segments are created whole: header written and synced under a temporary name, then renamed)
  if (data.length < HEADER_BYTES) throw new JournalCorruption(file, 0, `header is ${data.length} bytes, ${HEADER_BYTES} expected`);
  if (data.toString('ascii', 0, 8) !== JOURNAL_MAGIC) throw new JournalCorruption(file, 0, 'not a perpsim journal (bad magic)');
  const version = data.readUInt32LE(8);
  if (version !== 1 && version !== JOURNAL_VERSION)
    throw new JournalCorruption(file, 8, `journal format version ${version}, this perpsim reads 1 and ${JOURNAL_VERSION}`);
  const base = Number(data.readBigUInt64LE(16));
  const records: unknown[] = [];
  let at = HEADER_BYTES;
  const torn = (why: string, allZero: boolean, last: boolean): SegmentScan => {
    if (allZero || last) return { base, version, records, validBytes: at, tornBytes: data.length - at };
    throw new JournalCorruption(file, at, why);
  };
  while (at < data.length) {
    const zerosToEnd = (): boolean => {
      for (let i = at; i < data.length; i++) if (data[i] !== 0) return false;
      return true;
    };
    if (data.length - at < RECORD_HEAD_BYTES) return torn('incomplete record header', zerosToEnd(), true);
    const length = data.readUInt32LE(at);
    const sum = data.readUInt32LE(at + 4);
    if (length === 0 || length > MAX_RECORD_BYTES) return torn(`record length ${length} out of range`, zerosToEnd(), false);
    const end = at + RECORD_HEAD_BYTES + length;
    if (end > data.length) return torn('record runs past the end of the file', true, true);
    const body = data.subarray(at + RECORD_HEAD_BYTES, end);
    if (crc32(body) !== sum) return torn('checksum mismatch', zerosToEnd(), end === data.length);
    let payload: unknown;
    try {
      // (version 1 payloads are all JSON: they never start with the compact byte)
      payload = decodePayload(body);
    } catch {
      throw new JournalCorruption(file, at, 'record cannot be read although its checksum matches');
    }
    records.push(payload);
    at = end;
  }
  return { base, version, records, validBytes: at, tornBytes: 0 };
}
