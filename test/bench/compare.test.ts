import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareFromArgv } from "../../bench/compare-command.js";
import {
  compareSets,
  CompareInputError,
  parsePercent,
  regressions,
  significant,
  toMetricSet,
  type Metric,
} from "../../bench/compare.js";
import { encodeHistogram, newHistogram, recordMs } from "../../bench/stats.js";

const dir = mkdtempSync(join(tmpdir(), "gauntlet-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = {
  hostname: "h",
  cpu_model: "cpu",
  cores: 2,
  node: "v20",
  platform: "linux",
  load_start: 2,
  server_version: "etcd 3.4",
};

function histogram(p99: number): string {
  const h = newHistogram();
  for (let i = 1; i <= 100; i++) recordMs(h, (p99 * i) / 99);
  return encodeHistogram(h);
}

function bench(throughput: number, p99: number, extra: Record<string, unknown> = {}) {
  return {
    histogram: histogram(p99),
    kind: "gauntlet-bench",
    op: "put",
    clients: 64,
    mode: "closed",
    rate: 0,
    ops: throughput * 10,
    errors: 0,
    duration_s: 10,
    throughput,
    latency_ms: { p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 2, max: p99 * 3, mean: p99 / 3 },
    cpu: { client: { us_per_op: 100 }, servers: [] },
    env,
    ...extra,
  };
}

function write(name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

const m = (value: number, o: Partial<Metric> = {}): Metric => ({
  name: "x",
  unit: "",
  value,
  better: "higher",
  gate: true,
  ...o,
});

describe("compare", () => {
  it("ratios to the first report, better / worse / within noise by direction", () => {
    const c = compareSets([
      toMetricSet("a", bench(1000, 10)),
      toMetricSet("b", bench(1500, 20)),
      toMetricSet("c", bench(1020, 10.1)),
    ]);
    const t = c.rows.find((r) => r.metric === "throughput")!;
    expect(t.cells[0]!.ratio).toBeCloseTo(1.5, 10);
    expect(t.cells[0]!.verdict).toBe("better");
    expect(t.cells[1]!.verdict).toBe("within noise");
    const p99 = c.rows.find((r) => r.metric === "p99")!;
    expect(p99.cells[0]!.ratio).toBeCloseTo(2, 10);
    expect(p99.cells[0]!.verdict).toBe("worse");
    expect(c.warnings).toEqual([]);
  });

  it("with repeated runs, a difference is significant only beyond the spread", () => {
    expect(significant(m(100, { runs: [90, 100, 110] }), m(108, { runs: [100, 108, 115] }), 0.01)).toBe(
      false,
    );
    expect(significant(m(100, { runs: [98, 100, 102] }), m(108, { runs: [106, 108, 110] }), 0.5)).toBe(true);
    // margins (micro-benchmarks): 5% each side swallows a 8% difference
    expect(significant(m(100, { margin: 0.05 }), m(108, { margin: 0.05 }), 0.01)).toBe(false);
    expect(significant(m(100, { margin: 0.01 }), m(108, { margin: 0.01 }), 0.01)).toBe(true);
    // plain: the noise threshold
    expect(significant(m(100), m(104), 0.05)).toBe(false);
    expect(significant(m(100), m(106), 0.05)).toBe(true);
  });

  it("reads repeated runs from a report", () => {
    const runs = [900, 1000, 1100].map((t) => ({
      throughput: t,
      latency_ms: { p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1 },
    }));
    const s = toMetricSet("a", bench(1000, 1, { runs }));
    expect(s.metrics.find((x) => x.name === "throughput")!.runs).toEqual([900, 1000, 1100]);
  });

  it("--fail-on-regression counts gated metrics worse by more than the threshold", () => {
    const c = compareSets([toMetricSet("a", bench(1000, 10)), toMetricSet("b", bench(850, 10))]);
    expect(regressions(c, 0.1)).toHaveLength(1);
    expect(regressions(c, 0.1)[0]).toContain("throughput");
    expect(regressions(c, 0.2)).toEqual([]);
  });

  it("warns when environments or loads differ", () => {
    const other = bench(1000, 10, { env: { ...env, hostname: "elsewhere", cores: 8, load_start: 9 } });
    const c = compareSets([toMetricSet("a", bench(1000, 10)), toMetricSet("b", other)]);
    expect(c.warnings.some((w) => w.includes("hostname"))).toBe(true);
    expect(c.warnings.some((w) => w.includes("cores"))).toBe(true);
    expect(c.warnings.some((w) => w.includes("load"))).toBe(true);
    const c2 = compareSets([
      toMetricSet("a", bench(1000, 10)),
      toMetricSet("b", bench(1000, 10, { clients: 8 })),
    ]);
    expect(c2.warnings.some((w) => w.includes("different loads"))).toBe(true);
  });

  it("reads micro-benchmark reports", () => {
    const micro = (x: number) => ({
      kind: "gauntlet-micro",
      schema: 1,
      env,
      tasks: [{ name: "mvcc: put", ops_per_s: x, mean_ms: 1 / x, rme: 2, samples: 100 }],
    });
    const c = compareSets([toMetricSet("a", micro(1000)), toMetricSet("b", micro(500))]);
    expect(c.rows[0]!.cells[0]!.verdict).toBe("worse");
    expect(regressions(c, 0.1)).toHaveLength(1);
  });

  it("refuses what it cannot read, naming the problem", () => {
    expect(() => toMetricSet("x", [1])).toThrow(CompareInputError);
    expect(() => toMetricSet("x", { hello: 1 })).toThrow(/neither/);
    expect(() => toMetricSet("x", { op: "put", latency_ms: { p50: 1 } })).toThrow(/throughput/);
    expect(parsePercent("10%")).toBeCloseTo(0.1, 10);
    expect(parsePercent("2.5")).toBeCloseTo(0.025, 10);
    expect(() => parsePercent("ten")).toThrow(CompareInputError);
  });

  it("the command exits 0, 1 on a regression beyond the threshold, 3 on bad input", async () => {
    const a = write("a.json", bench(1000, 10));
    const b = write("b.json", bench(700, 30));
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const args = { reports: [a, b], noise: "5%", plot: true };
    expect(await compareFromArgv(args, io)).toBe(0);
    expect(out.join("")).toMatch(/0\.70x the throughput of .*a\.json \(30% less, worse\)/);
    expect(out.join("")).toContain("latency (ms) by percentile");
    expect(await compareFromArgv({ ...args, "fail-on-regression": "10%" }, io)).toBe(1);
    expect(await compareFromArgv({ ...args, "fail-on-regression": "400%" }, io)).toBe(0);
    expect(await compareFromArgv({ ...args, reports: [a, join(dir, "missing.json")] }, io)).toBe(3);
    expect(await compareFromArgv({ ...args, reports: [a, write("bad.json", "{")] }, io)).toBe(3);
  });
});
