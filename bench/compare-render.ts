/**
 * Terminal text of a comparison: a table with each report's value, its ratio to the first
 * report and the verdict, a headline ("B: 1.31x the throughput of A, p99 0.8x"), the
 * warnings, and the latency distributions overlaid with asciichart. Pure (returns strings).
 */
import asciichart from "asciichart";
import type { Comparison, Row } from "./compare.js";
import { decodeHistogram, percentileCurve, PLOT_PERCENTILES } from "./stats.js";

const num = (x: number): string =>
  !Number.isFinite(x)
    ? String(x)
    : Math.abs(x) >= 1000
      ? x.toFixed(0)
      : Math.abs(x) >= 10
        ? x.toFixed(1)
        : x.toFixed(3);

const spread = (s: number | undefined): string => (s ? ` ±${(100 * s).toFixed(0)}%` : "");

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

export function renderTable(c: Comparison): string {
  const head = ["metric", ...c.sets.map((s, i) => `${i === 0 ? "[base] " : ""}${s.label}`)];
  const lines: string[][] = [head];
  for (const r of c.rows) {
    const row = [
      `${r.metric} (${r.unit}${r.better === "higher" ? ", higher is better" : ""})`,
      num(r.base) + spread(r.baseSpread),
    ];
    for (const x of r.cells)
      row.push(
        x
          ? `${num(x.value)}${spread(x.spread)}  ${x.ratio === Infinity ? "∞" : x.ratio.toFixed(2)}x ${x.verdict}`
          : "—",
      );
    lines.push(row);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)) + 2);
  return lines
    .map((l) =>
      l
        .map((s, i) => pad(s, widths[i]!))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}

function find(c: Comparison, name: string): Row | undefined {
  return c.rows.find((r) => r.metric === name);
}

/** One line per compared report saying which is faster and by how much. */
export function renderHeadline(c: Comparison): string[] {
  const base = c.sets[0]!;
  const out: string[] = [];
  c.sets.slice(1).forEach((s, i) => {
    const t = find(c, "throughput")?.cells[i];
    const p99 = find(c, "p99")?.cells[i];
    if (t && p99) {
      const faster = t.ratio >= 1 ? "more" : "less";
      const word =
        t.verdict === "within noise"
          ? `${t.ratio.toFixed(2)}x the throughput of ${base.label}, within noise (no clear winner)`
          : `${t.ratio.toFixed(2)}x the throughput of ${base.label} (${Math.abs(100 * (t.ratio - 1)).toFixed(0)}% ${faster}, ${t.verdict})`;
      out.push(`${s.label}: ${word}; p99 ${p99.ratio.toFixed(2)}x (${p99.verdict})`);
    } else {
      const cells = c.rows.map((r) => r.cells[i]).filter((x) => x !== undefined);
      const better = cells.filter((x) => x.verdict === "better").length;
      const worse = cells.filter((x) => x.verdict === "worse").length;
      out.push(
        `${s.label} vs ${base.label}: ${better} better, ${worse} worse, ${cells.length - better - worse} within noise`,
      );
    }
  });
  return out;
}

/** Latency (ms) by percentile, one series per report that has a histogram. */
export function renderOverlay(c: Comparison, height = 10, color = true): string {
  const withH = c.sets.filter((s) => s.histogram);
  if (withH.length < 2) return "";
  const series = withH.map((s) => percentileCurve(decodeHistogram(s.histogram!), PLOT_PERCENTILES));
  const colors = [asciichart.default, asciichart.red, asciichart.green, asciichart.blue, asciichart.magenta];
  const legend = color
    ? withH.map((s, i) => `${["default", "red", "green", "blue", "magenta"][i % 5]}: ${s.label}`).join("; ")
    : "no colours off a terminal: see the table below";
  const table = color
    ? []
    : [
        `${"".padEnd(12)}${withH.map((s) => s.label.padStart(Math.max(12, s.label.length + 2))).join("")}`,
        ...[50, 90, 99, 99.9, 99.99].map((p) => {
          const cells = withH.map((s, i) => {
            const v = series[i]![PLOT_PERCENTILES.indexOf(p)] ?? NaN;
            return v.toFixed(3).padStart(Math.max(12, s.label.length + 2));
          });
          return `${`p${p}`.padEnd(12)}${cells.join("")}`;
        }),
      ];
  return [
    `latency (ms) by percentile, p0 .. p99.99 left to right (${legend}):`,
    asciichart.plot(series, {
      height,
      colors: color ? withH.map((_, i) => colors[i % colors.length]) : undefined,
      format: (x: number) => x.toFixed(2).padStart(9),
    }),
    ...table,
  ].join("\n");
}
