/**
 * One test run, phase by phase (ARCHITECTURE.md, "Run"): start the cluster → wait until healthy
 * → clients and nemesis under the time limit → stop faults, heal → settle → final reads →
 * tear down → check. The history is appended to `history.jsonl` as it happens; test.json is
 * written before load starts, results.json at the end; `results/latest` points at the run.
 *
 * Ctrl-C (SIGINT): the first stops new operations, heals, tears down, writes and checks what
 * was recorded; a second tears the cluster down and exits at once (code 3). Teardown happens
 * on every path: normal end, error, interrupt.
 */
import { randomBytes, randomInt } from "node:crypto";
import { join } from "node:path";
import type { Validity } from "../api/checker.js";
import { requireCapabilities } from "../api/capabilities.js";
import { HarnessError, type Cluster, type ClusterSpec } from "../api/cluster.js";
import type { NemesisPackage, Workload } from "../api/workload.js";
import { HistoryWriter } from "../../checkers/history/files.js";
import { realClock } from "../generator/clock.js";
import { interpret } from "../generator/interpreter.js";
import { clients, clientsAndNemesis } from "../generator/threads.js";
import type { GenLike, InterpreterResult } from "../generator/types.js";
import { checkHistory } from "./check-run.js";
import { untilAborted } from "./abortable.js";
import { readHistoryFile } from "../../checkers/history/files.js";
import { startProgress } from "./progress.js";
import { Recorder } from "./recorder.js";
import { FILES, linkLatest, makeRunDir, runLog, writeJson } from "./results.js";
import { summarize, verdictLine } from "./summary.js";
import { clientWorkers, nemesisWorker, parseConcurrency } from "./workers.js";
import { gauntletVersion } from "./versions.js";

export interface RunConfig {
  testName: string;
  resultsRoot: string;
  /** Seed of every random choice; a random one when undefined (printed and stored). */
  seed?: number;
  timeLimitS: number;
  /** `N` or `Nn` (N per member). */
  concurrency: string | number;
  /** ops/s across all clients; 0 or undefined = unlimited. */
  rate?: number;
  nodes: number;
  provider: { name: string; start(spec: ClusterSpec): Promise<Cluster> };
  workload: (ctx: { runId: string; seed: number }) => Workload<GenLike>;
  nemesis?: NemesisPackage<GenLike>;
  /** Every option as given, for test.json. */
  options: Record<string, unknown>;
  healthTimeoutS?: number;
  settleS?: number;
  finalTimeoutS?: number;
  /** Budget for the checkers, ms. */
  checkTimeLimitMs?: number;
  /** Output: progress and summary go here (stdout), warnings to err (stderr). */
  out: (s: string) => void;
  err: (s: string) => void;
  tty: boolean;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests need not). */
  handleSignals?: boolean;
}

export interface RunOutcome {
  valid: Validity;
  runDir: string;
  exitCode: 0 | 1 | 2 | 3;
  error?: string;
  seed: number;
}

const EXIT: Record<string, 0 | 1 | 2> = { true: 0, false: 1, unknown: 2 };

function newRunId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join("");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the phases of one run share. */
interface Run {
  cfg: RunConfig;
  seed: number;
  runId: string;
  runDir: string;
  concurrency: number;
  log: (s: string) => void;
  say: (s: string) => void;
  testJson: Record<string, unknown>;
  rec: Recorder;
  abort: AbortController;
  cluster?: Cluster;
  workers: ReturnType<typeof clientWorkers>;
  workload?: Workload<GenLike>;
}

export async function runTest(cfg: RunConfig): Promise<RunOutcome> {
  const seed = cfg.seed ?? randomInt(0, 2 ** 31);
  const runId = newRunId();
  const runDir = makeRunDir(cfg.resultsRoot, cfg.testName);
  const log = runLog(join(runDir, FILES.log));
  const say = (s: string) => {
    cfg.out(s + "\n");
    log(s);
  };
  const concurrency = parseConcurrency(cfg.concurrency, cfg.nodes);
  say(`gauntlet run ${cfg.testName}: seed ${seed} (replay with --seed ${seed}), run id ${runId}`);
  say(`results: ${runDir}`);
  const testJson: Record<string, unknown> = {
    name: cfg.testName,
    runId,
    seed,
    started: new Date().toISOString(),
    provider: cfg.provider.name,
    nodes: cfg.nodes,
    concurrency,
    timeLimitS: cfg.timeLimitS,
    rate: cfg.rate ?? 0,
    options: cfg.options,
    versions: { gauntlet: gauntletVersion(), node: process.version, server: "not started" },
  };
  writeJson(join(runDir, FILES.test), testJson);

  const writer = HistoryWriter.open(join(runDir, FILES.history));
  const run: Run = {
    cfg,
    seed,
    runId,
    runDir,
    concurrency,
    log,
    say,
    testJson,
    rec: new Recorder(writer),
    abort: new AbortController(),
    workers: [],
  };
  let tearingDown: Promise<void> | undefined;
  /** Idempotent: a second caller waits for the first teardown to finish. */
  const teardown = (): Promise<void> =>
    (tearingDown ??= (async () => {
      await Promise.all(run.workers.map((w) => w.close()));
      if (cfg.nemesis)
        await cfg.nemesis.nemesis.teardown().catch((e) => log(`nemesis teardown: ${String(e)}`));
      await run.cluster?.teardown();
    })());
  const signals = cfg.handleSignals ? handleSignals(run, teardown, () => writer.close()) : undefined;

  let error: string | undefined;
  try {
    run.workload = cfg.workload({ runId, seed });
    testJson.workload = { name: run.workload.name, options: run.workload.options };
    testJson.nemesis = cfg.nemesis ? { name: cfg.nemesis.name, needs: cfg.nemesis.needs } : null;
    const cluster = await startCluster(run);
    const clock = realClock();
    const main = await mainPhase(run, run.workload, cluster, clock);
    const next = await healPhase(run, cluster, clock, main);
    if (!run.abort.signal.aborted && run.workload.finalGenerator)
      await finalReads(run, run.workload, cluster, clock, next);
  } catch (err) {
    error =
      err instanceof HarnessError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    log(`error: ${error}`);
  } finally {
    await teardown();
    writer.close();
    signals?.off();
  }
  return checkAndReport(run, error, signals?.interrupted() ?? false);
}

/**
 * Ctrl-C (SIGINT) once: stop new operations (the run heals, tears down and checks what was
 * recorded). Again, or SIGTERM: tear down and exit at once (code 3).
 */
function handleSignals(
  run: Run,
  teardown: () => Promise<void>,
  closeHistory: () => void,
): { off(): void; interrupted(): boolean } {
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1 && sig === "SIGINT") {
      run.cfg.err(
        `\ninterrupted: stopping clients, healing, tearing down, then checking what was recorded (Ctrl-C again to exit at once)\n`,
      );
      run.log("interrupted (SIGINT)");
      run.abort.abort();
      return;
    }
    run.cfg.err(`\n${sig}: tearing down and exiting\n`);
    run.log(`${sig}: exiting at once`);
    void teardown().finally(() => {
      try {
        closeHistory();
      } catch {
        /* closed */
      }
      process.exit(3);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    off: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
    interrupted: () => interrupts > 0,
  };
}

/** 1. Start the cluster, wait until it is healthy, check the nemesis's capabilities. */
async function startCluster(run: Run): Promise<Cluster> {
  const { cfg, say, testJson, runDir } = run;
  say(`starting ${cfg.nodes} member(s) with the ${cfg.provider.name} provider`);
  const cluster = await cfg.provider.start({ nodes: cfg.nodes, runDir, runId: run.runId, log: run.log });
  run.cluster = cluster;
  const versions = testJson.versions as Record<string, string>;
  versions.server = await cluster.serverVersion();
  testJson.endpoints = Object.fromEntries(cluster.nodes.map((n) => [n, cluster.clientEndpoints(n)]));
  testJson.unavailable = cluster.unavailable;
  writeJson(join(runDir, FILES.test), testJson);
  await cluster.waitHealthy((cfg.healthTimeoutS ?? 30) * 1000);
  versions.server = await cluster.serverVersion(); // external: known once it answered
  writeJson(join(runDir, FILES.test), testJson);
  say(`cluster healthy: ${cluster.nodes.map((n) => `${n}=${cluster.clientEndpoints(n)[0]}`).join(" ")}`);
  if (cfg.nemesis) requireCapabilities(`nemesis ${cfg.nemesis.name}`, cfg.nemesis.needs, cluster);
  return cluster;
}

/** 2. Clients and nemesis under the time limit. */
async function mainPhase(
  run: Run,
  workload: Workload<GenLike>,
  cluster: Cluster,
  clock: ReturnType<typeof realClock>,
): Promise<InterpreterResult> {
  const { cfg, rec } = run;
  run.workers = clientWorkers(workload as Workload<unknown>, cluster, run.concurrency);
  if (cfg.nemesis) await cfg.nemesis.nemesis.setup(cluster);
  const progress = startProgress(rec, {
    limitS: cfg.timeLimitS,
    elapsedS: () => clock.now() / 1e9,
    fault: () => cfg.nemesis?.active?.() ?? rec.activeFault(),
    tty: cfg.tty,
    write: cfg.tty ? cfg.err : cfg.out,
  });
  run.say(
    `load: ${run.concurrency} client(s)${cfg.rate ? ` at ${cfg.rate} ops/s` : ""} for ${cfg.timeLimitS} s, workload ${workload.name}, nemesis ${cfg.nemesis?.name ?? "none"}`,
  );
  let main: InterpreterResult;
  try {
    main = await interpret({
      generator: untilAborted(
        cfg.nemesis
          ? clientsAndNemesis(workload.generator, cfg.nemesis.generator)
          : clients(workload.generator),
        run.abort.signal,
      ),
      workers: run.workers,
      nemesis: cfg.nemesis ? nemesisWorker(cfg.nemesis.nemesis) : undefined,
      nemesisSlots: cfg.nemesis?.concurrency,
      clock,
      sink: rec.sink,
      seed: run.seed,
      rate: cfg.rate || undefined,
      timeLimit: cfg.timeLimitS * 1e9,
    });
  } finally {
    progress.stop();
  }
  rec.closeFaults(clock.now());
  run.say(
    `main phase ended (${main.stopped}) at ${(clock.now() / 1e9).toFixed(1)} s: ${rec.ok} ok, ${rec.fail} fail, ${rec.info} info`,
  );
  return main;
}

type Continuation = { index: number; processes: InterpreterResult["processes"] };

/**
 * 3. Stop faults and heal (every fault op in flight has completed: the main phase waited for
 * them): the nemesis's own final ops one at a time, then every capability undone.
 */
async function healPhase(
  run: Run,
  cluster: Cluster,
  clock: ReturnType<typeof realClock>,
  main: InterpreterResult,
): Promise<Continuation> {
  const { cfg } = run;
  let next: Continuation = { index: main.nextIndex, processes: main.processes };
  if (cfg.nemesis?.finalGenerator) {
    const r = await interpret({
      generator: cfg.nemesis.finalGenerator,
      workers: [],
      nemesis: nemesisWorker(cfg.nemesis.nemesis),
      clock,
      sink: run.rec.sink,
      seed: run.seed + 1,
      firstIndex: next.index,
      processes: [],
      timeLimit: clock.now() + 60e9,
    });
    next = { index: r.nextIndex, processes: next.processes };
  }
  if (cfg.nemesis)
    await cfg.nemesis.nemesis.teardown().catch((e) => run.log(`nemesis teardown: ${String(e)}`));
  await healAll(cluster, run.log);
  return next;
}

/** 4. Settle, then the workload's final reads. */
async function finalReads(
  run: Run,
  workload: Workload<GenLike>,
  cluster: Cluster,
  clock: ReturnType<typeof realClock>,
  next: Continuation,
): Promise<void> {
  const { cfg, rec } = run;
  await sleep((cfg.settleS ?? 1) * 1000);
  await cluster
    .waitHealthy((cfg.healthTimeoutS ?? 30) * 1000)
    .catch((e) => run.say(`warning: cluster not healthy before final reads: ${String(e).split("\n")[0]}`));
  const r = await interpret({
    generator: untilAborted(clients(workload.finalGenerator!([...rec.keys])), run.abort.signal),
    workers: run.workers,
    clock,
    sink: rec.sink,
    seed: run.seed + 2,
    firstIndex: next.index,
    processes: next.processes,
    timeLimit: clock.now() + (cfg.finalTimeoutS ?? 30) * 1e9,
  });
  run.say(`final reads: ${rec.keys.size} key(s) (${r.stopped})`);
}

/** 5. Check what was recorded (also after an error, if anything was); write results.json and the summary. */
async function checkAndReport(
  run: Run,
  error: string | undefined,
  interrupted: boolean,
): Promise<RunOutcome> {
  const { cfg, rec, runDir, say, seed, workload, testJson } = run;
  let valid: Validity = "unknown";
  const results: Record<string, unknown> = {};
  if (workload && rec.events > 0) {
    const { operations } = await readHistoryFile(join(runDir, FILES.history));
    const checked = await checkHistory(
      operations,
      { [workload.name]: workload.checker },
      cfg.checkTimeLimitMs,
    );
    valid = error ? "unknown" : checked.valid;
    Object.assign(results, checked);
    say(`checked ${operations.length} events in ${checked.checkMs} ms`);
  }
  Object.assign(results, {
    valid,
    ...(error ? { error } : {}),
    interrupted,
    counts: Object.fromEntries(rec.counts),
    latencyMs: rec.quantiles(),
    faults: rec.faults,
    nemesisLagMs: Object.fromEntries([...rec.nemesisLag].map(([f, l]) => [f, Math.round(l.maxMs)])),
  });
  testJson.ended = new Date().toISOString();
  writeJson(join(runDir, FILES.test), testJson);
  writeJson(join(runDir, FILES.results), results);
  linkLatest(cfg.resultsRoot, runDir);
  if (rec.events > 0) cfg.out(summarize(rec, valid) + "\n");
  if (error) {
    cfg.err(`gauntlet: ${error}\n`);
    say(`run failed; see ${join(runDir, FILES.log)}`);
    return { valid, runDir, exitCode: 3, error, seed };
  }
  say(`${verdictLine(valid)}: ${runDir}`);
  return { valid, runDir, exitCode: EXIT[String(valid)]!, seed };
}

/** Undo every fault a capability can: heal the network, resume paused members, restart killed ones. */
async function healAll(cluster: Cluster, log: (s: string) => void): Promise<void> {
  const c = cluster.capabilities;
  const step = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (err) {
      log(`heal ${what}: ${String(err)}`);
    }
  };
  if (c.net) await step("network", () => c.net!.heal());
  for (const n of cluster.nodes) {
    if (c.pausable?.isPaused(n)) await step(`resume ${n}`, () => c.pausable!.resume(n));
    if (c.killable && !c.killable.isRunning(n)) await step(`restart ${n}`, () => c.killable!.start(n));
    if (c.clock) await step(`clock ${n}`, () => c.clock!.reset(n));
  }
}
