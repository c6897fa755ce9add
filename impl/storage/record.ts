/**
 * The on-disk record format of the write-ahead log, as pure encode/decode functions.
 *
 *     [length u32 LE][type u8][crc u32 LE][payload: length bytes]
 *
 * `crc` is CRC-32 (IEEE, zlib's) over the first five header bytes (length and type) followed
 * by the payload, so a corrupted length or type is caught as surely as a corrupted payload.
 * Payloads by type (integers little-endian u64, stored from JS numbers below 2^53):
 * - Metadata (1): the caller's opaque bytes; first record of every segment.
 * - Entry (2): index u64, term u64, entry type u8, then the entry data.
 * - HardState (3): term u64, vote u64, commit u64.
 * - Snapshot (4): index u64, term u64 — "a snapshot up to here exists".
 */
import { crc32 } from "node:zlib";
import type { HardState, SnapshotMarker, WalEntry } from "./types.js";

export const RecordType = { Metadata: 1, Entry: 2, HardState: 3, Snapshot: 4 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export const HEADER_BYTES = 9;
/** Largest payload accepted on decode; a larger length field is treated as corruption. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
const ENTRY_HEAD = 17;

export function isRecordType(t: number): t is RecordType {
  return t >= 1 && t <= 4;
}

function putU64(buf: Buffer, value: number, at: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`storage: ${value} is not a u64 index`);
  buf.writeUInt32LE(value % 0x1_0000_0000, at);
  buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000), at + 4);
}

function getU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}

/** Size on disk of a record with a payload of `payloadBytes`. */
export function recordBytes(payloadBytes: number): number {
  return HEADER_BYTES + payloadBytes;
}

/** Writes the header of the record whose payload already sits at `at + HEADER_BYTES`. */
function seal(buf: Buffer, at: number, type: RecordType, payloadBytes: number): number {
  buf.writeUInt32LE(payloadBytes, at);
  buf.writeUInt8(type, at + 4);
  const head = crc32(buf.subarray(at, at + 5));
  const end = at + HEADER_BYTES + payloadBytes;
  buf.writeUInt32LE(crc32(buf.subarray(at + HEADER_BYTES, end), head), at + 5);
  return end;
}

export function entryRecordBytes(e: WalEntry): number {
  return HEADER_BYTES + ENTRY_HEAD + e.data.byteLength;
}

/** Encodes an entry record into `buf` at `at`; returns the offset after it. */
export function writeEntry(buf: Buffer, at: number, e: WalEntry): number {
  const p = at + HEADER_BYTES;
  putU64(buf, e.index, p);
  putU64(buf, e.term, p + 8);
  buf.writeUInt8(e.type & 0xff, p + 16);
  buf.set(e.data, p + ENTRY_HEAD);
  return seal(buf, at, RecordType.Entry, ENTRY_HEAD + e.data.byteLength);
}

export const HARD_STATE_RECORD_BYTES = HEADER_BYTES + 24;
export function writeHardState(buf: Buffer, at: number, hs: HardState): number {
  const p = at + HEADER_BYTES;
  putU64(buf, hs.term, p);
  putU64(buf, hs.vote, p + 8);
  putU64(buf, hs.commit, p + 16);
  return seal(buf, at, RecordType.HardState, 24);
}

export const SNAPSHOT_RECORD_BYTES = HEADER_BYTES + 16;
export function writeSnapshotMarker(buf: Buffer, at: number, m: SnapshotMarker): number {
  const p = at + HEADER_BYTES;
  putU64(buf, m.index, p);
  putU64(buf, m.term, p + 8);
  return seal(buf, at, RecordType.Snapshot, 16);
}

export function writeMetadata(buf: Buffer, at: number, metadata: Uint8Array): number {
  buf.set(metadata, at + HEADER_BYTES);
  return seal(buf, at, RecordType.Metadata, metadata.byteLength);
}

/** One decoded record, or why the bytes at an offset are not one. */
export type Decoded =
  | { ok: true; type: RecordType; payload: Buffer; end: number }
  | { ok: false; reason: string; /** true when the record runs past the end of the buffer */ short: boolean };

/** Decodes the record starting at `at` in `buf` (which ends at `buf.length`). */
export function decodeAt(buf: Buffer, at: number): Decoded {
  if (buf.length - at < HEADER_BYTES)
    return { ok: false, reason: `short header (${buf.length - at} of ${HEADER_BYTES} bytes)`, short: true };
  const length = buf.readUInt32LE(at);
  const type = buf.readUInt8(at + 4);
  if (length > MAX_PAYLOAD_BYTES) return { ok: false, reason: `implausible length ${length}`, short: false };
  const end = at + HEADER_BYTES + length;
  if (end > buf.length)
    return {
      ok: false,
      reason: `short record (length ${length}, ${buf.length - at - HEADER_BYTES} bytes left)`,
      short: true,
    };
  const want = buf.readUInt32LE(at + 5);
  const got = crc32(buf.subarray(at + HEADER_BYTES, end), crc32(buf.subarray(at, at + 5)));
  if (want !== got)
    return { ok: false, reason: `checksum mismatch (stored ${want}, computed ${got})`, short: false };
  if (!isRecordType(type)) return { ok: false, reason: `unknown record type ${type}`, short: false };
  return { ok: true, type, payload: buf.subarray(at + HEADER_BYTES, end), end };
}

/** The index of an entry record, without decoding (or copying) the rest. */
export function readEntryIndex(payload: Buffer): number {
  if (payload.length < ENTRY_HEAD) throw new RangeError(`entry payload too short (${payload.length} bytes)`);
  return getU64(payload, 0);
}

export function readEntry(payload: Buffer): WalEntry {
  if (payload.length < ENTRY_HEAD) throw new RangeError(`entry payload too short (${payload.length} bytes)`);
  return {
    index: getU64(payload, 0),
    term: getU64(payload, 8),
    type: payload.readUInt8(16),
    // A plain Uint8Array copy, so a replayed entry does not pin the whole segment buffer.
    data: new Uint8Array(payload.subarray(ENTRY_HEAD)),
  };
}

export function readHardState(payload: Buffer): HardState {
  if (payload.length !== 24) throw new RangeError(`hard state payload of ${payload.length} bytes`);
  return { term: getU64(payload, 0), vote: getU64(payload, 8), commit: getU64(payload, 16) };
}

export function readSnapshotMarker(payload: Buffer): SnapshotMarker {
  if (payload.length !== 16) throw new RangeError(`snapshot payload of ${payload.length} bytes`);
  return { index: getU64(payload, 0), term: getU64(payload, 8) };
}
