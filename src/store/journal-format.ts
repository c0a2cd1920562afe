/**
 * The journal's on-disk format (version 1), documented in docs/store.md.
 *
 * A segment file `journal-<first seq − 1, 12 digits>.log` is a 24-byte header followed by records:
 *
 *   header  = "PSJOURNL" (8 bytes ASCII) · format version u32 LE (1) · flags u32 LE (0) · base seq u64 LE
 *   record  = payload length u32 LE (1 .. 16 MiB) · CRC-32 of the payload u32 LE · payload (UTF-8 JSON)
 *
 * Record n of a segment (from 1) has sequence number base + n. Sequence numbers count every record ever
 * written, across segments; a snapshot says up to which sequence number it includes.
 */
import { crc32 } from 'node:zlib';

export const JOURNAL_MAGIC = 'PSJOURNL';
export const JOURNAL_VERSION = 1;
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

/** Many records (their JSON texts) framed into one buffer: what a group commit writes. */
export function encodeRecords(texts: readonly string[]): Buffer {
  // one buffer sized for the worst case (3 UTF-8 bytes per UTF-16 unit), filled in one pass, then trimmed
  let bound = 0;
  for (const t of texts) bound += RECORD_HEAD_BYTES + 3 * t.length;
  const b = Buffer.allocUnsafe(bound);
  let at = 0;
  for (const t of texts) {
    const n = b.write(t, at + RECORD_HEAD_BYTES, 'utf8');
    if (n > MAX_RECORD_BYTES) throw new Error(`journal record of ${n} bytes is over the ${MAX_RECORD_BYTES}-byte limit`);
    b.writeUInt32LE(n, at);
    // the CRC of the text's UTF-8 bytes, i.e. of the payload just written (zlib encodes the string itself:
    // no Buffer view per record)
    b.writeUInt32LE(crc32(t), at + 4);
    at += RECORD_HEAD_BYTES + n;
  }
  return b.subarray(0, at);
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
  if (version !== JOURNAL_VERSION)
    throw new JournalCorruption(file, 8, `journal format version ${version}, this perpsim reads ${JOURNAL_VERSION}`);
  const base = Number(data.readBigUInt64LE(16));
  const records: unknown[] = [];
  let at = HEADER_BYTES;
  const torn = (why: string, allZero: boolean, last: boolean): SegmentScan => {
    if (allZero || last) return { base, records, validBytes: at, tornBytes: data.length - at };
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
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new JournalCorruption(file, at, 'record is not JSON although its checksum matches');
    }
    records.push(payload);
    at = end;
  }
  return { base, records, validBytes: at, tornBytes: 0 };
}
