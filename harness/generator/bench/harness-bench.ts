/**
 * bench:harness: how many operations per second the harness itself can drive and record on one
 * core. The interpreter runs a register-style generator (clients, perKey with --ops-per-key,
 * mix of read/write/cas with random values) on the real clock against in-process fake workers
 * (an in-memory register per key, completing on the next event-loop turn like an I/O callback),
 * and every event goes through the runner's Recorder into a HistoryWriter (history.jsonl in a
 * temp dir, one write per line) exactly as in a run. Prints ops/s, CPU µs per op and the load.
 *
 *   npm run bench:harness -- [--seconds 5] [--concurrency 10] [--ops-per-key 100] [--sink file|memory|none]
 *                            [--keys concurrent|pool]
 *
 * `--keys concurrent` (default, as the register workload does): concurrentKeys with 5 threads
 * per key; `--keys pool`: perKey with a pool of as many keys as threads.
 *
 * `--sink memory` keeps the Recorder but drops the lines (no history file); `--sink none` drops
 * events altogether: the differences show what recording costs.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryWriter } from "../../../checkers/history/index.js";
import { Recorder } from "../../runner/recorder.js";
import { clients, concurrentKeys, fn, interpret, mix, perKey, realClock, seconds } from "../index.js";
import type { Completion, Event, Worker } from "../index.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const secs = arg("seconds", 5);
const concurrency = arg("concurrency", 10);
const opsPerKey = arg("ops-per-key", 100);
const sinkKind = (() => {
  const i = process.argv.indexOf("--sink");
  const v = i >= 0 ? process.argv[i + 1] : "file";
  if (v !== "file" && v !== "memory" && v !== "none")
    throw new Error(`--sink must be file, memory or none, got ${v}`);
  return v;
})();

const registers = new Map<string, number>();
const worker: Worker = {
  invoke(op: Event): Promise<Completion> {
    return new Promise((resolve) =>
      setImmediate(() => {
        const key = op.key!;
        const cur = registers.get(key);
        if (op.f === "read") return resolve({ type: "ok", value: cur ?? null });
        if (op.f === "write") {
          registers.set(key, op.value as number);
          return resolve({ type: "ok" });
        }
        const [from, to] = op.value as [number, number];
        if (cur === from) {
          registers.set(key, to);
          return resolve({ type: "ok" });
        }
        resolve({ type: "fail" });
      }),
    );
  },
};

const keysKind = process.argv.includes("pool") ? "pool" : "concurrent";
const perKeyGen = () =>
  mix([
    fn(() => ({ f: "read" })),
    fn((ctx) => ({ f: "write", value: ctx.random.int(5) })),
    fn((ctx) => ({ f: "cas", value: [ctx.random.int(5), ctx.random.int(5)] })),
  ]);
const gen = clients(
  keysKind === "pool"
    ? perKey({ opsPerKey, gen: perKeyGen })
    : concurrentKeys({ groupSize: 5, opsPerKey, gen: perKeyGen }),
);

const dir = mkdtempSync(join(tmpdir(), "gauntlet-bench-harness-"));
try {
  const file = join(dir, "history.jsonl");
  const writer = sinkKind === "file" ? HistoryWriter.open(file) : undefined;
  const recorder = new Recorder(writer ?? { write: () => {} });
  let dropped = 0;
  const sink = sinkKind === "none" ? () => void dropped++ : recorder.sink;
  const clock = realClock();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await interpret({
    generator: gen,
    workers: Array.from({ length: concurrency }, () => worker),
    clock,
    sink,
    seed: 1,
    timeLimit: seconds(secs),
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  writer?.close();
  const ops = result.invocations;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const size = writer ? statSync(file).size : 0;
  console.log(
    JSON.stringify(
      {
        bench: "harness",
        sink: sinkKind,
        keys: keysKind,
        concurrency,
        opsPerKey,
        seconds: Number(wall.toFixed(2)),
        ops,
        events: recorder.events + dropped,
        opsPerSecond: Math.round(ops / wall),
        opsPerCpuSecond: Math.round(ops / cpuS),
        cpuMicrosPerOp: Number(((cpuS * 1e6) / ops).toFixed(1)),
        cpuUtilisation: Number((cpuS / wall).toFixed(2)),
        historyBytes: size,
        keysUsed: recorder.keys.size,
        ok: recorder.ok,
        fail: recorder.fail,
        load: loadavg().map((x) => Number(x.toFixed(2))),
        node: process.version,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
