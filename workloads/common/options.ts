/**
 * What the key-per-thread-group workloads (register, set) share: their options, with defaults
 * and the check of `--ops-per-key`, and the checkers they both compose (the global revision
 * check and op statistics).
 */
import { checkRevisions } from "../../checkers/revisions/index.js";
import { opStats } from "../../checkers/stats/ops.js";
import type { Checker } from "../../harness/api/checker.js";

export interface KeyedOptions {
  /** Ops per key (register) or set before a fresh one (`--ops-per-key`, default 100). */
  opsPerKey?: number;
  /** Threads on one key at a time (default 5). */
  threadsPerKey?: number;
  /** `--serializable`: serializable reads (may be stale; the checkers must catch that). */
  serializable?: boolean;
  /** Request deadline, ms (default 5000). */
  timeoutMs?: number;
  /** etcd key prefix (default `gauntlet/<runId>/`, set by the runner). */
  prefix?: string;
}

export type ResolvedKeyedOptions = Required<KeyedOptions>;

/** The options with their defaults; a bad `--ops-per-key` is a RangeError naming the flag. */
export function resolveKeyedOptions(o: KeyedOptions): ResolvedKeyedOptions {
  const options = {
    opsPerKey: o.opsPerKey ?? 100,
    threadsPerKey: o.threadsPerKey ?? 5,
    serializable: o.serializable ?? false,
    timeoutMs: o.timeoutMs ?? 5000,
    prefix: o.prefix ?? "gauntlet/",
  };
  if (!(Number.isInteger(options.opsPerKey) && options.opsPerKey >= 1))
    throw new RangeError(`--ops-per-key must be an integer >= 1, got ${o.opsPerKey}`);
  return options;
}

/** The global revision check; `serializable` reads may lag, so their revisions are only upper bounds. */
export function revisionChecker(o: { serializable?: boolean } = {}): Checker {
  return { check: (h) => ({ ...checkRevisions(h, { linearizableReads: !o.serializable }) }) };
}

/** Op statistics (checkers/stats/ops.ts) as a checker. */
export const statsChecker: Checker = { check: (h) => opStats(h) };
