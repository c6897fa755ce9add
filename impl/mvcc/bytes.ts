/**
 * Byte helpers. Keys live in the index as "binary strings": one UTF-16 code unit per byte
 * (0..255), so JavaScript's string order (`<`) is exactly etcd's bytewise key order and a
 * key can be a Map key.
 */

const EMPTY = new Uint8Array(0);

/** The binary string of `bytes` (one char per byte). */
export function toKeyString(bytes: Uint8Array): string {
  // fromCharCode over the whole array gives a flat string (a += loop would build a rope,
  // slow to hash and compare); chunked to stay below the engine's argument limit
  const n = bytes.length;
  if (n <= 8192) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = "";
  for (let i = 0; i < n; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  }
  return s;
}

/** The bytes of a binary string made by `toKeyString`. */
export function fromKeyString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A private copy (a decoded Buffer may be a view into a pooled message buffer). */
export function copyBytes(b: Uint8Array | undefined | null): Uint8Array {
  if (b === undefined || b === null || b.length === 0) return EMPTY;
  return new Uint8Array(b);
}

/** Bytewise comparison: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A key interval as etcd reads `key` + `range_end`: `end === undefined` is the single key
 * `start`; `end === null` is every key >= start (range_end "\0"); otherwise [start, end).
 */
export interface KeyRange {
  start: string;
  end: string | null | undefined;
}

export function toKeyRange(key: Uint8Array, rangeEnd: Uint8Array | undefined | null): KeyRange {
  const start = toKeyString(key);
  if (rangeEnd === undefined || rangeEnd === null || rangeEnd.length === 0) return { start, end: undefined };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start, end: null };
  return { start, end: toKeyString(rangeEnd) };
}

export function inKeyRange(k: string, r: KeyRange): boolean {
  if (r.end === undefined) return k === r.start;
  return k >= r.start && (r.end === null || k < r.end);
}

/** True when the two intervals share a key. */
export function rangesIntersect(a: KeyRange, b: KeyRange): boolean {
  if (a.end === undefined) return inKeyRange(a.start, b);
  if (b.end === undefined) return inKeyRange(b.start, a);
  const aEmpty = a.end !== null && a.end <= a.start;
  const bEmpty = b.end !== null && b.end <= b.start;
  if (aEmpty || bEmpty) return false;
  return (a.end === null || b.start < a.end) && (b.end === null || a.start < b.end);
}
