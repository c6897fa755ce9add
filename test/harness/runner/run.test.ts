import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Cluster } from "../../../harness/api/cluster.js";
import type { Completion, Invocation } from "../../../harness/api/operation.js";
import type { NemesisPackage, Workload } from "../../../harness/api/workload.js";
import { sleep } from "../../../harness/generator/time.js";
import type { GenLike } from "../../../harness/generator/types.js";
import { runTest, type RunConfig } from "../../../harness/runner/run.js";
import { parseConcurrency } from "../../../harness/runner/workers.js";
import { finalReads, registerGenerator } from "../../../workloads/register/generator.js";
import { registerChecker } from "../../../workloads/register/index.js";

const root = mkdtempSync(join(tmpdir(), "gauntlet-runner-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An in-memory register store; `stale` makes reads return the value before the last write. */
function store(stale: boolean) {
  let rev = 1;
  const kv = new Map<
    string,
    { v: unknown; mod: number; ver: number; prev?: { v: unknown; mod: number; ver: number } }
  >();
  return async (op: Invocation): Promise<Completion> => {
    await new Promise((r) => setImmediate(r));
    const k = op.key!;
    const cur = kv.get(k);
    if (op.f === "read") {
      const s = stale && cur?.prev ? cur.prev : cur;
      return s
        ? { type: "ok", value: s.v, modRev: s.mod, version: s.ver, rev }
        : { type: "ok", value: null, modRev: 0, version: 0, rev };
    }
    if (op.f === "write" || (cur && cur.v === (op.value as unknown[])[0])) {
      rev++;
      const v = op.f === "write" ? op.value : (op.value as unknown[])[1];
      kv.set(k, {
        v,
        mod: rev,
        ver: (cur?.ver ?? 0) + 1,
        prev: cur ? { v: cur.v, mod: cur.mod, ver: cur.ver } : undefined,
      });
      return { type: "ok", value: op.value, rev };
    }
    return {
      type: "ok",
      value: op.value,
      swapped: false,
      observed: cur?.v ?? null,
      modRev: cur?.mod ?? 0,
      version: cur?.ver ?? 0,
      rev,
    };
  };
}

function fakeCluster(log: string[]): Cluster {
  return {
    nodes: ["n1", "n2"],
    node: (n) => ({ name: n, clientEndpoints: [`fake-${n}:1`], host: "fake" }),
    clientEndpoints: (n) => [`fake-${n}:1`],
    capabilities: {},
    unavailable: { net: "fake" },
    waitHealthy: async () => void log.push("healthy"),
    serverVersion: async () => "fake 1.0",
    logTail: () => "",
    teardown: async () => void log.push("teardown"),
  };
}

function config(name: string, stale: boolean, events: string[], over: Partial<RunConfig> = {}): RunConfig {
  const invoke = store(stale);
  const workload = (): Workload<GenLike> => ({
    name: "register",
    options: {},
    openClient: async () => ({ invoke, close: async () => {} }),
    generator: registerGenerator({ opsPerKey: 20, threadsPerKey: 3 }),
    finalGenerator: finalReads,
    checker: registerChecker(),
  });
  const out: string[] = [];
  return {
    testName: name,
    resultsRoot: root,
    seed: 42,
    timeLimitS: 0.5,
    concurrency: "3n",
    rate: 2000,
    nodes: 2,
    provider: { name: "fake", start: async () => fakeCluster(events) },
    workload,
    options: { example: true },
    settleS: 0,
    out: (s) => out.push(s),
    err: (s) => out.push(s),
    tty: false,
    ...over,
  };
}

describe("runTest", () => {
  it("runs the phases against a correct store and writes a results directory of the documented shape", async () => {
    const events: string[] = [];
    const r = await runTest(config("ok-run", false, events));
    expect(r.valid).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.seed).toBe(42);
    expect(events).toEqual(["healthy", "healthy", "teardown"]); // start, before final reads, end
    for (const f of ["test.json", "history.jsonl", "results.json", "run.log", "nodes"])
      expect(existsSync(join(r.runDir, f))).toBe(true);
    const test = JSON.parse(readFileSync(join(r.runDir, "test.json"), "utf8"));
    expect(test).toMatchObject({ name: "ok-run", seed: 42, concurrency: 6, options: { example: true } });
    expect(test.versions).toMatchObject({ server: "fake 1.0", node: process.version });
    const results = JSON.parse(readFileSync(join(r.runDir, "results.json"), "utf8"));
    expect(results.valid).toBe(true);
    expect(results.checkers.register.checkers.linear.valid).toBe(true);
    const lines = readFileSync(join(r.runDir, "history.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.filter((l) => l.final === true && l.type === "invoke").length).toBeGreaterThan(0);
    expect(readlinkSync(join(root, "latest"))).toBe(join("ok-run", r.runDir.split("/").pop()!));
  });

  it("ends invalid (exit 1) when the store serves stale reads", async () => {
    const r = await runTest(config("stale-run", true, [], { timeLimitS: 1 }));
    expect(r.valid).toBe(false);
    expect(r.exitCode).toBe(1);
    const results = JSON.parse(readFileSync(join(r.runDir, "results.json"), "utf8"));
    expect(results.checkers.register.checkers.linear.failures[0].explanation).toBeTruthy();
  });

  it("exits 3 with the provider's message when the cluster does not start, and still tears down", async () => {
    const events: string[] = [];
    const c = config("broken", false, events, {
      provider: {
        name: "fake",
        start: async () => ({
          ...fakeCluster(events),
          waitHealthy: async () => Promise.reject(new Error("n1 never elected a leader")),
        }),
      },
    });
    const r = await runTest(c);
    expect(r.exitCode).toBe(3);
    expect(r.error).toMatch(/never elected/);
    expect(events).toEqual(["teardown"]);
    expect(JSON.parse(readFileSync(join(r.runDir, "results.json"), "utf8")).valid).toBe("unknown");
  });
});

describe("runTest with a nemesis", () => {
  it("records nemesis ops in the history, marks the fault window, heals at the end", async () => {
    const calls: string[] = [];
    const cluster = fakeCluster(calls);
    const net = {
      partition: async (g: Record<string, readonly string[]>) =>
        void calls.push(`partition ${JSON.stringify(g)}`),
      heal: async () => void calls.push("heal"),
      current: () => ({}),
    };
    const withNet: Cluster = { ...cluster, capabilities: { net } };
    const pkg: NemesisPackage<GenLike> = {
      name: "partition",
      needs: ["net"],
      nemesis: {
        setup: async () => void calls.push("setup"),
        invoke: async (op) => {
          if (op.f === "start-partition") await net.partition({ n1: ["n2"], n2: ["n1"] });
          else await net.heal();
          return { type: "ok", value: op.value };
        },
        teardown: async () => void calls.push("nemesis-teardown"),
      },
      generator: [
        sleep(100e6),
        { f: "start-partition", value: { shape: "halves" } },
        sleep(200e6),
        { f: "stop-partition" },
      ],
      finalGenerator: [{ f: "stop-partition" }],
    };
    const r = await runTest(
      config("nemesis-run", false, [], {
        provider: { name: "fake", start: async () => withNet },
        nemesis: pkg,
      }),
    );
    expect(r.valid).toBe(true);
    expect(calls).toEqual(
      expect.arrayContaining(["setup", 'partition {"n1":["n2"],"n2":["n1"]}', "heal", "nemesis-teardown"]),
    );
    const lines = readFileSync(join(r.runDir, "history.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const nem = lines.filter((l) => l.process === "nemesis");
    expect(nem.map((l) => `${l.type} ${l.f}`)).toEqual([
      "invoke start-partition",
      "ok start-partition",
      "invoke stop-partition",
      "ok stop-partition",
      "invoke stop-partition",
      "ok stop-partition",
    ]);
    const results = JSON.parse(readFileSync(join(r.runDir, "results.json"), "utf8"));
    expect(results.faults).toHaveLength(1);
    expect(results.faults[0].name).toBe("partition halves");
    expect(results.faults[0].end).toBeGreaterThan(results.faults[0].start);
  });

  it("refuses before any load when the cluster lacks a capability the nemesis needs (exit 3)", async () => {
    const calls: string[] = [];
    const pkg: NemesisPackage<GenLike> = {
      name: "disk",
      needs: ["disk"],
      nemesis: {
        setup: async () => void calls.push("setup"),
        invoke: async () => ({ type: "ok" }),
        teardown: async () => {},
      },
      generator: [],
    };
    const r = await runTest(config("no-disk", false, calls, { nemesis: pkg }));
    expect(r.exitCode).toBe(3);
    expect(r.error).toMatch(/nemesis disk needs disk/);
    expect(calls).toEqual(["healthy", "teardown"]);
    expect(readFileSync(join(r.runDir, "history.jsonl"), "utf8")).toBe("");
  });
});

describe("parseConcurrency", () => {
  it("reads N and Nn, and rejects the rest", () => {
    expect(parseConcurrency("10", 3)).toBe(10);
    expect(parseConcurrency("2n", 3)).toBe(6);
    expect(parseConcurrency(4, 5)).toBe(4);
    expect(() => parseConcurrency("0", 3)).toThrow(/1 to 10000/);
    expect(() => parseConcurrency("x", 3)).toThrow(/number/);
  });
});
