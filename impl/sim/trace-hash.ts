/**
 * An incremental 64-bit trace hash (two 32-bit FNV-1a-style lanes over 32-bit words), so a
 * run's whole trace is fingerprinted without building its text. Same events, same hash, on
 * every platform.
 */
export class TraceHash {
  private a = 0x811c9dc5 | 0;
  private b = 0x01000193 ^ 0x5bd1e995;
  /** Number of words mixed in. */
  words = 0;

  /** Mixes one number (integers up to 2^53 are mixed exactly; others by their low bits). */
  add(x: number): void {
    const lo = x | 0;
    const hi = (x / 4294967296) | 0;
    this.a = Math.imul(this.a ^ lo, 16777619);
    this.b = Math.imul(this.b ^ lo, 0x5bd1e995) ^ (this.b >>> 13);
    if (hi !== 0) {
      this.a = Math.imul(this.a ^ hi, 16777619);
      this.b = Math.imul(this.b ^ hi, 0x5bd1e995) ^ (this.b >>> 13);
    }
    this.words++;
  }

  addBytes(bytes: Uint8Array): void {
    this.add(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.add(bytes[i]!);
  }

  addString(s: string): void {
    this.add(s.length);
    for (let i = 0; i < s.length; i++) this.add(s.charCodeAt(i));
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, "0") + (this.b >>> 0).toString(16).padStart(8, "0");
  }
}

/** FNV-1a 32-bit of a byte string (entry fingerprints). */
export function fnv32(bytes: Uint8Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  return h >>> 0;
}
