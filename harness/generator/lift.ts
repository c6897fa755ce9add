/**
 * lift: turns generator-like values into generators. An op template is emitted once; a function
 * is called for each op until it returns null; an array runs its elements in sequence (no
 * synchronisation between them: see `phases` for that); null is the exhausted generator.
 */
import { fillIn } from "./context.js";
import type { Context, Event, GenFn, GenLike, Generator, OpResult, OpSpec } from "./types.js";

/** The exhausted generator. */
export const EMPTY: Generator = {
  op: () => null,
  update() {
    return EMPTY;
  },
};

export function isGenerator(x: unknown): x is Generator {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Generator).op === "function" &&
    typeof (x as Generator).update === "function"
  );
}

function isSpec(x: unknown): x is OpSpec {
  return (
    typeof x === "object" &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as OpSpec).f === "string" &&
    !isGenerator(x)
  );
}

/** Emits one op from a template, then is exhausted. */
class Once implements Generator {
  constructor(readonly spec: OpSpec) {}
  op(ctx: Context): OpResult {
    const op = fillIn(this.spec, ctx);
    return op ? { op, next: EMPTY } : "pending";
  }
  update(): Generator {
    return this;
  }
}

/**
 * Calls `f(ctx)` for each op: a template is one op; a generator runs until exhausted; null ends.
 * `f` is not called while the context has no free thread.
 */
class Fn implements Generator {
  constructor(readonly f: GenFn) {}
  op(ctx: Context): OpResult {
    // No free thread: do not call f (its op would be dropped, and f may count or draw randomness).
    if (ctx.freeThreads.length === 0) return "pending";
    const r = this.f(ctx);
    if (r === null || r === undefined) return null;
    if (isSpec(r)) {
      const op = fillIn(r, ctx);
      return op ? { op, next: this } : "pending";
    }
    return new Seq(lift(r), [this], 0).op(ctx);
  }
  update(): Generator {
    return this;
  }
}

/** Runs `head`, then `rest[i..]` in order. Only the current generator sees updates. */
class Seq implements Generator {
  constructor(
    readonly head: Generator,
    readonly rest: readonly Generator[],
    readonly i: number,
  ) {}
  op(ctx: Context): OpResult {
    let head = this.head;
    let i = this.i;
    for (;;) {
      const r = head.op(ctx);
      if (r === "pending") return r;
      if (r !== null) return { op: r.op, next: new Seq(r.next, this.rest, i) };
      if (i >= this.rest.length) return null;
      head = this.rest[i++]!;
    }
  }
  update(ctx: Context, event: Event): Generator {
    const h = this.head.update(ctx, event);
    return h === this.head ? this : new Seq(h, this.rest, this.i);
  }
}

/** Any generator-like value as a generator (see the module comment). Throws TypeError on anything else. */
export function lift(x: GenLike): Generator {
  if (x === null || x === undefined) return EMPTY;
  if (isGenerator(x)) return x;
  if (typeof x === "function") return new Fn(x as GenFn);
  if (Array.isArray(x)) {
    const gens = (x as readonly GenLike[]).map(lift);
    return gens.length === 0 ? EMPTY : gens.length === 1 ? gens[0]! : new Seq(gens[0]!, gens, 1);
  }
  if (isSpec(x)) return new Once(x);
  throw new TypeError(
    `lift: not a generator, op template ({ f: ... }), function or array: ${JSON.stringify(x)}`,
  );
}

/** Generators one after the other, without waiting for in-flight ops in between. */
export function seq(...gens: GenLike[]): Generator {
  return lift(gens);
}

/** A generator from a function of the context (Jepsen's fn generators): called for each op until it returns null. */
export function fn(f: GenFn): Generator {
  return new Fn(f);
}

/** Exactly one op from a template. */
export function once(x: GenLike): Generator {
  return isSpec(x) ? new Once(x) : limitOnce(lift(x));
}

function limitOnce(g: Generator): Generator {
  return {
    op(ctx) {
      const r = g.op(ctx);
      return r === null || r === "pending" ? r : { op: r.op, next: EMPTY };
    },
    update(ctx, event) {
      return limitOnce(g.update(ctx, event));
    },
  };
}
