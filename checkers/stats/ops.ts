/**
 * Operation statistics as a checker (Jepsen's stats; every workload composes it): counts per function and outcome, ok / fail
 * / info rates. Valid when every function the workload used succeeded at least once; otherwise
 * `"unknown"` — a test in which, say, no write ever succeeded proves little.
 */
import type { Operation } from "../history/types.js";

/** A checker's verdict, as harness/api's CheckResult has it (checkers import nothing else). */
export interface OpStatsResult {
  valid: true | "unknown";
  byF: Record<string, FnStats>;
  reason?: string;
  [detail: string]: unknown;
}

export interface FnStats {
  ok: number;
  fail: number;
  info: number;
  okRate: number;
}

export function opStats(history: readonly Operation[]): OpStatsResult {
  const byF: Record<string, FnStats> = {};
  for (const op of history) {
    if (op.process === "nemesis" || op.type === "invoke") continue;
    const s = (byF[op.f] ??= { ok: 0, fail: 0, info: 0, okRate: 0 });
    s[op.type]++;
  }
  const never: string[] = [];
  for (const [f, s] of Object.entries(byF)) {
    const n = s.ok + s.fail + s.info;
    s.okRate = n === 0 ? 0 : Math.round((s.ok / n) * 1000) / 1000;
    if (s.ok === 0) never.push(f);
  }
  if (Object.keys(byF).length === 0)
    return { valid: "unknown", byF, reason: "no client operation completed" };
  if (never.length) return { valid: "unknown", byF, reason: `no successful ${never.join(", ")}` };
  return { valid: true, byF };
}
