/**
 * `gauntlet compare` logic, pure: reads benchmark reports (`gauntlet bench --json`) and
 * micro-benchmark reports (`npm run bench:micro -- --json`) into metric sets, compares each
 * metric of every report with the first one (ratio, better / worse / within noise), finds
 * regressions beyond a threshold, and lists differences between the environments.
 *
 * Noise: with repeated runs on both sides (`--repeat N`, or a micro-benchmark's margin of
 * error) a difference is significant only when it exceeds the spread (the runs' ranges do not
 * overlap; or it is larger than both margins together). Without, a difference under the noise
 * threshold (default 5%) is "within noise".
 */
import { range, relativeSpread } from "./stats.js";
import type { BenchReport } from "./types.js";

export interface Metric {
  name: string;
  unit: string;
  value: number;
  better: "higher" | "lower";
  /** Values of each repeated run, when known. */
  runs?: number[];
  /** Relative margin (fraction of value) when known without runs (micro-benchmarks). */
  margin?: number;
  /** Counts for --fail-on-regression. */
  gate: boolean;
}

export interface MetricSet {
  label: string;
  kind: "bench" | "micro";
  describe: string;
  env: Record<string, string | number>;
  metrics: Metric[];
  /** bench: the latency histogram (for the overlay). */
  histogram?: string;
}

export interface MicroTask {
  name: string;
  ops_per_s: number;
  mean_ms: number;
  p99_ms?: number;
  rme: number;
  samples: number;
}

export interface MicroReport {
  kind: "gauntlet-micro";
  schema: 1;
  tasks: MicroTask[];
  env: Record<string, string | number>;
  started_at?: string;
}

export class CompareInputError extends Error {}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/** Reads a parsed JSON document as a metric set; throws CompareInputError naming what is wrong. */
export function toMetricSet(label: string, doc: unknown): MetricSet {
  if (!isObj(doc)) throw new CompareInputError(`${label}: not a JSON object`);
  if (doc.kind === "gauntlet-micro") return microSet(label, doc as unknown as MicroReport);
  if (doc.kind === "gauntlet-bench" || (typeof doc.op === "string" && isObj(doc.latency_ms)))
    return benchSet(label, doc as unknown as BenchReport);
  throw new CompareInputError(
    `${label}: neither a \`gauntlet bench --json\` report nor a \`bench:micro --json\` report (no "op"/"latency_ms" or kind)`,
  );
}

function need(label: string, ok: boolean, what: string): void {
  if (!ok) throw new CompareInputError(`${label}: ${what}`);
}

function benchSet(label: string, r: BenchReport): MetricSet {
  need(label, typeof r.throughput === "number", "missing throughput");
  const l = r.latency_ms;
  for (const k of ["p50", "p90", "p99", "p999", "max"] as const)
    need(label, typeof l[k] === "number", `missing latency_ms.${k}`);
  const runs = Array.isArray(r.runs) && r.runs.length > 1 ? r.runs : undefined;
  const lat = (k: keyof BenchReport["latency_ms"], gate: boolean): Metric => ({
    name: k === "p999" ? "p99.9" : k,
    unit: "ms",
    value: l[k],
    better: "lower",
    runs: runs?.map((x) => x.latency_ms[k]),
    gate,
  });
  const metrics: Metric[] = [
    {
      name: "throughput",
      unit: "ops/s",
      value: r.throughput,
      better: "higher",
      runs: runs?.map((x) => x.throughput),
      gate: true,
    },
    lat("p50", true),
    lat("p90", true),
    lat("p99", true),
    lat("p999", true),
    lat("max", false),
  ];
  if (typeof l.mean === "number") metrics.push(lat("mean", true));
  const ops = typeof r.ops === "number" ? r.ops : 0;
  const errors = typeof r.errors === "number" ? r.errors : 0;
  metrics.push({
    name: "error rate",
    unit: "%",
    value: ops + errors > 0 ? (100 * errors) / (ops + errors) : 0,
    better: "lower",
    gate: false,
  });
  const cpu = r.cpu;
  if (cpu?.client && typeof cpu.client.us_per_op === "number")
    metrics.push({
      name: "client CPU/op",
      unit: "µs",
      value: cpu.client.us_per_op,
      better: "lower",
      gate: false,
    });
  if (cpu?.servers?.length)
    metrics.push({
      name: "server CPU/op",
      unit: "µs",
      value: cpu.servers.reduce((a, s) => a + s.us_per_op, 0),
      better: "lower",
      gate: false,
    });
  const env: Record<string, string | number> = isObj(r.env)
    ? { ...(r.env as unknown as Record<string, string | number>) }
    : {};
  const what = `${r.op} ${r.clients ?? "?"} clients ${r.mode ?? "closed"}${r.mode === "open" ? ` ${r.rate}/s` : ""}`;
  return {
    label,
    kind: "bench",
    describe: `${what} @ ${env.server_version ?? "unknown server"}`,
    env,
    metrics,
    histogram: typeof r.histogram === "string" ? r.histogram : undefined,
  };
}

function microSet(label: string, r: MicroReport): MetricSet {
  need(label, Array.isArray(r.tasks), "missing tasks");
  const metrics: Metric[] = r.tasks.map((t) => {
    need(
      label,
      typeof t.name === "string" && typeof t.ops_per_s === "number",
      "a task without name/ops_per_s",
    );
    return {
      name: t.name,
      unit: "ops/s",
      value: t.ops_per_s,
      better: "higher",
      margin: typeof t.rme === "number" ? t.rme / 100 : undefined,
      gate: true,
    };
  });
  return {
    label,
    kind: "micro",
    describe: `${metrics.length} micro-benchmarks`,
    env: isObj(r.env) ? r.env : {},
    metrics,
  };
}

export type Verdict = "better" | "worse" | "within noise" | "n/a";

export interface Cell {
  value: number;
  ratio: number;
  /** Relative improvement: > 0 better, < 0 worse. */
  change: number;
  verdict: Verdict;
  spread?: number;
}

export interface Row {
  metric: string;
  unit: string;
  better: "higher" | "lower";
  gate: boolean;
  base: number;
  baseSpread?: number;
  cells: (Cell | undefined)[];
}

export interface Comparison {
  sets: MetricSet[];
  rows: Row[];
  warnings: string[];
}

/** Is the difference between two measurements beyond their noise? */
export function significant(base: Metric, other: Metric, noise: number): boolean {
  if (base.runs && other.runs && base.runs.length > 1 && other.runs.length > 1) {
    const a = range(base.runs);
    const b = range(other.runs);
    return a.max < b.min || b.max < a.min;
  }
  const diff = Math.abs(other.value - base.value);
  if (base.margin !== undefined || other.margin !== undefined) {
    const m = (base.margin ?? 0) * Math.abs(base.value) + (other.margin ?? 0) * Math.abs(other.value);
    return diff > Math.max(m, noise * Math.abs(base.value));
  }
  return base.value === 0 ? diff > 0 : diff / Math.abs(base.value) > noise;
}

function cell(base: Metric, other: Metric, noise: number): Cell {
  const ratio = base.value === 0 ? (other.value === 0 ? 1 : Infinity) : other.value / base.value;
  const raw =
    base.value === 0
      ? other.value === 0
        ? 0
        : other.value > 0
          ? 1
          : -1
      : (other.value - base.value) / Math.abs(base.value);
  const change = base.better === "higher" ? raw : -raw;
  const verdict: Verdict = !Number.isFinite(other.value)
    ? "n/a"
    : !significant(base, other, noise) || change === 0
      ? "within noise"
      : change > 0
        ? "better"
        : "worse";
  return {
    value: other.value,
    ratio,
    change,
    verdict,
    spread: other.runs ? relativeSpread(other.runs) : other.margin,
  };
}

const ENV_KEYS = ["hostname", "cpu_model", "cores", "node", "platform"] as const;

export function envWarnings(sets: readonly MetricSet[]): string[] {
  const out: string[] = [];
  const [first, ...rest] = sets;
  if (!first) return out;
  for (const s of rest) {
    for (const k of ENV_KEYS) {
      const a = first.env[k];
      const b = s.env[k];
      if (a !== undefined && b !== undefined && String(a) !== String(b))
        out.push(
          `environments differ: ${k} is ${JSON.stringify(a)} in ${first.label} but ${JSON.stringify(b)} in ${s.label}`,
        );
      else if ((a === undefined) !== (b === undefined))
        out.push(`environment ${k} is recorded in only one of ${first.label} and ${s.label}`);
    }
    const la = Number(first.env.load_start);
    const lb = Number(s.env.load_start);
    if (
      Number.isFinite(la) &&
      Number.isFinite(lb) &&
      Math.abs(la - lb) > Math.max(1, 0.25 * Math.max(la, lb))
    )
      out.push(
        `machine load differed: ${la} at the start of ${first.label}, ${lb} at the start of ${s.label}`,
      );
    if (first.kind !== s.kind)
      out.push(`${first.label} is a ${first.kind} report but ${s.label} is a ${s.kind} report`);
    else if (first.kind === "bench") {
      const a = first.describe.split(" @ ")[0];
      const b = s.describe.split(" @ ")[0];
      if (a !== b) out.push(`the reports measured different loads: ${first.label}: ${a}; ${s.label}: ${b}`);
    }
  }
  return out;
}

/** Compares every set with the first. `noise` is a fraction (0.05 = 5%). */
export function compareSets(sets: readonly MetricSet[], noise = 0.05): Comparison {
  if (sets.length < 2) throw new CompareInputError("compare needs at least two reports");
  const [base, ...others] = sets;
  const rows: Row[] = base!.metrics.map((m) => ({
    metric: m.name,
    unit: m.unit,
    better: m.better,
    gate: m.gate,
    base: m.value,
    baseSpread: m.runs ? relativeSpread(m.runs) : m.margin,
    cells: others.map((o) => {
      const om = o.metrics.find((x) => x.name === m.name);
      return om ? cell(m, om, noise) : undefined;
    }),
  }));
  const warnings = envWarnings(sets);
  for (const o of others)
    for (const m of o.metrics)
      if (!base!.metrics.some((b) => b.name === m.name))
        warnings.push(`${o.label} has ${m.name}, which ${base!.label} lacks (not compared)`);
  return { sets: [...sets], rows, warnings };
}

/** Gated metrics that got worse (significantly) by more than `threshold` (a fraction). */
export function regressions(c: Comparison, threshold: number): string[] {
  const out: string[] = [];
  for (const r of c.rows) {
    if (!r.gate) continue;
    r.cells.forEach((x, i) => {
      if (x && x.verdict === "worse" && -x.change > threshold)
        out.push(
          `${r.metric} in ${c.sets[i + 1]!.label}: ${(100 * -x.change).toFixed(1)}% worse than ${c.sets[0]!.label}`,
        );
    });
  }
  return out;
}

/** "10%" or "10" (a bare number is a percentage too) → 0.1. */
export function parsePercent(s: string | number): number {
  const t = String(s).trim();
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(t);
  if (!m) throw new CompareInputError(`expected a percentage such as 10% , got ${JSON.stringify(s)}`);
  return Number(m[1]) / 100;
}
