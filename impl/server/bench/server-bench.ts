/**
 * `npm run bench:server`: single-node put, linearizable range and txn at 1, 16 and 64
 * concurrent clients, against `gauntlet server` and against etcd 3.4 on this machine, with the
 * same Node/grpc-js client, cells interleaved (etcd then gauntlet per cell) so both see the
 * same machine load. Reports throughput, p50/p99 latency (hdr-histogram-js) and the server's
 * CPU per operation (utime + stime from /proc/<pid>/stat), with the ratios gauntlet / etcd and
 * the load average, and writes JSON to results/bench-server/<timestamp>.json.
 *
 *     npm run bench:server -- [--duration 5] [--warmup 1] [--clients 1,16,64] [--ops put,range,txn]
 *                             [--channels 4] [--servers etcd,gauntlet] [--profile]
 *                             [--baseline DIR]
 *
 * `--profile` starts gauntlet under `node --cpu-prof` (profile in the results folder).
 * `--baseline DIR` adds a third server, `baseline`: `DIR/bin/gauntlet.js` of another built
 * checkout (e.g. `git worktree add /tmp/before <commit> && (cd /tmp/before && npm run build)`),
 * measured in the same interleaved cells, so a change is compared with the code before it.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as hdr from "hdr-histogram-js";
import { serviceDefinition } from "../proto.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const { values: argv } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    clients: { type: "string", default: "1,16,64" },
    ops: { type: "string", default: "put,range,txn" },
    channels: { type: "string", default: "4" },
    servers: { type: "string", default: "etcd,gauntlet" },
    profile: { type: "boolean", default: false },
    baseline: { type: "string" },
  },
});
const durationMs = Number(argv.duration) * 1000;
const warmupMs = Number(argv.warmup) * 1000;
const clientCounts = argv.clients!.split(",").map(Number);
const ops = argv.ops!.split(",") as Op[];
const channels = Number(argv.channels);
const serverKinds = [
  ...(argv.servers!.split(",") as Kind[]),
  ...(argv.baseline ? (["baseline"] as const) : []),
];
type Op = "put" | "range" | "txn";
type Kind = "etcd" | "gauntlet" | "baseline";

const CLK_TCK = 100;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const outDir = join(root, "results", "bench-server");
mkdirSync(outDir, { recursive: true });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of the whole line)
}

interface Server {
  kind: Kind;
  proc: ChildProcess;
  endpoint: string;
  dir: string;
}

async function start(kind: Kind): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), `bench-server-${kind}-`));
  const [cp, pp] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${cp}`;
  const peer = `http://127.0.0.1:${pp}`;
  const flags = [
    "--name",
    "bench",
    "--data-dir",
    join(dir, "data"),
    "--listen-client-urls",
    client,
    "--advertise-client-urls",
    client,
    "--listen-peer-urls",
    peer,
    "--initial-advertise-peer-urls",
    peer,
    "--initial-cluster",
    `bench=${peer}`,
    "--log-level",
    "error",
  ];
  const proc =
    kind === "etcd"
      ? spawn("etcd", flags, { stdio: ["ignore", "ignore", "pipe"] })
      : spawn(
          process.execPath,
          [
            ...(argv.profile ? ["--cpu-prof", `--cpu-prof-dir=${outDir}`] : []),
            join(kind === "baseline" ? argv.baseline! : root, "bin", "gauntlet.js"),
            "server",
            ...flags,
          ],
          { stdio: ["ignore", "ignore", "pipe"] },
        );
  proc.stderr!.resume();
  const s: Server = { kind, proc, endpoint: `127.0.0.1:${cp}`, dir };
  const kv = makeClients(s.endpoint, 1).kv[0]!;
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((r) =>
      kv.Range({ key: Buffer.from("x") }, { deadline: Date.now() + 500 }, (e: unknown) => r(!e)),
    );
    if (ok) break;
    if (i > 100) throw new Error(`${kind} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return s;
}

async function stop(s: Server): Promise<void> {
  const exited = new Promise((r) => s.proc.once("exit", r));
  s.proc.kill("SIGINT");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGKILL");
  rmSync(s.dir, { recursive: true, force: true });
}

type Unary = (
  req: object,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => void;
const KvClient = grpc.makeGenericClientConstructor(serviceDefinition("KV"), "KV");
function makeClients(endpoint: string, n: number): { kv: Record<string, Unary>[] } {
  const kv = [];
  for (let i = 0; i < n; i++)
    kv.push(
      new KvClient(endpoint, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
      }) as unknown as Record<string, Unary>,
    );
  return { kv };
}

const value = Buffer.alloc(100, "v");
const KEYS = 1000;
const keyOf = (i: number): Buffer => Buffer.from(`bench-key-${i % KEYS}`);

function request(op: Op, i: number): [string, object] {
  const key = keyOf(i);
  if (op === "put") return ["Put", { key, value }];
  if (op === "range") return ["Range", { key }];
  return [
    "Txn",
    {
      compare: [{ key, target: 2, result: 1, modRevision: 0 }],
      success: [{ requestPut: { key, value } }],
      failure: [{ requestPut: { key, value } }],
    },
  ];
}

interface Cell {
  server: Kind;
  op: Op;
  clients: number;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
  cpuUsPerOp: number;
  load1: number;
}

async function runCell(s: Server, op: Op, c: number): Promise<Cell> {
  const { kv } = makeClients(s.endpoint, Math.min(channels, c));
  // Pre-fill keys for range / txn, and warm up.
  await Promise.all(
    Array.from(
      { length: 50 },
      (_, i) => new Promise((r) => kv[i % kv.length]!.Put({ key: keyOf(i), value }, {}, r)),
    ),
  );
  const hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let n = 0;
  let errors = 0;
  let seq = 0;
  let measuring = false;
  let t0 = 0;
  let cpu0 = 0;
  const warmEnd = performance.now() + warmupMs;
  const end = warmEnd + durationMs;
  // The measurement window opens after the warm-up (JIT, connections), with the load running.
  const opener = setTimeout(() => {
    measuring = true;
    t0 = performance.now();
    cpu0 = cpuTicks(s.proc.pid!);
  }, warmupMs);
  await Promise.all(
    Array.from({ length: c }, (_, w) => {
      const client = kv[w % kv.length]!;
      return new Promise<void>((resolve) => {
        const next = (): void => {
          if (performance.now() >= end) return resolve();
          const [method, req] = request(op, seq++ * 7919);
          const s0 = performance.now();
          const counted = measuring;
          client[method]!(req, {}, (err) => {
            if (counted && measuring) {
              if (err) errors++;
              else {
                n++;
                hist.recordValue(Math.max(1, Math.round((performance.now() - s0) * 1000)));
              }
            }
            next();
          });
        };
        next();
      });
    }),
  );
  clearTimeout(opener);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (cpuTicks(s.proc.pid!) - cpu0) / CLK_TCK;
  measuring = false;
  for (const k of kv) (k as unknown as grpc.Client).close();
  const cell: Cell = {
    server: s.kind,
    op,
    clients: c,
    ops: n,
    errors,
    seconds,
    opsPerSec: n / seconds,
    p50ms: hist.getValueAtPercentile(50) / 1000,
    p99ms: hist.getValueAtPercentile(99) / 1000,
    cpuUsPerOp: n ? (cpu * 1e6) / n : NaN,
    load1: loadavg()[0]!,
  };
  hist.destroy();
  return cell;
}

const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : "-");

async function main(): Promise<void> {
  let etcdVersion = "?";
  try {
    etcdVersion = execFileSync("etcd", ["--version"], { encoding: "utf8" }).split("\n")[0]!;
  } catch {
    if (serverKinds.includes("etcd"))
      throw new Error("etcd is not on PATH (apt-get install etcd-server), or pass --servers gauntlet");
  }
  console.log(
    `bench:server  duration ${durationMs / 1000}s per cell, channels ${channels}, ${etcdVersion}, node ${process.version}`,
  );
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const servers = new Map<Kind, Server>();
  for (const k of serverKinds) servers.set(k, await start(k));
  const cells: Cell[] = [];
  try {
    for (const op of ops)
      for (const c of clientCounts)
        for (const k of serverKinds) {
          const cell = await runCell(servers.get(k)!, op, c);
          cells.push(cell);
          console.log(
            `${op.padEnd(5)} C=${String(c).padEnd(3)} ${k.padEnd(8)} ${fmt(cell.opsPerSec).padStart(6)} ops/s  p50 ${fmt(cell.p50ms, 2).padStart(6)} ms  p99 ${fmt(cell.p99ms, 2).padStart(6)} ms  cpu ${fmt(cell.cpuUsPerOp).padStart(4)} µs/op  errors ${cell.errors}  load ${cell.load1.toFixed(2)}`,
          );
        }
  } finally {
    for (const s of servers.values()) await stop(s);
  }
  const pairs: [Kind, Kind, string][] = [
    ["gauntlet", "etcd", " (target: throughput >= 0.7, cpu/op <= 1.5)"],
    ["gauntlet", "baseline", ` (baseline: ${argv.baseline ?? ""})`],
  ];
  for (const [a, b, note] of pairs) {
    if (!serverKinds.includes(a) || !serverKinds.includes(b)) continue;
    console.log(`\nratios ${a} / ${b}${note}`);
    for (const op of ops)
      for (const c of clientCounts) {
        const e = cells.find((x) => x.server === b && x.op === op && x.clients === c)!;
        const g = cells.find((x) => x.server === a && x.op === op && x.clients === c)!;
        console.log(
          `${op.padEnd(5)} C=${String(c).padEnd(3)} throughput ${(g.opsPerSec / e.opsPerSec).toFixed(2)}x  cpu/op ${(g.cpuUsPerOp / e.cpuUsPerOp).toFixed(2)}x  p99 ${(g.p99ms / e.p99ms).toFixed(2)}x`,
        );
      }
  }
  const file = join(outDir, `${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        etcdVersion,
        node: process.version,
        durationMs,
        channels,
        loadEnd: loadavg(),
        cells,
      },
      null,
      2,
    ),
  );
  console.log(
    `\nload average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}\nresults: ${file}`,
  );
}

await main();
