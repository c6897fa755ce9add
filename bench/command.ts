/**
 * `gauntlet bench` behind the yargs module: flags → a validated spec, the target (endpoints or
 * a started cluster), N measured runs with a progress bar, the summary and plots, `--json`.
 * Returns the exit code: 0 done, 3 on a bad flag, a failed start or no successful request.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import cliProgress from "cli-progress";
import { HarnessError } from "../harness/api/cluster.js";
import { splitArgs } from "../harness/providers/local/server-command.js";
import type { BenchArgv } from "./argv.js";
import { EXIT_ERROR, EXIT_VALID } from "../harness/api/exit-codes.js";
import { collectEnv, load1 } from "./env.js";
import type { LoadSpec } from "./load.js";
import { buildReport } from "./report.js";
import { checkKeySpace } from "./requests.js";
import { renderPlots, renderSummary } from "./render.js";
import { runOnce, type RunHooks } from "./runner.js";
import { openTarget, type Target } from "./target.js";
import type { BenchSpec, RunResult } from "./types.js";

function int(name: string, v: number, min: number): number {
  if (!(Number.isInteger(v) && v >= min))
    throw new HarnessError(`--${name} must be an integer >= ${min}, got ${v}`);
  return v;
}
function num(name: string, v: number, min: number, strict = false): number {
  if (!(Number.isFinite(v) && (strict ? v > min : v >= min)))
    throw new HarnessError(`--${name} must be a number ${strict ? ">" : ">="} ${min}, got ${v}`);
  return v;
}

/** Validates the flags and builds the spec (endpoints filled in later). Throws HarnessError. */
export function specFromArgv(
  a: BenchArgv,
): Omit<BenchSpec, "endpoints"> & { transport: LoadSpec["transport"] } {
  const clients = int("clients", a.clients, 1);
  const workers = a.workers === undefined ? 0 : int("workers", a.workers, 0);
  const conns = a.conns === undefined ? Math.max(1, workers) : int("conns", a.conns, 1);
  if (a.duration !== undefined && a.total !== undefined)
    throw new HarnessError("give --duration or --total, not both");
  const total = a.total === undefined ? 0 : int("total", a.total, 1);
  const durationS = total > 0 ? 0 : num("duration", a.duration ?? 10, 0, true);
  try {
    checkKeySpace(a["key-size"], a["key-space-size"]);
  } catch (e) {
    throw new HarnessError((e as Error).message);
  }
  if (a.op === "watch" && total > 0) throw new HarnessError("watch runs by --duration, not --total");
  if (a.op === "watch" && a["val-size"] < 8)
    throw new HarnessError("watch puts carry their send time: --val-size must be >= 8");
  return {
    op: a.op,
    clients,
    conns,
    workers,
    durationS,
    total,
    rate: num("rate", a.rate, 0),
    warmupS: num("warmup", a.warmup, 0),
    keySize: a["key-size"],
    valSize: int("val-size", a["val-size"], 0),
    keySpaceSize: a["key-space-size"],
    sequentialKeys: a["sequential-keys"],
    consistency: a.consistency,
    keysOnly: a["keys-only"],
    limit: int("limit", a.limit, 0),
    rwRatio: num("rw-ratio", a["rw-ratio"], 0),
    watchStreams: int("watch-streams", a["watch-streams"], 1),
    watchersPerStream: int("watchers-per-stream", a["watchers-per-stream"], 1),
    watchPutRate: num("watch-put-rate", a["watch-put-rate"], 0, true),
    timeoutMs: num("timeout", a.timeout, 0, true) * 1000,
    seed: a.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : int("seed", a.seed, 0),
    transport: a.transport,
  };
}

function progressReporter(
  spec: BenchSpec,
  run: number,
  runs: number,
  tty: boolean,
): RunHooks["progress"] & { stop(): void } {
  const label = runs > 1 ? `run ${run}/${runs} ` : "";
  const goal = spec.total > 0 ? spec.total : spec.durationS;
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label}{phase} [{bar}] {value}/{total} ${spec.total > 0 ? "ops" : "s"} | {ops} ops, {errors} errors, {rate} ops/s`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(goal, 0, { phase: "warmup ", ops: 0, errors: 0, rate: 0 });
    const fn = ((p) => {
      const value = spec.total > 0 ? p.ops : Math.min(goal, Math.floor(p.elapsedS * 10) / 10);
      bar.update(p.phase === "warmup" ? 0 : value, {
        phase: p.phase === "warmup" ? "warmup " : "measure",
        ops: p.ops,
        errors: p.errors,
        rate: p.elapsedS > 0 && p.phase === "measure" ? Math.round(p.ops / p.elapsedS) : 0,
      });
    }) as NonNullable<RunHooks["progress"]> & { stop(): void };
    fn.stop = () => bar.stop();
    return fn;
  }
  let last = -1;
  const fn = ((p) => {
    const s = Math.floor(p.elapsedS);
    if (p.phase !== "measure" || s === last || s % 2 !== 0) return;
    last = s;
    process.stderr.write(`${label}${s} s: ${p.ops} ops, ${p.errors} errors\n`);
  }) as NonNullable<RunHooks["progress"]> & { stop(): void };
  fn.stop = () => {};
  return fn;
}

export async function benchFromArgv(a: BenchArgv): Promise<number> {
  let target: Target | undefined;
  const onSignal = (): void => {
    void target?.close().finally(() => process.exit(EXIT_ERROR));
  };
  try {
    const base = specFromArgv(a);
    const repeat = int("repeat", a.repeat, 1);
    if (a.endpoints === undefined) int("nodes", a.nodes, 1);
    const jsonPath = a.json ? resolve(a.json) : undefined;
    if (jsonPath) mkdirSync(dirname(jsonPath), { recursive: true });
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    target = await openTarget({
      endpoints: a.endpoints,
      allowRemote: a["allow-remote"],
      server: a.server,
      nodes: a.nodes,
      provider: a.provider,
      etcdBinary: a["etcd-binary"],
      serverArgs: splitArgs(a["server-args"]),
      results: a.results,
      healthTimeoutS: num("health-timeout", a["health-timeout"], 0, true),
      keepData: a["keep-data"],
      keepImages: a["keep-images"],
      log: (line) => process.stderr.write(`${line}\n`),
    });
    // Without --conns: at least one connection per endpoint, so every member gets clients.
    const conns = a.conns === undefined ? Math.max(base.conns, target.endpoints.length) : base.conns;
    const spec: LoadSpec = { ...base, conns, endpoints: target.endpoints };
    const serverVersion = await target.version();
    const startedAt = new Date().toISOString();
    const loadStart = load1();
    const tty = Boolean(process.stderr.isTTY);
    const runs: RunResult[] = [];
    let workers = 1;
    for (let i = 1; i <= repeat; i++) {
      const progress = progressReporter(spec, i, repeat, tty);
      try {
        const r = await runOnce(spec, { progress, servers: target.servers, serversNote: target.serversNote });
        runs.push(r.run);
        workers = r.workers;
      } finally {
        progress.stop();
      }
      if (repeat > 1)
        process.stderr.write(
          `run ${i}/${repeat}: ${runs[i - 1]!.throughput} ops/s, p99 ${runs[i - 1]!.latency_ms.p99} ms\n`,
        );
    }
    const env = collectEnv(serverVersion, target.describe, loadStart);
    const report = buildReport(spec, runs, env, startedAt, workers);
    process.stdout.write(renderSummary(report) + "\n");
    if (a.plots) {
      const plots = renderPlots(report);
      if (plots) process.stdout.write(plots + "\n");
    }
    if (jsonPath) {
      writeFileSync(jsonPath, JSON.stringify(report, null, 1) + "\n");
      process.stdout.write(`report: ${jsonPath}\n`);
    }
    if (report.ops === 0) {
      console.error("gauntlet bench: no request succeeded (see the errors above)");
      return EXIT_ERROR;
    }
    return EXIT_VALID;
  } catch (err) {
    console.error(`gauntlet bench: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_ERROR;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await target?.close();
  }
}
