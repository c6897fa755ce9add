/**
 * Pure assembly of benchmark reports: how clients and connections are split over worker
 * threads, how the workers' results merge into one run, and how repeated runs become one
 * report (medians at the top level, every run kept under `runs`).
 */
import type { LoadResult, LoadSlice } from "./load.js";
import {
  decodeHistogram,
  encodeHistogram,
  median,
  mergeHistograms,
  newHistogram,
  summarize,
} from "./stats.js";
import type { BenchEnv, BenchReport, BenchSpec, CpuReport, RunResult, Sample } from "./types.js";

/** Splits clients, connections, the --total quota and watch streams over `workers` slices. */
export function planSlices(spec: BenchSpec): LoadSlice[] {
  const workers = Math.max(1, Math.min(spec.workers, spec.clients, spec.conns));
  const slices: LoadSlice[] = Array.from({ length: workers }, (_, w) => ({
    worker: w,
    clients: [],
    conns: [],
    quota: 0,
    watchStreams: 0,
    watchPutRate: 0,
  }));
  for (let c = 0; c < spec.clients; c++) slices[c % workers]!.clients.push(c);
  for (let k = 0; k < spec.conns; k++)
    slices[k % workers]!.conns.push(spec.endpoints[k % spec.endpoints.length]!);
  if (spec.total > 0)
    slices.forEach(
      (s) => (s.quota = Math.floor(spec.total / workers) + (s.worker < spec.total % workers ? 1 : 0)),
    );
  for (let st = 0; st < spec.watchStreams; st++) slices[st % workers]!.watchStreams++;
  for (const s of slices) s.watchPutRate = spec.watchPutRate / workers;
  return slices;
}

/**
 * Merges the workers' results of one run. `measureUntil` undefined = a by-total run, whose
 * duration ends at the last completion.
 */
export function mergeRun(
  results: readonly LoadResult[],
  measureFrom: number,
  measureUntil: number | undefined,
  cpu: CpuReport,
): RunResult {
  const end = measureUntil ?? Math.max(measureFrom, ...results.map((r) => r.lastMs));
  const durationS = Math.max(0.001, (end - measureFrom) / 1000);
  const ops = results.reduce((a, r) => a + r.ops, 0);
  const errors = results.reduce((a, r) => a + r.errors, 0);
  const errorsByKind: Record<string, number> = {};
  for (const r of results)
    for (const [k, n] of Object.entries(r.errorsByKind)) errorsByKind[k] = (errorsByKind[k] ?? 0) + n;
  const total = mergeHistograms(results.map((r) => decodeHistogram(r.histogram)));
  // Whole seconds only: a partial last second would read as a drop in throughput.
  const nSeconds = Math.max(0, ...results.map((r) => r.seconds.length));
  const whole = measureUntil !== undefined ? Math.min(nSeconds, Math.floor(durationS + 1e-9)) : nSeconds;
  const samples: Sample[] = [];
  for (let i = 0; i < whole; i++) {
    const h = newHistogram();
    let sOps = 0;
    let sErr = 0;
    for (const r of results) {
      const s = r.seconds[i];
      if (!s) continue;
      sOps += s.ops;
      sErr += s.errors;
      if (s.ops > 0) h.add(decodeHistogram(s.histogram));
    }
    const q = summarize(h);
    samples.push({ t: i + 1, ops: sOps, errors: sErr, p50_ms: q.p50, p99_ms: q.p99, max_ms: q.max });
  }
  const run: RunResult = {
    duration_s: round(durationS, 3),
    ops,
    errors,
    errors_by_kind: errorsByKind,
    throughput: round(ops / durationS, 1),
    latency_ms: summarize(total),
    histogram: encodeHistogram(total),
    samples,
    cpu,
  };
  const watch = results.filter((r) => r.watch);
  if (watch.length > 0) {
    const puts = watch.reduce((a, r) => a + r.watch!.puts, 0);
    run.watch = { events: ops, expected_events: 0, puts };
  }
  return run;
}

export const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** One report from one or more runs (medians of throughput and latency when repeated). */
export function buildReport(
  spec: BenchSpec,
  runs: readonly RunResult[],
  env: BenchEnv,
  startedAt: string,
  effectiveWorkers: number,
): BenchReport {
  if (runs.length === 0) throw new Error("buildReport: no runs");
  const byThroughput = [...runs].sort((a, b) => a.throughput - b.throughput);
  const mid = byThroughput[(byThroughput.length - 1) >> 1]!;
  const { endpoints: _e, ...options } = spec;
  const base: BenchReport = {
    kind: "gauntlet-bench",
    schema: 1,
    op: spec.op,
    mode: spec.rate > 0 ? "open" : "closed",
    rate: spec.rate,
    clients: spec.clients,
    conns: spec.conns,
    workers: effectiveWorkers,
    ...mid,
    options,
    env,
    started_at: startedAt,
  };
  if (runs.length > 1) {
    const med = (f: (r: RunResult) => number): number => median(runs.map(f));
    base.throughput = round(
      med((r) => r.throughput),
      1,
    );
    base.ops = Math.round(med((r) => r.ops));
    base.errors = Math.round(med((r) => r.errors));
    base.duration_s = round(
      med((r) => r.duration_s),
      3,
    );
    const l = mid.latency_ms;
    base.latency_ms = {
      p50: med((r) => r.latency_ms.p50),
      p90: med((r) => r.latency_ms.p90),
      p99: med((r) => r.latency_ms.p99),
      p999: med((r) => r.latency_ms.p999),
      max: med((r) => r.latency_ms.max),
      min: l.min,
      mean: round(
        med((r) => r.latency_ms.mean),
        3,
      ),
      stddev: l.stddev,
    };
    base.cpu = {
      ...mid.cpu,
      client: {
        ...mid.cpu.client,
        us_per_op: round(
          med((r) => r.cpu.client.us_per_op),
          1,
        ),
      },
    };
    base.histogram = encodeHistogram(mergeHistograms(runs.map((r) => decodeHistogram(r.histogram))));
    base.runs = [...runs];
  }
  return base;
}

/** Expected watch events: every measured put reaches every watcher. */
export function expectedWatchEvents(
  puts: number,
  spec: Pick<BenchSpec, "watchStreams" | "watchersPerStream">,
): number {
  return puts * spec.watchStreams * spec.watchersPerStream;
}

/** The measured-run part of a report. */
export function runOf(r: BenchReport): RunResult {
  const run: RunResult = {
    duration_s: r.duration_s,
    ops: r.ops,
    errors: r.errors,
    errors_by_kind: r.errors_by_kind,
    throughput: r.throughput,
    latency_ms: r.latency_ms,
    histogram: r.histogram,
    samples: r.samples,
    cpu: r.cpu,
  };
  if (r.watch) run.watch = r.watch;
  return run;
}

/**
 * Reports of the same benchmark (e.g. on fresh clusters, rounds apart) as one report whose
 * `runs` are their runs (each report's own runs when it was repeated): medians on top.
 */
export function mergeReports(reports: readonly BenchReport[]): BenchReport {
  const first = reports[0];
  if (!first) throw new Error("mergeReports: no reports");
  const runs = reports.flatMap((r) => (r.runs && r.runs.length > 0 ? r.runs : [runOf(r)]));
  const env = {
    ...first.env,
    load_start: Math.max(...reports.map((r) => r.env.load_start)),
    load_end: reports[reports.length - 1]!.env.load_end,
  };
  return buildReport({ ...first.options, endpoints: [] }, runs, env, first.started_at, first.workers);
}
