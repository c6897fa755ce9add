import { describe, expect, it } from "vitest";
import { clients } from "../../../harness/generator/threads.js";
import { finalSetReads, READ_RATIO, setGenerator } from "../../../workloads/set/generator.js";
import { completions, invokes, simulate } from "../../harness/generator/sim.js";

describe("set workload generators (simulated clock)", () => {
  it("main phase: unique consecutive elements per set, sets of opsPerKey ops, about one read in ten", async () => {
    const { history } = await simulate(clients(setGenerator({ opsPerKey: 50, threadsPerKey: 3 })), {
      threads: 6,
      timeLimit: 2e9,
      seed: 7,
    });
    const ops = invokes(history);
    expect(ops.length).toBeGreaterThan(500);
    const perSet = new Map<string, { adds: number[]; ops: number }>();
    for (const op of ops) {
      expect(["add", "read"]).toContain(op.f);
      const s = perSet.get(op.key!) ?? { adds: [], ops: 0 };
      s.ops++;
      if (op.f === "add") s.adds.push(op.value as number);
      perSet.set(op.key!, s);
    }
    for (const [key, s] of perSet) {
      expect(key).toMatch(/^s\d+$/);
      expect(s.ops).toBeLessThanOrEqual(50);
      // Each set's elements are 0, 1, 2, ... in invoke order: unique, one add each.
      expect(s.adds).toEqual(s.adds.map((_, i) => i));
    }
    const reads = ops.filter((o) => o.f === "read").length / ops.length;
    expect(reads).toBeGreaterThan(READ_RATIO / 2);
    expect(reads).toBeLessThan(READ_RATIO * 2);
    // Two groups of 3 threads: two sets in use at a time.
    expect(perSet.size).toBeGreaterThanOrEqual(Math.floor(ops.length / 50));
  });

  it("is reproducible from its seed", async () => {
    const run = async (seed: number) =>
      invokes(
        (
          await simulate(clients(setGenerator({ opsPerKey: 20, threadsPerKey: 2 })), {
            threads: 4,
            timeLimit: 3e8,
            seed,
          })
        ).history,
      ).map((e) => [e.process, e.f, e.key, e.value, e.time]);
    expect(await run(3)).toEqual(await run(3));
    expect(await run(3)).not.toEqual(await run(4));
  });

  it("final phase: every thread reads every set, a failed read retried until ok", async () => {
    const tried = new Set<string>();
    const { history } = await simulate(clients(finalSetReads(["s0", "s1", "s2"])), {
      threads: 4,
      // The first read of each set by each thread fails; the retry succeeds.
      complete: (op) => {
        const k = `${String(op.process)}/${op.key}`;
        if (tried.has(k)) return { type: "ok", value: [] };
        tried.add(k);
        return { type: "fail", error: "unavailable" };
      },
      seed: 1,
    });
    const done = completions(history);
    for (const key of ["s0", "s1", "s2"])
      for (let t = 0; t < 4; t++) {
        const mine = done.filter((e) => e.key === key && e.process === t);
        expect(mine.map((e) => e.type)).toEqual(["fail", "ok"]);
      }
    expect(invokes(history).every((e) => e.f === "read" && e.final === true)).toBe(true);
  });

  it("final phase gives up on a set after 3 failed attempts per thread", async () => {
    const { history } = await simulate(clients(finalSetReads(["s0"])), {
      threads: 2,
      complete: () => ({ type: "fail", error: "unavailable" }),
    });
    expect(invokes(history)).toHaveLength(6);
  });
});
