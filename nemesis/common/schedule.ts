/**
 * The time schedule of one fault family, as a pure generator for the nemesis thread:
 * `start-<family>` at a random time, `stop-<family>` some seconds later, then again after a
 * random gap, until the run's time limit. Ops carry their due time (not `sleep` ops; also
 * recorded as `due`, ns, with `family`), so the schedules of several families combined with
 * `any()` interleave and their faults overlap. A family runs one op at a time: its next op waits
 * ("pending") until its own op in flight has completed, and only that; with several nemesis
 * slots (the interpreter's `nemesisSlots`, one per family) a slow op of one family holds up no
 * other family. A window lasts its drawn length from the completion of its start (a start
 * that took time moves its stop later); any other op that ran past its next op's due time has
 * the rest of its family's schedule moved later by the overrun. Instant families (admin) emit
 * single ops at exponential gaps.
 *
 * Randomness comes from a seeded stream whose state is part of the generator value
 * (`randomFromState`), so asking `op()` twice gives the same op and a run replays from its seed.
 */
import { fillIn } from "../../harness/generator/context.js";
import { randomFromState, seededRandom, type Random } from "../../harness/generator/random.js";
import type { Context, Event, Generator, OpResult } from "../../harness/generator/types.js";

type RandomState = [number, number, number, number];

export interface ScheduleOptions {
  family: string;
  /** Seed of this schedule's random stream. */
  seed: number;
  /** Mean ns from one start of this family to its next start. */
  meanPeriodNs: number;
  /** Mean length of a fault window, ns (uniform in [0.5, 1.5] × this). Ignored for instants. */
  meanDurationNs: number;
  /** The value of a start op (its shape and choices), from the random stream. */
  startValue(r: Random): Record<string, unknown>;
  /** Instant family: ops `instantOp(r)` instead of start/stop windows. */
  instantOp?(r: Random): { f: string; value: Record<string, unknown> };
}

class Schedule implements Generator {
  constructor(
    readonly o: ScheduleOptions,
    readonly rs: RandomState,
    readonly phase: "start" | "stop",
    readonly at: number | undefined,
    /** The f of this family's op in flight (invoked, not yet completed), if any. */
    readonly busy: string | undefined = undefined,
    /** The due time of that op. */
    readonly busyDue: number | undefined = undefined,
  ) {}

  op(ctx: Context): OpResult {
    if (!ctx.threads.includes("nemesis")) return null;
    if (this.busy !== undefined) return "pending";
    const r = randomFromState(this.rs);
    // The first fault comes within the first period after the run's start (uniform), so short
    // runs see faults too. Absolute, so that asking again later gives the same op.
    const at = this.at ?? r.next() * Math.min(this.o.meanPeriodNs, this.o.meanDurationNs * 1.5);
    let spec: { f: string; value?: Record<string, unknown> };
    let next: Schedule;
    if (this.o.instantOp) {
      const i = this.o.instantOp(r);
      spec = i;
      next = new Schedule(this.o, r.state(), "start", at + r.exponential(this.o.meanPeriodNs));
    } else if (this.phase === "start") {
      spec = { f: `start-${this.o.family}`, value: this.o.startValue(r) };
      const d = this.o.meanDurationNs * (0.5 + r.next());
      next = new Schedule(this.o, r.state(), "stop", at + d);
    } else {
      spec = { f: `stop-${this.o.family}` };
      // Mean period = mean duration + mean gap.
      const gap = r.exponential(
        Math.max(this.o.meanPeriodNs - this.o.meanDurationNs, this.o.meanDurationNs / 2),
      );
      next = new Schedule(this.o, r.state(), "start", at + gap);
    }
    const due = Math.round(at);
    const op = fillIn(
      { ...spec, family: this.o.family, due, process: ctx.processOf.get("nemesis"), time: due },
      ctx,
    );
    if (!op) return "pending";
    return { op, next };
  }

  update(_ctx: Context, e: Event): Generator {
    if (e.process !== "nemesis") return this;
    if (e.type === "invoke") {
      if (e.family !== this.o.family) return this;
      const due = typeof e.due === "number" ? e.due : e.time;
      return new Schedule(this.o, this.rs, this.phase, this.at, e.f, due);
    }
    // A family's op names are its own (start-/stop-<family>, admin's compact/defragment).
    if (e.f !== this.busy) return this;
    // A start that took time (a leader cut waiting for members to be back, a disk being filled)
    // moves its stop later by that time: a window lasts its drawn length from when its fault is
    // in place. Any other op that completes after the family's next op was due (it was slow)
    // moves the rest of the family's schedule later by the overrun, so that the next op keeps
    // its gap after this one instead of following at once, and ops due meanwhile do not come
    // in a burst. (at + took = completion + the gap that was drawn.)
    let at = this.at;
    if (at !== undefined && this.busyDue !== undefined) {
      const took = e.time - this.busyDue;
      if (took > 0 && (this.phase === "stop" || e.time > at)) at += took;
    }
    return new Schedule(this.o, this.rs, this.phase, at);
  }
}

export function schedule(o: ScheduleOptions): Generator {
  return new Schedule(o, seededRandom(o.seed).state(), "start", undefined);
}

/**
 * `{ f }` ops once each, in order, on the nemesis thread (final generators: undo everything);
 * run them with one nemesis slot, so that each waits for the one before.
 */
export function finalOps(fs: readonly string[]): Generator {
  class Final implements Generator {
    constructor(readonly i: number) {}
    op(ctx: Context): OpResult {
      if (this.i >= fs.length) return null;
      const f = fs[this.i]!;
      const family = /^(?:start|stop)-(.+)$/.exec(f)?.[1];
      const op = fillIn({ f, ...(family ? { family } : {}), process: ctx.processOf.get("nemesis") }, ctx);
      return op ? { op, next: new Final(this.i + 1) } : "pending";
    }
    update(): Generator {
      return this;
    }
  }
  return new Final(0);
}
