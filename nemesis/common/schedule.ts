/**
 * The time schedule of one fault family, as a pure generator for the nemesis thread:
 * `start-<family>` at a random time, `stop-<family>` some seconds later, then again after a
 * random gap, until the run's time limit. Ops carry their due time (not `sleep` ops), so the
 * schedules of several families combined with `any()` interleave on the one nemesis thread and
 * their faults overlap. Instant families (admin) emit single ops at exponential gaps.
 *
 * Randomness comes from a seeded stream whose state is part of the generator value
 * (`randomFromState`), so asking `op()` twice gives the same op and a run replays from its seed.
 */
import { fillIn } from "../../harness/generator/context.js";
import { randomFromState, seededRandom, type Random } from "../../harness/generator/random.js";
import type { Context, Generator, OpResult } from "../../harness/generator/types.js";

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
  ) {}

  op(ctx: Context): OpResult {
    if (!ctx.threads.includes("nemesis")) return null;
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
    const op = fillIn({ ...spec, process: ctx.processOf.get("nemesis"), time: Math.round(at) }, ctx);
    if (!op) return "pending";
    return { op, next };
  }

  update(): Generator {
    return this;
  }
}

export function schedule(o: ScheduleOptions): Generator {
  return new Schedule(o, seededRandom(o.seed).state(), "start", undefined);
}

/** `{ f }` ops once each, in order, on the nemesis thread (final generators: undo everything). */
export function finalOps(fs: readonly string[]): Generator {
  class Final implements Generator {
    constructor(readonly i: number) {}
    op(ctx: Context): OpResult {
      if (this.i >= fs.length) return null;
      const op = fillIn({ f: fs[this.i]!, process: ctx.processOf.get("nemesis") }, ctx);
      return op ? { op, next: new Final(this.i + 1) } : "pending";
    }
    update(): Generator {
      return this;
    }
  }
  return new Final(0);
}
