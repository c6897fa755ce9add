/**
 * Clocks for the interpreter: `realClock()` (monotonic, for runs) and `SimClock` (simulated
 * time for tests and benchmarks: time jumps to the next timer as soon as the process is idle).
 */
import type { Clock } from "./types.js";

/**
 * The real monotonic clock, 0 at `origin` (a `performance.now()` reading in ms; default: now).
 * Waits under 0.2 ms resolve on the next turn of the event loop, longer ones use setTimeout,
 * armed again if it fires early, so a sleep never ends more than 0.2 ms before its time.
 */
export function realClock(origin: number = performance.now()): Clock {
  const now = (): number => Math.round((performance.now() - origin) * 1e6);
  return {
    now,
    sleepUntil(time) {
      let cancel = (): void => {};
      const promise = new Promise<void>((resolve) => {
        // Node's timers run on a cached, whole-millisecond loop clock and can fire up to a
        // millisecond before `time` on this one: arm again for what is left, so that a sleep
        // never ends more than 0.2 ms early.
        const arm = (): void => {
          const wait = (time - now()) / 1e6;
          if (wait < 0.2) {
            const h = setImmediate(resolve);
            cancel = () => clearImmediate(h);
          } else {
            const h = setTimeout(arm, wait);
            cancel = () => clearTimeout(h);
          }
        };
        arm();
      });
      return { promise, cancel: () => cancel() };
    },
  };
}

interface Timer {
  time: number;
  seq: number;
  resolve: () => void;
  cancelled: boolean;
}

/**
 * Simulated time. `sleepUntil` registers a timer; whenever the event loop has nothing else to do
 * (a `setImmediate` turn, after every pending promise callback has run), the earliest timer
 * fires and time jumps to it. Timers at the same time fire in registration order, one per
 * turn, so a run whose asynchrony all goes through this clock is deterministic.
 */
export class SimClock implements Clock {
  private t: number;
  private seq = 0;
  private heap: Timer[] = [];
  private scheduled = false;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  sleepUntil(time: number): { promise: Promise<void>; cancel(): void } {
    let timer!: Timer;
    const promise = new Promise<void>((resolve) => {
      timer = { time: Math.max(time, this.t), seq: this.seq++, resolve, cancelled: false };
    });
    this.push(timer);
    this.schedule();
    return {
      promise,
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** A promise that resolves after `dt` simulated ns. */
  sleep(dt: number): Promise<void> {
    return this.sleepUntil(this.t + dt).promise;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.fire());
  }

  private fire(): void {
    this.scheduled = false;
    let timer = this.pop();
    while (timer && timer.cancelled) timer = this.pop();
    if (!timer) return;
    if (timer.time > this.t) this.t = timer.time;
    timer.resolve();
    if (this.heap.length > 0) this.schedule();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(x: Timer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
