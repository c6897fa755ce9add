/**
 * Reading a segment back: decode records one after another, and decide what a bad record
 * means. In any segment but the last, a bad record is corruption. In the last segment, a bad
 * record is a torn tail — the unfinished last write of a crashed process — only when no valid
 * record starts anywhere after it; otherwise acknowledged records would sit behind it, and it
 * is corruption too. Corruption is a `CorruptRecordError` naming the file and byte offset,
 * never a silent skip. (A record whose payload happens to embed another valid record makes a
 * torn tail look like corruption: the safe direction.)
 */
import { CorruptRecordError } from "./errors.js";
import { HEADER_BYTES, MAX_PAYLOAD_BYTES, decodeAt, isRecordType } from "./record.js";
import type { RecordType } from "./record.js";
import { crc32 } from "node:zlib";

export interface ScannedRecord {
  type: RecordType;
  payload: Buffer;
  offset: number;
}

export interface ScannedSegment {
  records: ScannedRecord[];
  /** Offset just after the last good record. */
  end: number;
  /** Set when the segment ends in a torn record at `offset` (only for the last segment). */
  torn: { offset: number; reason: string } | undefined;
}

/** The offset of the first valid record starting at or after `from`, if any. */
export function findValidRecord(buf: Buffer, from: number): number | undefined {
  for (let p = from; p + HEADER_BYTES <= buf.length; p++) {
    const length = buf.readUInt32LE(p);
    if (length > MAX_PAYLOAD_BYTES || p + HEADER_BYTES + length > buf.length) continue;
    if (!isRecordType(buf[p + 4]!)) continue;
    const want = buf.readUInt32LE(p + 5);
    if (
      crc32(buf.subarray(p + HEADER_BYTES, p + HEADER_BYTES + length), crc32(buf.subarray(p, p + 5))) === want
    )
      return p;
  }
  return undefined;
}

export function scanSegment(buf: Buffer, file: string, isLast: boolean): ScannedSegment {
  const records: ScannedRecord[] = [];
  let at = 0;
  while (at < buf.length) {
    const d = decodeAt(buf, at);
    if (d.ok) {
      records.push({ type: d.type, payload: d.payload, offset: at });
      at = d.end;
      continue;
    }
    if (!isLast) throw new CorruptRecordError(file, at, d.reason);
    const later = findValidRecord(buf, at + 1);
    if (later !== undefined)
      throw new CorruptRecordError(file, at, `${d.reason}; a valid record follows at offset ${later}`);
    return { records, end: at, torn: { offset: at, reason: d.reason } };
  }
  return { records, end: at, torn: undefined };
}
