/**
 * An ordered map from binary-string keys to values: a list of sorted chunks (a two-level
 * B-tree), so that insert and delete cost O(log n + chunk) instead of shifting one big
 * array, and a scan of [start, end) is a binary search plus a walk that hands out the
 * values without further lookups.
 */

const MAX_CHUNK = 512;

interface Chunk<V> {
  keys: string[];
  vals: V[];
}

function lowerBound(a: readonly string[], k: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedKeys<V> {
  private chunks: Chunk<V>[] = [];
  private total = 0;

  /** A map from keys already in strictly ascending order (checked), built in one pass. */
  static fromSorted<V>(keys: readonly string[], vals: readonly V[]): SortedKeys<V> {
    if (keys.length !== vals.length)
      throw new Error("SortedKeys.fromSorted: keys and values differ in length");
    for (let i = 1; i < keys.length; i++)
      if (!(keys[i - 1]! < keys[i]!)) throw new Error("SortedKeys.fromSorted: keys not strictly ascending");
    const out = new SortedKeys<V>();
    const step = MAX_CHUNK >>> 1;
    for (let i = 0; i < keys.length; i += step)
      out.chunks.push({ keys: keys.slice(i, i + step), vals: vals.slice(i, i + step) });
    out.total = keys.length;
    return out;
  }

  get size(): number {
    return this.total;
  }

  /** Index of the chunk that holds (or would hold) k. */
  private chunkFor(k: string): number {
    const cs = this.chunks;
    let lo = 0;
    let hi = cs.length - 1;
    // last chunk whose first key <= k (0 if k is below all)
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (cs[mid]!.keys[0]! <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get(k: string): V | undefined {
    if (this.total === 0) return undefined;
    const c = this.chunks[this.chunkFor(k)]!;
    const i = lowerBound(c.keys, k);
    return i < c.keys.length && c.keys[i] === k ? c.vals[i] : undefined;
  }

  has(k: string): boolean {
    return this.get(k) !== undefined;
  }

  /** Adds or replaces k; true if k is new. */
  set(k: string, v: V): boolean {
    if (this.total === 0) {
      this.chunks.push({ keys: [k], vals: [v] });
      this.total = 1;
      return true;
    }
    const ci = this.chunkFor(k);
    const c = this.chunks[ci]!;
    const i = lowerBound(c.keys, k);
    if (i < c.keys.length && c.keys[i] === k) {
      c.vals[i] = v;
      return false;
    }
    if (i === c.keys.length) {
      c.keys.push(k);
      c.vals.push(v);
    } else {
      c.keys.splice(i, 0, k);
      c.vals.splice(i, 0, v);
    }
    this.total++;
    if (c.keys.length > MAX_CHUNK) {
      const half = MAX_CHUNK >>> 1;
      this.chunks.splice(ci + 1, 0, { keys: c.keys.splice(half), vals: c.vals.splice(half) });
    }
    return true;
  }

  /** Removes k; false if it was not there. */
  delete(k: string): boolean {
    if (this.total === 0) return false;
    const ci = this.chunkFor(k);
    const c = this.chunks[ci]!;
    const i = lowerBound(c.keys, k);
    if (i >= c.keys.length || c.keys[i] !== k) return false;
    c.keys.splice(i, 1);
    c.vals.splice(i, 1);
    this.total--;
    if (c.keys.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /**
   * Calls `f` for each entry with key in [start, end) in key order (`end === null`: no upper
   * bound), until `f` returns false.
   */
  scan(start: string, end: string | null, f: (k: string, v: V) => boolean | void): void {
    if (this.total === 0) return;
    const cs = this.chunks;
    let ci = this.chunkFor(start);
    let i = lowerBound(cs[ci]!.keys, start);
    for (; ci < cs.length; ci++, i = 0) {
      const { keys, vals } = cs[ci]!;
      for (; i < keys.length; i++) {
        const k = keys[i]!;
        if (end !== null && k >= end) return;
        if (f(k, vals[i]!) === false) return;
      }
    }
  }

  /** Every key, in order. */
  keys(): string[] {
    return ([] as string[]).concat(...this.chunks.map((c) => c.keys));
  }
}
