/**
 * The whole-server simulation's clock and agenda: a min-heap of callbacks ordered by
 * (time, seq). `run` pops one event at a time, runs it, then drains the microtasks it queued
 * (promise continuations of the real server code) before the next event — so with no real
 * timer or I/O in the simulated path, one seed gives one order of everything.
 */
import { SeededRand } from "../../../raft/index.js";
import { TimedHeap } from "../../../sim/heap.js";
import type { LoopEnv } from "../../loop-env.js";

interface Ev {
  time: number;
  seq: number;
  fn: () => void;
}

/** Resolves after every microtask queued so far (and those they queue) has run. */
const drainMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Scheduler {
  /** Simulated milliseconds since the start. */
  now = 0;
  private readonly heap = new TimedHeap<Ev>();
  private seq = 0;
  /** Events run so far. */
  events = 0;

  /** Runs `fn` `delay` simulated ms from now (after everything already due at that time). */
  at(delay: number, fn: () => void): void {
    this.heap.push({ time: this.now + Math.max(0, delay), seq: this.seq++, fn });
  }

  /** A promise that resolves `ms` simulated ms from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(ms, resolve));
  }

  /** Runs events until `until` simulated ms (or `stop()` returns true). Errors thrown by events propagate. */
  async run(until: number, stop: () => boolean = () => false): Promise<void> {
    await drainMicrotasks();
    while (this.heap.size > 0 && this.heap.peek()!.time <= until && !stop()) {
      const e = this.heap.pop()!;
      this.now = e.time;
      this.events++;
      e.fn();
      await drainMicrotasks();
    }
    if (this.now < until && !stop()) this.now = until;
  }
}

/** One member's clock: local time runs `rate` times as fast as simulated time. */
export class NodeClock {
  private baseSim = 0;
  private baseLocal = 0;
  rate = 1;

  constructor(private readonly sched: Scheduler) {}

  now(): number {
    return this.baseLocal + (this.sched.now - this.baseSim) * this.rate;
  }

  setRate(rate: number): void {
    this.baseLocal = this.now();
    this.baseSim = this.sched.now;
    this.rate = rate;
  }

  /** Simulated ms for `ms` local ms at the current rate. */
  toSim(ms: number): number {
    return ms / this.rate;
  }
}

/**
 * The LoopEnv of one incarnation of a member: its clock, timers on the scheduler, and a
 * seeded random source. After `kill()` (a crash) none of its timers or deferred calls run.
 */
export class SimEnv implements LoopEnv {
  alive = true;
  private readonly rand: SeededRand;

  constructor(
    private readonly sched: Scheduler,
    private readonly clock: NodeClock,
    seed: number,
  ) {
    this.rand = new SeededRand(seed);
  }

  kill(): void {
    this.alive = false;
  }

  now(): number {
    return this.clock.now();
  }

  every(ms: number, fn: () => void): () => void {
    let on = true;
    const tick = (): void => {
      if (!on || !this.alive) return;
      fn();
      this.sched.at(this.clock.toSim(ms), tick);
    };
    this.sched.at(this.clock.toSim(ms), tick);
    return () => {
      on = false;
    };
  }

  after(ms: number, fn: () => void): () => void {
    let on = true;
    this.sched.at(this.clock.toSim(ms), () => {
      if (on && this.alive) fn();
    });
    return () => {
      on = false;
    };
  }

  defer(fn: () => void): void {
    this.sched.at(0, () => {
      if (this.alive) fn();
    });
  }

  randomInt(min: number, max: number): number {
    return min + this.rand.intn(max - min);
  }
}
