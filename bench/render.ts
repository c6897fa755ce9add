/**
 * Terminal text for a benchmark report: the summary and asciichart plots of throughput and
 * latency per second. Pure (returns strings).
 */
import asciichart from "asciichart";
import type { BenchReport } from "./types.js";

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export function describeRun(r: BenchReport): string {
  const mode = r.mode === "open" ? `open loop at ${r.rate} req/s` : "closed loop";
  const o = r.options;
  const extra =
    r.op === "range"
      ? `, consistency ${o.consistency}${o.keysOnly ? ", keys only" : ""}${o.limit ? `, limit ${o.limit}` : ""}`
      : r.op === "txn-mixed"
        ? `, rw-ratio ${o.rwRatio}`
        : r.op === "watch"
          ? `, ${o.watchStreams} streams x ${o.watchersPerStream} watchers, ${o.watchPutRate} puts/s`
          : "";
  return (
    `${r.op}: ${r.clients} clients, ${r.conns} conns, ${o.workers === 0 ? "load in the main thread" : `${r.workers} worker thread(s)`}, ${mode}${extra}; ` +
    `keys ${o.keySize} B in ${o.keySpaceSize}${o.sequentialKeys ? " sequential" : " random"}, values ${o.valSize} B`
  );
}

export function renderSummary(r: BenchReport): string {
  const l = r.latency_ms;
  const lines = [describeRun(r)];
  if (r.runs)
    lines.push(
      `  ${r.runs.length} runs: figures below are medians (throughput ${r.runs.map((x) => f(x.throughput, 0)).join(", ")})`,
    );
  lines.push(
    `  ${r.ops} ops in ${f(r.duration_s)} s: ${f(r.throughput, 1)} ops/s, ${r.errors} errors` +
      (r.errors > 0
        ? ` (${Object.entries(r.errors_by_kind)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")})`
        : ""),
  );
  lines.push(
    `  latency ms: p50 ${f(l.p50)}  p90 ${f(l.p90)}  p99 ${f(l.p99)}  p99.9 ${f(l.p999)}  max ${f(l.max)}  mean ${f(l.mean)}` +
      (r.mode === "open" ? " (from intended send times)" : ""),
  );
  if (r.watch)
    lines.push(
      `  watch: ${r.watch.events} events of ${r.watch.expected_events} expected, from ${r.watch.puts} puts`,
    );
  const c = r.cpu.client;
  lines.push(
    `  client CPU: ${f(c.us_per_op, 1)} µs/op (${f(c.percent, 0)}% of a core)` +
      (c.workers
        ? `; workers ${c.workers.map((w) => `#${w.worker} ${f(w.us_per_op, 1)} µs/op`).join(", ")}`
        : ""),
  );
  if (r.cpu.servers.length > 0)
    lines.push(
      `  server CPU: ${r.cpu.servers.map((s) => `${s.node} (pid ${s.pid}) ${f(s.us_per_op, 1)} µs/op, ${f(s.percent, 0)}%`).join("; ")}`,
    );
  if (r.cpu.servers_note) lines.push(`  server CPU: ${r.cpu.servers_note}`);
  const e = r.env;
  lines.push(
    `  server ${e.server_version}; gauntlet ${e.gauntlet} (${e.git_commit}), node ${e.node}, ${e.cores} x ${e.cpu_model}, load ${e.load_start} -> ${e.load_end}`,
  );
  return lines.join("\n");
}

export function renderPlots(r: BenchReport, height = 8): string {
  if (r.samples.length < 2) return "";
  const ops = r.samples.map((s) => s.ops);
  const p99 = r.samples.map((s) => s.p99_ms);
  const p50 = r.samples.map((s) => s.p50_ms);
  const fmt = (x: number): string => x.toFixed(1).padStart(9);
  return [
    "throughput (ops/s) per second:",
    asciichart.plot(ops, { height, format: fmt }),
    "latency (ms) per second: p99 (upper), p50 (lower):",
    asciichart.plot([p99, p50], { height, format: fmt }),
  ].join("\n");
}
