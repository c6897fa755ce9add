/**
 * Reading a segment back: decode records one after another from just past the segment header,
 * stop at the first bad one, and judge what it means.
 *
 * A bad record may be cut off as a *torn tail* — the unfinished last write of a process that
 * died — only when all of these hold: it is in the last segment, no valid record starts
 * anywhere after it, and it starts at or above the synced mark (synced.ts), i.e. it was never
 * fdatasync'ed and so never acknowledged. Anything else is *damage*: a bad record in an earlier
 * segment, one followed by a valid record, one below the synced mark (an acknowledged write), or
 * a last segment shorter than the synced mark (synced bytes gone). Damage stops the open with a
 * `CorruptRecordError` naming the file and byte offset; nothing is skipped or cut unless the
 * caller asked for a repair. (A record whose payload happens to embed another valid record
 * makes a torn tail look like damage: the safe direction.)
 */
import {
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  RecordType,
  decodeAt,
  isRecordType,
  readEntryIndex,
} from "./record.js";
import type { RecordType as RecordTypeT } from "./record.js";
import { crc32 } from "node:zlib";

export interface ScannedRecord {
  type: RecordTypeT;
  payload: Buffer;
  offset: number;
}

export interface ScannedSegment {
  records: ScannedRecord[];
  /** Offset just after the last good record. */
  end: number;
  /** The first bad record: its offset, why, and where the next valid record starts (if one does). */
  bad: { offset: number; reason: string; next: number | undefined } | undefined;
}

export type SegmentVerdict =
  | { kind: "clean" }
  | { kind: "torn"; offset: number; reason: string }
  | { kind: "damaged"; offset: number; reason: string };

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

/** Decodes the records of `buf` from `start` (past the segment header) up to the first bad one. */
export function scanSegment(buf: Buffer, start: number): ScannedSegment {
  const records: ScannedRecord[] = [];
  let at = start;
  while (at < buf.length) {
    const d = decodeAt(buf, at);
    if (!d.ok)
      return { records, end: at, bad: { offset: at, reason: d.reason, next: findValidRecord(buf, at + 1) } };
    records.push({ type: d.type, payload: d.payload, offset: at });
    at = d.end;
  }
  return { records, end: at, bad: undefined };
}

/**
 * What a scanned segment's end means (see the top of this file). `syncedEnd` is the offset up
 * to which the segment is known durable: the synced mark for the last segment, the file length
 * for earlier ones (a segment is complete before the next one is started).
 */
export function judgeSegment(s: ScannedSegment, fileLength: number, syncedEnd: number): SegmentVerdict {
  const { bad } = s;
  if (bad) {
    if (bad.next !== undefined)
      return {
        kind: "damaged",
        offset: bad.offset,
        reason: `${bad.reason}; a valid record follows at offset ${bad.next}`,
      };
    if (bad.offset < syncedEnd)
      return {
        kind: "damaged",
        offset: bad.offset,
        reason: `${bad.reason}; it lies below byte ${syncedEnd}, which was synced (acknowledged)`,
      };
    return { kind: "torn", offset: bad.offset, reason: bad.reason };
  }
  if (fileLength < syncedEnd)
    return {
      kind: "damaged",
      offset: fileLength,
      reason: `the file ends at byte ${fileLength} but was synced up to byte ${syncedEnd}: ${syncedEnd - fileLength} acknowledged bytes are missing`,
    };
  return { kind: "clean" };
}

/** The index of the first entry record at or after `from` in `buf`, if one decodes. */
export function firstEntryIndexFrom(buf: Buffer, from: number): number | undefined {
  const s = scanSegment(buf, from);
  const e = s.records.find((r) => r.type === RecordType.Entry);
  return e ? readEntryIndex(e.payload) : undefined;
}
