/**
 * phases: generators one after another, each starting only when every thread of the context is
 * free (all ops of the previous phase completed). `synchronize` is the barrier on its own.
 */
import { lift, seq } from "./lift.js";
import type { Context, Event, GenLike, Generator, OpResult } from "./types.js";

class Synchronize implements Generator {
  constructor(readonly gen: Generator) {}
  op(ctx: Context): OpResult {
    if (ctx.freeThreads.length !== ctx.threads.length) return "pending";
    return this.gen.op(ctx);
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new Synchronize(g);
  }
}

/** Waits until every thread of the context is free, then behaves as `gen`. */
export function synchronize(gen: GenLike): Generator {
  return new Synchronize(lift(gen));
}

/** Each generator in turn, each waiting for all ops of the ones before to complete. */
export function phases(...gens: GenLike[]): Generator {
  return seq(...gens.map(synchronize));
}

/**
 * `andThen(a, b)`: a, then (after a's ops have all completed) b. (Not named `then`: a module
 * exporting `then` is a thenable, and `await import()` of it would never resolve.)
 */
export function andThen(a: GenLike, b: GenLike): Generator {
  return phases(a, b);
}
