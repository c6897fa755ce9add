/**
 * `npm run bench:wal [-- --dir DIR] [--records N] [--recovery N] [--snapshot-keys N]`: measures
 * the write-ahead log on this machine's disk (default: a temp dir under the OS temp dir).
 *
 * 1. Append latency and throughput with fdatasync at 1, 16 and 64 concurrent appenders (each a
 *    closed loop: append, await, append), with the fsyncs per record that group commit gives.
 * 2. The same without fsync (what the disk costs).
 * 3. Recovery: `RaftDiskStorage.open` (what the server opens its data dir with) of a data dir
 *    whose WAL holds N (default 100,000) Raft entries of 120 bytes (a put of a 16-byte key and a
 *    100-byte value) with their hard states, reading and checking every record and rebuilding
 *    raft's in-memory log; then the same once a snapshot covers every entry.
 * 4. Snapshot: save and load a snapshot of an MVCC store with K (default 100,000) keys (the
 *    real `MvccStore.serialize()` when impl/mvcc has it, otherwise bytes of the same size).
 *
 * Prints one table per part, the load average before and after, and the exact command.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Wal } from "../wal.js";
import { RaftDiskStorage } from "../raft-storage.js";
import type { Entry } from "../../raft/types.js";
import { Snapshotter } from "../snap.js";

interface Args {
  dir: string;
  records: number;
  recovery: number;
  snapshotKeys: number;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { dir: tmpdir(), records: 4000, recovery: 100_000, snapshotKeys: 100_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0)
        throw new Error(`bench:wal: ${a} needs a positive integer, got ${v}`);
      i++;
      return n;
    };
    if (a === "--dir" && v) {
      out.dir = v;
      i++;
    } else if (a === "--records") out.records = num();
    else if (a === "--recovery") out.recovery = num();
    else if (a === "--snapshot-keys") out.snapshotKeys = num();
    else
      throw new Error(
        `bench:wal: unknown argument ${a} (known: --dir, --records, --recovery, --snapshot-keys)`,
      );
  }
  return out;
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function payload(i: number): Uint8Array {
  const b = Buffer.alloc(120, 0x61);
  b.write(`key-${i}`.padEnd(16, "-"), 0);
  return b;
}

async function appendRun(
  root: string,
  concurrency: number,
  total: number,
  fsync: boolean,
  io: "async" | "sync",
) {
  const dir = mkdtempSync(join(root, "gauntlet-walbench-"));
  try {
    const { wal } = await Wal.open({ dir, fsync, io });
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const s = performance.now();
          await wal.appendData(payload(i));
          lat.push(performance.now() - s);
        }
      }),
    );
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const st = wal.stats();
    await wal.close();
    lat.sort((a, b) => a - b);
    return {
      appenders: concurrency,
      fsync,
      io,
      records: st.records,
      "ops/s": Math.round((st.records / ms) * 1000),
      "p50 ms": +pct(lat, 50).toFixed(3),
      "p99 ms": +pct(lat, 99).toFixed(3),
      "fsyncs/record": +(st.syncs / st.records).toFixed(3),
      "records/batch": +(st.records / Math.max(1, st.batches)).toFixed(1),
      // Process CPU (user + system, all threads) per record: what the WAL costs a server.
      "CPU µs/record": +((cpu.user + cpu.system) / st.records).toFixed(1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recoveryRun(root: string, n: number) {
  const dataDir = mkdtempSync(join(root, "gauntlet-walbench-"));
  try {
    // Written as a member writes its log: Readies of up to 1000 entries, each with its hard state.
    const { storage } = await RaftDiskStorage.open({ dataDir, fsync: false });
    const batch = 1000;
    for (let i = 0; i < n; i += batch) {
      const entries: Entry[] = Array.from({ length: Math.min(batch, n - i) }, (_, k) => ({
        index: i + k + 1,
        term: 1,
        type: 0,
        data: payload(i + k),
      }));
      await storage.save({ entries, hardState: { term: 1, vote: 1, commit: i + entries.length } });
    }
    const st = storage.stats();
    await storage.close();
    const t0 = performance.now();
    const { storage: again, recovered } = await RaftDiskStorage.open({ dataDir });
    const ms = performance.now() - t0;
    const got = again.memory.entries(1, n + 1, Number.MAX_SAFE_INTEGER);
    if (recovered.lastIndex !== n || typeof got === "string" || got.length !== n)
      throw new Error(`recovered ${recovered.lastIndex} of ${n} entries`);
    // The same WAL once a snapshot covers it all (RaftDiskStorage still reads every entry back,
    // then drops those the snapshot covers: which snapshot is usable depends on the WAL's markers).
    await again.createSnapshot(n, { voters: [1], learners: [] }, new Uint8Array(16));
    await again.close();
    const t2 = performance.now();
    const { storage: covered } = await RaftDiskStorage.open({ dataDir });
    const coveredMs = performance.now() - t2;
    await covered.close();
    // Then what the server adds: applying each entry as a put to the MVCC store.
    let applyMs: number | string = "-";
    const Store = await mvccStore();
    if (Store) {
      const store = new Store();
      const t1 = performance.now();
      for (const e of got) store.put({ key: e.data.subarray(0, 16), value: e.data.subarray(16) });
      applyMs = Math.round(performance.now() - t1);
    }
    return {
      records: n,
      "WAL MiB": +(st.bytes / 1048576).toFixed(1),
      segments: st.segments,
      "open+check+replay ms": Math.round(ms),
      "records/s": Math.round((n / ms) * 1000),
      "open, all covered by a snapshot ms": Math.round(coveredMs),
      "apply as puts to MvccStore ms": applyMs,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface StoreLike {
  put(r: { key: Uint8Array; value: Uint8Array }): unknown;
  serialize(): Uint8Array;
  restore(b: Uint8Array): void;
}

/** impl/mvcc's store class, or undefined if it cannot be loaded. */
async function mvccStore(): Promise<(new () => StoreLike) | undefined> {
  try {
    const m = (await import("../../mvcc/index.js")) as unknown as { MvccStore: new () => StoreLike };
    return m.MvccStore;
  } catch (err) {
    console.warn(`bench:wal: impl/mvcc not loadable (${(err as Error).message}); using synthetic data`);
    return undefined;
  }
}

/** The snapshot bytes of a store with `keys` keys: MvccStore's own if it serializes yet. */
async function snapshotBytes(
  keys: number,
): Promise<{ data: Uint8Array; source: string; serializeMs: number; restoreMs: number }> {
  const Store = await mvccStore();
  try {
    if (!Store) throw new Error("impl/mvcc not loadable");
    const store = new Store();
    const enc = new TextEncoder();
    for (let i = 0; i < keys; i++)
      store.put({ key: enc.encode(`key-${i}`.padEnd(16, "-")), value: new Uint8Array(100) });
    const t0 = performance.now();
    const data = store.serialize();
    const serializeMs = performance.now() - t0;
    const t1 = performance.now();
    new Store().restore(data);
    return { data, source: "MvccStore.serialize()", serializeMs, restoreMs: performance.now() - t1 };
  } catch (err) {
    const data = new Uint8Array(keys * 150).fill(7);
    return {
      data,
      source: `synthetic ${keys} x 150 B (mvcc: ${(err as Error).message.slice(0, 60)})`,
      serializeMs: NaN,
      restoreMs: NaN,
    };
  }
}

async function snapshotRun(root: string, keys: number) {
  const dir = mkdtempSync(join(root, "gauntlet-walbench-"));
  try {
    const { data, source, serializeMs, restoreMs } = await snapshotBytes(keys);
    const s = new Snapshotter(dir);
    const t0 = performance.now();
    await s.save({ index: keys, term: 1, data });
    const saveMs = performance.now() - t0;
    const t1 = performance.now();
    const back = await s.loadNewest();
    const loadMs = performance.now() - t1;
    if (back?.data.byteLength !== data.byteLength) throw new Error("snapshot did not load back");
    return {
      keys,
      source,
      MiB: +(data.byteLength / 1048576).toFixed(1),
      "serialize ms": Number.isNaN(serializeMs) ? "-" : Math.round(serializeMs),
      "save ms (write+fsync+rename)": Math.round(saveMs),
      "load ms (read+crc)": Math.round(loadMs),
      "restore ms": Number.isNaN(restoreMs) ? "-" : Math.round(restoreMs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = parseArgs(process.argv.slice(2));
console.log(`bench:wal  dir=${args.dir}  node ${process.version}  load average before: ${load()}`);
const rows = [];
for (const fsync of [true, false])
  for (const io of ["async", "sync"] as const)
    for (const c of [1, 16, 64])
      rows.push(await appendRun(args.dir, c, fsync ? args.records : args.records * 5, fsync, io));
console.log("\nAppend (120-byte records; closed-loop appenders):");
console.table(rows);
console.log("\nRecovery (RaftDiskStorage.open of a data dir, no snapshot; then with one covering the log):");
console.table([await recoveryRun(args.dir, args.recovery)]);
console.log("\nSnapshot:");
console.table([await snapshotRun(args.dir, args.snapshotKeys)]);
console.log(`\nload average after: ${load()}`);
console.log(
  `command: npm run bench:wal -- --dir ${args.dir} --records ${args.records} --recovery ${args.recovery} --snapshot-keys ${args.snapshotKeys}`,
);
