import { describe, it, expect } from "vitest";
import { simulate, randomSchedule, validateSchedule } from "../../../impl/sim/index.js";

describe("simulator determinism", () => {
  it("the same seed gives the same run, hash for hash", () => {
    const a = simulate({ seed: 42, nodes: 5, ticks: 200 });
    const b = simulate({ seed: 42, nodes: 5, ticks: 200 });
    expect(a.violations).toEqual([]);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b).toEqual(a);
    expect(a.delivered).toBeGreaterThan(1000);
    expect(a.committed).toBeGreaterThan(50);
  });

  it("different seeds give different runs", () => {
    const hashes = new Set([1, 2, 3, 4].map((seed) => simulate({ seed, nodes: 3, ticks: 100 }).traceHash));
    expect(hashes.size).toBe(4);
  });

  it("an explicit schedule replays the seed's own (JSON round trip included)", () => {
    const schedule = randomSchedule(7, { nodes: 5, ticks: 200 });
    const replayed = validateSchedule(JSON.parse(JSON.stringify(schedule)));
    expect(simulate({ seed: 7, nodes: 5, ticks: 200, schedule: replayed }).traceHash).toBe(
      simulate({ seed: 7, nodes: 5, ticks: 200 }).traceHash,
    );
  });

  it("bad schedules are refused with the offending event", () => {
    expect(() => validateSchedule({})).toThrow(/JSON array/);
    expect(() =>
      validateSchedule([
        { at: 1, kind: "heal" },
        { at: "x", kind: "crash" },
      ]),
    ).toThrow(/event 1/);
  });
});
