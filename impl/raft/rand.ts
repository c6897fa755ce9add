/**
 * Randomness enters the core only through this interface (election timeouts). The
 * simulator injects a seeded generator; the server may inject any source it likes.
 */
export interface Rand {
  /** A uniformly distributed integer in [0, n). */
  intn(n: number): number;
}

/**
 * A small, fast, seeded generator (mulberry32): same seed, same sequence, on every
 * platform. Good enough for timeouts and fault schedules; not for cryptography.
 */
export class SeededRand implements Rand {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  intn(n: number): number {
    if (!(n > 0)) throw new Error(`SeededRand.intn: n must be positive, got ${n}`);
    return this.next() % n;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }
}
