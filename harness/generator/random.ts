/**
 * Seeded randomness for generators: a xoshiro128** stream (fast, 128-bit state, good quality),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. The same seed gives the
 * same sequence on every platform. Not cryptographic.
 */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n) (n >= 1). */
  int(n: number): number;
  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number;
  /** A uniformly chosen element (throws on an empty array). */
  pick<T>(xs: readonly T[]): T;
  /** An independent stream derived from this one (advances this one). */
  fork(): Random;
  /** The current state, to resume later. */
  state(): [number, number, number, number];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Xoshiro128 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(a: number, b: number, c: number, d: number) {
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }
  private u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    return r;
  }
  next(): number {
    return this.u32() / 4294967296;
  }
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Random.int: n must be >= 1, got ${n}`);
    return Math.floor(this.next() * n);
  }
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError("Random.pick: empty array");
    return xs[this.int(xs.length)]!;
  }
  fork(): Random {
    return new Xoshiro128(this.u32(), this.u32(), this.u32(), this.u32());
  }
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A stream from a seed (any integer; only its low 32 bits matter... plus the high bits folded in). */
export function seededRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`seededRandom: seed must be a finite number, got ${seed}`);
  const hi = Math.floor(seed / 4294967296);
  const sm = splitmix32((seed >>> 0) ^ Math.imul(hi >>> 0, 0x27d4eb2d));
  return new Xoshiro128(sm(), sm(), sm(), sm());
}

/** Resume a stream from `state()`. */
export function randomFromState(s: readonly [number, number, number, number]): Random {
  return new Xoshiro128(s[0], s[1], s[2], s[3]);
}
