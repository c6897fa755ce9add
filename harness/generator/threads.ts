/**
 * Thread routing: onThreads (clients / nemesis split), reserve (n threads to one generator),
 * eachThread / eachProcess (an independent copy of a generator per thread or per process),
 * and any (the soonest op of several generators).
 */
import { restrictContext, restrictToThreads } from "./context.js";
import type { ThreadFilter } from "./context.js";
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, Op, OpResult, ProcessId, ThreadId } from "./types.js";

/** Whether an event's process belongs to one of the threads `keep` accepts. */
function eventOn(ctx: Context, event: Event, keep: (t: ThreadId) => boolean): boolean {
  const t = ctx.threadOf.get(event.process);
  return t !== undefined && keep(t);
}

class OnThreads implements Generator {
  constructor(
    readonly keep: (t: ThreadId) => boolean,
    readonly gen: Generator,
  ) {}
  op(ctx: Context): OpResult {
    const r = this.gen.op(restrictContext(ctx, this.keep));
    if (r === null || r === "pending") return r;
    return { op: r.op, next: new OnThreads(this.keep, r.next) };
  }
  update(ctx: Context, event: Event): Generator {
    if (!eventOn(ctx, event, this.keep)) return this;
    const g = this.gen.update(restrictContext(ctx, this.keep), event);
    return g === this.gen ? this : new OnThreads(this.keep, g);
  }
}

/** `gen` sees (and emits ops for) only the threads `keep` accepts, and only their events. */
export function onThreads(keep: (t: ThreadId) => boolean, gen: GenLike): Generator {
  return new OnThreads(keep, lift(gen));
}

const isClient: ThreadFilter = (t: ThreadId): boolean => t !== "nemesis";
/** Fast path of the client filter: the nemesis thread, if present, is usually last. */
isClient.list = (ts) => {
  const n = ts.length;
  if (n === 0) return ts;
  if (ts[n - 1] === "nemesis") return ts.slice(0, n - 1);
  return ts.includes("nemesis") ? ts.filter(isClient) : ts;
};
const isNemesis = (t: ThreadId): boolean => t === "nemesis";

/** `gen` runs on the client threads only. */
export function clients(gen: GenLike): Generator {
  return onThreads(isClient, gen);
}

/** `gen` runs on the nemesis thread only. */
export function nemesis(gen: GenLike): Generator {
  return onThreads(isNemesis, gen);
}

/** Clients and nemesis together: `clientsAndNemesis(c, n)` = `any(clients(c), nemesis(n))`. */
export function clientsAndNemesis(clientGen: GenLike, nemesisGen: GenLike): Generator {
  return any(clients(clientGen), nemesis(nemesisGen));
}

/** Of several op results, the soonest op (ties: the first), "pending" if none but some pending, else null. */
function soonest(results: readonly OpResult[]): { i: number; op: Op; next: Generator } | "pending" | null {
  let best: { i: number; op: Op; next: Generator } | undefined;
  let pending = false;
  results.forEach((r, i) => {
    if (r === "pending") pending = true;
    else if (r !== null && (best === undefined || r.op.time < best.op.time))
      best = { i, op: r.op, next: r.next };
  });
  return best ?? (pending ? "pending" : null);
}

class Any implements Generator {
  constructor(readonly gens: readonly Generator[]) {}
  op(ctx: Context): OpResult {
    const s = soonest(this.gens.map((g) => g.op(ctx)));
    if (s === null || s === "pending") return s;
    const gens = this.gens.slice();
    gens[s.i] = s.next;
    return { op: s.op, next: new Any(gens) };
  }
  update(ctx: Context, event: Event): Generator {
    let changed = false;
    const gens = this.gens.map((g) => {
      const u = g.update(ctx, event);
      if (u !== g) changed = true;
      return u;
    });
    return changed ? new Any(gens) : this;
  }
}

/** Asks every generator and takes the soonest op; all see every update; ends when all have. */
export function any(...gens: GenLike[]): Generator {
  return new Any(gens.map(lift));
}

class Reserve implements Generator {
  constructor(
    readonly counts: readonly number[],
    readonly gens: readonly Generator[],
  ) {}
  /** Thread groups: the first counts[0] threads of ctx, the next counts[1], ..., the rest. */
  private groups(ctx: Context): Set<ThreadId>[] {
    const groups: Set<ThreadId>[] = [];
    let at = 0;
    for (const n of this.counts) {
      groups.push(new Set(ctx.threads.slice(at, at + n)));
      at += n;
    }
    groups.push(new Set(ctx.threads.slice(at)));
    return groups;
  }
  op(ctx: Context): OpResult {
    const groups = this.groups(ctx);
    const s = soonest(this.gens.map((g, i) => g.op(restrictToThreads(ctx, groups[i]!))));
    if (s === null || s === "pending") return s;
    const gens = this.gens.slice();
    gens[s.i] = s.next;
    return { op: s.op, next: new Reserve(this.counts, gens) };
  }
  update(ctx: Context, event: Event): Generator {
    const t = ctx.threadOf.get(event.process);
    if (t === undefined) return this;
    const groups = this.groups(ctx);
    const i = groups.findIndex((g) => g.has(t));
    if (i < 0) return this;
    const g = this.gens[i]!.update(restrictToThreads(ctx, groups[i]!), event);
    if (g === this.gens[i]) return this;
    const gens = this.gens.slice();
    gens[i] = g;
    return new Reserve(this.counts, gens);
  }
}

/**
 * `reserve([[5, writes], [10, cas]], reads)`: the first 5 threads of the context run `writes`,
 * the next 10 `cas`, the remaining threads `reads` (Jepsen's reserve).
 */
export function reserve(pairs: readonly (readonly [number, GenLike])[], rest: GenLike): Generator {
  for (const [n] of pairs)
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`reserve: thread counts must be integers >= 0, got ${n}`);
  return new Reserve(
    pairs.map(([n]) => n),
    [...pairs.map(([, g]) => lift(g)), lift(rest)],
  );
}

class Each implements Generator {
  constructor(
    readonly byProcess: boolean,
    readonly fresh: Generator,
    readonly copies: ReadonlyMap<ThreadId | ProcessId, Generator>,
  ) {}
  private keyOf(ctx: Context, t: ThreadId): ThreadId | ProcessId {
    return this.byProcess ? ctx.processOf.get(t)! : t;
  }
  op(ctx: Context): OpResult {
    const results: OpResult[] = [];
    const keys: (ThreadId | ProcessId)[] = [];
    for (const t of ctx.freeThreads) {
      const k = this.keyOf(ctx, t);
      const g = this.copies.get(k) ?? this.fresh;
      keys.push(k);
      results.push(g.op(restrictToThreads(ctx, new Set([t]))));
    }
    const s = soonest(results);
    // Free threads are done; busy ones may still have ops once they complete.
    if (s === null) return ctx.freeThreads.length < ctx.threads.length ? "pending" : null;
    if (s === "pending") return s;
    const copies = new Map(this.copies);
    copies.set(keys[s.i]!, s.next);
    return { op: s.op, next: new Each(this.byProcess, this.fresh, copies) };
  }
  update(ctx: Context, event: Event): Generator {
    const t = ctx.threadOf.get(event.process);
    if (t === undefined || !ctx.threads.includes(t)) return this;
    const k = this.byProcess ? event.process : t;
    if (this.byProcess && event.type === "info" && event.process !== "nemesis") {
      // The process is retired: its copy is never asked again.
      if (!this.copies.has(k)) return this;
      const copies = new Map(this.copies);
      copies.delete(k);
      return new Each(this.byProcess, this.fresh, copies);
    }
    const g = this.copies.get(k) ?? this.fresh;
    const u = g.update(restrictToThreads(ctx, new Set([t])), event);
    if (u === g && this.copies.has(k)) return this;
    const copies = new Map(this.copies);
    copies.set(k, u);
    return new Each(this.byProcess, this.fresh, copies);
  }
}

/** Every thread runs its own copy of `gen` (`eachThread(once({ f: "read" }))`: one read per thread). */
export function eachThread(gen: GenLike): Generator {
  return new Each(false, lift(gen), new Map());
}

/** Every process runs its own copy of `gen`: a thread that crashed (info) starts a fresh copy under its new process. */
export function eachProcess(gen: GenLike): Generator {
  return new Each(true, lift(gen), new Map());
}
