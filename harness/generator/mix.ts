/**
 * mix: each op comes from a uniformly chosen generator (optionally weighted), drawn from
 * ctx.random. Exhausted generators drop out; mix ends when all have.
 */
import { lift } from "./lift.js";
import type { Context, Event, GenLike, Generator, OpResult } from "./types.js";

class Mix implements Generator {
  constructor(
    readonly gens: readonly Generator[],
    readonly weights: readonly number[],
  ) {}
  op(ctx: Context): OpResult {
    let gens = this.gens;
    let weights = this.weights;
    while (gens.length > 0) {
      const i = pickWeighted(weights, ctx.random.next());
      const r = gens[i]!.op(ctx);
      if (r === "pending") return r;
      if (r !== null) {
        const next = gens.slice();
        next[i] = r.next;
        return { op: r.op, next: new Mix(next, weights) };
      }
      gens = gens.filter((_, j) => j !== i);
      weights = weights.filter((_, j) => j !== i);
    }
    return null;
  }
  update(ctx: Context, event: Event): Generator {
    let changed = false;
    const gens = this.gens.map((g) => {
      const u = g.update(ctx, event);
      if (u !== g) changed = true;
      return u;
    });
    return changed ? new Mix(gens, this.weights) : this;
  }
}

function pickWeighted(weights: readonly number[], u: number): number {
  let total = 0;
  for (const w of weights) total += w;
  let x = u * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/** Each op from a random one of `gens` (`mix([read, write, cas])`). Every generator sees every update. */
export function mix(gens: readonly GenLike[]): Generator {
  return new Mix(
    gens.map(lift),
    gens.map(() => 1),
  );
}

/** Like mix, with weights: `weightedMix([[3, read], [1, write]])` reads 3 times as often. */
export function weightedMix(pairs: readonly (readonly [number, GenLike])[]): Generator {
  for (const [w] of pairs) if (!(w > 0)) throw new RangeError(`weightedMix: weights must be > 0, got ${w}`);
  return new Mix(
    pairs.map(([, g]) => lift(g)),
    pairs.map(([w]) => w),
  );
}
