/** limit: at most n operations from a generator. */
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, OpResult } from "./types.js";

class Limit implements Generator {
  constructor(
    readonly remaining: number,
    readonly gen: Generator,
  ) {}
  op(ctx: Context): OpResult {
    if (this.remaining <= 0) return null;
    const r = this.gen.op(ctx);
    if (r === null || r === "pending") return r;
    return { op: r.op, next: new Limit(this.remaining - 1, r.next) };
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new Limit(this.remaining, g);
  }
}

/** At most `n` ops from `gen` (`limit(10, mix([r, w]))`). */
export function limit(n: number, gen: GenLike): Generator {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`limit(n, gen): n must be an integer >= 0, got ${n}`);
  return new Limit(n, lift(gen));
}
