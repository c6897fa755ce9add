/**
 * Lease bookkeeping: granted TTL, a deadline in caller time units, and the keys attached.
 * Expiry is decided outside (the server's clock calls `expired(now)` and proposes revokes);
 * here a deadline is only a number. Chosen lease IDs come from a seeded sequence, so every
 * member that applies the same grants picks the same IDs.
 */

export interface Lease {
  readonly id: number;
  /** Granted TTL in seconds (after raising it to the minimum). */
  ttl: number;
  /** now + ttl at the last grant or keep-alive, in caller time units. */
  deadline: number;
  /** Binary-string keys whose current kv carries this lease. */
  readonly keys: Set<string>;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The n-th lease ID of the sequence seeded by `seed`: a positive integer below 2^53. */
export function leaseIdAt(seed: number, n: number): number {
  const s0 = seed >>> 0;
  const s1 = Math.floor(seed / 0x1_0000_0000) >>> 0;
  const lo = fmix32((Math.imul(n >>> 0, 0x9e3779b9) ^ s0) >>> 0);
  const hi =
    fmix32((lo ^ Math.imul(s1 + (Math.floor(n / 0x1_0000_0000) >>> 0) + 1, 0x7feb352d)) >>> 0) & 0x1f_ffff;
  return hi * 0x1_0000_0000 + lo;
}

export class LeaseTable {
  readonly byId = new Map<number, Lease>();
  /** How many IDs the sequence has handed out (part of the replicated state). */
  seq = 0;
  constructor(public seed: number) {}

  get(id: number): Lease | undefined {
    return this.byId.get(id);
  }

  /** The next unused ID of the sequence. */
  chooseId(): number {
    for (;;) {
      this.seq++;
      const id = leaseIdAt(this.seed, this.seq);
      if (id !== 0 && !this.byId.has(id)) return id;
    }
  }

  add(id: number, ttl: number, deadline: number): Lease {
    const l: Lease = { id, ttl, deadline, keys: new Set() };
    this.byId.set(id, l);
    return l;
  }

  attach(id: number, key: string): void {
    if (id !== 0) this.byId.get(id)?.keys.add(key);
  }

  detach(id: number, key: string): void {
    if (id !== 0) this.byId.get(id)?.keys.delete(key);
  }

  /** IDs ascending. */
  ids(): number[] {
    return [...this.byId.keys()].sort((a, b) => a - b);
  }

  /** IDs with deadline <= now, earliest deadline first (ties by ID). */
  expired(now: number): number[] {
    const out: Lease[] = [];
    for (const l of this.byId.values()) if (l.deadline <= now) out.push(l);
    out.sort((a, b) => a.deadline - b.deadline || a.id - b.id);
    return out.map((l) => l.id);
  }
}
