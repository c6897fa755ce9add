/**
 * `gauntlet run`: start a cluster, drive it with a workload (and, from issue 7, faults), record
 * the history, check it, and exit 0 valid / 1 invalid / 2 unknown / 3 harness error
 * (docs/run.md). The work is in ../run-command.ts, loaded only when the command runs.
 */
import type { CommandModule } from "yargs";

export interface RunArgv {
  provider: "local" | "external" | "docker";
  image?: string;
  "keep-images": boolean;
  server: "reference" | "etcd";
  nodes: number;
  "etcd-binary": string;
  "server-args"?: string;
  endpoints?: string;
  "allow-remote": boolean;
  workload: string;
  concurrency: string;
  rate: number;
  "time-limit": number;
  seed?: number;
  "test-name"?: string;
  "ops-per-key": number;
  serializable: boolean;
  "request-timeout": number;
  "health-timeout": number;
  "check-timeout": number;
  results: string;
  nemesis?: string;
  "nemesis-interval": number;
  partition?: string;
  "disk-size": number;
}

export const runCommand: CommandModule<object, RunArgv> = {
  command: "run",
  describe: "run a test campaign: start a cluster, drive it with clients, check the history",
  builder: (y) =>
    y
      .option("provider", {
        choices: ["local", "external", "docker"] as const,
        default: "local" as const,
        describe: "where the cluster runs (docker: containers, docs/providers.md)",
      })
      .option("image", {
        type: "string",
        describe: "docker: run this etcd-compatible image (already in the engine) instead of a built one",
      })
      .option("keep-images", {
        type: "boolean",
        default: false,
        describe:
          "docker: keep an image this run builds on demand (default: removed at the end; images from `gauntlet images build` are always kept)",
      })
      .option("server", {
        choices: ["reference", "etcd"] as const,
        default: "reference" as const,
        describe: "local: the server under test (the reference server, or etcd from --etcd-binary)",
      })
      .option("nodes", { type: "number", default: 3, describe: "local: cluster members" })
      .option("etcd-binary", {
        type: "string",
        default: "etcd",
        describe: "local: etcd to run (a path, or a name on PATH)",
      })
      .option("server-args", {
        type: "string",
        describe: 'local: extra flags for every member, e.g. "--snapshot-count 100"',
      })
      .option("endpoints", {
        type: "string",
        describe: "external: client endpoints host:port,host:port (required)",
      })
      .option("allow-remote", {
        type: "boolean",
        default: false,
        describe: "external: allow endpoints outside this machine",
      })
      .option("workload", {
        choices: ["register", "set"],
        default: "register",
        describe:
          "what the clients do: register (read/write/cas keys) or set (add unique elements, read whole sets)",
      })
      .option("concurrency", {
        type: "string",
        default: "10",
        describe: "client workers: N, or Nn for N per member",
      })
      .option("rate", {
        type: "number",
        default: 500,
        describe: "ops/s across all clients; 0 = as fast as they go",
      })
      .option("time-limit", { type: "number", default: 30, describe: "seconds of load" })
      .option("seed", { type: "number", describe: "seed of every random choice (default: random, printed)" })
      .option("test-name", {
        type: "string",
        describe: "results/<test-name>/... (default: <workload>-<server>)",
      })
      .option("ops-per-key", {
        type: "number",
        default: 100,
        describe: "register: ops per key before a fresh key; set: ops per set before a fresh set",
      })
      .option("serializable", {
        type: "boolean",
        default: false,
        describe: "serializable (stale-capable) reads (set: not the final reads)",
      })
      .option("request-timeout", {
        type: "number",
        default: 5,
        describe: "seconds before a request is given up (info/fail)",
      })
      .option("health-timeout", {
        type: "number",
        default: 30,
        describe: "seconds to wait for a healthy cluster",
      })
      .option("check-timeout", {
        type: "number",
        default: 120,
        describe: "seconds the checker may search before the verdict is 'unknown'",
      })
      .option("results", { type: "string", default: "results", describe: "results root directory" })
      .option("nemesis", {
        type: "string",
        describe:
          "faults: partition,kill,pause,clock,disk,member,admin (comma-separated), all, or none (default: the strongest this machine allows; docs/nemesis.md)",
      })
      .option("nemesis-interval", {
        type: "number",
        default: 5,
        describe: "mean seconds between fault starts (across all fault families)",
      })
      .option("partition", {
        type: "string",
        describe:
          "partition shape: isolate, leader, halves, bridge, majorities-ring, flaky (default: random per window)",
      })
      .option("disk-size", {
        type: "number",
        default: 256,
        describe: "disk nemesis: MiB of each member's tmpfs data directory (etcd fails to start on 64)",
      })
      .example("$0 run", "the default campaign: 3-member reference cluster, register workload, 30 s")
      .example("$0 run --server etcd --time-limit 10", "the same against etcd 3.4")
      .example("$0 run --nemesis kill,partition --partition majorities-ring --nodes 5", "chosen faults")
      .example("$0 run --workload set --nemesis partition", "the set workload: lost acknowledged adds")
      .example("$0 run --provider external --endpoints 127.0.0.1:2379", "against a cluster you run"),
  handler: async (argv) => {
    const { runFromArgv } = await import("../run-command.js");
    const code = await runFromArgv(argv);
    process.exit(code);
  },
};
