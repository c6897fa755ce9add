/**
 * A generator that ends when a signal aborts: the runner's way to stop a phase on Ctrl-C.
 * (The interpreter's own `signal` option is not used: when aborted with operations in flight
 * its wait returns at once and the loop spins without yielding to I/O, so in-flight
 * operations never complete. Ending the generator instead makes the interpreter wait for
 * them normally.)
 */
import { lift } from "../generator/lift.js";
import type { Context, Event, GenLike, Generator, OpResult } from "../generator/types.js";

class UntilAborted implements Generator {
  constructor(
    readonly gen: Generator,
    readonly signal: AbortSignal,
  ) {}

  op(ctx: Context): OpResult {
    if (this.signal.aborted) return null;
    const r = this.gen.op(ctx);
    if (r === null || r === "pending") return r;
    return { op: r.op, next: new UntilAborted(r.next, this.signal) };
  }

  update(ctx: Context, event: Event): Generator {
    return new UntilAborted(this.gen.update(ctx, event), this.signal);
  }
}

export function untilAborted(gen: GenLike, signal: AbortSignal): Generator {
  return new UntilAborted(lift(gen), signal);
}
