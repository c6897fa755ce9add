/**
 * The interpreter: runs a generator against worker threads (Jepsen's generator.interpreter).
 *
 * Loop: apply every completion that arrived (record it, free its thread, `update` the
 * generator, give the thread a fresh process after an `info`); then ask the generator for an op.
 * An op due in the future (or held back by `rate`) makes the loop wait until it is due or a
 * completion arrives, whichever is first, and then ask again. A due op is recorded as an
 * `invoke`, passed to `update`, and handed to its thread's worker. `"pending"` waits for a
 * completion; `null` with nothing in flight ends the run. At the time limit or on abort no new op
 * starts, and the run ends once every in-flight op has completed (workers carry deadlines).
 *
 * Invariants: a thread has at most one op in flight (the nemesis thread: `nemesisSlots`, default 1); event indices are consecutive; a process
 * that got an `info` never appears again (ARCHITECTURE.md, "History"). Every event goes to
 * `sink` synchronously, in index order.
 */
import { lift } from "./lift.js";
import { seededRandom } from "./random.js";
import type { Random } from "./random.js";
import type {
  Completion,
  Context,
  Event,
  InterpreterOptions,
  InterpreterResult,
  Op,
  ProcessId,
  ThreadId,
  Worker,
} from "./types.js";

interface Arrival {
  thread: ThreadId;
  invoke: Event | undefined; // undefined: a sleep ended
  completion: Completion | undefined;
}

/** How often a pending generator with nothing in flight is asked again (ns). */
const IDLE_POLL = 10_000_000;
/** How far `rate` may catch up after falling behind (ns): bounds bursts. */
const RATE_SLACK = 10_000_000;

class StepContext implements Context {
  constructor(
    readonly time: number,
    readonly threads: readonly ThreadId[],
    private readonly free: () => readonly ThreadId[],
    readonly processOf: ReadonlyMap<ThreadId, ProcessId>,
    readonly threadOf: ReadonlyMap<ProcessId, ThreadId>,
    readonly random: Random,
  ) {}
  get freeThreads(): readonly ThreadId[] {
    return this.free();
  }
}

export async function interpret(opts: InterpreterOptions): Promise<InterpreterResult> {
  const { clock, sink } = opts;
  const n = opts.workers.length;
  if (opts.rate !== undefined && !(opts.rate >= 0))
    throw new RangeError(`interpret: rate must be >= 0 ops/s, got ${opts.rate}`);
  if (opts.processes && opts.processes.length !== n)
    throw new RangeError(`interpret: processes has ${opts.processes.length} entries for ${n} workers`);
  const random = opts.random ?? seededRandom(opts.seed ?? 0);
  const threads: ThreadId[] = Array.from({ length: n }, (_, i) => i);
  if (opts.nemesis) threads.push("nemesis");
  const processOf = new Map<ThreadId, ProcessId>();
  const threadOf = new Map<ProcessId, ThreadId>();
  threads.forEach((t, i) => {
    const p: ProcessId = t === "nemesis" ? "nemesis" : (opts.processes?.[i] ?? i);
    processOf.set(t, p);
    threadOf.set(p, t);
  });
  const free = new Set<ThreadId>(threads);
  // The nemesis thread may carry up to `nemesisSlots` ops at once; it is free while fewer are in flight.
  const nemesisSlots = Math.max(1, Math.floor(opts.nemesisSlots ?? 1));
  let nemesisBusy = 0;
  let freeList: ThreadId[] = threads.slice();
  let freeDirty = false;
  const freeThreads = (): ThreadId[] => {
    if (freeDirty) {
      freeList = threads.filter((t) => free.has(t));
      freeDirty = false;
    }
    return freeList;
  };
  // The free list is computed only when a generator reads it (through a prototype getter).
  const ctxAt = (time: number): Context =>
    new StepContext(time, threads, freeThreads, processOf, threadOf, random);

  const nemesisOnly: readonly ThreadId[] = ["nemesis"];
  const nemesisOnlyAt = (time: number): Context => ({
    time,
    threads,
    freeThreads: nemesisOnly,
    processOf,
    threadOf,
    random,
  });

  let gen = lift(opts.generator);
  let index = opts.firstIndex ?? 0;
  let invocations = 0;
  let inFlight = 0;
  const arrivals: Arrival[] = [];
  let wake: (() => void) | undefined;
  const interval = opts.rate ? 1e9 / opts.rate : 0;
  let nextRateTime = -Infinity;
  let stopped: InterpreterResult["stopped"] | undefined;
  const onAbort = (): void => wake?.();
  opts.signal?.addEventListener("abort", onAbort);

  const arrive = (a: Arrival): void => {
    arrivals.push(a);
    if (wake) {
      const w = wake;
      wake = undefined;
      w();
    }
  };

  const dispatch = (thread: ThreadId, worker: Worker, invoke: Event): void => {
    let p: Promise<Completion>;
    try {
      p = worker.invoke(invoke);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (completion) => arrive({ thread, invoke, completion }),
      (e: unknown) =>
        arrive({
          thread,
          invoke,
          completion: {
            type: "info",
            error: `worker-crashed: ${e instanceof Error ? e.message : String(e)}`,
          },
        }),
    );
  };

  const complete = (a: Arrival): void => {
    const now = clock.now();
    if (a.thread === "nemesis") nemesisBusy--;
    free.add(a.thread);
    freeDirty = true;
    inFlight--;
    const inv = a.invoke;
    if (!inv) return; // a sleep ended
    const c = a.completion!;
    const type = c.type === "ok" || c.type === "fail" || c.type === "info" ? c.type : "info";
    const ev: Event = { index: index++, time: now, process: inv.process, type, f: inv.f };
    if (inv.key !== undefined) ev.key = inv.key;
    if ("value" in c) ev.value = c.value;
    else if (inv.value !== undefined) ev.value = inv.value;
    for (const k in c) if (!(k in ev) && k !== "type") ev[k] = c[k];
    if (type !== c.type) ev.error = `worker-bad-completion: ${JSON.stringify(c.type)}`;
    sink(ev);
    gen = gen.update(ctxAt(now), ev);
    if (type === "info" && inv.process !== "nemesis") {
      const fresh = (inv.process as number) + n;
      threadOf.delete(inv.process);
      processOf.set(a.thread, fresh);
      threadOf.set(fresh, a.thread);
    }
  };

  /** Resolves at a completion, at `until` (if given), or on abort. */
  const waitNext = async (until: number | undefined): Promise<void> => {
    // An abort wakes the loop once, to stop it; after that it waits for completions like any
    // other time (returning at once would spin on microtasks and starve the I/O it waits for).
    if (arrivals.length > 0 || (opts.signal?.aborted && !stopped)) return;
    const timer = until === undefined ? undefined : clock.sleepUntil(until);
    try {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer?.promise.then(resolve);
      });
    } finally {
      wake = undefined;
      timer?.cancel();
    }
  };

  try {
    for (;;) {
      for (let i = 0; i < arrivals.length; i++) complete(arrivals[i]!);
      arrivals.length = 0;
      const now = clock.now();
      if (!stopped) {
        if (opts.signal?.aborted) stopped = "aborted";
        else if (opts.timeLimit !== undefined && now >= opts.timeLimit) stopped = "time-limit";
      }
      if (stopped) {
        if (inFlight === 0) break;
        await waitNext(undefined);
        continue;
      }
      if (free.size === 0) {
        await waitNext(opts.timeLimit);
        continue;
      }
      const ctx = ctxAt(now);
      const r = gen.op(ctx);
      if (r === null) {
        if (inFlight === 0) {
          stopped = "exhausted";
          break;
        }
        await waitNext(opts.timeLimit);
        continue;
      }
      if (r === "pending") {
        if (inFlight === 0 && opts.timeLimit === undefined && !opts.signal)
          throw new Error(
            "interpret: the generator is pending with no operation in flight and no time limit: it would wait forever",
          );
        await waitNext(
          inFlight === 0 ? Math.min(now + IDLE_POLL, opts.timeLimit ?? Infinity) : opts.timeLimit,
        );
        continue;
      }
      let op: Op = r.op;
      let next = r.next;
      let thread = threadOf.get(op.process);
      if (thread === undefined || !free.has(thread))
        throw new Error(
          `interpret: the generator emitted ${JSON.stringify(op)} for process ${String(op.process)}, which is ${thread === undefined ? "not a current process" : "busy"}`,
        );
      let isClient = thread !== "nemesis";
      let due = op.time;
      if (interval > 0 && isClient && op.type !== "sleep" && nextRateTime > due) {
        due = nextRateTime;
        // The rate holds clients back, never the nemesis: offer the free nemesis thread alone.
        if (due > now && free.has("nemesis")) {
          const rn = gen.op(nemesisOnlyAt(now));
          if (rn !== null && rn !== "pending" && rn.op.process === "nemesis" && rn.op.time <= now) {
            op = rn.op;
            next = rn.next;
            thread = "nemesis";
            isClient = false;
            due = op.time;
          }
        }
      }
      if (due > now) {
        const until = opts.timeLimit === undefined ? due : Math.min(due, opts.timeLimit);
        await waitNext(until);
        continue;
      }
      if (thread !== "nemesis" || ++nemesisBusy >= nemesisSlots) free.delete(thread);
      freeDirty = true;
      inFlight++;
      if (op.type === "sleep") {
        gen = next;
        const dt = typeof op.value === "number" ? op.value : 0;
        clock
          .sleepUntil(now + dt)
          .promise.then(() => arrive({ thread, invoke: undefined, completion: undefined }));
        continue;
      }
      if (interval > 0 && isClient) nextRateTime = Math.max(nextRateTime, now - RATE_SLACK) + interval;
      const { type: _t, time: _time, ...rest } = op;
      const invoke: Event = {
        ...rest,
        index: index++,
        time: now,
        process: op.process,
        type: "invoke",
        f: op.f,
      };
      invocations++;
      sink(invoke);
      gen = next.update(ctxAt(now), invoke);
      const worker = isClient ? opts.workers[thread as number]! : opts.nemesis!;
      dispatch(thread, worker, invoke);
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
  return {
    nextIndex: index,
    processes: threads.filter((t) => t !== "nemesis").map((t) => processOf.get(t) as number),
    invocations,
    stopped: stopped ?? "exhausted",
  };
}
