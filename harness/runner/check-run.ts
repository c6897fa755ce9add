/**
 * Checking a recorded history (at the end of a run, and `gauntlet check RUN_DIR`): read
 * `history.jsonl` back with checkers/history (so the run is checked exactly as stored), run the
 * workload's checker (a throwing checker yields "unknown"), and add op counts.
 */
import { join } from "node:path";
import type { Operation } from "../../checkers/history/types.js";
import { readHistoryFile } from "../../checkers/history/files.js";
import { runCheckers, type Checker, type ComposedResult } from "../api/checker.js";
import { FILES } from "./results.js";

export interface RunCheck extends ComposedResult {
  /** Number of history events read. */
  events: number;
  /** ms spent reading and checking. */
  readMs: number;
  checkMs: number;
}

export async function checkHistory(
  history: readonly Operation[],
  checkers: Readonly<Record<string, Checker>>,
  timeLimitMs?: number,
): Promise<ComposedResult & { checkMs: number }> {
  const t0 = performance.now();
  const r = await runCheckers(checkers, history, { timeLimitMs });
  return { ...r, checkMs: Math.round(performance.now() - t0) };
}

export async function checkRunDir(
  runDir: string,
  checkers: Readonly<Record<string, Checker>>,
  timeLimitMs?: number,
): Promise<RunCheck> {
  const t0 = performance.now();
  const { operations } = await readHistoryFile(join(runDir, FILES.history));
  const readMs = Math.round(performance.now() - t0);
  const r = await checkHistory(operations, checkers, timeLimitMs);
  return { ...r, events: operations.length, readMs };
}
