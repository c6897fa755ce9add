/** map and filter over a generator's ops. */
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, Op, OpResult } from "./types.js";

class MapGen implements Generator {
  constructor(
    readonly f: (op: Op, ctx: Context) => Op,
    readonly gen: Generator,
  ) {}
  op(ctx: Context): OpResult {
    const r = this.gen.op(ctx);
    if (r === null || r === "pending") return r;
    return { op: this.f(r.op, ctx), next: new MapGen(this.f, r.next) };
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new MapGen(this.f, g);
  }
}

/** Transforms every op (`map((op) => ({ ...op, key: "x" }), gen)`). Keep `process` and `time` valid. */
export function map(f: (op: Op, ctx: Context) => Op, gen: GenLike): Generator {
  return new MapGen(f, lift(gen));
}

class Filter implements Generator {
  constructor(
    readonly keep: (op: Op) => boolean,
    readonly gen: Generator,
  ) {}
  op(ctx: Context): OpResult {
    let gen = this.gen;
    for (let i = 0; i < 100_000; i++) {
      const r = gen.op(ctx);
      if (r === null || r === "pending") return r;
      if (this.keep(r.op)) return { op: r.op, next: new Filter(this.keep, r.next) };
      gen = r.next;
    }
    throw new Error("filter: 100000 ops in a row rejected by the predicate");
  }
  update(ctx: Context, event: Event): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new Filter(this.keep, g);
  }
}

/** Only the ops `keep` accepts; the others are skipped. */
export function filter(keep: (op: Op) => boolean, gen: GenLike): Generator {
  return new Filter(keep, lift(gen));
}
