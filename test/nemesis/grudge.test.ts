import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { seededRandom } from "../../harness/generator/random.js";
import {
  allLinks,
  bridge,
  complete,
  halves,
  isolate,
  majoritiesRing,
  majority,
  reachable,
  symmetric,
} from "../../nemesis/partition/grudge.js";
import { possibleShapes, validatePartition } from "../../nemesis/partition/index.js";
import { pickTargets } from "../../nemesis/common/options.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const isSymmetric = (g: Record<string, readonly string[]>) =>
  Object.entries(g).every(([a, bs]) => bs.every((b) => g[b]?.includes(a)));

describe("grudges", () => {
  it("isolate cuts exactly the target's links (3, 5, 7 members)", () => {
    for (const n of [3, 5, 7]) {
      const nodes = names(n);
      const g = isolate(nodes, "n2");
      const reach = reachable(nodes, g);
      expect(reach.n2).toEqual(["n2"]);
      for (const x of nodes.filter((x) => x !== "n2"))
        expect(reach[x]).toEqual(nodes.filter((y) => y !== "n2"));
      expect(isSymmetric(g)).toBe(true);
    }
    expect(() => isolate(names(3), "n9")).toThrow(/not one of/);
  });

  it("halves: a majority and a minority that cannot reach each other", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), fc.integer(), (n, seed) => {
        const nodes = names(n);
        const { grudge, sides } = halves(nodes, seededRandom(seed));
        expect(sides[0]!.length).toBe(majority(n));
        expect([...sides[0]!, ...sides[1]!].sort()).toEqual([...nodes].sort());
        const reach = reachable(nodes, grudge);
        for (const side of sides)
          for (const x of side) expect(reach[x]).toEqual(nodes.filter((y) => side.includes(y)));
        expect(isSymmetric(grudge)).toBe(true);
      }),
    );
  });

  it("bridge: the bridge reaches everyone, the two halves not each other", () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 9 }), fc.integer(), (n, seed) => {
        const nodes = names(n);
        const { grudge, bridge: b } = bridge(nodes, seededRandom(seed));
        const reach = reachable(nodes, grudge);
        expect(reach[b]).toEqual(nodes);
        const others = nodes.filter((x) => x !== b);
        for (const x of others) {
          // Every other member sees the bridge, its own half, and not the other half; both halves non-empty.
          expect(reach[x]).toContain(b);
          expect(reach[x]!.length).toBeLessThan(n);
        }
        expect(isSymmetric(grudge)).toBe(true);
      }),
    );
    expect(() => bridge(names(2), seededRandom(1))).toThrow(/at least 3/);
  });

  it("majorities-ring: each member sees a majority, none sees all, no two the same (4..9 members)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 9 }), fc.integer(), (n, seed) => {
        const nodes = names(n);
        const g = majoritiesRing(nodes, seededRandom(seed));
        const reach = reachable(nodes, g);
        const seen = new Set<string>();
        for (const x of nodes) {
          expect(reach[x]!.length).toBeGreaterThanOrEqual(majority(n));
          expect(reach[x]!.length).toBeLessThan(n);
          seen.add(reach[x]!.join(","));
        }
        expect(seen.size).toBe(n);
        expect(isSymmetric(g)).toBe(true);
      }),
    );
  });

  it("majorities-ring with 5 members: each sees exactly 3 (a bare majority)", () => {
    const nodes = names(5);
    const reach = reachable(nodes, majoritiesRing(nodes, seededRandom(7)));
    for (const x of nodes) expect(reach[x]!.length).toBe(3);
  });

  it("majorities-ring refuses 3 members with the reason", () => {
    expect(() => majoritiesRing(names(3), seededRandom(1))).toThrow(/at least 4/);
    expect(() => validatePartition(3, "majorities-ring")).toThrow(/majorities-ring needs at least 4/);
    expect(possibleShapes(3).ok).not.toContain("majorities-ring");
    expect(possibleShapes(5).ok).toContain("majorities-ring");
    expect(() => validatePartition(1)).toThrow(/at least 2 members/);
  });

  it("allLinks lists every peer of every member; complete and symmetric agree", () => {
    const nodes = names(4);
    const g = allLinks(nodes);
    for (const x of nodes) expect(g[x]).toEqual(nodes.filter((y) => y !== x));
    expect(symmetric({ n1: ["n2"] })).toEqual({ n1: ["n2"], n2: ["n1"] });
    expect(complete([["n1"], ["n2", "n3"]])).toEqual({ n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] });
  });

  it("the same seed gives the same shape", () => {
    const nodes = names(7);
    expect(majoritiesRing(nodes, seededRandom(42))).toEqual(majoritiesRing(nodes, seededRandom(42)));
    expect(halves(nodes, seededRandom(42))).toEqual(halves(nodes, seededRandom(42)));
  });
});

describe("targets", () => {
  it("one, minority, majority, all for 3, 5, 7 members", () => {
    for (const [n, minority, maj] of [
      [3, 1, 2],
      [5, 2, 3],
      [7, 3, 4],
    ] as const) {
      const nodes = names(n);
      const r = seededRandom(n);
      expect(pickTargets(nodes, "one", r)).toHaveLength(1);
      expect(pickTargets(nodes, "minority", r)).toHaveLength(minority);
      expect(pickTargets(nodes, "majority", r)).toHaveLength(maj);
      expect(pickTargets(nodes, "all", r)).toEqual(nodes);
      for (const t of pickTargets(nodes, "majority", r)) expect(nodes).toContain(t);
    }
  });
});
