/**
 * The set workload (`--workload set`, as Jepsen's etcd suite has): clients add unique elements
 * to sets and read whole sets (./client.ts for how a set lives in etcd, ./generator.ts for the
 * ops), and after the faults are healed every client reads every set. Its checker: Jepsen's
 * set-full (checkers/set: every acknowledged element must be in every read that began after
 * its add completed — lost, stale, unexpected and duplicated elements are errors; stale only
 * for linearizable reads), the global revision check (checkers/revisions), and op statistics.
 */
import { checkSet } from "../../checkers/set/index.js";
import type { Checker } from "../../harness/api/checker.js";
import { composeCheckers } from "../../harness/api/checker.js";
import type { Workload } from "../../harness/api/workload.js";
import { createClient } from "../../harness/client/client.js";
import type { GenLike } from "../../harness/generator/types.js";
import { resolveKeyedOptions, revisionChecker, statsChecker, type KeyedOptions } from "../common/options.js";
import { setClient } from "./client.js";
import { finalSetReads, setGenerator } from "./generator.js";

/** `--ops-per-key` etc. (../common/options.ts); `--serializable` applies to the main phase only (final reads stay linearizable). */
export type SetOptions = KeyedOptions;

/** The set-full check (reads marked `serializable` may be stale; the others may not). */
export const setChecker: Checker = { check: (h) => ({ ...checkSet(h) }) };

export function setWorkloadChecker(o: { serializable?: boolean } = {}): Checker {
  return composeCheckers({
    set: setChecker,
    revisions: revisionChecker(o),
    stats: statsChecker,
  });
}

export function setWorkload(o: SetOptions = {}): Workload<GenLike> {
  const options = resolveKeyedOptions(o);
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
