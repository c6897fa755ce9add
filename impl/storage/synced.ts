/**
 * The synced mark: `<wal dir>/synced` says how far the WAL is known to be fdatasync'ed —
 *
 *     ["GSYN"][segment seq u64 LE][offset u64 LE][crc32 of the first 20 bytes]
 *
 * It is rewritten in place (one 24-byte write, no fsync of its own) after every fdatasync of
 * the WAL and before the appends of that batch are acknowledged, so it never claims more than
 * is durable, and after a crash of the process (kill -9: the page cache survives) it covers
 * every acknowledged record. On open, damage below the mark is damage to acknowledged records
 * and stops the server; only damage above it (a write that was never synced, so never
 * acknowledged) may be cut as a torn tail. After a power loss the mark may be older than the
 * last fsync (it is not fsynced itself, so a put still costs one fsync): damage to records
 * synced after the mark last reached the disk is then not told from a torn tail.
 */
import { writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";

export const SYNCED_FILE = "synced";
const MAGIC = Buffer.from("GSYN", "latin1");
const BYTES = 24;

export interface SyncedMark {
  /** Seq of the segment the offset is in (the last segment when it was written). */
  seq: number;
  /** Everything in that segment before this offset, and every earlier segment, is durable. */
  offset: number;
}

export function encodeSyncedMark(m: SyncedMark): Buffer {
  const buf = Buffer.alloc(BYTES);
  MAGIC.copy(buf, 0);
  buf.writeBigUInt64LE(BigInt(m.seq), 4);
  buf.writeBigUInt64LE(BigInt(m.offset), 12);
  buf.writeUInt32LE(crc32(buf.subarray(0, 20)), 20);
  return buf;
}

/** The mark in `buf`, or why it cannot be read. */
export function decodeSyncedMark(buf: Buffer): SyncedMark | string {
  if (buf.length !== BYTES) return `${buf.length} bytes, want ${BYTES}`;
  if (!buf.subarray(0, 4).equals(MAGIC)) return "bad magic";
  if (buf.readUInt32LE(20) !== crc32(buf.subarray(0, 20))) return "checksum mismatch";
  return { seq: Number(buf.readBigUInt64LE(4)), offset: Number(buf.readBigUInt64LE(12)) };
}

/** Writes the mark to a new file (or over one) durably: write, fdatasync. */
export async function createSyncedMark(dir: string, m: SyncedMark): Promise<void> {
  const fh = await open(join(dir, SYNCED_FILE), "w");
  try {
    await fh.write(encodeSyncedMark(m), 0, BYTES, 0);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Rewrites the mark in place through an open descriptor (page cache only; see above). */
export function writeSyncedMark(fd: number, m: SyncedMark): void {
  const buf = encodeSyncedMark(m);
  let done = 0;
  while (done < BYTES) {
    const n = writeSync(fd, buf, done, BYTES - done, done);
    if (n <= 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
    done += n;
  }
}

/**
 * Up to which offset segment `seq` is known durable, given the mark (or what is wrong with it):
 * an earlier segment wholly (it was complete before the next was started); the last one up to
 * the mark, or wholly if the mark predates it (it then holds only its synced head); nothing
 * when the mark is unusable.
 */
export function syncedEnd(
  mark: SyncedMark | string,
  seq: number,
  isLast: boolean,
  fileLength: number,
): number {
  if (!isLast) return fileLength;
  if (typeof mark === "string") return 0;
  return mark.seq === seq ? mark.offset : fileLength;
}
