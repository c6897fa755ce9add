import { describe, expect, it } from "vitest";
import { buildNemesis, chooseFamilies } from "../../cli/nemesis-setup.js";
import { isRoot } from "../support/env.js";

const base = { intervalS: 5, provider: "local" as const, server: "reference" as const, nodes: 3 };

describe("choosing faults for gauntlet run", () => {
  it("the external provider gets no faults, and says why", () => {
    const c = chooseFamilies({ ...base, provider: "external" });
    expect(c.families).toEqual([]);
    expect(c.notes.join("\n")).toMatch(/left out: .*external provider injects no faults/);
    expect(() => chooseFamilies({ ...base, provider: "external", nemesis: "kill" })).toThrow(
      /nemesis kill: the external provider/,
    );
  });

  it("clock is refused for etcd with the reason, and left out of etcd's default campaign", () => {
    expect(() => chooseFamilies({ ...base, server: "etcd", nemesis: "clock" })).toThrow(
      /etcd is a Go binary/,
    );
    const c = chooseFamilies({ ...base, server: "etcd" });
    expect(c.families).not.toContain("clock");
    expect(c.notes.join("\n")).toMatch(/clock \(etcd ignores libfaketime\)/);
    expect(c.families).toEqual(expect.arrayContaining(["kill", "pause"]));
  });

  it("member needs 3 members; unknown families and shapes are refused", () => {
    expect(() => chooseFamilies({ ...base, nodes: 1, nemesis: "member" })).toThrow(/at least 3 members/);
    expect(() => chooseFamilies({ ...base, nemesis: "kill,chaos" })).toThrow(/unknown nemesis chaos/);
    expect(() => buildNemesis({ ...base, partition: "star" }, ["partition"], 1)).toThrow(
      /unknown shape star/,
    );
    expect(() => buildNemesis({ ...base, partition: "isolate" }, ["kill"], 1)).toThrow(
      /needs partition in --nemesis/,
    );
    expect(() => buildNemesis({ ...base, intervalS: 0 }, ["kill"], 1)).toThrow(/positive/);
    expect(buildNemesis(base, [], 1)).toBeUndefined();
    expect(chooseFamilies({ ...base, nemesis: "none" }).families).toEqual([]);
  });

  it.skipIf(!isRoot.ok)(
    `as root the reference server's default campaign is partition,kill,pause,clock (${isRoot.why})`,
    () => {
      const c = chooseFamilies(base);
      expect(c.families).toEqual(["partition", "kill", "pause", "clock"]);
      const p = buildNemesis(base, c.families, 7)!;
      expect(p.needs).toEqual(expect.arrayContaining(["net", "killable", "pausable", "clock"]));
    },
  );
});
