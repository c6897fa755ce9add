/**
 * `gauntlet bench <op>`: latency and throughput of an etcd-compatible server, as etcd's
 * benchmark tool measures them, with an HDR histogram, per-second samples, client and server
 * CPU, and the environment (docs/bench.md). The work is in bench/command.ts.
 */
import type { CommandModule } from "yargs";
import { BENCH_OPS } from "../../bench/types.js";
import type { BenchArgv } from "../../bench/argv.js";
import { serverOptions } from "../server-options.js";

export const benchCommand: CommandModule<object, BenchArgv> = {
  command: "bench <op>",
  describe: "benchmark a server: latency (HDR histogram), throughput, CPU; --json for `gauntlet compare`",
  builder: (y) =>
    y
      .positional("op", { choices: BENCH_OPS, describe: "what the clients do", demandOption: true })
      .option("clients", {
        type: "number",
        default: 16,
        describe: "concurrent clients (one request in flight each)",
      })
      .option("conns", {
        type: "number",
        describe: "gRPC connections in total (default: one per worker thread, at least one per endpoint)",
      })
      .option("workers", {
        type: "number",
        describe:
          "worker threads driving the clients (default 0: in the main thread, the leanest on few cores)",
      })
      .option("duration", { type: "number", describe: "seconds of measured load (default 10)" })
      .option("total", { type: "number", describe: "requests to measure instead of a duration" })
      .option("rate", {
        type: "number",
        default: 0,
        describe:
          "open loop: requests/s over all clients, latency from the intended send time (0 = closed loop)",
      })
      .option("warmup", { type: "number", default: 1, describe: "seconds of load before measuring" })
      .option("key-size", { type: "number", default: 8, describe: "key size in bytes" })
      .option("val-size", { type: "number", default: 8, describe: "value size in bytes" })
      .option("key-space-size", { type: "number", default: 100000, describe: "distinct keys used" })
      .option("sequential-keys", {
        type: "boolean",
        default: false,
        describe: "keys in order instead of random",
      })
      .option("consistency", {
        choices: ["l", "s"] as const,
        default: "l" as const,
        describe: "range: linearizable or serializable",
      })
      .option("keys-only", { type: "boolean", default: false, describe: "range: return keys only" })
      .option("limit", {
        type: "number",
        default: 0,
        describe: "range: at most this many keys, from the key to the end of the key space",
      })
      .option("rw-ratio", { type: "number", default: 1, describe: "txn-mixed: reads per write" })
      .option("watch-streams", { type: "number", default: 10, describe: "watch: gRPC watch streams" })
      .option("watchers-per-stream", {
        type: "number",
        default: 10,
        describe: "watch: watchers on each stream",
      })
      .option("watch-put-rate", {
        type: "number",
        default: 100,
        describe: "watch: puts/s on the watched keys",
      })
      .option("timeout", { type: "number", default: 5, describe: "seconds before a request is given up" })
      .option("transport", {
        choices: ["http2", "grpc-js"] as const,
        default: "http2" as const,
        describe: "unary transport: gRPC on node:http2 (lean) or grpc-js",
      })
      .option("seed", { type: "number", describe: "seed of the key choice (default random)" })
      .option("repeat", {
        type: "number",
        default: 1,
        describe: "measure N times; the report holds medians and every run",
      })
      .option("json", { type: "string", describe: "write the full report to FILE" })
      .option("plots", { type: "boolean", default: true, describe: "print per-second plots at the end" })
      .option("endpoints", { type: "string", describe: "an existing server: host:port[,host:port...]" })
      .option("allow-remote", {
        type: "boolean",
        default: false,
        describe: "allow --endpoints outside this machine",
      })
      .option("nodes", {
        type: "number",
        default: 1,
        describe: "without --endpoints: cluster members to start",
      })
      .options(serverOptions)
      .option("results", {
        type: "string",
        default: "results",
        describe: "where started clusters keep data and logs",
      })
      .example(
        "$0 bench put --endpoints 127.0.0.1:2379 --clients 64 --duration 10",
        "puts against a running server",
      )
      .example(
        "$0 bench range --server etcd --nodes 3 --consistency s --json b.json",
        "start etcd x3, serializable reads",
      )
      .example("$0 bench put --rate 2000 --clients 64 --endpoints 127.0.0.1:2379", "open loop at 2000 req/s"),
  handler: async (argv) => {
    const { benchFromArgv } = await import("../../bench/command.js");
    process.exit(await benchFromArgv(argv));
  },
};
