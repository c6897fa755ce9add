/**
 * `gauntlet cleanup`: undo what killed runs left behind — member processes, network
 * namespaces, links, iptables rules, mounts — from the state files they recorded (docs/cleanup.md).
 */
import type { CommandModule } from "yargs";

interface Argv {
  results: string;
  force: boolean;
  run?: string;
  strays: boolean;
}

export const cleanupCommand: CommandModule<object, Argv> = {
  command: "cleanup",
  describe: "remove processes, namespaces, links and rules that killed runs left behind",
  builder: (y) =>
    y
      .option("results", {
        type: "string",
        default: "results",
        describe: "results root whose .active/ lists unfinished runs",
      })
      .option("run", { type: "string", describe: "only this run id" })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "also clean runs whose harness process is still alive",
      })
      .option("strays", {
        type: "boolean",
        default: false,
        describe:
          "also remove gauntlet-* namespaces, gt* links and docker objects labelled gauntlet that no running run owns",
      }),
  handler: async (argv) => {
    const { cleanupAll, strayNames, removeStrays } = await import("../../harness/providers/local/cleanup.js");
    const docker = await import("../../harness/providers/docker/cleanup.js");
    // Docker runs: containers, networks and volumes first (by label), then the local part below.
    let failed = 0;
    for (const r of await docker.cleanupDockerRuns(argv.results, { force: argv.force, runId: argv.run })) {
      for (const x of r.removed) console.log(`${r.runId}: removed ${x}`);
      if (r.outcome.startsWith("failed")) {
        console.error(`gauntlet cleanup: ${r.runId}: ${r.outcome}`);
        failed++;
      }
    }
    const reports = await cleanupAll(argv.results, { force: argv.force, runId: argv.run });
    if (reports.length === 0)
      console.log("nothing to clean: no unfinished run recorded under " + argv.results);
    for (const r of reports) {
      console.log(`${r.runId} (${r.runDir || "?"}): ${r.outcome}`);
      for (const x of r.removed) console.log(`  removed ${x}`);
      if (r.outcome.startsWith("failed")) failed++;
    }
    if (argv.strays) {
      for (const x of await docker.removeDockerStrays(argv.results)) console.log(`removed stray ${x}`);
      const names = await strayNames(argv.results);
      const errors = await removeStrays(names);
      for (const n of names) console.log(`removed stray ${n}`);
      for (const e of errors) console.error(`gauntlet cleanup: ${e}`);
      failed += errors.length;
    }
    process.exitCode = failed ? 3 : 0;
  },
};
