/** repeat and cycle: re-emitting from a generator. */
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, OpResult } from "./types.js";

class Repeat implements Generator {
  constructor(
    readonly remaining: number,
    readonly gen: Generator,
  ) {}
  op(ctx: Context): OpResult {
    if (this.remaining === 0) return null;
    const r = this.gen.op(ctx);
    if (r === null || r === "pending") return r;
    return { op: r.op, next: new Repeat(this.remaining - 1, this.gen) };
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new Repeat(this.remaining, g);
  }
}

/**
 * Emits the first op of `gen` again and again (forever, or `n` times), without advancing it:
 * `repeat({ f: "read" })` reads forever; `repeat(fn(randomWrite), 10)` makes 10 (different) writes.
 */
export function repeat(gen: GenLike, n = Infinity): Generator {
  if (!(n >= 0)) throw new RangeError(`repeat(gen, n): n must be >= 0, got ${n}`);
  return new Repeat(n, lift(gen));
}

class Cycle implements Generator {
  constructor(
    readonly original: Generator,
    readonly current: Generator,
    readonly remaining: number,
  ) {}
  op(ctx: Context): OpResult {
    let current = this.current;
    let remaining = this.remaining;
    for (let fresh = false; ; fresh = true) {
      const r = current.op(ctx);
      if (r === "pending") return r;
      if (r !== null) return { op: r.op, next: new Cycle(this.original, r.next, remaining) };
      // Exhausted: start over, unless no rounds are left or a fresh copy is itself empty.
      if (fresh || remaining <= 1) return null;
      current = this.original;
      remaining--;
    }
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.current.update(ctx, event);
    return g === this.current ? this : new Cycle(this.original, g, this.remaining);
  }
}

/**
 * Runs `gen` to exhaustion, then starts again from the original `gen` (forever, or `rounds`
 * times in all): `cycle([sleep(seconds(5)), { f: "kill" }, sleep(seconds(5)), { f: "start" }])`.
 */
export function cycle(gen: GenLike, rounds = Infinity): Generator {
  if (!(rounds >= 1)) throw new RangeError(`cycle(gen, rounds): rounds must be >= 1, got ${rounds}`);
  const g = lift(gen);
  return new Cycle(g, g, rounds);
}
