/**
 * The end-of-run summary: verdict, counts by operation and outcome, latency quantiles, and
 * asciichart plots of throughput and latency per second with fault windows marked below them.
 */
import asciichart from "asciichart";
import type { Validity } from "../api/checker.js";
import type { FaultWindow, Recorder } from "./recorder.js";

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

/** Shrinks a series to at most `width` points (means of buckets). */
export function squeeze(xs: number[], width: number): number[] {
  if (xs.length <= width) return xs;
  const out: number[] = [];
  const per = xs.length / width;
  for (let i = 0; i < width; i++) {
    const a = Math.floor(i * per);
    const b = Math.max(a + 1, Math.floor((i + 1) * per));
    let s = 0;
    for (let j = a; j < b; j++) s += xs[j]!;
    out.push(s / (b - a));
  }
  return out;
}

/** A row under a chart: `▀` where a fault was active, for `points` columns over `seconds`. */
export function faultRow(faults: readonly FaultWindow[], seconds: number, points: number): string {
  if (faults.length === 0 || seconds === 0) return "";
  const per = seconds / points;
  let row = "";
  for (let i = 0; i < points; i++) {
    const t0 = i * per * 1e9;
    const t1 = (i + 1) * per * 1e9;
    row += faults.some((w) => w.start < t1 && (w.end ?? Infinity) > t0) ? "▀" : " ";
  }
  return row;
}

export function verdictLine(valid: Validity): string {
  return valid === true ? "VALID" : valid === false ? "INVALID" : "UNKNOWN";
}

export function summarize(rec: Recorder, valid: Validity, width = 60): string {
  const lines: string[] = [];
  const fs = [...rec.counts.keys()].sort();
  lines.push(
    `${pad("op", 8)}${lpad("ok", 9)}${lpad("fail", 9)}${lpad("info", 9)}   latency ms (ok): p50 / p90 / p99 / max`,
  );
  const q = rec.quantiles();
  for (const f of fs) {
    const c = rec.counts.get(f)!;
    const l = q[f];
    const lat = l ? `${l.p50} / ${l.p90} / ${l.p99} / ${l.max}` : "-";
    lines.push(
      `${pad(f, 8)}${lpad(String(c.ok), 9)}${lpad(String(c.fail), 9)}${lpad(String(c.info), 9)}   ${lat}`,
    );
  }
  // Chart the main phase only (final reads come after a pause and would read as a drop).
  const secs =
    rec.mainEnd === undefined
      ? rec.seconds
      : rec.seconds.slice(0, Math.max(1, Math.floor(rec.mainEnd / 1e9)));
  if (secs.length >= 2) {
    const pts = Math.min(width, secs.length);
    const pad10 = "           "; // asciichart's label column width
    const thr = squeeze(
      secs.map((s) => s.ok + s.fail + s.info),
      pts,
    );
    lines.push("", "throughput (ops/s)");
    lines.push(asciichart.plot(thr, { height: 6, format: (x: number) => lpad(x.toFixed(0), 9) }));
    const fr = faultRow(rec.faults, secs.length, pts);
    if (fr) lines.push(`${pad10}${fr}  ▀ = fault active`);
    const lat = squeeze(
      secs.map((s) => {
        const n = s.ok + s.fail + s.info;
        return n ? s.latSum / n / 1e6 : 0;
      }),
      pts,
    );
    lines.push("", "mean latency (ms)");
    lines.push(asciichart.plot(lat, { height: 6, format: (x: number) => lpad(x.toFixed(2), 9) }));
    if (fr) lines.push(`${pad10}${fr}`);
  }
  if (rec.faults.length) {
    const byName = new Map<string, { n: number; ns: number }>();
    for (const w of rec.faults) {
      const e = byName.get(w.name) ?? { n: 0, ns: 0 };
      e.n++;
      e.ns += (w.end ?? w.start) - w.start;
      byName.set(w.name, e);
    }
    lines.push(
      "",
      "faults: " +
        [...byName]
          .map(([k, v]) => `${k}: ${v.n} window${v.n === 1 ? "" : "s"}, ${(v.ns / 1e9).toFixed(1)} s`)
          .join("; "),
    );
  }
  const lag = [...rec.nemesisLag].sort((a, b) => b[1].maxMs - a[1].maxMs)[0];
  if (lag)
    lines.push(
      `fault ops started at most ${Math.round(lag[1].maxMs)} ms behind schedule (${lag[0]}; per family: npm run bench:nemesis-lag)`,
    );
  lines.push("", `verdict: ${verdictLine(valid)}`);
  return lines.join("\n");
}
