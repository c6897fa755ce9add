/**
 * How a WAL segment says it is this server's: every segment file starts with a 16-byte header
 *
 *     ["GNTLTWAL"][format version u32 LE = 1][4 zero bytes]
 *
 * followed by records (record.ts). Only a segment with this header is ever read for replay or
 * cut back; a file without it is not this server's (etcd writes segments with the same names)
 * and is never changed. Segments written before the header existed start directly with a
 * metadata record; they are recognised, to say so, and refused.
 */
import { RecordType, decodeAt } from "./record.js";

export const SEGMENT_MAGIC = Buffer.from("GNTLTWAL", "latin1");
export const WAL_FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
/** Enough of a segment to identify it: its header, or the metadata record of a headerless one. */
export const IDENTIFY_BYTES = 64 * 1024;

/** The header every segment starts with. */
export function segmentHeader(): Buffer {
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(buf, 0);
  buf.writeUInt32LE(WAL_FORMAT_VERSION, 8);
  return buf;
}

export type SegmentKind =
  | { kind: "ours" }
  | { kind: "other-version"; version: number }
  | { kind: "headerless" }
  | { kind: "foreign"; why: string };

/** What the first bytes of a segment file (at least `SEGMENT_HEADER_BYTES`, if it has them) say. */
export function identifySegment(head: Buffer): SegmentKind {
  if (head.length >= SEGMENT_HEADER_BYTES && head.subarray(0, 8).equals(SEGMENT_MAGIC)) {
    const version = head.readUInt32LE(8);
    if (head.readUInt32LE(12) !== 0) return { kind: "foreign", why: "its format header is damaged" };
    return version === WAL_FORMAT_VERSION ? { kind: "ours" } : { kind: "other-version", version };
  }
  const first = decodeAt(head, 0);
  if (first.ok && first.type === RecordType.Metadata) return { kind: "headerless" };
  if (head.length === 0) return { kind: "foreign", why: "an empty file" };
  return {
    kind: "foreign",
    why: `starts with 0x${head.subarray(0, 8).toString("hex")}, not this server's header`,
  };
}

/** The reason a segment of this kind is refused, for messages (undefined for "ours"). */
export function segmentRefusal(k: SegmentKind): string | undefined {
  switch (k.kind) {
    case "ours":
      return undefined;
    case "other-version":
      return `WAL format version ${k.version}, this server reads version ${WAL_FORMAT_VERSION}`;
    case "headerless":
      return "a WAL of an earlier version of this server (no format header), which this version does not read";
    case "foreign":
      return `not a WAL segment of this server (${k.why})`;
  }
}
