/**
 * `gauntlet compare A.json B.json [...]`: benchmark (or micro-benchmark) reports side by side,
 * each metric's ratio to the first report, better / worse / within noise, latency distributions
 * overlaid; `--fail-on-regression 10%` exits 1 when a metric got worse by more than that
 * (docs/compare.md). Exit codes: 0 (no regression), 1 (regression), 3 (unreadable input).
 */
import type { CommandModule } from "yargs";
import type { CompareArgv } from "../../bench/argv.js";

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
    const { compareFromArgv } = await import("../../bench/compare-command.js");
    process.exit(
      await compareFromArgv(argv, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        color: Boolean(process.stdout.isTTY),
      }),
    );
  },
};
