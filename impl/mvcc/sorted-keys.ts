/**
 * An ordered set of binary-string keys: a list of sorted chunks (a two-level B-tree), so
 * that insert and delete cost O(log n + chunk) instead of shifting one big array, and a
 * scan of [start, end) is a binary search plus a walk.
 */

const MAX_CHUNK = 512;

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

export class SortedKeys {
  private chunks: string[][] = [];
  private total = 0;

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
      if (cs[mid]![0]! <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  has(k: string): boolean {
    if (this.total === 0) return false;
    const c = this.chunks[this.chunkFor(k)]!;
    const i = lowerBound(c, k);
    return i < c.length && c[i] === k;
  }

  /** Adds k; false if it was there. */
  insert(k: string): boolean {
    if (this.total === 0) {
      this.chunks.push([k]);
      this.total = 1;
      return true;
    }
    const ci = this.chunkFor(k);
    const c = this.chunks[ci]!;
    const i = lowerBound(c, k);
    if (i < c.length && c[i] === k) return false;
    if (i === c.length) c.push(k);
    else c.splice(i, 0, k);
    this.total++;
    if (c.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, c.splice(MAX_CHUNK >>> 1));
    return true;
  }

  /** Removes k; false if it was not there. */
  remove(k: string): boolean {
    if (this.total === 0) return false;
    const ci = this.chunkFor(k);
    const c = this.chunks[ci]!;
    const i = lowerBound(c, k);
    if (i >= c.length || c[i] !== k) return false;
    c.splice(i, 1);
    this.total--;
    if (c.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /**
   * Calls `f` for each key in [start, end) in order (`end === null`: no upper bound),
   * until `f` returns false.
   */
  scan(start: string, end: string | null, f: (k: string) => boolean | void): void {
    if (this.total === 0) return;
    const cs = this.chunks;
    let ci = this.chunkFor(start);
    let i = lowerBound(cs[ci]!, start);
    for (; ci < cs.length; ci++, i = 0) {
      const c = cs[ci]!;
      for (; i < c.length; i++) {
        const k = c[i]!;
        if (end !== null && k >= end) return;
        if (f(k) === false) return;
      }
    }
  }

  /** Every key, in order. */
  toArray(): string[] {
    return ([] as string[]).concat(...this.chunks);
  }
}
