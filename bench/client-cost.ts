/**
 * bench:client-cost — client CPU per request (µs, process.cpuUsage over the measured part) of
 * the ways Gauntlet can send etcd puts/ranges, against a one-member etcd 3.4 it starts on
 * loopback (local provider), so the figures say how close the benchmark client gets to etcd's
 * Go client (about 40 µs/request here; grpc-js about 210 µs, MACHINE-NOTES.md):
 *
 * - `harness-client`: harness/client (grpc-js, protobufjs codecs, plain results);
 * - `grpc-js-raw`: grpc-js makeUnaryRequest with pre-encoded Buffers, responses not decoded;
 * - `http2-raw`: ./transport.ts Http2Transport (gRPC on node:http2), pre-encoded, not decoded;
 * - `bench-w0`, `bench-w1`, `bench-w2`: the `gauntlet bench` engine itself in the main thread,
 *   and with 1 and 2 worker threads.
 *
 *   npm run bench:client-cost -- [--requests 8000] [--clients 32] [--op put|range] [--endpoint host:port] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "../harness/client/client.js";
import { localProvider } from "../harness/providers/local/provider.js";
import { nowMs } from "./clock.js";
import type { LoadSpec } from "./load.js";
import { benchValue, keyAt, keyPicker, pathOf, RequestCache } from "./requests.js";
import { runOnce } from "./runner.js";
import { Http2Transport, GrpcJsTransport, type UnaryTransport } from "./transport.js";

const argv = process.argv;
const opt = (n: string): string | undefined => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const requests = Number(opt("requests") ?? 8000);
const clients = Number(opt("clients") ?? 32);
const op = (opt("op") ?? "put") as "put" | "range";

interface Row {
  variant: string;
  requests: number;
  errors: number;
  throughput: number;
  client_us_per_request: number;
  client_cpu_percent: number;
  worker_thread_us_per_request?: number;
}

async function closedLoop(
  variant: string,
  send: (i: number, done: (err: boolean) => void) => void,
): Promise<Row> {
  // warm-up
  await new Promise<void>((res) => {
    let left = 500;
    let inflight = 0;
    const go = (): void => {
      if (left === 0) {
        if (inflight === 0) res();
        return;
      }
      left--;
      inflight++;
      send(left, () => {
        inflight--;
        go();
      });
    };
    for (let c = 0; c < clients; c++) go();
  });
  let errors = 0;
  let sent = 0;
  let done = 0;
  const t0 = nowMs();
  const c0 = process.cpuUsage();
  await new Promise<void>((res) => {
    const go = (): void => {
      if (sent >= requests) return;
      sent++;
      send(sent, (err) => {
        if (err) errors++;
        if (++done === requests) res();
        else go();
      });
    };
    for (let c = 0; c < clients; c++) go();
  });
  const c1 = process.cpuUsage(c0);
  const ms = nowMs() - t0;
  const cpuMs = (c1.user + c1.system) / 1000;
  return {
    variant,
    requests,
    errors,
    throughput: Math.round((requests / ms) * 1000),
    client_us_per_request: Math.round((cpuMs * 1000 * 10) / requests) / 10,
    client_cpu_percent: Math.round((100 * cpuMs) / ms),
  };
}

function spec(endpoint: string, workers: number): LoadSpec {
  return {
    op,
    clients,
    conns: Math.max(1, workers),
    workers,
    durationS: 0,
    total: requests,
    rate: 0,
    warmupS: 0.5,
    keySize: 8,
    valSize: 8,
    keySpaceSize: 100000,
    sequentialKeys: false,
    consistency: "l",
    keysOnly: false,
    limit: 0,
    rwRatio: 1,
    watchStreams: 1,
    watchersPerStream: 1,
    watchPutRate: 1,
    timeoutMs: 5000,
    endpoints: [endpoint],
    seed: 1,
    transport: "http2",
  };
}

async function main(): Promise<void> {
  const given = opt("endpoint");
  let endpoint = given ?? "";
  let teardown = async (): Promise<void> => {};
  let serverPid: number | undefined;
  if (!given) {
    const runId = Math.random().toString(36).slice(2, 8).padEnd(6, "0");
    const cluster = await localProvider.start(
      { nodes: 1, runDir: join(tmpdir(), `gauntlet-client-cost-${runId}`), runId, log: () => {} },
      { server: "etcd", namespaces: false, resultsRoot: join(tmpdir(), "gauntlet-client-cost-results") },
    );
    teardown = () => cluster.teardown();
    await cluster.waitHealthy(30_000);
    endpoint = cluster.clientEndpoints("n1")[0]!;
    serverPid = (cluster as unknown as { pids(): Record<string, number | undefined> }).pids().n1;
  }
  const load0 = loadavg()[0]!;
  const rows: Row[] = [];
  try {
    const s = spec(endpoint, 1);
    const kind = op === "put" ? "put" : "range";
    const cache = new RequestCache(kind, s);
    const pick = keyPicker(1, s);
    const path = pathOf(kind);
    const value = benchValue(8);

    const h6 = createClient({ endpoint, values: "bytes" });
    rows.push(
      await closedLoop("harness-client", (_i, done) => {
        const key = keyAt(pick(), 8).toString("latin1");
        (op === "put" ? h6.put(key, value) : h6.get(key)).then(
          () => done(false),
          () => done(true),
        );
      }),
    );
    h6.close();
    for (const [name, t] of [
      ["grpc-js-raw", new GrpcJsTransport(endpoint)],
      ["http2-raw", new Http2Transport(endpoint)],
    ] as [string, UnaryTransport][]) {
      rows.push(
        await closedLoop(name, (_i, done) => t.call(path, cache.get(pick()), 5000, (e) => done(e !== null))),
      );
      t.close();
    }
    for (const workers of [0, 1, 2]) {
      const { run } = await runOnce(spec(endpoint, workers));
      rows.push({
        variant: `bench-w${workers}`,
        requests: run.ops,
        errors: run.errors,
        throughput: Math.round(run.throughput),
        client_us_per_request: run.cpu.client.us_per_op,
        client_cpu_percent: Math.round(run.cpu.client.percent),
        worker_thread_us_per_request: run.cpu.client.workers
          ? Math.round((10 * run.cpu.client.workers.reduce((a, w) => a + w.total_ms, 0) * 1000) / run.ops) /
            10
          : undefined,
      });
    }
  } finally {
    await teardown();
  }
  const out = {
    bench: "client-cost",
    op,
    clients,
    target: given ? `server at ${given}` : "etcd 3.4 (one member, loopback, started by the bench)",
    server_pid: serverPid,
    load: [load0, loadavg()[0]],
    node: process.version,
    reference: { "etcd Go client (MACHINE-NOTES.md)": 40, "grpc-js (MACHINE-NOTES.md)": 210 },
    results: rows,
  };
  console.log(JSON.stringify(out, null, 2));
  const j = opt("json");
  if (j) writeFileSync(j, JSON.stringify(out, null, 1) + "\n");
}

await main();
