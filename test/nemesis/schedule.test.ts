import { describe, expect, it } from "vitest";
import { interpret, SimClock } from "../../harness/generator/index.js";
import type { Event, Worker } from "../../harness/generator/types.js";
import type { Cluster } from "../../harness/api/cluster.js";
import type { Capabilities, Grudge } from "../../harness/api/capabilities.js";
import { combinedPackage, FAMILIES, parseFamilies } from "../../nemesis/combined/index.js";
import { partitionPackage, shapeDraw } from "../../nemesis/partition/index.js";
import { killPackage } from "../../nemesis/kill/index.js";
import { LEADER_WEIGHT, leaderWithin, type ClusterQueries } from "../../nemesis/common/options.js";
import { LEADER_CUT_GRACE_MS } from "../../nemesis/common/targeted.js";

/** Runs a package's generator on the simulated clock with a nemesis that answers ok after 1 ms. */
async function simulate(gen: Parameters<typeof interpret>[0]["generator"], seconds: number, seed = 1) {
  const events: Event[] = [];
  const clock = new SimClock();
  const nemesis: Worker = {
    invoke: async (op) => {
      await clock.sleepUntil(clock.now() + 1e6).promise;
      return { type: "ok", value: op.value };
    },
  };
  await interpret({
    generator: gen,
    workers: [],
    nemesis,
    clock,
    sink: (e) => events.push(e),
    seed,
    timeLimit: seconds * 1e9,
  });
  return events;
}

const starts = (evs: Event[]) => evs.filter((e) => e.type === "invoke" && e.f.startsWith("start-"));

describe("fault schedules on the simulated clock", () => {
  it("one family alternates start and stop, starting within the first period", async () => {
    const pkg = partitionPackage({ seed: 3, periodS: 5, durationS: 5, nodeCount: 5 });
    const evs = (await simulate(pkg.generator, 120)).filter((e) => e.type === "invoke");
    expect(evs.length).toBeGreaterThan(6);
    evs.forEach((e, i) => expect(e.f).toBe(i % 2 === 0 ? "start-partition" : "stop-partition"));
    expect(evs[0]!.time).toBeLessThan(7.5e9);
    for (const e of evs.filter((x) => x.f === "start-partition"))
      expect(["isolate", "leader", "halves", "bridge", "majorities-ring", "flaky"]).toContain(
        (e.value as { shape: string }).shape,
      );
    // Every window lasts 0.5..1.5 × the mean duration (plus the 1 ms op).
    for (let i = 0; i + 1 < evs.length; i += 2) {
      const d = evs[i + 1]!.time - evs[i]!.time;
      expect(d).toBeGreaterThanOrEqual(2.5e9);
      expect(d).toBeLessThanOrEqual(7.5e9 + 2e6);
    }
  });

  it("random windows draw the leader shape LEADER_WEIGHT times as often as each other shape, and every shape", async () => {
    const pkg = partitionPackage({ seed: 11, periodS: 2, durationS: 1, nodeCount: 3 });
    const shapes = starts(await simulate(pkg.generator, 3000)).map(
      (e) => (e.value as { shape: string }).shape,
    );
    expect(shapes.length).toBeGreaterThan(800);
    const count = (s: string) => shapes.filter((x) => x === s).length;
    const others = ["isolate", "halves", "bridge", "flaky"];
    for (const s of others) expect(count(s), s).toBeGreaterThan(0);
    expect(count("majorities-ring")).toBe(0); // impossible with 3 members
    // Expected share: LEADER_WEIGHT / (LEADER_WEIGHT + 4) = 3/7; each other 1/7.
    const share = count("leader") / shapes.length;
    expect(share).toBeGreaterThan((LEADER_WEIGHT / (LEADER_WEIGHT + 4)) * 0.85);
    expect(share).toBeLessThan((LEADER_WEIGHT / (LEADER_WEIGHT + 4)) * 1.15);
    expect(shapeDraw(["leader", "isolate"])).toEqual([
      ...Array<string>(LEADER_WEIGHT).fill("leader"),
      "isolate",
    ]);
  });

  it("kill windows draw their targets evenly (the leader weighting is for partitions only)", async () => {
    const pkg = killPackage({ seed: 5, periodS: 2, durationS: 1 });
    const targets = starts(await simulate(pkg.generator, 3000)).map(
      (e) => (e.value as { target: string }).target,
    );
    expect(targets.length).toBeGreaterThan(800);
    for (const t of ["one", "minority", "majority", "all", "leader"]) {
      const share = targets.filter((x) => x === t).length / targets.length;
      expect(share, t).toBeGreaterThan(0.2 * 0.8);
      expect(share, t).toBeLessThan(0.2 * 1.2);
    }
  });

  it("a leader fault asks again for the leader during an election, within a bound", async () => {
    let asked = 0;
    const q = (answerAt: number): ClusterQueries => ({
      leader: async () => (++asked >= answerAt ? "n2" : undefined),
      compact: async () => 0,
      defragment: async () => {},
    });
    const cluster = {} as Cluster;
    expect(await leaderWithin(q(3), cluster, 3000)).toBe("n2");
    expect(asked).toBe(3);
    asked = 0;
    const t0 = Date.now();
    expect(await leaderWithin(q(1_000_000), cluster, 600)).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    expect(asked).toBeGreaterThan(1);
    expect(await leaderWithin(undefined, cluster)).toBeUndefined();
  });

  it("a named shape is the only shape", async () => {
    const pkg = partitionPackage({
      seed: 9,
      periodS: 2,
      durationS: 1,
      nodeCount: 5,
      shape: "majorities-ring",
    });
    const s = starts(await simulate(pkg.generator, 30));
    expect(s.length).toBeGreaterThan(3);
    for (const e of s) expect((e.value as { shape: string }).shape).toBe("majorities-ring");
  });

  it("is reproducible from its seed, and differs with another seed", async () => {
    const mk = (seed: number) =>
      combinedPackage({ families: ["partition", "kill", "pause"], seed, intervalS: 3, nodeCount: 3 });
    const a = await simulate(mk(11).generator, 60);
    const b = await simulate(mk(11).generator, 60);
    const c = await simulate(mk(12).generator, 60);
    const strip = (evs: Event[]) => evs.map((e) => [e.time, e.f, JSON.stringify(e.value)]);
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a)).not.toEqual(strip(c));
  });

  it("combined families overlap, each family alternates, and the mean gap between starts is near the interval", async () => {
    const pkg = combinedPackage({
      families: ["partition", "kill", "pause"],
      seed: 5,
      intervalS: 2,
      nodeCount: 3,
    });
    const evs = (await simulate(pkg.generator, 600)).filter((e) => e.type === "invoke");
    for (const fam of ["partition", "kill", "pause"]) {
      const own = evs.filter((e) => e.f.endsWith(`-${fam}`));
      own.forEach((e, i) => expect(e.f).toBe(i % 2 === 0 ? `start-${fam}` : `stop-${fam}`));
    }
    // Overlap: some start while another family's window is open.
    const open = new Set<string>();
    let overlaps = 0;
    for (const e of evs) {
      const [kind, fam] = e.f.split("-") as [string, string];
      if (kind === "start") {
        if (open.size > 0) overlaps++;
        open.add(fam);
      } else open.delete(fam);
    }
    expect(overlaps).toBeGreaterThan(10);
    const s = starts(evs);
    const meanGap = (s.at(-1)!.time - s[0]!.time) / (s.length - 1) / 1e9;
    expect(meanGap).toBeGreaterThan(1.2);
    expect(meanGap).toBeLessThan(3.2);
  });

  it("admin emits instants (compact / defragment), no windows", async () => {
    const pkg = combinedPackage({ families: ["admin"], seed: 1, intervalS: 1, nodeCount: 3 });
    const evs = (await simulate(pkg.generator, 30)).filter((e) => e.type === "invoke");
    expect(evs.length).toBeGreaterThan(10);
    for (const e of evs) expect(["compact", "defragment"]).toContain(e.f);
  });

  it("the final generator stops every family once", async () => {
    const pkg = combinedPackage({ families: [...FAMILIES], seed: 1, intervalS: 1, nodeCount: 3 });
    const evs = (await simulate(pkg.finalGenerator!, 10)).filter((e) => e.type === "invoke");
    expect(evs.map((e) => e.f)).toEqual([
      "stop-partition",
      "stop-kill",
      "stop-pause",
      "stop-clock",
      "stop-disk",
      "stop-member",
    ]);
  });

  it("parses --nemesis lists", () => {
    expect(parseFamilies("kill,partition")).toEqual(["partition", "kill"]);
    expect(parseFamilies("all")).toEqual([...FAMILIES]);
    expect(parseFamilies("none")).toEqual([]);
    expect(() => parseFamilies("kill,bogus")).toThrow(/unknown nemesis bogus/);
    expect(() => combinedPackage({ families: ["kill"], seed: 1, intervalS: 0, nodeCount: 3 })).toThrow(
      /positive/,
    );
    expect(() => combinedPackage({ families: ["member"], seed: 1, intervalS: 1, nodeCount: 1 })).toThrow(
      /at least 3/,
    );
  });
});

/** A fake cluster with recording capabilities, for the nemesis's invoke path. */
function fakeCluster(n: number) {
  const log: string[] = [];
  let grudge: Grudge = {};
  const running = new Set(Array.from({ length: n }, (_, i) => `n${i + 1}`));
  const paused = new Set<string>();
  const caps: Capabilities = {
    net: {
      partition: async (g, o) => {
        grudge = g;
        log.push(`partition ${JSON.stringify(g)}${o?.probability ? ` p=${o.probability}` : ""}`);
      },
      heal: async () => {
        grudge = {};
        log.push("heal");
      },
      current: () => grudge,
    },
    killable: {
      kill: async (x) => void (running.delete(x), log.push(`kill ${x}`)),
      start: async (x) => void (running.add(x), log.push(`start ${x}`)),
      isRunning: (x) => running.has(x),
    },
    pausable: {
      pause: async (x) => void (paused.add(x), log.push(`pause ${x}`)),
      resume: async (x) => void (paused.delete(x), log.push(`resume ${x}`)),
      isPaused: (x) => paused.has(x),
    },
  };
  const nodes = [...running];
  const cluster = { nodes, capabilities: caps, unavailable: {} } as unknown as Cluster;
  return { cluster, log, running, paused, grudge: () => grudge };
}

/** Partition and kill on a fake 3-member cluster led by n1, 1 s interval, set up. */
async function partitionAndKill() {
  const f = fakeCluster(3);
  const pkg = combinedPackage({
    families: ["partition", "kill"],
    seed: 1,
    intervalS: 1,
    nodeCount: 3,
    queries: { leader: async () => "n1", compact: async () => 1, defragment: async () => {} },
  });
  await pkg.nemesis.setup(f.cluster);
  return { f, pkg };
}

describe("nemesis invoke against a fake cluster", () => {
  it("partition applies the grudge it reports and heals it; leader isolates the leader", async () => {
    const f = fakeCluster(5);
    const pkg = combinedPackage({
      families: ["partition"],
      seed: 1,
      intervalS: 1,
      nodeCount: 5,
      queries: { leader: async () => "n4", compact: async () => 1, defragment: async () => {} },
    });
    await pkg.nemesis.setup(f.cluster);
    const r = await pkg.nemesis.invoke({ f: "start-partition", value: { shape: "halves", pick: 77 } });
    expect(r.type).toBe("ok");
    expect((r.value as { grudge: Grudge }).grudge).toEqual(f.grudge());
    expect(pkg.active?.()).toBe("partition halves");
    await pkg.nemesis.invoke({ f: "stop-partition" });
    expect(f.grudge()).toEqual({});
    const l = await pkg.nemesis.invoke({ f: "start-partition", value: { shape: "leader", pick: 1 } });
    expect((l.value as { targets: string[] }).targets).toEqual(["n4"]);
    expect(f.grudge().n4).toEqual(["n1", "n2", "n3", "n5"]);
    await pkg.nemesis.teardown();
    expect(f.grudge()).toEqual({});
  });

  it("a leader cut waits for killed members to be back (a majority to carry on), up to the longest window", async () => {
    const { f, pkg } = await partitionAndKill();
    await pkg.nemesis.invoke({ f: "start-kill", value: { target: "one", pick: 0 } });
    const [killed] = [...["n1", "n2", "n3"]].filter((n) => !f.running.has(n));
    // The kill's stop comes 400 ms into the partition's start: the cut waits for it.
    const restart = new Promise((r) => setTimeout(r, 400)).then(() => pkg.nemesis.invoke({ f: "stop-kill" }));
    const l = await pkg.nemesis.invoke({ f: "start-partition", value: { shape: "leader", pick: 1 } });
    await restart;
    const v = l.value as { targets: string[]; waitedMs?: number; down?: string[] };
    expect(killed).toBeDefined();
    expect(v.waitedMs).toBeGreaterThanOrEqual(300);
    expect(v.down).toBeUndefined();
    expect(f.log.indexOf(`start ${killed}`)).toBeLessThan(f.log.findIndex((x) => x.startsWith("partition")));
    await pkg.nemesis.invoke({ f: "stop-partition" });
    // A member that stays down: the cut goes ahead after the bound (1.5 × intervalS), saying so.
    await pkg.nemesis.invoke({ f: "start-kill", value: { target: "one", pick: 0 } });
    const t0 = Date.now();
    const l2 = await pkg.nemesis.invoke({ f: "start-partition", value: { shape: "leader", pick: 1 } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect((l2.value as { down?: string[] }).down).toEqual([killed]);
    expect(l2.type).toBe("ok");
    await pkg.nemesis.teardown();
  });

  it("a kill right after a leader cut waits until the rest had time to elect a leader; after a heal it does not", async () => {
    const { pkg } = await partitionAndKill();
    await pkg.nemesis.invoke({ f: "start-partition", value: { shape: "leader", pick: 1 } });
    const cutAt = Date.now();
    const k = await pkg.nemesis.invoke({ f: "start-kill", value: { target: "one", pick: 0 } });
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(LEADER_CUT_GRACE_MS - 50);
    expect((k.value as { afterLeaderCutMs?: number }).afterLeaderCutMs).toBeGreaterThan(
      LEADER_CUT_GRACE_MS - 200,
    );
    await pkg.nemesis.invoke({ f: "stop-kill" });
    // Other shapes do not hold kills back, nor does a leader cut that was healed.
    await pkg.nemesis.invoke({ f: "stop-partition" });
    await pkg.nemesis.invoke({ f: "start-partition", value: { shape: "leader", pick: 1 } });
    await pkg.nemesis.invoke({ f: "stop-partition" });
    await pkg.nemesis.invoke({ f: "start-partition", value: { shape: "halves", pick: 1 } });
    const t0 = Date.now();
    const k2 = await pkg.nemesis.invoke({ f: "start-kill", value: { target: "one", pick: 0 } });
    expect(Date.now() - t0).toBeLessThan(500);
    expect((k2.value as { afterLeaderCutMs?: number }).afterLeaderCutMs).toBeUndefined();
    await pkg.nemesis.teardown();
  });

  it("kill and pause undo exactly their targets; pause skips a killed member", async () => {
    const f = fakeCluster(3);
    const pkg = combinedPackage({ families: ["kill", "pause"], seed: 1, intervalS: 1, nodeCount: 3 });
    await pkg.nemesis.setup(f.cluster);
    const k = await pkg.nemesis.invoke({ f: "start-kill", value: { target: "majority", pick: 5 } });
    const killed = (k.value as { targets: string[] }).targets;
    expect(killed).toHaveLength(2);
    expect(f.running.size).toBe(1);
    const p = await pkg.nemesis.invoke({ f: "start-pause", value: { target: "all", pick: 1 } });
    expect(p.type).toBe("info"); // two of three were not running
    expect([...f.paused]).toEqual([...f.running]);
    await pkg.nemesis.invoke({ f: "stop-kill" });
    expect(f.running.size).toBe(3);
    await pkg.nemesis.teardown();
    expect(f.paused.size).toBe(0);
    expect(f.log.filter((l) => l.startsWith("start ")).sort()).toEqual(killed.map((x) => `start ${x}`));
  });
});
