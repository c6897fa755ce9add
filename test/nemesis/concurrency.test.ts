/**
 * Concurrent fault families on the simulated clock (no cluster): a slow op of one family does
 * not delay another family's ops, each family still runs one op at a time, conflicting ops on
 * one member are serialized by the member locks, and the end of a run waits for every fault op
 * in flight before undoing every family's faults.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Capabilities } from "../../harness/api/capabilities.js";
import type { Cluster } from "../../harness/api/cluster.js";
import type { NemesisPackage } from "../../harness/api/workload.js";
import { interpret, SimClock } from "../../harness/generator/index.js";
import type { Event, GenLike, Worker } from "../../harness/generator/types.js";
import { runTest } from "../../harness/runner/run.js";
import { Recorder } from "../../harness/runner/recorder.js";
import { summarize } from "../../harness/runner/summary.js";
import { nemesisWorker } from "../../harness/runner/workers.js";
import { combinedPackage, type Family } from "../../nemesis/combined/index.js";
import { NodeLocks } from "../../nemesis/common/locks.js";
import { lagTable, nemesisLag } from "../../nemesis/bench/lag.js";

const root = mkdtempSync(join(tmpdir(), "gauntlet-nemesis-concurrency-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs a nemesis generator on the simulated clock against `worker`, with `slots` nemesis slots. */
async function run(gen: GenLike, worker: Worker, clock: SimClock, seconds: number, slots: number) {
  const events: Event[] = [];
  await interpret({
    generator: gen,
    workers: [],
    nemesis: worker,
    nemesisSlots: slots,
    clock,
    sink: (e) => events.push(e),
    seed: 1,
    timeLimit: seconds * 1e9,
  });
  return events;
}

const lagOf = (evs: Event[], family: string) =>
  evs
    .filter((e) => e.type === "invoke" && e.family === family)
    .map((e) => (e.time - (e.due as number)) / 1e6);

/** No two ops of one family in flight at once: invoke, completion, invoke, completion, ... */
function expectSequential(evs: Event[], family: string): void {
  const own = evs.filter(
    (e) => e.process === "nemesis" && (e.family === family || e.f.endsWith(`-${family}`)),
  );
  own.forEach((e, i) => expect(e.type === "invoke").toBe(i % 2 === 0));
}

describe("concurrent fault families on the simulated clock", () => {
  const slowKill = (clock: SimClock): Worker => ({
    invoke: async (op) => {
      // A start-kill takes 15 s (as a member remove with retries could); everything else 1 ms.
      await clock.sleep(op.f === "start-kill" ? 15e9 : 1e6);
      return { type: "ok", value: op.value };
    },
  });
  const pkg = () => combinedPackage({ families: ["partition", "kill"], seed: 3, intervalS: 2, nodeCount: 3 });

  it("a slow op of one family does not delay another family's ops", async () => {
    const p = pkg();
    expect(p.concurrency).toBe(2);
    const clock = new SimClock();
    const evs = await run(p.generator, slowKill(clock), clock, 120, p.concurrency!);
    const part = lagOf(evs, "partition");
    expect(part.length).toBeGreaterThan(10);
    for (const l of part) expect(l).toBeLessThanOrEqual(1);
    // Some partition ops started while a start-kill was in flight.
    let killing = false;
    let during = 0;
    for (const e of evs) {
      if (e.f === "start-kill") killing = e.type === "invoke";
      else if (killing && e.type === "invoke" && e.family === "partition") during++;
    }
    expect(during).toBeGreaterThan(3);
    expectSequential(evs, "kill");
    expectSequential(evs, "partition");
    // The slow family's own schedule moves later by the overrun: its next op keeps a gap after
    // the slow one completes (windows last 0.5-1.5 × 2 s), never a burst of overdue ops.
    const kills = evs.filter((e) => e.family === "kill" || e.f.endsWith("-kill"));
    for (let i = 1; i + 1 < kills.length; i += 2)
      if (kills[i]!.f === "start-kill")
        expect(kills[i + 1]!.time - kills[i]!.time).toBeGreaterThanOrEqual(1e9);
    // The lag analysis sees the same.
    const rows = nemesisLag(evs);
    expect(rows.find((r) => r.family === "partition")!.lagMaxMs).toBeLessThanOrEqual(1);
    expect(rows.find((r) => r.family === "kill")!.durMaxMs).toBeGreaterThanOrEqual(15_000);
    expect(lagTable(rows)).toMatch(/worst lag behind schedule/);
  });

  it("a window lasts its drawn length from when its start completes, however long the start took", async () => {
    // The same schedule twice: starts that take 1 ms, then partition starts that take 2.5 s
    // (a leader cut waiting for killed members to be back).
    const windows = async (startNs: number) => {
      const clock = new SimClock();
      const worker: Worker = {
        invoke: async (op) => {
          await clock.sleep(op.f === "start-partition" ? startNs : 1e6);
          return { type: "ok", value: op.value };
        },
      };
      const evs = await run(pkg().generator, worker, clock, 60, 2);
      const part = evs.filter((e) => e.family === "partition" || e.f.endsWith("-partition"));
      const out: number[] = [];
      for (let i = 0; i + 2 < part.length; i++)
        if (part[i]!.f === "start-partition" && part[i]!.type !== "invoke")
          out.push(Math.round((part[i + 1]!.time - part[i]!.time) / 1e6));
      return out;
    };
    const quick = await windows(1e6);
    const slow = await windows(2.5e9);
    expect(quick.length).toBeGreaterThan(3);
    const n = Math.min(quick.length, slow.length);
    for (let i = 0; i < n; i++) expect(Math.abs(slow[i]! - quick[i]!)).toBeLessThanOrEqual(2);
  });

  it("with one slot (the old behaviour) the same schedule lags by seconds", async () => {
    const p = pkg();
    const clock = new SimClock();
    const evs = await run(p.generator, slowKill(clock), clock, 120, 1);
    expect(Math.max(...lagOf(evs, "partition"))).toBeGreaterThan(5000);
  });
});

/**
 * A fake cluster whose member actions take simulated time and record [start, end) per member,
 * with the state checks the real providers have (pause / kill of a stopped process is an error).
 */
function timedCluster(clock: SimClock, n: number) {
  const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const running = new Set(nodes);
  const paused = new Set<string>();
  const spans: { node: string; what: string; start: number; end: number }[] = [];
  const act = async (node: string, what: string, ms: number, f: () => void) => {
    const start = clock.now();
    await clock.sleep(ms * 1e6);
    f();
    spans.push({ node, what, start, end: clock.now() });
  };
  const caps: Capabilities = {
    killable: {
      kill: (x) => act(x, "kill", 300, () => void (running.delete(x), paused.delete(x))),
      start: (x) => act(x, "start", 2000, () => void running.add(x)),
      isRunning: (x) => running.has(x),
    },
    pausable: {
      pause: (x) =>
        act(x, "pause", 5, () => {
          if (!running.has(x)) throw new Error("not running");
          paused.add(x);
        }),
      resume: (x) => act(x, "resume", 5, () => void paused.delete(x)),
      isPaused: (x) => paused.has(x),
    },
    disk: {
      fill: (x: string) => act(x, "fill", 1500, () => {}),
      free: (x: string) => act(x, "free", 100, () => {}),
    } as unknown as Capabilities["disk"],
    members: {
      remove: (x: string) => act(x, "remove", 4000, () => void running.delete(x)),
      add: (x: string) => act(x, "add", 3000, () => void running.add(x)),
      list: async () => [],
    } as unknown as Capabilities["members"],
  };
  const cluster = { nodes, capabilities: caps, unavailable: {} } as unknown as Cluster;
  return { cluster, spans, running };
}

describe("conflicting ops on one member", () => {
  it("NodeLocks: overlapping node sets wait, disjoint ones run at once, opposite orders do not deadlock", async () => {
    const clock = new SimClock();
    const locks = new NodeLocks();
    const log: string[] = [];
    const job = (nodes: string[], who: string, ms: number) =>
      locks.with(nodes, who, async () => {
        log.push(`${clock.now() / 1e6} ${who} start`);
        await clock.sleep(ms * 1e6);
        log.push(`${clock.now() / 1e6} ${who} end`);
      });
    await Promise.all([job(["a", "b"], "x", 10), job(["b", "a"], "y", 10), job(["c"], "z", 5)]);
    // x and z start at once (disjoint), y waits for x although it asks for the same locks the other way round.
    expect(log.slice(0, 2).sort()).toEqual(["0 x start", "0 z start"]);
    expect(log.slice(2)).toEqual(["5 z end", "10 x end", "10 y start", "20 y end"]);
    expect(locks.holder("a")).toBeUndefined();
    // A failing holder releases its locks.
    await expect(locks.with(["a"], "w", async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    await locks.with(["a"], "v", async () => expect(locks.holder("a")).toBe("v"));
  });

  it("kill, pause, disk and member never act on one member at once, yet act on different members at once", async () => {
    const families: Family[] = ["kill", "pause", "disk", "member"];
    for (const seed of [1, 2, 3]) {
      const clock = new SimClock();
      const f = timedCluster(clock, 3);
      const p = combinedPackage({ families, seed, intervalS: 1, nodeCount: 3 });
      await p.nemesis.setup(f.cluster);
      const evs = await run(p.generator, nemesisWorker(p.nemesis), clock, 200, p.concurrency!);
      for (const fam of families) expectSequential(evs, fam);
      expect(evs.filter((e) => e.type === "ok" && e.f === "start-member").length).toBeGreaterThan(0);
      const byNode = new Map<string, typeof f.spans>();
      for (const s of f.spans) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
      for (const [, ss] of byNode) {
        ss.sort((a, b) => a.start - b.start);
        for (let i = 1; i < ss.length; i++) expect(ss[i]!.start).toBeGreaterThanOrEqual(ss[i - 1]!.end);
      }
      // Different members: some actions overlap in time (the families really run concurrently).
      const all = [...f.spans].sort((a, b) => a.start - b.start);
      const overlapping = all.filter(
        (s, i) => i > 0 && s.start < all[i - 1]!.end && s.node !== all[i - 1]!.node,
      );
      expect(overlapping.length).toBeGreaterThan(0);
      // While a member is out, no family faults it or starts it (undoing a fault, e.g. freeing
      // its disk, is fine).
      for (const rm of f.spans.filter((s) => s.what === "remove")) {
        const back = f.spans.find((s) => s.what === "add" && s.node === rm.node && s.start >= rm.end);
        const until = back?.start ?? Infinity;
        const touched = f.spans.filter(
          (s) =>
            s.node === rm.node &&
            s !== back &&
            s.start >= rm.end &&
            ["kill", "pause", "fill", "start"].includes(s.what) &&
            s.start < until,
        );
        expect(touched).toEqual([]);
      }
      await p.nemesis.teardown();
    }
  });
});

describe("the end of a run", () => {
  it("waits for every fault op in flight, then undoes every family's faults before the final reads", async () => {
    const calls: string[] = [];
    const running = new Set(["n1", "n2", "n3"]);
    const t0 = Date.now();
    const stamp = (s: string) => calls.push(`${s} @${Date.now() - t0}`);
    const cluster: Cluster = {
      nodes: ["n1", "n2", "n3"],
      node: (n) => ({ name: n, clientEndpoints: [`fake-${n}:1`], host: "fake" }),
      clientEndpoints: (n) => [`fake-${n}:1`],
      capabilities: {
        net: {
          partition: async () => void stamp("partition"),
          heal: async () => void stamp("heal"),
          current: () => ({}),
        },
        killable: {
          // A kill that takes 0.4 s: in flight when the 0.3 s time limit comes.
          kill: async (x) => {
            await new Promise((r) => setTimeout(r, 400));
            running.delete(x);
            stamp(`killed ${x}`);
          },
          start: async (x) => void (running.add(x), stamp(`started ${x}`)),
          isRunning: (x) => running.has(x),
        },
      },
      unavailable: {},
      waitHealthy: async () => void stamp("healthy"),
      serverVersion: async () => "fake 1.0",
      logTail: () => "",
      teardown: async () => void stamp("teardown"),
    };
    const nemesis = combinedPackage({
      families: ["partition", "kill"],
      seed: 5,
      intervalS: 0.1,
      nodeCount: 3,
    });
    const r = await runTest({
      testName: "concurrent-end",
      resultsRoot: root,
      seed: 1,
      timeLimitS: 0.3,
      concurrency: 1,
      nodes: 3,
      provider: { name: "fake", start: async () => cluster },
      workload: () => ({
        name: "noop",
        options: {},
        openClient: async () => ({ invoke: async () => ({ type: "ok" }), close: async () => {} }),
        generator: null,
        finalGenerator: () => [{ f: "read", key: "k" }],
        checker: { check: async () => ({ valid: true }) },
      }),
      nemesis: nemesis as NemesisPackage<GenLike>,
      options: {},
      settleS: 0,
      out: () => {},
      err: () => {},
      tty: false,
    });
    expect(r.exitCode).toBe(0);
    const lines = readFileSync(join(r.runDir, "history.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Event);
    const at = (pred: (e: Event) => boolean) => lines.findIndex(pred);
    // The start-kill in flight at the time limit completed before any final op started.
    const killDone = lines.filter((e) => e.f === "start-kill" && e.type !== "invoke");
    expect(killDone.length).toBeGreaterThan(0);
    expect(killDone.at(-1)!.time).toBeGreaterThan(0.3e9);
    const lastKillDone = lines.lastIndexOf(killDone.at(-1)!);
    const firstFinal = at((e) => e.process === "nemesis" && e.type === "invoke" && e.due === undefined);
    expect(firstFinal).toBeGreaterThan(lastKillDone);
    // Partition ops ran while the kill was in flight.
    const firstKill = at((e) => e.f === "start-kill" && e.type === "invoke");
    expect(
      lines.slice(firstKill, lastKillDone).some((e) => e.family === "partition" && e.type === "invoke"),
    ).toBe(true);
    // Every family's final undo ran, in order, before the final reads; the killed members are back.
    const finals = lines.filter((e) => e.process === "nemesis" && e.due === undefined && e.type === "invoke");
    expect(finals.map((e) => e.f)).toEqual(["stop-partition", "stop-kill"]);
    const read = at((e) => e.f === "read" && e.type === "invoke");
    expect(read).toBeGreaterThan(lines.indexOf(finals.at(-1)!));
    expect([...running].sort()).toEqual(["n1", "n2", "n3"]);
  });
});

describe("the run's record of schedule lag", () => {
  it("keeps each family's worst lag behind its schedule, and the summary prints the worst", async () => {
    for (const slots of [2, 1]) {
      const p = combinedPackage({ families: ["partition", "kill"], seed: 3, intervalS: 2, nodeCount: 3 });
      const clock = new SimClock();
      const worker: Worker = {
        invoke: async (op) => {
          await clock.sleep(op.f === "start-kill" ? 15e9 : 1e6);
          return { type: "ok", value: op.value };
        },
      };
      const rec = new Recorder({ write: () => {} });
      for (const e of await run(p.generator, worker, clock, 60, slots)) rec.sink(e);
      const part = rec.nemesisLag.get("partition")!;
      expect(part.ops).toBeGreaterThan(3);
      if (slots === 1) expect(part.maxMs).toBeGreaterThan(1000);
      else expect(part.maxMs).toBeLessThanOrEqual(1);
      expect(summarize(rec, true)).toMatch(/fault ops started at most \d+ ms behind schedule \(\w+;/);
    }
  });
});
