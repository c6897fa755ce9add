import { describe, expect, it } from "vitest";
import type { LoadResult } from "../../bench/load.js";
import { buildReport, mergeReports, mergeRun, planSlices } from "../../bench/report.js";
import { encodeHistogram, newHistogram, recordMs } from "../../bench/stats.js";
import type { BenchEnv, BenchSpec, CpuReport } from "../../bench/types.js";

const spec: BenchSpec = {
  op: "put",
  clients: 10,
  conns: 3,
  workers: 2,
  durationS: 3,
  total: 0,
  rate: 0,
  warmupS: 0,
  keySize: 8,
  valSize: 8,
  keySpaceSize: 1000,
  sequentialKeys: false,
  consistency: "l",
  keysOnly: false,
  limit: 0,
  rwRatio: 1,
  watchStreams: 5,
  watchersPerStream: 2,
  watchPutRate: 10,
  timeoutMs: 1000,
  endpoints: ["a:1", "b:2"],
  seed: 1,
};

const env: BenchEnv = {
  gauntlet: "0.1.0",
  server_version: "x",
  node: "v20",
  cpu_model: "cpu",
  cores: 2,
  git_commit: "abc",
  load_start: 1,
  load_end: 1,
  hostname: "h",
  platform: "linux",
  target: "t",
};
const cpu: CpuReport = {
  client: { total_ms: 1, user_ms: 1, system_ms: 0, us_per_op: 1, percent: 1 },
  servers: [],
};

/** A worker result with `perSecond[i]` ops of latency `ms` in second i. */
function result(worker: number, perSecond: number[], ms: number, errors = 0): LoadResult {
  const total = newHistogram();
  const seconds = perSecond.map((n) => {
    const h = newHistogram();
    for (let i = 0; i < n; i++) {
      recordMs(h, ms);
      recordMs(total, ms);
    }
    return { ops: n, errors: 0, histogram: encodeHistogram(h) };
  });
  return {
    worker,
    ops: perSecond.reduce((a, b) => a + b, 0),
    errors,
    errorsByKind: errors ? { "leader-changed": errors } : {},
    histogram: encodeHistogram(total),
    seconds,
    lastMs: 0,
  };
}

describe("planSlices", () => {
  it("spreads clients, connections and endpoints over the workers", () => {
    const s = planSlices(spec);
    expect(s).toHaveLength(2);
    expect(s[0]!.clients).toEqual([0, 2, 4, 6, 8]);
    expect(s[1]!.clients).toEqual([1, 3, 5, 7, 9]);
    expect(s.flatMap((x) => x.conns).sort()).toEqual(["a:1", "a:1", "b:2"]);
    expect(s[0]!.watchStreams + s[1]!.watchStreams).toBe(5);
    expect(s.every((x) => x.quota === 0)).toBe(true);
  });
  it("splits --total exactly and never has more workers than connections or clients", () => {
    const s = planSlices({ ...spec, workers: 4, conns: 3, total: 10 });
    expect(s).toHaveLength(3);
    expect(s.reduce((a, x) => a + x.quota, 0)).toBe(10);
    expect(planSlices({ ...spec, workers: 8, clients: 1 })).toHaveLength(1);
  });
});

describe("mergeRun", () => {
  it("sums ops and errors, divides by the measured time, keeps whole seconds only", () => {
    const run = mergeRun([result(0, [100, 100, 100, 7], 2, 3), result(1, [50, 50, 50], 4)], 0, 3000, cpu);
    expect(run.ops).toBe(307 + 150);
    expect(run.errors).toBe(3);
    expect(run.errors_by_kind).toEqual({ "leader-changed": 3 });
    expect(run.duration_s).toBe(3);
    expect(run.throughput).toBeCloseTo(457 / 3, 1);
    expect(run.samples.map((s) => s.ops)).toEqual([150, 150, 150]);
    expect(run.samples[0]!.p50_ms).toBeCloseTo(2, 2);
    expect(run.samples[0]!.max_ms).toBeCloseTo(4, 2);
    expect(run.latency_ms.p50).toBeCloseTo(2, 2);
  });
  it("a by-total run lasts until the last completion", () => {
    const r = result(0, [10], 1);
    r.lastMs = 2500;
    const run = mergeRun([r], 500, undefined, cpu);
    expect(run.duration_s).toBe(2);
    expect(run.throughput).toBe(5);
  });
});

describe("buildReport", () => {
  it("has the documented top-level fields", () => {
    const run = mergeRun([result(0, [10, 10], 1)], 0, 2000, cpu);
    const r = buildReport(spec, [run], env, "2026-01-01T00:00:00Z", 2);
    for (const k of [
      "op",
      "clients",
      "duration_s",
      "ops",
      "errors",
      "throughput",
      "latency_ms",
      "mode",
      "samples",
      "cpu",
      "env",
    ])
      expect(r).toHaveProperty(k);
    for (const k of ["p50", "p90", "p99", "p999", "max"]) expect(r.latency_ms).toHaveProperty(k);
    expect(r.mode).toBe("closed");
    expect(r.kind).toBe("gauntlet-bench");
    expect(JSON.stringify(r.options)).not.toContain("endpoints");
    expect(r.runs).toBeUndefined();
    expect(buildReport({ ...spec, rate: 100 }, [run], env, "", 1).mode).toBe("open");
  });
  it("with repeated runs: medians at the top level and every run kept", () => {
    const runs = [1, 3, 2].map((ms) => mergeRun([result(0, [10 * ms, 10 * ms], ms)], 0, 2000, cpu));
    const r = buildReport(spec, runs, env, "", 1);
    expect(r.runs).toHaveLength(3);
    expect(r.throughput).toBe(runs[2]!.throughput);
    expect(r.latency_ms.p50).toBeCloseTo(2, 2);
  });
});

describe("mergeReports", () => {
  it("turns reports of the same benchmark into one with their runs and medians", () => {
    const reports = [1, 3, 2].map((ms, i) =>
      buildReport(
        spec,
        [mergeRun([result(0, [10 * ms, 10 * ms], ms)], 0, 2000, cpu)],
        { ...env, load_start: i },
        "",
        1,
      ),
    );
    const m = mergeReports(reports);
    expect(m.runs).toHaveLength(3);
    expect(m.runs!.map((r) => r.throughput)).toEqual([10, 30, 20]);
    expect(m.throughput).toBe(20);
    expect(m.env.load_start).toBe(2);
    expect(m.op).toBe("put");
  });
});
