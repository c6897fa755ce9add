/**
 * 32-bit hashing helpers for model states and the search cache (no allocation for numbers
 * and strings), and the default hash/equality used when a model gives none.
 */

/** FNV-1a over the UTF-16 code units of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** A well-mixed 32-bit hash of a 32-bit integer (murmur3 finaliser). */
export function mix32(x: number): number {
  x |= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/** Hash of any JSON-like value: numbers and strings directly, others through JSON. */
export function hashValue(v: unknown): number {
  if (typeof v === "number")
    return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? mix32(v) : hashString(String(v));
  if (typeof v === "string") return hashString(v) ^ 0x5bd1e995;
  if (typeof v === "boolean") return v ? 0x2545f491 : 0x9e3779b9 | 0;
  return hashString(JSON.stringify(v) ?? "undefined") ^ 0x27d4eb2d;
}

/** `===` for primitives, JSON equality for objects. */
export function equalValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Rolling polynomial hash base (odd), for strings built by appends: h(s+t) = h(s)·B^|t| + h(t). */
export const ROLL_BASE = 0x01000193;

/** The rolling hash of a string. */
export function rollHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, ROLL_BASE) + s.charCodeAt(i)) | 0;
  return h;
}

/** B^n mod 2^32. */
export function rollPow(n: number): number {
  let r = 1;
  let b = ROLL_BASE;
  while (n > 0) {
    if (n & 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
    n >>>= 1;
  }
  return r;
}
