/**
 * `npm run bench:checker [-- FOLDER... [--repeat N] [--model NAME] [--no-generated]]`:
 * times the linearizability check of every history in ../shared/data/histories/ (and in
 * each FOLDER given), parsing excluded, then of generated histories: a 50-client kv history
 * and (in a child process, so that its peak RSS is its own) a 100,000-operation register
 * history over 1,000 keys.
 *
 * Per file it prints the verdict, operations, keys, the first ("cold", JIT not warm) check
 * and the median of N further checks ("warm"). Porcupine's reference figures (Go, one core,
 * this machine): 102 Jepsen etcd histories in ~600 ms (~6 ms each), its 50-client kv
 * history in ~235 ms.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readHistoryFile } from "../history/index.js";
import type { Operation } from "../history/types.js";
import { check } from "../linearizable/index.js";
import type { CheckResult } from "../linearizable/types.js";
import { generateHistory } from "./generate.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const DEFAULT_DIR = resolve(root, "../shared/data/histories");

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (!/\.(md|json)$/i.test(name) && !name.startsWith(".")) out.push(p);
  }
  return out;
}

function modelFor(format: string, ops: readonly Operation[], forced: string | undefined): string {
  if (forced) return forced;
  if (format === "jepsen-log") return "cas-register";
  if (format === "edn") return "kv";
  const fs = new Set(ops.map((o) => o.f));
  if (fs.has("get") || fs.has("put") || fs.has("append")) return "kv";
  return fs.has("cas") ? "cas-register" : "register";
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

interface Timing {
  result: CheckResult;
  /** The first check (JIT not warm), wall ms. */
  cold: number;
  /** Median of the repeats, wall ms. */
  warm: number;
  /** Median of the repeats, CPU ms of this process (less sensitive to a busy machine). */
  cpu: number;
}

function time(ops: readonly Operation[], model: string, repeat: number): Timing {
  let t = performance.now();
  const result = check(ops, { model });
  const cold = performance.now() - t;
  const runs: number[] = [];
  const cpus: number[] = [];
  for (let k = 0; k < repeat; k++) {
    const c = process.cpuUsage();
    t = performance.now();
    check(ops, { model });
    runs.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1000);
  }
  return { result, cold, warm: median(runs), cpu: median(cpus) };
}

const fmt = (ms: number): string => ms.toFixed(2).padStart(9);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** The 100k-op memory run, in a child process: prints one JSON line. */
function memoryRun(): void {
  const t0 = performance.now();
  const ops = generateHistory({
    model: "register",
    ops: 100_000,
    keys: 1000,
    processes: 100,
    seed: 100_000,
    infoRate: 0.02,
    failRate: 0.02,
  });
  const genMs = performance.now() - t0;
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  const r = check(ops, { model: "register" });
  const ms = performance.now() - t;
  const mu = process.memoryUsage();
  console.log(
    JSON.stringify({
      valid: r.valid,
      ops: r.ops,
      keys: r.keys,
      ms,
      genMs,
      rssBefore,
      rssAfter: mu.rss,
      heapUsed: mu.heapUsed,
      maxRssKiB: process.resourceUsage().maxRSS,
    }),
  );
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--memory-run") return memoryRun();
  let repeat = 20;
  let forced: string | undefined;
  let generated = true;
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--repeat") repeat = Number(argv[++i]);
    else if (a === "--model") forced = argv[++i];
    else if (a === "--no-generated") generated = false;
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm run bench:checker -- [FOLDER...] [--repeat N] [--model NAME] [--no-generated]");
      return;
    } else dirs.push(resolve(a));
  }
  if (!Number.isInteger(repeat) || repeat < 0)
    throw new Error(`--repeat must be a non-negative integer, got ${argv.join(" ")}`);
  const folders = [...(existsSync(DEFAULT_DIR) ? [DEFAULT_DIR] : []), ...dirs];
  console.log(
    `checker bench — node ${process.version}, load average ${load()}; cold = first check of each file in one pass, warm = median of ${repeat} runs after warm-up`,
  );
  console.log(
    `${"file".padEnd(34)} ${"model".padEnd(12)} ${"valid".padEnd(8)} ${"ops".padStart(7)} ${"keys".padStart(5)} ${"cold ms".padStart(9)} ${"warm ms".padStart(9)} ${"warm cpu".padStart(9)}`,
  );

  // Parse everything first (parsing is not timed).
  interface Item {
    dir: string;
    name: string;
    model: string;
    ops: Operation[];
    result?: CheckResult;
    cold: number;
    warm: number;
    cpu: number;
  }
  const items: Item[] = [];
  for (const dir of folders) {
    for (const file of filesUnder(dir)) {
      try {
        const parsed = await readHistoryFile(file);
        const model = modelFor(parsed.format, parsed.operations, forced);
        items.push({
          dir,
          name: relative(dir, file),
          model,
          ops: parsed.operations,
          cold: 0,
          warm: 0,
          cpu: 0,
        });
      } catch (e) {
        console.log(`${relative(dir, file).padEnd(34)} skipped: ${(e as Error).message}`);
      }
    }
  }
  // 1. one cold pass, in order (as a fresh `gauntlet check` of all the files would run);
  // 2. warm-up rounds (untimed) until the JIT has settled; 3. `repeat` timed runs per file.
  for (const it of items) {
    const t = performance.now();
    it.result = check(it.ops, { model: it.model });
    it.cold = performance.now() - t;
  }
  const warmUntil = performance.now() + 1500;
  for (let round = 0; round < 50 && performance.now() < warmUntil; round++)
    for (const it of items) check(it.ops, { model: it.model });
  for (const it of items) {
    const t = time(it.ops, it.model, repeat);
    it.warm = t.warm;
    it.cpu = t.cpu;
  }
  const groups = new Map<string, { cold: number; warm: number; cpu: number; n: number }>();
  for (const it of items) {
    const r = it.result!;
    console.log(
      `${it.name.padEnd(34)} ${it.model.padEnd(12)} ${String(r.valid).padEnd(8)} ${String(r.ops).padStart(7)} ${String(r.keys).padStart(5)} ${fmt(it.cold)} ${fmt(it.warm)} ${fmt(it.cpu)}`,
    );
    const g = `${it.dir === DEFAULT_DIR ? "" : it.dir + "/"}${it.name.includes("/") ? it.name.slice(0, it.name.lastIndexOf("/")) : "."}`;
    const acc = groups.get(g) ?? { cold: 0, warm: 0, cpu: 0, n: 0 };
    acc.cold += it.cold;
    acc.warm += it.warm;
    acc.cpu += it.cpu;
    acc.n++;
    groups.set(g, acc);
  }
  let cold = 0;
  let warm = 0;
  let cpu = 0;
  for (const [g, acc] of groups) {
    console.log(
      `total ${g.padEnd(28)} ${acc.n} files: cold ${acc.cold.toFixed(2)} ms, warm ${acc.warm.toFixed(2)} ms, warm cpu ${acc.cpu.toFixed(2)} ms (mean ${(acc.warm / acc.n).toFixed(3)} ms/file)`,
    );
    cold += acc.cold;
    warm += acc.warm;
    cpu += acc.cpu;
  }
  console.log(
    `total all files: cold ${cold.toFixed(2)} ms, warm ${warm.toFixed(2)} ms, warm cpu ${cpu.toFixed(2)} ms`,
  );
  console.log(
    `Porcupine (Go, one core): ~600 ms for 102 etcd histories (~5.9 ms/file); ~235 ms for its 50-client kv history`,
  );

  if (generated) {
    const gen = (label: string, ops: Operation[], model: string): void => {
      const t = time(ops, model, Math.min(repeat, 10));
      console.log(
        `${label}: ${t.result.valid}, ${t.result.ops} ops, cold ${t.cold.toFixed(2)} ms, warm ${t.warm.toFixed(2)} ms, warm cpu ${t.cpu.toFixed(2)} ms`,
      );
    };
    gen(
      "generated kv, 50 clients, 10 keys (seed 50)",
      generateHistory({ model: "kv", processes: 50, ops: 2500, keys: 10, seed: 50 }),
      "kv",
    );
    gen(
      "generated cas-register, 20,000 ops on 1 key, 10 clients, 1% info (seed 5)",
      generateHistory({
        model: "cas-register",
        processes: 10,
        ops: 20_000,
        keys: 1,
        seed: 5,
        infoRate: 0.01,
      }),
      "cas-register",
    );
    const self = fileURLToPath(import.meta.url);
    const child = spawnSync(process.execPath, [self, "--memory-run"], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`memory run failed: ${child.stderr}`);
    const m = JSON.parse(child.stdout.trim()) as Record<string, number | boolean | string>;
    const mib = (b: number): string => (b / 1048576).toFixed(0) + " MiB";
    console.log(
      `generated register, 100,000 ops over 1,000 keys, 100 clients: ${m.valid}, ${m.ops} ops, ${m.keys} keys, check ${(m.ms as number).toFixed(0)} ms ` +
        `(generation ${(m.genMs as number).toFixed(0)} ms); RSS ${mib(m.rssBefore as number)} before the check, ${mib(m.rssAfter as number)} after, ` +
        `peak ${mib((m.maxRssKiB as number) * 1024)}; heap used after ${mib(m.heapUsed as number)}; ` +
        `${(m.ms as number) < 10_000 && (m.maxRssKiB as number) < 1024 * 1024 ? "within" : "OVER"} the 10 s / 1 GiB limits`,
    );
  }
  console.log(`load average at the end: ${load()}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
