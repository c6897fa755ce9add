/**
 * The set workload (`--workload set`, as Jepsen's etcd suite has): clients add unique elements
 * to sets and read whole sets (./client.ts for how a set lives in etcd, ./generator.ts for the
 * ops), and after the faults are healed every client reads every set. Its checker: Jepsen's
 * set-full (checkers/set: every acknowledged element must be in every read that began after
 * its add completed — lost, stale, unexpected and duplicated elements are errors; stale only
 * for linearizable reads), the global revision check (checkers/revisions), and op statistics.
 */
import { checkRevisions } from "../../checkers/revisions/index.js";
import { checkSet } from "../../checkers/set/index.js";
import type { Checker } from "../../harness/api/checker.js";
import { composeCheckers } from "../../harness/api/checker.js";
import type { Workload } from "../../harness/api/workload.js";
import { createClient } from "../../harness/client/client.js";
import type { GenLike } from "../../harness/generator/types.js";
import { opStats } from "../../checkers/stats/ops.js";
import { setClient } from "./client.js";
import { finalSetReads, setGenerator } from "./generator.js";

export interface SetOptions {
  /** Ops per set before a fresh set (`--ops-per-key`, default 100). */
  opsPerKey?: number;
  /** Threads on one set at a time (default 5). */
  threadsPerKey?: number;
  /** `--serializable`: serializable reads in the main phase (final reads stay linearizable). */
  serializable?: boolean;
  /** Request deadline, ms (default 5000). */
  timeoutMs?: number;
  /** etcd key prefix (default `gauntlet/<runId>/`, set by the runner). */
  prefix?: string;
}

/** The set-full check (reads marked `serializable` may be stale; the others may not). */
export const setChecker: Checker = { check: (h) => ({ ...checkSet(h) }) };

export function setWorkloadChecker(o: { serializable?: boolean } = {}): Checker {
  return composeCheckers({
    set: setChecker,
    revisions: { check: (h) => ({ ...checkRevisions(h, { linearizableReads: !o.serializable }) }) },
    stats: { check: (h) => opStats(h) },
  });
}

export function setWorkload(o: SetOptions = {}): Workload<GenLike> {
  const options = {
    opsPerKey: o.opsPerKey ?? 100,
    threadsPerKey: o.threadsPerKey ?? 5,
    serializable: o.serializable ?? false,
    timeoutMs: o.timeoutMs ?? 5000,
    prefix: o.prefix ?? "gauntlet/",
  };
  if (!(Number.isInteger(options.opsPerKey) && options.opsPerKey >= 1))
    throw new RangeError(`--ops-per-key must be an integer >= 1, got ${o.opsPerKey}`);
  return {
    name: "set",
    options,
    async openClient({ cluster, node }) {
      const endpoint = cluster.clientEndpoints(node)[0]!;
      return setClient(createClient({ endpoint, timeoutMs: options.timeoutMs }), options);
    },
    generator: setGenerator(options),
    finalGenerator: (keys) => finalSetReads(keys),
    checker: setWorkloadChecker({ serializable: options.serializable }),
  };
}
