/**
 * `gauntlet fuzz`: a bounded campaign of random and adversarial inputs against an
 * etcd-compatible server, with a canary client; findings saved for `--replay` (docs/fuzz.md).
 * The work is in fuzz/command.ts.
 */
import type { CommandModule } from "yargs";
import { serverOptions } from "../server-options.js";
import type { FuzzArgv } from "../../fuzz/argv.js";

export const fuzzCommand: CommandModule<object, FuzzArgv> = {
  command: "fuzz",
  describe: "fuzz a server with random and hostile input while a canary checks it; exit 1 on a finding",
  builder: (y) =>
    y
      .option("seed", { type: "number", describe: "seed of the campaign (default random; printed)" })
      .option("time-limit", { type: "number", default: 60, describe: "seconds of fuzzing" })
      .option("max-inputs", { type: "number", default: 100000, describe: "inputs to send at most" })
      .option("classes", {
        type: "string",
        describe:
          "input classes, comma-separated (default all): grpc-random, grpc-extreme, h2-abuse, slow-stream, flood, peer",
      })
      .option("input-timeout", {
        type: "number",
        default: 15,
        describe: "seconds one input may take at most",
      })
      .option("hang-ms", {
        type: "number",
        default: 2000,
        describe: "the canary must answer within this many ms",
      })
      .option("max-rss", { type: "number", default: 512, describe: "MiB of anonymous RSS a member may use" })
      .option("rss-growth", {
        type: "number",
        default: 256,
        describe: "MiB a member's RSS may grow above what it used after starting",
      })
      .option("fd-slack", {
        type: "number",
        default: 32,
        describe: "open descriptors allowed above the start, 2 s after an input",
      })
      .option("max-fuzzer-rss", { type: "number", default: 1024, describe: "MiB the fuzzer itself may use" })
      .option("shrink-runs", {
        type: "number",
        default: 30,
        describe: "fresh servers to try while shrinking a crash (0: do not shrink)",
      })
      .option("shrink-time", {
        type: "number",
        default: 120,
        describe: "seconds to shrink one crash at most",
      })
      .option("replay", { type: "string", describe: "send the input of a finding's replay file again" })
      .option("endpoints", {
        type: "string",
        describe: "an existing server: host:port (inputs go to the first)",
      })
      .option("peer-endpoints", {
        type: "string",
        describe: "with --endpoints: reference server peer ports host:port,... to fuzz too",
      })
      .option("allow-remote", {
        type: "boolean",
        default: false,
        describe: "allow endpoints outside this machine",
      })
      .option("nodes", {
        type: "number",
        describe:
          "without --endpoints: members to start (default: reference 3, so that there is a peer port; etcd 1)",
      })
      .options(serverOptions)
      .option("results", {
        type: "string",
        default: "results",
        describe: "results root (findings in fuzz/<time>/)",
      })
      .option("keep-data", { type: "boolean", describe: "keep the started servers' data directories" })
      .example("$0 fuzz --time-limit 600", "fuzz the reference server (client and peer ports) for 10 minutes")
      .example("$0 fuzz --server etcd --seed 42", "fuzz etcd with a fixed seed")
      .example("$0 fuzz --replay results/fuzz/<time>/finding-1-crash.json --server etcd", "replay a finding"),
  handler: async (argv) => {
    const { fuzzFromArgv } = await import("../../fuzz/command.js");
    process.exit(await fuzzFromArgv(argv));
  },
};
