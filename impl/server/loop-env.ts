/**
 * The time edge of the server's loops (RaftLoop, EtcdServer): clock, timers, deferral and the
 * random request-id salt. Production uses `realLoopEnv` (performance.now, setInterval,
 * setTimeout, setImmediate, crypto); the deterministic whole-server simulation
 * (cluster/sim/) passes a simulated one, so every macrotask goes through its scheduler.
 */
import { randomInt } from "node:crypto";

export interface LoopEnv {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` every `ms` milliseconds until the returned function is called (`unref`: the timer does not keep the process alive). */
  every(ms: number, fn: () => void, unref?: boolean): () => void;
  /** Calls `fn` once after `ms` milliseconds (never keeps the process alive); returns a cancel. */
  after(ms: number, fn: () => void): () => void;
  /** Calls `fn` on a later turn of the event loop (setImmediate). */
  defer(fn: () => void): void;
  /** A random integer in [min, max). */
  randomInt(min: number, max: number): number;
}

export const realLoopEnv: LoopEnv = {
  now: () => performance.now(),
  every(ms, fn, unref) {
    const t = setInterval(fn, ms);
    if (unref) t.unref();
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
  defer: (fn) => {
    setImmediate(fn);
  },
  randomInt: (min, max) => randomInt(min, max),
};
