/**
 * Generators: the public types (ARCHITECTURE.md, "Generator"; Jepsen's jepsen.generator).
 *
 * A generator is an immutable value. `op(ctx)` asks it for the next operation: it answers
 * `{ op, next }` (the op to invoke, with `process` and `time` filled in, and the generator that
 * follows it), `"pending"` (nothing now, maybe later: wait for a completion or for time to pass)
 * or `null` (exhausted). `update(ctx, event)` tells it about an invocation or completion and
 * returns the generator that follows. Time comes from `ctx.time`, never from a clock read, and
 * randomness from `ctx.random` (seeded by the run), so a run on the simulated clock is
 * reproducible from its seed.
 *
 * Threads and processes (as in Jepsen): a *thread* is a worker slot that lives for the whole run
 * (`0..concurrency-1` for clients, `"nemesis"`); a *process* is the logical single-threaded
 * client currently running on a thread. After an `info` completion the thread's process is
 * retired and the thread continues under a fresh process id (process + concurrency).
 */
import type { ProcessId } from "../../checkers/history/types.js";
import type { Random } from "./random.js";

export type { ProcessId };

/** A worker slot: a client thread number or the nemesis. */
export type ThreadId = number | "nemesis";

/** Operation types a generator may emit: `invoke` (the default), or `sleep` (occupy the thread for `value` ns, not recorded). */
export type GenOpType = "invoke" | "sleep";

/** An operation as a generator emits it (before the interpreter records it). */
export interface Op {
  type: GenOpType;
  f: string;
  process: ProcessId;
  /** Nanoseconds since the run started: when it should be invoked (>= ctx.time). */
  time: number;
  key?: string;
  value?: unknown;
  [extra: string]: unknown;
}

/** An op template: what users write; `process` and `time` are filled in from the context. */
export interface OpSpec {
  f: string;
  type?: GenOpType;
  key?: string;
  value?: unknown;
  process?: ProcessId;
  time?: number;
  [extra: string]: unknown;
}

/** A recorded history event (an invocation or completion), as the interpreter reports it. */
export interface Event {
  index: number;
  time: number;
  process: ProcessId;
  type: "invoke" | "ok" | "fail" | "info";
  f: string;
  key?: string;
  value?: unknown;
  error?: string;
  [extra: string]: unknown;
}

/**
 * What a generator sees. Immutable from the generator's point of view; combinators derive
 * restricted contexts (e.g. `clients()` hides the nemesis thread).
 */
export interface Context {
  /** Nanoseconds since the run started. */
  readonly time: number;
  /** Every thread this (possibly restricted) context covers, in order. */
  readonly threads: readonly ThreadId[];
  /** Threads with no operation in flight (subset of `threads`), in order. */
  readonly freeThreads: readonly ThreadId[];
  /** The process each thread runs now (covers all threads of the run). */
  readonly processOf: ReadonlyMap<ThreadId, ProcessId>;
  /** The thread a process runs on (only current processes). */
  readonly threadOf: ReadonlyMap<ProcessId, ThreadId>;
  /** Seeded randomness of the run. */
  readonly random: Random;
}

export type OpResult = { op: Op; next: Generator } | "pending" | null;

export interface Generator {
  /** The next operation, `"pending"`, or `null` when exhausted. Must not mutate `this`. */
  op(ctx: Context): OpResult;
  /** Learn of an invocation or completion; returns the generator that follows. */
  update(ctx: Context, event: Event): Generator;
}

/**
 * Anything `lift()` turns into a generator: a Generator; an OpSpec (emitted once); a function
 * `(ctx) => GenLike | null` (called for every op until it returns null: each result is emitted
 * as one op when it is an OpSpec, or run to exhaustion when it is a generator); an array (run
 * in sequence, no synchronisation); null/undefined (exhausted).
 */
export type GenLike = Generator | OpSpec | GenFn | readonly GenLike[] | null | undefined;
export type GenFn = (ctx: Context) => GenLike;

/** What a worker answers for an invoked op. */
export interface Completion {
  type: "ok" | "fail" | "info";
  value?: unknown;
  error?: string;
  [extra: string]: unknown;
}

/** One worker per thread: runs one op at a time. */
export interface Worker {
  /**
   * Perform `op` (an invoke) and report how it ended. Should not throw: a rejection is recorded
   * as `info` with `error: "worker-crashed: <message>"` (the outcome is unknown).
   * `op.process` changes after an info: a worker may reopen its connection then.
   */
  invoke(op: Event): Promise<Completion>;
}

/** Time source of the interpreter. */
export interface Clock {
  /** Nanoseconds since the run started (monotonic). */
  now(): number;
  /** Resolves once `now() >= time`; `cancel()` drops the wait (its promise never resolves). */
  sleepUntil(time: number): { promise: Promise<void>; cancel(): void };
}

/** Receives every recorded event, in index order (H8's history writer plugs in here). */
export type Sink = (event: Event) => void;

export interface InterpreterOptions {
  generator: GenLike;
  /** One worker per client thread (thread i = workers[i]); their count is the concurrency. */
  workers: readonly Worker[];
  /** The nemesis worker (thread "nemesis"), if any. */
  nemesis?: Worker;
  /**
   * How many nemesis ops may be in flight at once (default 1). With more, the nemesis thread
   * stays free while fewer are in flight, so the generator must itself keep ops that must not
   * overlap apart (nemesis/common/schedule.ts: each fault family waits for its own previous op).
   */
  nemesisSlots?: number;
  clock: Clock;
  sink: Sink;
  /** Seed of ctx.random. Default 0. */
  seed?: number;
  /** Or a Random to continue from (overrides `seed`). */
  random?: Random;
  /** At most this many client invocations per second across all client threads (no limit when absent/0). */
  rate?: number;
  /** Stop invoking new ops at this time (ns since run start); in-flight ops still complete. */
  timeLimit?: number;
  /** Stop invoking new ops when aborted; in-flight ops still complete. */
  signal?: AbortSignal;
  /** First history index to use (to continue a history). Default 0. */
  firstIndex?: number;
  /** Initial process of each client thread (to continue after an earlier phase). Default: thread i runs process i. */
  processes?: readonly number[];
}

export interface InterpreterResult {
  /** Index the next event would get. */
  nextIndex: number;
  /** The process each client thread runs at the end (pass as `processes` to continue). */
  processes: number[];
  /** Invocations recorded (client + nemesis). */
  invocations: number;
  /** Why it stopped: generator exhausted, time limit or abort. */
  stopped: "exhausted" | "time-limit" | "aborted";
}
