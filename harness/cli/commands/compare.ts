/**
 * `gauntlet compare A.json B.json [...]`: benchmark (or micro-benchmark) reports side by side,
 * each metric's ratio to the first report, better / worse / within noise, latency distributions
 * overlaid; `--fail-on-regression 10%` exits 1 when a metric got worse by more than that
 * (docs/compare.md). Exit codes: 0 (no regression), 1 (regression), 3 (unreadable input).
 */
import { readFileSync } from "node:fs";
import type { CommandModule } from "yargs";
import { EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from "../exit-codes.js";

export interface CompareArgv {
  reports: string[];
  "fail-on-regression"?: string;
  noise: string;
  plot: boolean;
  json?: string;
}

export const compareCommand: CommandModule<object, CompareArgv> = {
  command: "compare <reports..>",
  describe: "compare benchmark reports (gauntlet bench --json, bench:micro --json) with the first one",
  builder: (y) =>
    y
      .positional("reports", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "report files; the first is the base",
      })
      .option("fail-on-regression", {
        type: "string",
        describe: "exit 1 when a metric is worse than the base by more than this, e.g. 10%",
      })
      .option("noise", {
        type: "string",
        default: "5%",
        describe: "differences below this are within noise (when the reports have no repeated runs)",
      })
      .option("plot", { type: "boolean", default: true, describe: "overlay the latency distributions" })
      .option("json", { type: "string", describe: "also write the comparison as JSON to FILE" })
      .example("$0 compare b.json a.json", "how a.json compares with b.json")
      .example("$0 compare main.json pr.json --fail-on-regression 10%", "a CI gate"),
  handler: async (argv) => {
    const { compareSets, CompareInputError, parsePercent, regressions, toMetricSet } =
      await import("../../bench/compare.js");
    const { renderHeadline, renderOverlay, renderTable } = await import("../../bench/compare-render.js");
    try {
      if (argv.reports.length < 2) throw new CompareInputError("give at least two reports");
      const sets = argv.reports.map((f) => {
        let text: string;
        try {
          text = readFileSync(f, "utf8");
        } catch (e) {
          throw new CompareInputError(`cannot read ${f}: ${(e as Error).message}`);
        }
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch (e) {
          throw new CompareInputError(`${f} is not JSON: ${(e as Error).message}`);
        }
        return toMetricSet(f, doc);
      });
      const noise = parsePercent(argv.noise);
      const threshold =
        argv["fail-on-regression"] === undefined ? undefined : parsePercent(argv["fail-on-regression"]);
      const c = compareSets(sets, noise);
      const out: string[] = [];
      sets.forEach((s, i) => out.push(`${i === 0 ? "base" : `#${i}`}: ${s.label}: ${s.describe}`));
      out.push("", renderTable(c), "");
      out.push(...renderHeadline(c));
      for (const w of c.warnings) out.push(`warning: ${w}`);
      if (argv.plot) {
        const o = renderOverlay(c);
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
      process.stdout.write(out.join("\n") + "\n");
      if (argv.json) {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(
          argv.json,
          JSON.stringify(
            { rows: c.rows, warnings: c.warnings, regressions: regs, reports: argv.reports },
            null,
            1,
          ) + "\n",
        );
      }
      process.exit(regs.length > 0 ? EXIT_INVALID : EXIT_VALID);
    } catch (e) {
      console.error(`gauntlet compare: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(EXIT_ERROR);
    }
  },
};
