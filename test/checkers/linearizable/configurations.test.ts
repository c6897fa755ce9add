/**
 * The compact visited-configuration set agrees with a naive one (a Set of "bitset|state"
 * strings) on random sequences of set / clear / add, for any mix of ok and info ops.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Configurations } from "../../../checkers/linearizable/configurations.js";
import { getModel } from "../../../checkers/linearizable/index.js";

type Cmd = { kind: "toggle"; op: number } | { kind: "add"; state: number };

describe("Configurations", () => {
  it("behaves like a set of (linearized set, state) pairs", () => {
    const model = getModel("register");
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 140 }),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant("toggle" as const), op: fc.nat() }),
            fc.record({ kind: fc.constant("add" as const), state: fc.integer({ min: 0, max: 2 }) }),
          ),
          { maxLength: 400 },
        ),
        fc.boolean(),
        (ok, cmds: Cmd[], prefixFirst) => {
          const n = ok.length;
          const mustPlace = Uint8Array.from(ok, (b) => (b ? 1 : 0));
          const seen = new Configurations<number>(mustPlace, model);
          const naive = new Set<string>();
          const cur = new Uint8Array(n);
          // optionally start from a long placed prefix, as the search does
          if (prefixFirst)
            for (let i = 0; i < n >> 1; i++) {
              cur[i] = 1;
              seen.set(i);
            }
          for (const c of cmds) {
            if (c.kind === "toggle") {
              const i = c.op % n;
              if (cur[i]) seen.clear(i);
              else seen.set(i);
              cur[i] ^= 1;
            } else {
              const key = `${cur.join("")}|${c.state}`;
              const hash = key.length * 31 + c.state; // weak on purpose: collisions must be resolved
              const added = seen.add(hash, c.state);
              expect(added).toBe(!naive.has(key));
              naive.add(key);
            }
          }
          expect(seen.size).toBe(naive.size);
        },
      ),
      { numRuns: 300 },
    );
  });
});
