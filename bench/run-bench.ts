/**
 * bench:run — is the harness the bottleneck? Drives the real interpreter, the register
 * workload's generator, the recorder and the history writer (history.jsonl on disk, one write
 * per event) against an in-process fake etcd register (instant, linearizable answers with
 * revisions), on the real clock, for a few seconds; reports recorded ops/s and the time the
 * register checker takes on the resulting history. It composes the runner with a workload, which
 * bench/ may (it sits above workloads/ in docs/architecture.md's layers).
 *
 *   npm run bench:run            # 5 s, 16 clients
 *   npm run bench:run -- 10 32   # seconds, clients
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryWriter, readHistoryFile } from "../checkers/history/files.js";
import { realClock } from "../harness/generator/clock.js";
import { interpret } from "../harness/generator/interpreter.js";
import { clients } from "../harness/generator/threads.js";
import type { Completion, Event, Worker } from "../harness/generator/types.js";
import { Recorder } from "../harness/runner/recorder.js";
import { checkHistory } from "../harness/runner/check-run.js";
import { registerChecker } from "../workloads/register/index.js";
import { registerGenerator } from "../workloads/register/generator.js";

/** A linearizable in-memory etcd register store: every op applies atomically when invoked. */
function fakeEtcd(): (op: Event) => Completion {
  let rev = 1;
  const kv = new Map<string, { v: unknown; mod: number; ver: number }>();
  return (op) => {
    const k = op.key!;
    const cur = kv.get(k);
    switch (op.f) {
      case "read":
        return cur
          ? { type: "ok", value: cur.v, modRev: cur.mod, version: cur.ver, rev }
          : { type: "ok", value: null, modRev: 0, version: 0, rev };
      case "write":
        rev++;
        kv.set(k, { v: op.value, mod: rev, ver: (cur?.ver ?? 0) + 1 });
        return { type: "ok", value: op.value, rev };
      default: {
        const [from, to] = op.value as [unknown, unknown];
        if (cur && cur.v === from) {
          rev++;
          kv.set(k, { v: to, mod: rev, ver: cur.ver + 1 });
          return { type: "ok", value: op.value, rev };
        }
        return {
          type: "ok",
          value: op.value,
          swapped: false,
          observed: cur ? cur.v : null,
          modRev: cur?.mod ?? 0,
          version: cur?.ver ?? 0,
          rev,
        };
      }
    }
  };
}

/** The recorder and history writer alone: `n` write ops (2n events) straight into the sink. */
function recorderAlone(dir: string, n: number): void {
  const writer = HistoryWriter.open(join(dir, "alone.jsonl"));
  const rec = new Recorder(writer);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const process_ = i % 16;
    const key = `r${i >> 7}`;
    rec.sink({
      index: 2 * i,
      time: i * 50_000,
      process: process_,
      type: "invoke",
      f: "write",
      key,
      value: i % 5,
    });
    rec.sink({
      index: 2 * i + 1,
      time: i * 50_000 + 1000,
      process: process_,
      type: "ok",
      f: "write",
      key,
      value: i % 5,
      rev: i,
    });
  }
  writer.close();
  const c = process.cpuUsage(c0);
  const cpuS = (c.user + c.system) / 1e6;
  console.log(
    `recorder + history writer alone: ${n} ops (${2 * n} events) in ${cpuS.toFixed(2)} CPU-s = ${Math.round(n / cpuS)} ops per CPU-second`,
  );
}

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 16);
const dir = mkdtempSync(join(tmpdir(), "gauntlet-bench-run-"));
try {
  recorderAlone(dir, 200_000);
  const path = join(dir, "history.jsonl");
  const writer = HistoryWriter.open(path);
  const rec = new Recorder(writer);
  const apply = fakeEtcd();
  const workers: Worker[] = Array.from({ length: concurrency }, () => ({
    invoke: async (op: Event) => apply(op),
  }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await interpret({
    generator: clients(registerGenerator({ opsPerKey: 100, threadsPerKey: 5 })),
    workers,
    clock: realClock(),
    sink: rec.sink,
    seed: 1,
    timeLimit: seconds * 1e9,
  });
  writer.close();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ops = rec.ok + rec.fail + rec.info;
  console.log(
    `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")} (2 cores shared)`,
  );
  console.log(
    `recorded ${ops} ops (${rec.events} events, ${(statSync(path).size / 1e6).toFixed(1)} MB) in ${wall.toFixed(2)} s: ` +
      `${Math.round(ops / wall)} ops/s wall, ${Math.round(ops / ((cpu.user + cpu.system) / 1e6))} ops per CPU-second ` +
      `(${concurrency} clients, stopped: ${r.stopped})`,
  );
  const t1 = performance.now();
  const { operations } = await readHistoryFile(path);
  const readMs = performance.now() - t1;
  const checked = await checkHistory(operations, { register: registerChecker() });
  console.log(
    `check: read ${operations.length} events in ${Math.round(readMs)} ms, checked in ${checked.checkMs} ms: valid=${String(checked.valid)}` +
      ` (a 30 s run at this rate would be ${Math.round((ops / wall) * 30)} ops)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
