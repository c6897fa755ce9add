/**
 * `gauntlet fuzz` behind the yargs module: flags → a validated campaign (or a replay), the
 * server started or attached, Ctrl-C stopping cleanly, the findings printed. Exit code: 0 nothing
 * found, 1 a finding (or a replay that reproduces), 3 a bad flag or a failed start.
 */
import { resolve, join } from "node:path";
import { HarnessError } from "../harness/api/cluster.js";
import { parseEndpoints } from "../harness/providers/external/provider.js";
import { splitArgs } from "../harness/providers/local/server-command.js";
import type { FuzzArgv } from "./argv.js";
import { EXIT_ERROR, EXIT_INVALID, EXIT_VALID } from "../harness/api/exit-codes.js";
import { Campaign, type CampaignOptions } from "./campaign.js";
import { INPUT_CLASSES, type InputClass } from "./input.js";
import { replay } from "./replay.js";

const MiB = 1024 * 1024;

function num(name: string, v: number, min: number): number {
  if (!(Number.isFinite(v) && v >= min))
    throw new HarnessError(`--${name} must be a number >= ${min}, got ${v}`);
  return v;
}
function int(name: string, v: number, min: number): number {
  if (!(Number.isInteger(v) && v >= min))
    throw new HarnessError(`--${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function parseClasses(s: string | undefined): InputClass[] {
  if (s === undefined) return [...INPUT_CLASSES];
  const out = s
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of out)
    if (!(INPUT_CLASSES as readonly string[]).includes(c))
      throw new HarnessError(
        `unknown input class ${JSON.stringify(c)}: choose from ${INPUT_CLASSES.join(", ")}`,
      );
  if (out.length === 0) throw new HarnessError("--classes names no class");
  return out as InputClass[];
}

/** Validates every flag (before anything starts) and builds the campaign's options. */
export function optionsFromArgv(a: FuzzArgv, log: (line: string) => void): CampaignOptions {
  const allowRemote = a["allow-remote"];
  if (a.endpoints !== undefined) parseEndpoints(a.endpoints, allowRemote);
  const peerEndpoints =
    a["peer-endpoints"] === undefined
      ? undefined
      : parseEndpoints(a["peer-endpoints"], allowRemote).map((e) => e.address);
  if (peerEndpoints && a.endpoints === undefined)
    throw new HarnessError(
      "--peer-endpoints goes with --endpoints (a started reference server's peer ports are known)",
    );
  const nodes = a.nodes ?? (a.server === "reference" ? 3 : 1);
  if (a.endpoints === undefined) int("nodes", nodes, 1);
  const seed = a.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int("seed", a.seed, 0);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return {
    seed,
    classes: parseClasses(a.classes),
    maxInputs: int("max-inputs", a["max-inputs"], 1),
    timeLimitMs: num("time-limit", a["time-limit"], 0) * 1000,
    inputTimeoutMs: num("input-timeout", a["input-timeout"], 1) * 1000,
    bounds: {
      hangMs: num("hang-ms", a["hang-ms"], 10),
      maxRss: num("max-rss", a["max-rss"], 16) * MiB,
      rssGrowth: num("rss-growth", a["rss-growth"], 1) * MiB,
      fdSlack: int("fd-slack", a["fd-slack"], 0),
    },
    maxSelfRss: num("max-fuzzer-rss", a["max-fuzzer-rss"], 128) * MiB,
    shrinkRuns: int("shrink-runs", a["shrink-runs"], 0),
    shrinkMs: num("shrink-time", a["shrink-time"], 0) * 1000,
    maxShrinks: 3,
    cleanEvery: 200,
    server: {
      endpoints: a.endpoints,
      peerEndpoints,
      allowRemote,
      server: a.server,
      nodes,
      provider: a.provider,
      etcdBinary: a["etcd-binary"],
      serverArgs: splitArgs(a["server-args"]),
      results: a.results,
      healthTimeoutS: num("health-timeout", a["health-timeout"], 1),
      keepData: a["keep-data"],
      keepImages: a["keep-images"],
    },
    runDir: resolve(join(a.results, "fuzz", stamp)),
    log,
  };
}

export async function fuzzFromArgv(a: FuzzArgv): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let campaign: Campaign | undefined;
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    log("interrupted: finishing the current input and cleaning up (Ctrl-C again is ignored)");
    campaign?.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const o = optionsFromArgv(a, log);
    if (a.replay !== undefined) {
      const r = await replay(resolve(a.replay), o, () => interrupted);
      return r.reproduced ? EXIT_INVALID : EXIT_VALID;
    }
    log(`fuzz: seed ${o.seed} (replay this campaign with --seed ${o.seed}); results in ${o.runDir}`);
    campaign = new Campaign(o);
    const c = campaign;
    const bound = Campaign.hardDeadlineMs(o);
    // Every input, canary call and start is bounded; this is the bound on all of them together.
    const watchdog = setTimeout(() => {
      log(
        `fuzz: still running after its hard deadline (${(bound / 1000).toFixed(0)} s): stopping the server and exiting`,
      );
      void c.forceClose().finally(() => process.exit(EXIT_ERROR));
    }, bound);
    watchdog.unref();
    const report = await campaign.run().finally(() => clearTimeout(watchdog));
    log(
      `fuzz: ${report.inputs} inputs in ${report.durationS.toFixed(0)} s (${report.inputsPerS.toFixed(1)}/s), ` +
        `${(report.bytesSent / MiB).toFixed(0)} MiB sent, stopped by ${report.stoppedBy}; ` +
        `peak RSS ${
          Object.entries(report.peakRssMiB)
            .map(([n, m]) => `${n} ${m} MiB`)
            .join(", ") || "not measured"
        }`,
    );
    for (const [c, why] of Object.entries(report.skippedClasses)) log(`fuzz: class ${c} skipped: ${why}`);
    if (report.findings.length === 0) {
      log(`fuzz: nothing found (seed ${o.seed})`);
      return EXIT_VALID;
    }
    for (const f of report.findings) {
      log(
        `FINDING ${f.kind} on ${f.node} after ${f.foundAfterS.toFixed(1)} s (input ${f.index}, ${f.class}): ${f.detail}`,
      );
      log(`  input: ${f.what.slice(0, 200)}`);
      if (f.logTail)
        log(
          f.logTail
            .split("\n")
            .slice(-8)
            .map((l) => `  | ${l.slice(0, 300)}`)
            .join("\n"),
        );
      log(`  replay: gauntlet fuzz --replay ${f.file}${a.server === "etcd" ? " --server etcd" : ""}`);
    }
    log(
      `fuzz: ${report.findings.length} finding(s) (seed ${o.seed}); report ${join(o.runDir, "report.json")}`,
    );
    return EXIT_INVALID;
  } catch (e) {
    log(`gauntlet fuzz: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_ERROR;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
