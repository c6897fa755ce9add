/**
 * One measured benchmark run: starts the worker threads (or runs the load in this thread when
 * `workers` is 0), gives them a common start time once their connections are up, shows
 * progress, samples the CPU of this process and of the server processes over the measured
 * part, and merges what the workers measured (./report.ts).
 */
import { Worker } from "node:worker_threads";
import { nowMs, processCpuMs } from "./clock.js";
import { runLoad, type LoadResult, type LoadSpec, type LoadTiming } from "./load.js";
import { expectedWatchEvents, mergeRun, planSlices, round } from "./report.js";
import type { CpuReport, RunResult } from "./types.js";

export interface ServerProcess {
  node: string;
  pid: number;
}

export interface RunHooks {
  /** Called about 4 times a second with measured ops and errors so far (for a progress bar). */
  progress?: (p: { ops: number; errors: number; elapsedS: number; phase: "warmup" | "measure" }) => void;
  /** Server processes whose CPU is sampled. */
  servers?: readonly ServerProcess[];
  serversNote?: string;
}

interface Running {
  ready: Promise<void>;
  start(t: LoadTiming): void;
  result: Promise<LoadResult>;
  stop(): Promise<void>;
}

function inWorker(
  spec: LoadSpec,
  slice: ReturnType<typeof planSlices>[number],
  progress: SharedArrayBuffer,
): Running {
  const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: { spec, slice, progress } });
  let readyOk!: () => void;
  let fail!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyOk = res;
    fail = rej;
  });
  const result = new Promise<LoadResult>((res, rej) => {
    w.on("message", (m: { ready?: boolean; result?: LoadResult; error?: string }) => {
      if (m.ready) readyOk();
      else if (m.result) res(m.result);
      else if (m.error !== undefined) {
        const e = new Error(m.error);
        fail(e);
        rej(e);
      }
    });
    w.on("error", (e) => {
      fail(e);
      rej(e);
    });
    w.on("exit", (code) => {
      const e = new Error(`benchmark worker ${slice.worker} exited (code ${code}) without a result`);
      fail(e);
      rej(e);
    });
  });
  result.catch(() => {});
  ready.catch(() => {});
  return {
    ready,
    start: (timing) => w.postMessage({ timing }),
    result,
    stop: async () => {
      await w.terminate();
    },
  };
}

function inThread(
  spec: LoadSpec,
  slice: ReturnType<typeof planSlices>[number],
  progress: SharedArrayBuffer,
): Running {
  let timing: LoadTiming | undefined;
  let go!: () => void;
  const started = new Promise<void>((r) => (go = r));
  let readyOk!: () => void;
  const ready = new Promise<void>((r) => (readyOk = r));
  const lazy: LoadTiming = {
    get startAt() {
      return timing!.startAt;
    },
    get measureFrom() {
      return timing!.measureFrom;
    },
    get measureUntil() {
      return timing!.measureUntil;
    },
  };
  const result = runLoad(spec, slice, lazy, {
    progress: new Int32Array(progress),
    ready: readyOk,
    waitStart: () => started,
  });
  result.catch(() => {});
  return {
    ready: Promise.race([ready, result.then(() => {})]),
    start: (t) => {
      timing = t;
      go();
    },
    result,
    stop: async () => {},
  };
}

/** Runs the load once and returns the merged, measured run. */
export async function runOnce(
  spec: LoadSpec,
  hooks: RunHooks = {},
): Promise<{ run: RunResult; workers: number }> {
  const slices = planSlices(spec);
  const sab = new SharedArrayBuffer(8 * slices.length);
  const counters = new Int32Array(sab);
  const running = slices.map((s) => (spec.workers === 0 ? inThread(spec, s, sab) : inWorker(spec, s, sab)));
  try {
    await Promise.all(running.map((r) => r.ready));
    const startAt = nowMs() + 50;
    const measureFrom = startAt + spec.warmupS * 1000;
    const measureUntil = spec.total > 0 ? Infinity : measureFrom + spec.durationS * 1000;
    for (const r of running) r.start({ startAt, measureFrom, measureUntil });

    // CPU of this process and the servers over the measured part.
    const servers = hooks.servers ?? [];
    let cpu0: NodeJS.CpuUsage | undefined;
    let srv0: (number | undefined)[] = [];
    let t0 = measureFrom;
    const atMeasure = setTimeout(
      () => {
        cpu0 = process.cpuUsage();
        srv0 = servers.map((s) => processCpuMs(s.pid));
        t0 = nowMs();
      },
      Math.max(0, measureFrom - nowMs()),
    );
    const timer = setInterval(() => {
      let ops = 0;
      let errors = 0;
      for (let i = 0; i < slices.length; i++) {
        ops += counters[2 * i]!;
        errors += counters[2 * i + 1]!;
      }
      const now = nowMs();
      hooks.progress?.({
        ops,
        errors,
        elapsedS: Math.max(0, (now - (now < measureFrom ? startAt : measureFrom)) / 1000),
        phase: now < measureFrom ? "warmup" : "measure",
      });
    }, 250);
    let results: LoadResult[];
    try {
      results = await Promise.all(running.map((r) => r.result));
    } finally {
      clearInterval(timer);
      clearTimeout(atMeasure);
    }
    const t1 = nowMs();
    const cpu1 = process.cpuUsage(cpu0);
    const srv1 = servers.map((s) => processCpuMs(s.pid));
    const ops = results.reduce((a, r) => a + r.ops, 0);
    const wall = Math.max(1, t1 - t0);
    const userMs = cpu1.user / 1000;
    const sysMs = cpu1.system / 1000;
    const totalMs = userMs + sysMs;
    const perOp = (ms: number): number => (ops > 0 ? round((ms * 1000) / ops, 1) : 0);
    const cpu: CpuReport = {
      client: {
        total_ms: round(totalMs, 1),
        user_ms: round(userMs, 1),
        system_ms: round(sysMs, 1),
        us_per_op: perOp(totalMs),
        percent: round((100 * totalMs) / wall, 1),
      },
      servers: [],
    };
    const workerCpu = results.filter((r) => r.cpuMs !== undefined);
    if (spec.workers > 0 && workerCpu.length > 0)
      cpu.client.workers = workerCpu.map((r) => ({
        worker: r.worker,
        total_ms: round(r.cpuMs!, 1),
        us_per_op: r.ops > 0 ? round((r.cpuMs! * 1000) / r.ops, 1) : 0,
      }));
    servers.forEach((s, i) => {
      const a = srv0[i];
      const b = srv1[i];
      if (a === undefined || b === undefined) return;
      cpu.servers.push({
        node: s.node,
        pid: s.pid,
        total_ms: round(b - a, 1),
        percent: round((100 * (b - a)) / wall, 1),
        us_per_op: perOp(b - a),
      });
    });
    if (hooks.serversNote) cpu.servers_note = hooks.serversNote;
    const run = mergeRun(results, measureFrom, spec.total > 0 ? undefined : measureUntil, cpu);
    if (run.watch) run.watch.expected_events = expectedWatchEvents(run.watch.puts, spec);
    return { run, workers: slices.length };
  } finally {
    await Promise.allSettled(running.map((r) => r.stop()));
  }
}
