/**
 * Checker composition (ARCHITECTURE.md, "Checker"). A checker is `check(history, opts) →
 * { valid, ...details }`. `composeCheckers` runs several by name; one that throws yields
 * `"unknown"` with its error instead of crashing the analysis, and validity merges as
 * `false` > `"unknown"` > `true`.
 *
 * ```ts
 * const result = await runCheckers({ linear: linearChecker, stats: statsChecker }, history);
 * // { valid: false, checkers: { linear: { valid: false, ... }, stats: { valid: true, ... } } }
 * ```
 */
import type { Operation } from "../../checkers/history/types.js";

export type Validity = true | false | "unknown";

export interface CheckResult {
  valid: Validity;
  [detail: string]: unknown;
}

export interface CheckOptions {
  /** Wall-clock budget for searches, in ms; a search out of budget answers "unknown". */
  timeLimitMs?: number;
  [option: string]: unknown;
}

export interface Checker {
  check(history: readonly Operation[], opts: CheckOptions): CheckResult | Promise<CheckResult>;
}

/** `false` > `"unknown"` > `true`. */
export function mergeValidity(a: Validity, b: Validity): Validity {
  if (a === false || b === false) return false;
  if (a === "unknown" || b === "unknown") return "unknown";
  return true;
}

export interface ComposedResult extends CheckResult {
  checkers: Record<string, CheckResult>;
}

/** Runs every checker in turn; a throwing one yields `{ valid: "unknown", error }`. */
export async function runCheckers(
  checkers: Readonly<Record<string, Checker>>,
  history: readonly Operation[],
  opts: CheckOptions = {},
): Promise<ComposedResult> {
  const results: Record<string, CheckResult> = {};
  let valid: Validity = true;
  for (const [name, checker] of Object.entries(checkers)) {
    let r: CheckResult;
    try {
      r = await checker.check(history, opts);
      if (r.valid !== true && r.valid !== false && r.valid !== "unknown")
        r = { ...r, valid: "unknown", error: `checker returned valid=${String(r.valid)}` };
    } catch (err) {
      r = { valid: "unknown", error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    results[name] = r;
    valid = mergeValidity(valid, r.valid);
  }
  return { valid, checkers: results };
}

/** A checker made of others, for nesting (e.g. a workload's checker = linear + stats + latency). */
export function composeCheckers(checkers: Readonly<Record<string, Checker>>): Checker {
  return { check: (history, opts) => runCheckers(checkers, history, opts) };
}
