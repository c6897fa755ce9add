/**
 * The local provider's state file: every process, network namespace, link, iptables rule and
 * mount a run creates is recorded here *before* it is created, so that `gauntlet cleanup` can
 * undo what a killed run left. Written atomically (temp file + rename) at `<runDir>/state.json`;
 * a pointer `<resultsRoot>/.active/<runId>.json` lists runs not yet torn down.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

export interface ProcessRecord {
  pid: number;
  /** Start time from /proc/<pid>/stat (clock ticks since boot), to tell a reused pid apart. */
  start: string;
}

export interface IptablesRecord {
  /** Namespace the rule lives in; undefined for the host. */
  netns?: string;
  /** The rule as given after `-A`/`-I <chain>`, e.g. ["INPUT", "-s", "10.77.3.12", "-j", "DROP"]. */
  rule: string[];
}

export interface LocalState {
  version: 1;
  runId: string;
  runDir: string;
  /** The harness process that owns the run: cleanup leaves the run alone while it lives. */
  harness: ProcessRecord;
  processes: Record<string, ProcessRecord>;
  netns: string[];
  /** Host-side links (veths, the bridge), deleted after the namespaces. */
  links: string[];
  iptables: IptablesRecord[];
  mounts: string[];
}

export function emptyState(runId: string, runDir: string, harness: ProcessRecord): LocalState {
  return {
    version: 1,
    runId,
    runDir,
    harness,
    processes: {},
    netns: [],
    links: [],
    iptables: [],
    mounts: [],
  };
}

export function stateFile(runDir: string): string {
  return join(runDir, "state.json");
}

export function activeDir(resultsRoot: string): string {
  return join(resultsRoot, ".active");
}

export function writeState(state: LocalState): void {
  const path = stateFile(state.runDir);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  renameSync(tmp, path);
}

export function readState(runDir: string): LocalState {
  return JSON.parse(readFileSync(stateFile(runDir), "utf8")) as LocalState;
}

/**
 * Runs in progress on this machine, whatever their results root: `<tmpdir>/gauntlet-active/`
 * (or `$GAUNTLET_ACTIVE_DIR`). `cleanup` and `cleanup --strays` read it too, so that a run
 * under another results root is found, and never mistaken for a stray.
 */
export function machineActiveDir(): string {
  return process.env.GAUNTLET_ACTIVE_DIR ?? join(tmpdir(), "gauntlet-active");
}

export interface ActivePointer {
  runId: string;
  runDir: string;
  resultsRoot?: string;
  pointer: string;
  /** Listed under the results root asked about (false: found only in the machine's registry). */
  local: boolean;
}

export function registerActive(resultsRoot: string, runId: string, runDir: string): void {
  const body = JSON.stringify({ runId, runDir, resultsRoot }) + "\n";
  for (const dir of [activeDir(resultsRoot), machineActiveDir()]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${runId}.json`), body);
  }
}

export function unregisterActive(resultsRoot: string, runId: string): void {
  for (const dir of [activeDir(resultsRoot), machineActiveDir()])
    rmSync(join(dir, `${runId}.json`), { force: true });
}

function readPointers(dir: string, local: boolean): ActivePointer[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: ActivePointer[] = [];
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    const pointer = join(dir, name);
    try {
      const p = JSON.parse(readFileSync(pointer, "utf8")) as {
        runId: string;
        runDir: string;
        resultsRoot?: string;
      };
      out.push({ ...p, pointer, local });
    } catch {
      out.push({ runId: name.replace(/\.json$/, ""), runDir: "", pointer, local });
    }
  }
  return out;
}

/** Unfinished runs listed under `resultsRoot` and, unless `localOnly`, anywhere on this machine. */
export function listActive(resultsRoot: string, localOnly = false): ActivePointer[] {
  const seen = new Map<string, ActivePointer>();
  for (const p of readPointers(activeDir(resultsRoot), true)) seen.set(p.runId, p);
  if (!localOnly)
    for (const p of readPointers(machineActiveDir(), false)) if (!seen.has(p.runId)) seen.set(p.runId, p);
  return [...seen.values()];
}

/** The start time of a live process, or undefined when there is none with that pid. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime); the command name (field 2) may hold spaces, so split after ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (rest[0] === "Z" || rest[0] === "X") return undefined; // dead, waiting to be reaped
    return rest[19];
  } catch {
    return undefined;
  }
}

/** True when the recorded process still runs (same pid and same start time). */
export function isAlive(p: ProcessRecord): boolean {
  return processStart(p.pid) === p.start;
}

export function selfRecord(): ProcessRecord {
  return { pid: process.pid, start: processStart(process.pid) ?? "" };
}
