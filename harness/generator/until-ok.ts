/** untilOk: ops from a generator until one of them completes `ok`. */
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, OpResult, ProcessId } from "./types.js";

class UntilOk implements Generator {
  constructor(
    readonly gen: Generator,
    readonly done: boolean,
    /** Processes with an op from this generator in flight. */
    readonly active: ReadonlySet<ProcessId>,
  ) {}
  op(ctx: Context): OpResult {
    if (this.done) return null;
    const r = this.gen.op(ctx);
    if (r === null || r === "pending") return r;
    const active = new Set(this.active);
    active.add(r.op.process);
    return { op: r.op, next: new UntilOk(r.next, false, active) };
  }
  update(ctx: Context, event: Event): Generator {
    if (this.done) return this;
    const g = this.gen.update(ctx, event);
    if (event.type !== "invoke" && this.active.has(event.process)) {
      if (event.type === "ok") return new UntilOk(g, true, new Set());
      const active = new Set(this.active);
      active.delete(event.process);
      return new UntilOk(g, false, active);
    }
    return g === this.gen ? this : new UntilOk(g, false, this.active);
  }
}

/** Ops from `gen` until one of its ops completes ok (`untilOk(repeat({ f: "read" }))`: read until a read succeeds). */
export function untilOk(gen: GenLike): Generator {
  return new UntilOk(lift(gen), false, new Set());
}
