/**
 * The search's set of visited configurations: (set of linearized ops, model state) pairs.
 *
 * The linearized set is a bitset in which the ops that must be placed (ok ops, in invoke
 * order) come first and the ops that may be left out (info/pending) after them, in their
 * own words. Because the search only ever places an
 * op invoked before the earliest completion of the ops not yet placed, the ok part is
 * almost a prefix: all-ones words, then a few words around the current point, then zeros.
 * An entry stores only that: the number of leading all-ones words, the words up to the last
 * non-zero one, and the non-zero range of the info words. So an entry costs O(concurrency)
 * words, not O(n), and so does comparing one: a history of 100,000 ops on one key does not
 * need 12 KiB per visited configuration.
 *
 * Entries live in flat typed arrays (a pool of words with offsets) under an open-addressing
 * hash table keyed by a hash the caller maintains incrementally.
 */
import { equalValue } from "./hash.js";
import type { Model } from "./types.js";

export class Configurations<S> {
  /** The current linearized set (read by nobody else; changed through set/clear). */
  private readonly bits: Uint32Array;
  private readonly wordOf: Int32Array;
  private readonly maskOf: Int32Array;
  /** Valid-bit mask of each ok word (the last one may be partial). */
  private readonly fullMask: Int32Array;
  private readonly okWords: number;
  private readonly allWords: number;
  /** Leading ok words that are all ones. */
  private full = 0;
  /** Highest ok word with a bit set, or -1. */
  private hi = -1;
  private readonly scratch: Uint32Array;

  private table: Int32Array;
  private mask: number;
  private hashes: Int32Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private pool: Uint32Array;
  private poolUsed = 0;
  private readonly states: S[] = [];
  /** Number of entries. */
  size = 0;
  /** Estimated bytes held (conservative: process RSS stays below it plus a base). */
  bytes = 0;

  /**
   * @param mustPlace 1 for ok ops, 0 for info/pending ops, by local id (ids in invoke order)
   */
  constructor(
    mustPlace: Uint8Array,
    private readonly model: Model<S, unknown, unknown>,
  ) {
    const n = mustPlace.length;
    let nOk = 0;
    for (let i = 0; i < n; i++) nOk += mustPlace[i]!;
    this.okWords = (nOk + 31) >>> 5;
    const infoWords = (n - nOk + 31) >>> 5;
    this.allWords = this.okWords + infoWords;
    this.bits = new Uint32Array(this.allWords);
    this.scratch = new Uint32Array(this.allWords + 4);
    this.wordOf = new Int32Array(n);
    this.maskOf = new Int32Array(n);
    let ok = 0;
    let info = this.okWords << 5;
    for (let i = 0; i < n; i++) {
      const j = mustPlace[i] ? ok++ : info++;
      this.wordOf[i] = j >>> 5;
      this.maskOf[i] = 1 << (j & 31);
    }
    this.fullMask = new Int32Array(this.okWords).fill(-1);
    if (nOk & 31) this.fullMask[this.okWords - 1] = (1 << (nOk & 31)) - 1;
    this.table = new Int32Array(1024).fill(-1);
    this.mask = 1023;
    this.hashes = new Int32Array(512);
    this.offsets = new Int32Array(512);
    this.lengths = new Int32Array(512);
    this.pool = new Uint32Array(4096);
  }

  /** Marks op i linearized. */
  set(i: number): void {
    const w = this.wordOf[i]!;
    const v = (this.bits[w]! | this.maskOf[i]!) >>> 0;
    this.bits[w] = v;
    if (w < this.okWords) {
      if (w > this.hi) this.hi = w;
      if (w === this.full) {
        let f = w;
        while (f < this.okWords && (this.bits[f]! | 0) === this.fullMask[f]) f++;
        this.full = f;
      }
    }
  }

  /** Marks op i not linearized. */
  clear(i: number): void {
    const w = this.wordOf[i]!;
    const v = (this.bits[w]! & ~this.maskOf[i]!) >>> 0;
    this.bits[w] = v;
    if (w < this.okWords) {
      if (w < this.full) this.full = w;
      if (v === 0 && w === this.hi) {
        let h = w;
        while (h >= 0 && this.bits[h] === 0) h--;
        this.hi = h;
      }
    }
  }

  /** The compact form of the current set, in scratch; returns its length. */
  private encode(tag: number): number {
    const s = this.scratch;
    const bits = this.bits;
    let len = 0;
    s[len++] = tag;
    const full = this.full;
    const okLen = this.hi >= full ? this.hi - full + 1 : 0;
    s[len++] = full;
    s[len++] = okLen;
    for (let w = full; w < full + okLen; w++) s[len++] = bits[w]!;
    let lo = this.okWords;
    let hi = this.allWords - 1;
    while (lo <= hi && bits[lo] === 0) lo++;
    while (hi >= lo && bits[hi] === 0) hi--;
    s[len++] = lo;
    for (let w = lo; w <= hi; w++) s[len++] = bits[w]!;
    return len;
  }

  /**
   * Adds (current set, state, tag) under hash h (which must be a function of the three).
   * Returns false if it was there already. The tag is a small integer the search keeps with
   * a configuration (whether the last op placed may be left out).
   */
  add(h: number, state: S, tag = 0): boolean {
    const len = this.encode(tag);
    const s = this.scratch;
    const model = this.model;
    const hasEqual = typeof model.equal === "function";
    let slot = h & this.mask;
    for (;;) {
      const e = this.table[slot]!;
      if (e === -1) break;
      if (this.hashes[e] === h && this.lengths[e] === len) {
        const off = this.offsets[e]!;
        let same = true;
        for (let k = 0; k < len; k++)
          if (this.pool[off + k] !== s[k]) {
            same = false;
            break;
          }
        if (same && (hasEqual ? model.equal!(this.states[e]!, state) : equalValue(this.states[e]!, state)))
          return false;
      }
      slot = (slot + 1) & this.mask;
    }
    const e = this.size++;
    if (e === this.hashes.length) this.growEntries();
    if (this.poolUsed + len > this.pool.length) {
      const np = new Uint32Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      np.set(this.pool);
      this.pool = np;
    }
    this.hashes[e] = h;
    this.offsets[e] = this.poolUsed;
    this.lengths[e] = len;
    this.pool.set(s.subarray(0, len), this.poolUsed);
    this.poolUsed += len;
    this.states[e] = state;
    this.table[slot] = e;
    // Estimated cost: the encoding and the per-entry arrays (times two for their doubling
    // growth), the table, the state reference, and the state itself when it is an object
    // (a model that allocates states, e.g. kv's {string, hash} with its string).
    this.bytes += 8 * len + 56 + (typeof state === "object" && state !== null ? 96 : 0);
    if (this.size * 2 > this.table.length) this.growTable();
    return true;
  }

  private growEntries(): void {
    const cap = this.hashes.length * 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
  }

  private growTable(): void {
    const cap = this.table.length * 2;
    this.table = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = this.hashes[e]! & this.mask;
      while (this.table[slot] !== -1) slot = (slot + 1) & this.mask;
      this.table[slot] = e;
    }
  }
}
