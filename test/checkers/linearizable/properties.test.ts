/**
 * Property tests of the checker (fast-check prints the seed and the shrunk counterexample on
 * failure): generated linearizable histories pass; the checker agrees with a brute-force
 * checker on small random histories; budgets give "unknown", never a wrong verdict.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateHistory, type SimModel } from "../../../checkers/bench/generate.js";
import { check, getModel } from "../../../checkers/linearizable/index.js";
import { bruteForce } from "./brute-force.js";
import { historyArb, type ModelName } from "./random-history.js";

const models: ModelName[] = ["register", "cas-register", "kv"];
/** GAUNTLET_FC_SCALE=10 runs ten times as many cases (for a longer soak). */
const scale = Math.max(1, Number(process.env.GAUNTLET_FC_SCALE ?? 1));
const runs = (n: number): number => Math.round(n * scale);

describe("histories of random operations run against the model are linearizable", () => {
  for (const model of models) {
    it(model, () => {
      fc.assert(
        fc.property(
          fc.record({
            seed: fc.integer(),
            // at most a few operations in flight per key: a single key with ten concurrent
            // appends is a hard instance for any WGL search (that is the bench's business)
            processes: fc.integer({ min: 1, max: 6 }),
            ops: fc.integer({ min: 0, max: 120 }),
            keys: fc.integer({ min: 1, max: 4 }),
            infoRate: fc.constantFrom(0, 0.05, 0.2),
            failRate: fc.constantFrom(0, 0.05, 0.2),
            values: fc.integer({ min: 1, max: 6 }),
            latency: fc.integer({ min: 1, max: 4000 }),
          }),
          (o) => {
            const h = generateHistory({ model: model as SimModel, ...o });
            const r = check(h, { model, timeoutMs: 10_000 });
            expect(r.valid).toBe(true);
            expect(r.keys).toBeLessThanOrEqual(o.keys);
          },
        ),
        { numRuns: runs(60) },
      );
    });
  }
});

describe("the checker agrees with a brute-force checker on small random histories", () => {
  for (const model of models) {
    it(model, () => {
      fc.assert(
        fc.property(historyArb(model), (h) => {
          expect(check(h, { model }).valid).toBe(bruteForce(h, model));
        }),
        { numRuns: runs(400) },
      );
    });
  }

  for (const model of models) {
    it(`on false, the counterexample is consistent (${model})`, () => {
      const m = getModel(model);
      fc.assert(
        fc.property(historyArb(model), (h) => {
          const r = check(h, { model });
          for (const p of r.partitions) {
            if (p.valid !== false) continue;
            const cx = p.counterexample!;
            // the prefix replays in the model, respects real time, and ends in `states`
            let state = m.init();
            const placed = new Set<number>();
            for (const step of cx.prefix) {
              const op = r.operations[step.op]!;
              for (const q of placed) {
                const earlier = r.operations[q]!;
                expect(
                  op.completeIndex !== null && op.status === "ok" && op.completeIndex < earlier.invokeIndex,
                ).toBe(false);
              }
              const prep = m.prepare!(op)!;
              state = m.step(state, prep.input, prep.output);
              expect(state).not.toBeNull();
              placed.add(step.op);
            }
            expect(cx.states).toEqual([m.describeState(state)]);
            // the first bad op is the unplaced ok op that completed first, and it does not fit
            expect(cx.blocked[0]).toBe(cx.firstBad);
            const bad = r.operations[cx.firstBad]!;
            expect(bad.status).toBe("ok");
            const unplacedOk = p.ops.filter((id) => !placed.has(id) && r.operations[id]!.status === "ok");
            expect(Math.min(...unplacedOk.map((id) => r.operations[id]!.completeIndex!))).toBe(
              bad.completeIndex,
            );
            const prep = m.prepare!(bad)!;
            expect(m.step(state, prep.input, prep.output)).toBeNull();
          }
        }),
        { numRuns: runs(300) },
      );
    });
  }

  it("the random histories include valid and invalid ones, and info, fail and pending ops", () => {
    const samples = fc.sample(historyArb("cas-register"), { numRuns: 300, seed: 7 });
    const verdicts = samples.map((h) => bruteForce(h, "cas-register"));
    expect(verdicts.filter((v) => v).length).toBeGreaterThan(30);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(30);
    const types = new Set(samples.flatMap((h) => h.map((e) => e.type)));
    expect([...types].sort()).toEqual(["fail", "info", "invoke", "ok"]);
    expect(
      samples.some(
        (h) => h.filter((e) => e.type === "invoke").length > h.filter((e) => e.type !== "invoke").length,
      ),
    ).toBe(true);
    expect(samples.some((h) => h.some((e) => e.swapped === false))).toBe(true);
  });
});

describe("budgets give unknown, never a wrong verdict", () => {
  for (const model of models) {
    it(`tiny random budgets (${model})`, () => {
      fc.assert(
        fc.property(
          historyArb(model),
          fc.integer({ min: 0, max: 3000 }),
          fc.constantFrom(undefined, 0),
          (h, memoryBudget, timeoutMs) => {
            const v = check(h, { model, memoryBudget, timeoutMs }).valid;
            if (v !== "unknown") expect(v).toBe(bruteForce(h, model));
          },
        ),
        { numRuns: runs(200) },
      );
    });
  }

  it("valid generated histories under a tiny budget: unknown or true, never false", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 5000 }), (seed, memoryBudget) => {
        const h = generateHistory({ model: "cas-register", ops: 300, processes: 8, seed, infoRate: 0.1 });
        expect(check(h, { model: "cas-register", memoryBudget }).valid).not.toBe(false);
      }),
      { numRuns: runs(30) },
    );
  });

  it("a 1-byte cache budget on a long history is unknown (memory)", () => {
    const h = generateHistory({ model: "register", ops: 2000, processes: 10, seed: 1 });
    const r = check(h, { model: "register", memoryBudget: 1 });
    expect(r.valid).toBe("unknown");
    expect(r.partitions[0]!.reason).toBe("memory");
    expect(check(h, { model: "register" }).valid).toBe(true);
  });

  it("a zero time budget is unknown (timeout)", () => {
    const h = generateHistory({ model: "kv", ops: 200, processes: 5, keys: 3, seed: 2 });
    const r = check(h, { model: "kv", timeoutMs: 0 });
    expect(r.valid).toBe("unknown");
    expect(r.partitions.every((p) => p.valid === "unknown" && /timeout/.test(p.reason!))).toBe(true);
  });
});
