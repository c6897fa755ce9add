/**
 * `npm run bench:micro [-- --json FILE] [--time MS]`: tinybench micro-benchmarks of the hot
 * paths, through each module's public API — the linearizability checker on the sample
 * histories, MVCC put and range, a Raft proposal round (propose, Ready, persist, advance) on a
 * one-node group, and a WAL append with and without fsync. The JSON (kind "gauntlet-micro") is
 * what `gauntlet compare` reads, so a change can be compared with main:
 *
 *   npm run bench:micro -- --json main.json    # on main
 *   npm run bench:micro -- --json pr.json      # on the change
 *   gauntlet compare main.json pr.json --fail-on-regression 10%
 *
 * This file sits outside checkers/, impl/ and harness/ because it imports all of them (only
 * their public index modules).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, hostname, loadavg, platform, release, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { readHistoryFile } from "../checkers/history/index.js";
import type { Operation } from "../checkers/history/types.js";
import { check } from "../checkers/linearizable/index.js";
import { MvccStore } from "../impl/mvcc/index.js";
import { MemoryStorage, RawNode, SeededRand } from "../impl/raft/index.js";
import type { Ready } from "../impl/raft/index.js";
import { Wal } from "../impl/storage/index.js";

const argv = process.argv;
const opt = (n: string): string | undefined => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const timeMs = Number(opt("time") ?? 1000);
const root = fileURLToPath(new URL("../..", import.meta.url));
const histories = resolve(opt("histories") ?? join(root, "../shared/data/histories"));

async function loadHistories(dir: string): Promise<Operation[][]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !/\.(md|json)$/i.test(n) && !n.startsWith("."));
  } catch {
    return [];
  }
  const out: Operation[][] = [];
  for (const n of names.sort()) out.push((await readHistoryFile(join(dir, n))).operations);
  return out;
}

const enc = new TextEncoder();
const value = enc.encode("v".repeat(64));
const keys = Array.from({ length: 10_000 }, (_, i) => enc.encode(`/bench/${String(i).padStart(6, "0")}`));
let rnd = 12345;
const next = (): number => {
  rnd ^= rnd << 13;
  rnd >>>= 0;
  rnd ^= rnd >>> 17;
  rnd ^= rnd << 5;
  rnd >>>= 0;
  return rnd;
};

function persist(storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
}

/** A one-node Raft group that is leader. */
function leader(): { node: RawNode; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  const node = new RawNode({ id: 1, storage, rand: new SeededRand(1) });
  node.bootstrap([1]);
  for (let i = 0; i < 50 && node.status().leader !== 1; i++) {
    node.campaign();
    while (node.hasReady()) {
      const rd = node.ready();
      persist(storage, rd);
      node.advance(rd);
    }
  }
  return { node, storage };
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!;
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4) });

  const jepsen = await loadHistories(join(histories, "jepsen-etcd"));
  if (jepsen.length > 0)
    bench.add(`checker: ${jepsen.length} jepsen-etcd histories (cas-register)`, () => {
      for (const h of jepsen) check(h, { model: "cas-register" });
    });
  const kv = await loadHistories(join(histories, "kv"));
  if (kv.length > 0)
    bench.add(`checker: ${kv.length} kv histories`, () => {
      for (const h of kv) check(h, { model: "kv" });
    });

  const store = new MvccStore();
  for (const k of keys) store.put({ key: k, value });
  bench.add("mvcc: put (10k keys)", () => {
    store.put({ key: keys[next() % keys.length]!, value });
  });
  bench.add("mvcc: range one key", () => {
    store.range({ key: keys[next() % keys.length]! });
  });
  const end = enc.encode("/bench0");
  bench.add("mvcc: range limit 100 over 10k keys (counts all)", () => {
    store.range({ key: keys[next() % (keys.length - 100)]!, rangeEnd: end, limit: 100 });
  });

  const r = leader();
  const data = enc.encode("x".repeat(64));
  bench.add("raft: propose + Ready + persist + advance (1 node)", () => {
    r.node.propose(data);
    while (r.node.hasReady()) {
      const rd = r.node.ready();
      persist(r.storage, rd);
      r.node.advance(rd);
    }
  });

  const dir = mkdtempSync(join(tmpdir(), "gauntlet-micro-"));
  const payload = enc.encode("w".repeat(128));
  const { wal: walSync } = await Wal.open({ dir: join(dir, "sync"), fsync: true });
  const { wal: walNoSync } = await Wal.open({ dir: join(dir, "nosync"), fsync: false });
  bench.add("wal: append 128 B with fsync", async () => {
    await walSync.appendData(payload);
  });
  bench.add("wal: append 128 B without fsync", async () => {
    await walNoSync.appendData(payload);
  });

  try {
    await bench.run();
  } finally {
    await walSync.close();
    await walNoSync.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const tasks = bench.tasks.map((t) => {
    const res = t.result;
    if (res.state !== "completed")
      return {
        name: t.name,
        ops_per_s: NaN,
        mean_ms: NaN,
        rme: NaN,
        samples: 0,
        error: String((res as { error?: unknown }).error ?? res.state),
      };
    // ops/s from the median time per call: steadier than the mean on a busy machine.
    return {
      name: t.name,
      ops_per_s: Math.round((1000 / res.latency.p50) * 10) / 10,
      mean_ms: res.latency.mean,
      p50_ms: res.latency.p50,
      p99_ms: res.latency.p99,
      rme: Math.round(res.latency.rme * 100) / 100,
      samples: res.latency.samplesCount,
    };
  });
  const report = {
    kind: "gauntlet-micro",
    schema: 1,
    started_at: new Date().toISOString(),
    tasks,
    env: {
      node: process.version,
      cpu_model: cpus()[0]?.model?.trim() ?? "unknown",
      cores: availableParallelism(),
      hostname: hostname(),
      platform: `${platform()} ${release()}`,
      load_start: Math.round(load0 * 100) / 100,
      load_end: Math.round(loadavg()[0]! * 100) / 100,
      time_ms_per_task: timeMs,
    },
  };
  for (const t of tasks)
    console.log(
      `${t.name.padEnd(56)} ${String(t.ops_per_s).padStart(12)} ops/s  mean ${(t.mean_ms * 1000).toFixed(1)} µs  ±${t.rme}%  (${t.samples} samples)`,
    );
  console.log(`load ${report.env.load_start} -> ${report.env.load_end}`);
  const json = opt("json");
  if (json) {
    writeFileSync(json, JSON.stringify(report, null, 1) + "\n");
    console.log(`report: ${json}`);
  }
}

await main();
