/**
 * Context helpers: restricting a context to some threads, and filling in an op template's
 * `process` and `time` from a context (Jepsen's `fill-in-op`).
 */
import type { Context, Op, OpSpec, ProcessId, ThreadId } from "./types.js";

/** A thread predicate, optionally with a faster way to filter a whole list. */
export type ThreadFilter = ((t: ThreadId) => boolean) & {
  list?: (ts: readonly ThreadId[]) => readonly ThreadId[];
};

/** A context seen through a thread filter; the filtered lists are computed when first read. */
class RestrictedContext implements Context {
  private t?: readonly ThreadId[];
  private f?: readonly ThreadId[];
  readonly time: number;
  readonly processOf: ReadonlyMap<ThreadId, ProcessId>;
  readonly threadOf: ReadonlyMap<ProcessId, ThreadId>;
  readonly random: Context["random"];
  constructor(
    private readonly parent: Context,
    private readonly keep: (t: ThreadId) => boolean,
  ) {
    this.time = parent.time;
    this.processOf = parent.processOf;
    this.threadOf = parent.threadOf;
    this.random = parent.random;
  }
  private filter(ts: readonly ThreadId[]): readonly ThreadId[] {
    const fast = (this.keep as ThreadFilter).list;
    return fast ? fast(ts) : ts.filter(this.keep);
  }
  get threads(): readonly ThreadId[] {
    return (this.t ??= this.filter(this.parent.threads));
  }
  get freeThreads(): readonly ThreadId[] {
    return (this.f ??= this.filter(this.parent.freeThreads));
  }
}

/** The context seen by a generator that may only use the threads `keep` accepts. */
export function restrictContext(ctx: Context, keep: (t: ThreadId) => boolean): Context {
  return new RestrictedContext(ctx, keep);
}

/** The context restricted to an explicit set of threads. */
export function restrictToThreads(ctx: Context, threads: ReadonlySet<ThreadId>): Context {
  return restrictContext(ctx, (t) => threads.has(t));
}

/** Processes of the free threads, in thread order. */
export function freeProcesses(ctx: Context): ProcessId[] {
  return ctx.freeThreads.map((t) => ctx.processOf.get(t)!);
}

/** The process of a uniformly chosen free thread, or undefined when every thread is busy. */
export function someFreeProcess(ctx: Context): ProcessId | undefined {
  const n = ctx.freeThreads.length;
  if (n === 0) return undefined;
  const t = n === 1 ? ctx.freeThreads[0]! : ctx.freeThreads[ctx.random.int(n)]!;
  return ctx.processOf.get(t);
}

/** The thread an event's process runs on (undefined for a process no longer current). */
export function threadOfEvent(ctx: Context, process: ProcessId): ThreadId | undefined {
  return ctx.threadOf.get(process);
}

/**
 * An op from a template: `type` defaults to `invoke`, `time` to `ctx.time`, `process` to a
 * free process. `undefined` when the template names no process and none is free, or names a
 * process whose thread is not free in this context.
 */
export function fillIn(spec: OpSpec, ctx: Context): Op | undefined {
  let process = spec.process;
  if (process === undefined) {
    process = someFreeProcess(ctx);
    if (process === undefined) return undefined;
  } else {
    const t = ctx.threadOf.get(process);
    if (t === undefined || !ctx.freeThreads.includes(t)) return undefined;
  }
  const op = { ...spec } as Op;
  op.type = spec.type ?? "invoke";
  op.process = process;
  op.time = spec.time === undefined || spec.time < ctx.time ? ctx.time : spec.time;
  return op;
}
