/**
 * Makes a deterministic model out of a nondeterministic one (a model with `stepAll`): the
 * state is the set of states the object may be in (an array without duplicates), a step
 * maps every member and keeps the union, and an empty union is illegal.
 */
import { equalValue, hashValue } from "./hash.js";
import type { Model } from "./types.js";

export function powerset<S, I, O>(m: Model<S, I, O>): Model<readonly S[], I, O> {
  const stepAll =
    m.stepAll ??
    ((s: S, i: I, o: O): readonly S[] => {
      const r = m.step(s, i, o);
      return r === null ? [] : [r];
    });
  const hash = m.hash ?? hashValue;
  const equal = m.equal ?? equalValue;
  return {
    name: m.name,
    init: () => [m.init()],
    prepare: m.prepare?.bind(m),
    partition: m.partition?.bind(m),
    step(states: readonly S[], i: I, o: O): readonly S[] | null {
      const out: S[] = [];
      for (const s of states)
        for (const t of stepAll(s, i, o)) if (!out.some((u) => equal(u, t))) out.push(t);
      return out.length === 0 ? null : out;
    },
    hash(states: readonly S[]): number {
      let h = states.length;
      for (const s of states) h = (h + Math.imul(hash(s) | 0, 0x9e3779b1)) | 0; // order-independent
      return h;
    },
    equal(a: readonly S[], b: readonly S[]): boolean {
      return a.length === b.length && a.every((s) => b.some((t) => equal(s, t)));
    },
    describeOp: (op) => m.describeOp(op),
    describeState: (states) =>
      states.length === 1
        ? m.describeState(states[0]!)
        : `one of {${states.map((s) => m.describeState(s)).join(", ")}}`,
  };
}
