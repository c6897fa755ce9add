/**
 * Names of WAL segment files, as etcd names them: `<seq>-<first index>.wal`, both 16 hex digits.
 * `seq` counts segments from 0 without gaps; `first index` is the index the first entry of the
 * segment was expected to have when it was created (last index + 1).
 */

export interface SegmentName {
  seq: number;
  firstIndex: number;
  name: string;
}

const pattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentName(seq: number, firstIndex: number): string {
  return `${seq.toString(16).padStart(16, "0")}-${firstIndex.toString(16).padStart(16, "0")}.wal`;
}

export function parseSegmentName(name: string): SegmentName | undefined {
  const m = pattern.exec(name);
  if (!m) return undefined;
  return { seq: parseInt(m[1]!, 16), firstIndex: parseInt(m[2]!, 16), name };
}

/** Segment names among `names`, in seq order. */
export function sortedSegments(names: readonly string[]): SegmentName[] {
  return names
    .map(parseSegmentName)
    .filter((s): s is SegmentName => s !== undefined)
    .sort((a, b) => a.seq - b.seq);
}
