/**
 * `gauntlet compare` behind the yargs module: reads the reports, compares them with the first,
 * prints the table, headline, warnings and latency overlay, and returns the exit code:
 * 0 no regression, 1 a metric worse than `--fail-on-regression` allows, 3 unreadable input.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { CompareArgv } from "./argv.js";
import { EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from "../harness/api/exit-codes.js";
import {
  compareSets,
  CompareInputError,
  parsePercent,
  regressions,
  toMetricSet,
  type MetricSet,
} from "./compare.js";
import { renderHeadline, renderOverlay, renderTable } from "./compare-render.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Colour the overlay (a terminal). */
  color?: boolean;
}

/** Short labels: the file names when they are distinct, else the paths as given. */
export function labels(files: readonly string[]): string[] {
  const base = files.map((f) => basename(f));
  return new Set(base).size === base.length ? base : [...files];
}

function readSet(file: string, label: string): MetricSet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CompareInputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CompareInputError(`${file} is not JSON: ${(e as Error).message}`);
  }
  return toMetricSet(label, doc);
}

export async function compareFromArgv(argv: CompareArgv, io: Io): Promise<number> {
  try {
    if (argv.reports.length < 2) throw new CompareInputError("give at least two reports");
    const names = labels(argv.reports);
    const sets = argv.reports.map((f, i) => readSet(f, names[i]!));
    const noise = parsePercent(argv.noise);
    const threshold =
      argv["fail-on-regression"] === undefined ? undefined : parsePercent(argv["fail-on-regression"]);
    const c = compareSets(sets, noise);
    const out: string[] = [];
    sets.forEach((s, i) =>
      out.push(`${i === 0 ? "base" : `#${i}`}: ${s.label} (${argv.reports[i]}): ${s.describe}`),
    );
    out.push("", renderTable(c), "");
    out.push(...renderHeadline(c));
    for (const w of c.warnings) out.push(`warning: ${w}`);
    if (argv.plot) {
      const o = renderOverlay(c, 10, io.color ?? false);
      if (o) out.push("", o);
    }
    const regs = threshold === undefined ? [] : regressions(c, threshold);
    if (threshold !== undefined)
      out.push(
        "",
        regs.length === 0
          ? `no metric is worse by more than ${(threshold * 100).toFixed(1)}%`
          : `REGRESSION (more than ${(threshold * 100).toFixed(1)}% worse):\n  ${regs.join("\n  ")}`,
      );
    io.out(out.join("\n") + "\n");
    if (argv.json)
      writeFileSync(
        argv.json,
        JSON.stringify(
          { reports: argv.reports, rows: c.rows, warnings: c.warnings, regressions: regs },
          null,
          1,
        ) + "\n",
      );
    return regs.length > 0 ? EXIT_INVALID : EXIT_VALID;
  } catch (e) {
    io.err(`gauntlet compare: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_ERROR;
  }
}
