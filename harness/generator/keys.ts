/**
 * Independent keys (Jepsen's jepsen.independent): the workload runs on many keys, each with a
 * bounded number of ops, so the checker can check each key's short history on its own.
 *
 * - `perKey`: a pool of keys in use at once; each op goes to a random key of the pool; a key
 *   that reached `opsPerKey` ops (or whose generator ended) is replaced by a fresh key.
 * - `concurrentKeys`: the threads split into groups of `groupSize`; each group works on one key
 *   at a time and takes a fresh key when its key is done (Jepsen's concurrent-generator).
 *
 * Every op gets `key` set; events are routed to their key's generator by `event.key`.
 */
import { restrictContext } from "./context.js";
import type { ThreadFilter } from "./context.js";
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, Op, OpResult, ThreadId } from "./types.js";

export interface KeyOptions {
  /** The generator for one key; called once for each fresh key. */
  gen: (key: string) => GenLike;
  /** At most this many ops per key, then a fresh key. Default: until the key's generator ends. */
  opsPerKey?: number;
  /** Name of the i-th key (0-based). Default `` (i) => `k${i}` ``. */
  key?: (i: number) => string;
}

export interface PerKeyOptions extends KeyOptions {
  /** Keys in use at once. Default: the number of threads of the context (at the first op). */
  poolSize?: number;
}

interface Slot {
  key: string;
  gen: Generator;
  count: number;
}

const defaultKey = (i: number): string => `k${i}`;

function validate(who: string, o: KeyOptions & { poolSize?: number; groupSize?: number }): void {
  if (typeof o.gen !== "function") throw new TypeError(`${who}: gen must be a function (key) => generator`);
  for (const f of ["opsPerKey", "poolSize", "groupSize"] as const) {
    const v = o[f];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1))
      throw new RangeError(`${who}: ${f} must be an integer >= 1, got ${v}`);
  }
}

/** Shared state machine: slots that each hold one key; a spent slot gets the next fresh key. */
abstract class KeySlots implements Generator {
  constructor(
    readonly opts: Required<KeyOptions>,
    readonly slots: readonly Slot[] | undefined,
    readonly nextKey: number,
  ) {}
  protected abstract initialSlots(ctx: Context): number;
  /** The slots to ask, in order. */
  protected abstract order(ctx: Context, n: number): readonly number[];
  protected abstract slotContext(ctx: Context, i: number, n: number): Context;
  protected abstract make(slots: readonly Slot[], nextKey: number): KeySlots;
  protected abstract pickSoonest: boolean;

  private fresh(i: number): Slot {
    const key = this.opts.key(i);
    return { key, gen: lift(this.opts.gen(key)), count: 0 };
  }

  op(ctx: Context): OpResult {
    let nextKey = this.nextKey;
    let slots = this.slots;
    if (slots === undefined) {
      const n = Math.max(1, this.initialSlots(ctx));
      slots = Array.from({ length: n }, (_, i) => this.fresh(nextKey + i));
      nextKey += n;
    }
    let pending = false;
    let best: { i: number; slot: Slot; op: Op } | undefined;
    let replaced: Map<number, Slot> | undefined;
    const n = slots.length;
    const order = this.order(ctx, n);
    for (let j = 0; j < order.length; j++) {
      const i = order[j]!;
      let slot = slots[i]!;
      const sctx = this.slotContext(ctx, i, slots.length);
      for (let attempt = 0; attempt < 2; attempt++) {
        if (slot.count >= this.opts.opsPerKey) {
          slot = this.fresh(nextKey++);
          (replaced ??= new Map()).set(i, slot);
        }
        const r = slot.gen.op(sctx);
        if (r === "pending") {
          pending = true;
          break;
        }
        if (r === null) {
          if (slot.count === 0) break; // a fresh key's generator is empty: nothing more from this slot
          slot = { ...slot, count: this.opts.opsPerKey };
          continue;
        }
        if (!best || (this.pickSoonest && r.op.time < best.op.time))
          best = {
            i,
            slot: { key: slot.key, gen: r.next, count: slot.count + 1 },
            op: { ...r.op, key: slot.key },
          };
        break;
      }
      // Without soonest-first, the first op wins; with it, an op due now cannot be beaten.
      if (best && (!this.pickSoonest || best.op.time <= ctx.time)) break;
    }
    // Slots left out of `order` (their threads are all busy) may still have ops to come.
    if (!best) return pending || order.length < n ? "pending" : null;
    const next = slots.slice();
    next[best.i] = best.slot;
    if (replaced) for (const [i, s] of replaced) if (i !== best.i) next[i] = s;
    return { op: best.op, next: this.make(next, nextKey) };
  }

  update(ctx: Context, event: Event): Generator {
    if (this.slots === undefined || event.key === undefined) return this;
    const i = this.slots.findIndex((s) => s.key === event.key);
    if (i < 0) return this;
    const s = this.slots[i]!;
    const g = s.gen.update(this.slotContext(ctx, i, this.slots.length), event);
    if (g === s.gen) return this;
    const slots = this.slots.slice();
    slots[i] = { ...s, gen: g };
    return this.make(slots, this.nextKey);
  }
}

class PerKey extends KeySlots {
  protected pickSoonest = false;
  constructor(
    opts: Required<KeyOptions>,
    readonly poolSize: number | undefined,
    slots: readonly Slot[] | undefined,
    nextKey: number,
  ) {
    super(opts, slots, nextKey);
  }
  protected initialSlots(ctx: Context): number {
    return this.poolSize ?? ctx.threads.length;
  }
  protected order(ctx: Context, n: number): readonly number[] {
    const start = n > 1 ? ctx.random.int(n) : 0;
    const out = new Array<number>(n);
    for (let j = 0; j < n; j++) out[j] = (start + j) % n;
    return out;
  }
  protected slotContext(ctx: Context): Context {
    return ctx;
  }
  protected make(slots: readonly Slot[], nextKey: number): KeySlots {
    return new PerKey(this.opts, this.poolSize, slots, nextKey);
  }
}

/** A pool of keys; each op goes to a random key in the pool; spent keys are replaced by fresh ones. */
export function perKey(opts: PerKeyOptions): Generator {
  validate("perKey", opts);
  return new PerKey(
    { gen: opts.gen, opsPerKey: opts.opsPerKey ?? Infinity, key: opts.key ?? defaultKey },
    opts.poolSize,
    undefined,
    0,
  );
}

export interface ConcurrentKeysOptions extends KeyOptions {
  /** Threads per key (the last group may be smaller). */
  groupSize: number;
}

/** Thread groups of a context, computed once per distinct thread list (shared by all versions). */
interface Groups {
  threads: readonly ThreadId[];
  groupOf: Map<ThreadId, number>;
  filters: ThreadFilter[];
}

function sameThreads(a: readonly ThreadId[], b: readonly ThreadId[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class ConcurrentKeys extends KeySlots {
  protected pickSoonest = true;
  constructor(
    opts: Required<KeyOptions>,
    readonly groupSize: number,
    slots: readonly Slot[] | undefined,
    nextKey: number,
    readonly cache: { groups?: Groups } = {},
  ) {
    super(opts, slots, nextKey);
  }
  private groups(ctx: Context): Groups {
    const c = this.cache.groups;
    if (c && sameThreads(c.threads, ctx.threads)) return c;
    const threads = ctx.threads.slice();
    const groupOf = new Map<ThreadId, number>();
    threads.forEach((t, i) => groupOf.set(t, Math.floor(i / this.groupSize)));
    const filters: ThreadFilter[] = [];
    for (let g = 0; g * this.groupSize < Math.max(1, threads.length); g++)
      filters.push((t) => groupOf.get(t) === g);
    return (this.cache.groups = { threads, groupOf, filters });
  }
  protected initialSlots(ctx: Context): number {
    return Math.ceil(ctx.threads.length / this.groupSize);
  }
  /** Only the groups with a free thread, in group order. */
  protected order(ctx: Context, n: number): readonly number[] {
    const { groupOf } = this.groups(ctx);
    const seen = new Array<boolean>(n).fill(false);
    for (const t of ctx.freeThreads) {
      const g = groupOf.get(t);
      if (g !== undefined && g < n) seen[g] = true;
    }
    const out: number[] = [];
    for (let g = 0; g < n; g++) if (seen[g]) out.push(g);
    return out;
  }
  protected slotContext(ctx: Context, i: number): Context {
    const f = this.groups(ctx).filters[i];
    return f ? restrictContext(ctx, f) : restrictContext(ctx, () => false);
  }
  protected make(slots: readonly Slot[], nextKey: number): KeySlots {
    return new ConcurrentKeys(this.opts, this.groupSize, slots, nextKey, this.cache);
  }
}

/** Groups of `groupSize` threads, each on its own key, a fresh key when a key is done. */
export function concurrentKeys(opts: ConcurrentKeysOptions): Generator {
  validate("concurrentKeys", opts);
  return new ConcurrentKeys(
    { gen: opts.gen, opsPerKey: opts.opsPerKey ?? Infinity, key: opts.key ?? defaultKey },
    opts.groupSize,
    undefined,
    0,
  );
}
