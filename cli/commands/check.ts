/**
 * `gauntlet check [options] FILE...`: checks histories — register histories for linearizability
 * and store revisions, set histories with set-full and revisions (docs/check.md).
 * The work is in ../check/run.ts, loaded only when the command runs, so that `--help` and the
 * other commands do not pay for the checker's modules.
 */
import type { CommandModule } from "yargs";
import { HISTORY_FORMATS } from "../../checkers/history/detect.js";

interface Argv {
  files: string[];
  format: "auto" | "jsonl" | "jepsen-log" | "edn";
  model?: string;
  workload?: "register" | "set";
  json: boolean;
  html?: string;
  timeout: number;
}

export const checkCommand: CommandModule<object, Argv> = {
  command: "check <files..>",
  describe:
    "check histories (files, or run directories holding history.jsonl): linearizability and revisions, or set-full for set histories",
  builder: (y) =>
    y
      .positional("files", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "history files (JSON Lines, Jepsen log lines or EDN maps) or run directories",
      })
      .option("format", {
        choices: ["auto", ...HISTORY_FORMATS] as const,
        default: "auto" as const,
        describe: "the history format; auto detects it from the first non-empty line",
      })
      .option("model", {
        type: "string",
        describe:
          "register | cas-register | kv | etcd-register (default: from a run's test.json, else guessed per file from its format and operations)",
      })
      .option("workload", {
        choices: ["register", "set"] as const,
        describe:
          "which workload's checks: register (linearizability + revisions) or set (set-full + revisions); default: from a run's test.json, else set when the history has add operations",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print one JSON object per file (JSON Lines) instead of readable lines",
      })
      .option("html", {
        type: "string",
        describe:
          "write a self-contained HTML report; with several files, one page per file (see docs/check.md)",
      })
      .option("timeout", {
        type: "number",
        default: 60,
        describe: "seconds per file before the verdict is 'unknown'; 0 = no limit",
      })
      .example(
        "$0 check ../shared/data/histories/jepsen-etcd/*.log",
        "check the sample Jepsen etcd histories",
      )
      .example(
        "$0 check --json --html report.html results/latest",
        "check a stored run, as JSON, with a picture",
      ),
  handler: async (argv) => {
    const { runCheck } = await import("../check/run.js");
    process.exitCode = await runCheck({
      files: argv.files,
      format: argv.format,
      model: argv.model,
      workload: argv.workload,
      json: argv.json,
      html: argv.html,
      timeout: argv.timeout,
    });
  },
};
