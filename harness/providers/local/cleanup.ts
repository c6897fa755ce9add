/**
 * Undo what a killed run left, from its state file: kill its member process groups (only
 * processes whose pid and start time match the record), delete its iptables rules,
 * namespaces and links, unmount its mounts, and drop its `.active/` pointer. A run whose
 * harness process still lives is left alone unless `force` is set.
 */
import { existsSync } from "node:fs";
import { undoNetwork } from "./netns.js";
import { runIgnoring, GONE } from "./sh.js";
import { undoMounts } from "./disk.js";
import { isAlive, listActive, readState, unregisterActive, writeState, type LocalState } from "./state.js";

export interface CleanupReport {
  runId: string;
  runDir: string;
  /** "cleaned", "skipped: <why>", or "failed: <errors>". */
  outcome: string;
  removed: string[];
}

async function killRecorded(state: LocalState, removed: string[]): Promise<void> {
  for (const [node, p] of Object.entries(state.processes)) {
    if (!isAlive(p)) continue;
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 50 && isAlive(p); i++) await new Promise((r) => setTimeout(r, 100));
    removed.push(`process ${node} (pid ${p.pid})`);
  }
  state.processes = {};
}

/** Cleans one run directory. */
export async function cleanupRun(runDir: string, opts: { force?: boolean } = {}): Promise<CleanupReport> {
  let state: LocalState;
  try {
    state = readState(runDir);
  } catch (err) {
    return {
      runId: "?",
      runDir,
      outcome: `failed: cannot read ${runDir}/state.json: ${String(err)}`,
      removed: [],
    };
  }
  const base = { runId: state.runId, runDir };
  if (!opts.force && isAlive(state.harness))
    return {
      ...base,
      outcome: `skipped: its harness (pid ${state.harness.pid}) is still running (use --force)`,
      removed: [],
    };
  const removed: string[] = [];
  await killRecorded(state, removed);
  const errors = await undoNetwork(state, (line) => removed.push(line.replace(/^removed /, "")));
  errors.push(...(await undoMounts(state, (line) => removed.push(line.replace(/^removed /, "")))));
  if (errors.length === 0) {
    state.netns = [];
    state.links = [];
    state.iptables = [];
    state.mounts = [];
  }
  if (existsSync(runDir)) writeState(state);
  return { ...base, outcome: errors.length ? `failed: ${errors.join("; ")}` : "cleaned", removed };
}

/** Cleans every run listed in `<resultsRoot>/.active/` or this machine's registry (or only `runId`). */
export async function cleanupAll(
  resultsRoot: string,
  opts: { force?: boolean; runId?: string } = {},
): Promise<CleanupReport[]> {
  const reports: CleanupReport[] = [];
  for (const a of listActive(resultsRoot)) {
    if (opts.runId && a.runId !== opts.runId) continue;
    if (!a.runDir || !existsSync(a.runDir)) {
      unregisterActive(a.resultsRoot ?? resultsRoot, a.runId);
      reports.push({
        runId: a.runId,
        runDir: a.runDir,
        outcome: "cleaned (run directory gone; pointer removed)",
        removed: [],
      });
      continue;
    }
    // --force reaches only runs under this results root, never another root's live run.
    const r = await cleanupRun(a.runDir, { force: opts.force && a.local });
    if (r.outcome === "cleaned") unregisterActive(a.resultsRoot ?? resultsRoot, a.runId);
    reports.push(r);
  }
  return reports;
}

/** Names of namespaces and links that look like Gauntlet's (for `cleanup --list`), owned by no active run. */
export async function strayNames(resultsRoot: string): Promise<string[]> {
  const { run } = await import("./sh.js");
  const owned = new Set<string>();
  // Names carry their run's id (gauntlet-<id>-<node>, gt<id>[<node>]): anything of a run that
  // is still registered is never a stray, even when its state file cannot be read (yet).
  const activeIds = new Set<string>();
  for (const a of listActive(resultsRoot)) {
    activeIds.add(a.runId);
    try {
      const s = readState(a.runDir);
      s.netns.forEach((n) => owned.add(n));
      s.links.forEach((l) => owned.add(l));
    } catch {
      /* unreadable: its names count as stray */
    }
  }
  const out: string[] = [];
  const ns = await run(["ip", "netns", "list"]).catch(() => "");
  for (const line of ns.split("\n")) {
    const name = line.split(" ")[0];
    if (!name || !name.startsWith("gauntlet-") || owned.has(name)) continue;
    if (activeIds.has(/^gauntlet-([a-z0-9]{6})-/.exec(name)?.[1] ?? "")) continue;
    // A namespace with processes in it belongs to something alive: never a stray.
    const pids = await run(["ip", "netns", "pids", name]).catch(() => "");
    if (pids.trim() === "") out.push(`netns ${name}`);
  }
  const links = await run(["ip", "-o", "link"]).catch(() => "");
  for (const line of links.split("\n")) {
    const m = /^\d+: (gt[a-z0-9]{6}[^:@]*)[@:]/.exec(line);
    if (m && !owned.has(m[1]!) && !activeIds.has(m[1]!.slice(2, 8))) out.push(`link ${m[1]}`);
  }
  return out;
}

/** Removes stray Gauntlet namespaces and links (names from `strayNames`). */
export async function removeStrays(names: string[]): Promise<string[]> {
  const errors: string[] = [];
  for (const n of names) {
    const [kind, name] = n.split(" ") as [string, string];
    try {
      await runIgnoring(kind === "netns" ? ["ip", "netns", "del", name] : ["ip", "link", "del", name], GONE);
    } catch (err) {
      errors.push(`${n}: ${String(err)}`);
    }
  }
  return errors;
}
