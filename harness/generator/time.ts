/**
 * Time combinators: timeLimit, stagger, delay and sleep. Durations are nanoseconds (use the
 * helpers `seconds(2)`, `ms(500)`), times come from ctx.time: never a clock read.
 */
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, OpResult } from "./types.js";

export const ms = (x: number): number => Math.round(x * 1e6);
export const seconds = (x: number): number => Math.round(x * 1e9);

class TimeLimit implements Generator {
  constructor(
    readonly dt: number,
    readonly deadline: number | undefined,
    readonly gen: Generator,
  ) {}
  op(ctx: Context): OpResult {
    const deadline = this.deadline ?? ctx.time + this.dt;
    if (ctx.time >= deadline) return null;
    const r = this.gen.op(ctx);
    if (r === null || r === "pending") return r;
    if (r.op.time >= deadline) return null;
    return { op: r.op, next: new TimeLimit(this.dt, deadline, r.next) };
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new TimeLimit(this.dt, this.deadline, g);
  }
}

/**
 * Ops from `gen` for `dt` ns, counted from the first op it emits; ops due at or after the
 * deadline are not emitted and the generator ends.
 */
export function timeLimit(dt: number, gen: GenLike): Generator {
  if (!(dt >= 0)) throw new RangeError(`timeLimit(dt, gen): dt must be >= 0 ns, got ${dt}`);
  return new TimeLimit(dt, undefined, lift(gen));
}

class Stagger implements Generator {
  constructor(
    readonly dt: number,
    readonly random: boolean,
    readonly nextTime: number | undefined,
    readonly gen: Generator,
  ) {}
  op(ctx: Context): OpResult {
    const r = this.gen.op(ctx);
    if (r === null || r === "pending") return r;
    const nextTime = this.nextTime ?? ctx.time;
    const op = r.op.time >= nextTime ? r.op : { ...r.op, time: nextTime };
    const gap = this.random ? ctx.random.next() * 2 * this.dt : this.dt;
    const base = this.random ? nextTime : op.time;
    return { op, next: new Stagger(this.dt, this.random, Math.round(base + gap), r.next) };
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new Stagger(this.dt, this.random, this.nextTime, g);
  }
}

/**
 * Random gaps between ops, uniform in [0, 2·dt) (mean dt) from ctx.random; gaps compound, so
 * the ops of `gen` come at a rate of about 1/dt in total (across all threads), unless `gen` or
 * the threads are slower.
 */
export function stagger(dt: number, gen: GenLike): Generator {
  if (!(dt >= 0)) throw new RangeError(`stagger(dt, gen): dt must be >= 0 ns, got ${dt}`);
  return new Stagger(dt, true, undefined, lift(gen));
}

/** Ops at least `dt` ns apart (each op's time is the previous op's time + dt). */
export function delay(dt: number, gen: GenLike): Generator {
  if (!(dt >= 0)) throw new RangeError(`delay(dt, gen): dt must be >= 0 ns, got ${dt}`);
  return new Stagger(dt, false, undefined, lift(gen));
}

/**
 * One `sleep` op: the thread that takes it does nothing for `dt` ns (not recorded in the
 * history). `[sleep(seconds(5)), { f: "start" }]` makes a nemesis wait before acting.
 */
export function sleep(dt: number): Generator {
  if (!(dt >= 0)) throw new RangeError(`sleep(dt): dt must be >= 0 ns, got ${dt}`);
  return lift({ f: "sleep", type: "sleep", value: dt });
}
