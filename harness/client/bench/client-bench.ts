/**
 * bench:client: client CPU per request (µs, from process.cpuUsage) and throughput of several
 * ways to send etcd Put/Range requests, against a server in another process (so only the
 * client's CPU is counted):
 *
 * - `grpc-js+proto-loader`: the usual Node way (what the etcd3 package does, ~210 µs/request
 *   on this machine per MACHINE-NOTES.md), without etcd3's retry/pool layers;
 * - `harness-client`: harness/client (grpc-js with protobufjs codecs, plain-data conversion);
 * - `grpc-js-pre-encoded`: grpc-js with requests encoded once beforehand and responses not
 *   decoded (the floor of grpc-js itself);
 * - `harness-client-http2`: harness/client with `transport: "http2"` (../http2-transport.ts);
 * - `http2-pre-encoded`: that transport with requests encoded beforehand, responses not decoded.
 *
 *   npm run bench:client -- [--endpoint host:port | --etcd] [--requests 20000] [--concurrency 16] [--op put|range]
 *
 * Without --endpoint it starts the fake KV server (./fake-etcd.ts) as a child process; with
 * --etcd a one-member etcd from PATH in a temp dir. Both are stopped at the end.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createClient } from "../client.js";
import { pbType } from "../proto.js";
import { Http2Transport } from "../http2-transport.js";

const argv = process.argv;
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const requests = Number(opt("requests") ?? 20000);
const concurrency = Number(opt("concurrency") ?? 16);
const op = (opt("op") ?? "put") as "put" | "range";
const value = Buffer.alloc(64, "v");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

async function startTarget(): Promise<{ endpoint: string; what: string; stop: () => void }> {
  const given = opt("endpoint");
  if (given) return { endpoint: given, what: `server at ${given}`, stop: () => {} };
  let child: ChildProcess;
  let dir: string | undefined;
  let endpoint: string;
  let what: string;
  if (argv.includes("--etcd")) {
    const [c, p] = [await freePort(), await freePort()];
    dir = mkdtempSync(join(tmpdir(), "gauntlet-bench-client-"));
    endpoint = `127.0.0.1:${c}`;
    what = "etcd (one member, temp dir)";
    child = spawn(
      "etcd",
      [
        "--name=b1",
        `--data-dir=${join(dir, "data")}`,
        `--listen-client-urls=http://${endpoint}`,
        `--advertise-client-urls=http://${endpoint}`,
        `--listen-peer-urls=http://127.0.0.1:${p}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${p}`,
        `--initial-cluster=b1=http://127.0.0.1:${p}`,
      ],
      { stdio: "ignore" },
    );
  } else {
    const port = await freePort();
    endpoint = `127.0.0.1:${port}`;
    what = "fake KV server (child process)";
    child = spawn(
      process.execPath,
      [join(dirname(fileURLToPath(import.meta.url)), "fake-etcd.js"), String(port)],
      { stdio: "ignore" },
    );
  }
  const c = createClient({ endpoint, timeoutMs: 1000 });
  for (let i = 0; ; i++) {
    try {
      await c.get("ready");
      break;
    } catch (e) {
      if (i > 100)
        throw new Error(`bench:client: target at ${endpoint} did not come up: ${(e as Error).message}`, {
          cause: e,
        });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  c.close();
  return {
    endpoint,
    what,
    stop: () => {
      child.kill("SIGKILL");
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Call = (i: number) => Promise<unknown>;

interface Variant {
  name: string;
  setup(endpoint: string): Promise<{ call: Call; close(): void }>;
}

const key = (i: number): Buffer => Buffer.from(`bench/${i % 10000}`);

const variants: Variant[] = [
  {
    name: "grpc-js+proto-loader",
    async setup(endpoint) {
      const require = createRequire(import.meta.url);
      const protoDir = join(dirname(require.resolve("etcd3/package.json")), "proto");
      const def = protoLoader.loadSync(join(protoDir, "rpc.proto"), {
        keepCase: true,
        longs: String,
        enums: String,
        defaults: true,
        oneofs: true,
      });
      const pkg = grpc.loadPackageDefinition(def) as unknown as {
        etcdserverpb: { KV: grpc.ServiceClientConstructor };
      };
      const kv = new pkg.etcdserverpb.KV(endpoint, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
      });
      const deadline = (): Date => new Date(Date.now() + 5000);
      const call: Call = (i) =>
        new Promise((resolve, reject) => {
          const cb = (err: unknown, res: unknown): void => (err ? reject(err) : resolve(res));
          if (op === "put") kv.Put({ key: key(i), value }, { deadline: deadline() }, cb);
          else kv.Range({ key: key(i) }, { deadline: deadline() }, cb);
        });
      return { call, close: () => kv.close() };
    },
  },
  {
    name: "harness-client",
    async setup(endpoint) {
      const c = createClient({ endpoint, timeoutMs: 5000 });
      const call: Call = (i) =>
        op === "put" ? c.put(`bench/${i % 10000}`, value) : c.get(`bench/${i % 10000}`);
      return { call, close: () => c.close() };
    },
  },
  {
    name: "grpc-js-pre-encoded",
    async setup(endpoint) {
      const client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        "grpc.enable_retries": 0,
      });
      const t = pbType(op === "put" ? "PutRequest" : "RangeRequest");
      const encoded = Array.from(
        { length: 1000 },
        (_, i) => t.encode(op === "put" ? { key: key(i), value } : { key: key(i) }).finish() as Buffer,
      );
      const path = op === "put" ? "/etcdserverpb.KV/Put" : "/etcdserverpb.KV/Range";
      const id = (b: Buffer): Buffer => b;
      const call: Call = (i) =>
        new Promise((resolve, reject) =>
          client.makeUnaryRequest(
            path,
            id,
            id,
            encoded[i % 1000]!,
            { deadline: new Date(Date.now() + 5000) },
            (err, res) => (err ? reject(err) : resolve(res)),
          ),
        );
      return { call, close: () => client.close() };
    },
  },
  {
    name: "harness-client-http2",
    async setup(endpoint) {
      const c = createClient({ endpoint, timeoutMs: 5000, transport: "http2" });
      const call: Call = (i) =>
        op === "put" ? c.put(`bench/${i % 10000}`, value) : c.get(`bench/${i % 10000}`);
      return { call, close: () => c.close() };
    },
  },
  {
    name: "http2-pre-encoded",
    async setup(endpoint) {
      const s = new Http2Transport(endpoint);
      const t = pbType(op === "put" ? "PutRequest" : "RangeRequest");
      const encoded = Array.from({ length: 1000 }, (_, i) =>
        t.encode(op === "put" ? { key: key(i), value } : { key: key(i) }).finish(),
      );
      const path = op === "put" ? "/etcdserverpb.KV/Put" : "/etcdserverpb.KV/Range";
      const call: Call = (i) => s.unary(path, encoded[i % 1000]!, 5000);
      return { call, close: () => s.close() };
    },
  },
];

async function measure(v: Variant, endpoint: string): Promise<Record<string, unknown>> {
  const { call, close } = await v.setup(endpoint);
  try {
    // Warm up (connection, JIT).
    for (let i = 0; i < 200; i++) await call(i);
    let next = 0;
    let errors = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const loop = async (): Promise<void> => {
      while (next < requests) {
        const i = next++;
        try {
          await call(i);
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuUs = cpu.user + cpu.system;
    return {
      variant: v.name,
      requests,
      errors,
      throughput: Math.round(requests / wall),
      cpuMicrosPerRequest: Number((cpuUs / requests).toFixed(1)),
      cpuUtilisation: Number((cpuUs / 1e6 / wall).toFixed(2)),
    };
  } finally {
    close();
  }
}

const only = opt("variant");
const target = await startTarget();
try {
  const results = [];
  for (const v of variants) if (!only || v.name === only) results.push(await measure(v, target.endpoint));
  console.log(
    JSON.stringify(
      {
        bench: "client",
        op,
        concurrency,
        target: target.what,
        load: loadavg().map((x) => Number(x.toFixed(2))),
        node: process.version,
        results,
      },
      null,
      2,
    ),
  );
} finally {
  target.stop();
}
