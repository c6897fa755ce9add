/**
 * The register workload (`--workload register`, the default): independent keys, each a
 * register under read / write / cas (an etcd Txn comparing the value), `--ops-per-key` ops per
 * key and then a fresh key, linearizable reads unless `--serializable`. Its checker:
 * linearizability per key under the revision-aware `etcd-register` model (./model.ts), the
 * global revision check across keys (checkers/revisions: a write acknowledged and then lost
 * leaves its revision to another write, even when a later write to its key hides the lost
 * value from the per-key search), plus op statistics. Final reads of every key after the
 * faults are healed.
 */
import { check as checkLinearizable } from "../../checkers/linearizable/index.js";
import type { Checker } from "../../harness/api/checker.js";
import { composeCheckers } from "../../harness/api/checker.js";
import type { Workload } from "../../harness/api/workload.js";
import { createClient } from "../../harness/client/client.js";
import type { GenLike } from "../../harness/generator/types.js";
import { registerClient } from "./client.js";
import { finalReads, registerGenerator } from "./generator.js";
import { etcdRegisterModel } from "./model.js";
import { resolveKeyedOptions, revisionChecker, statsChecker, type KeyedOptions } from "../common/options.js";

export { etcdRegisterModel } from "./model.js";

/** `--ops-per-key` etc. (../common/options.ts). */
export type RegisterOptions = KeyedOptions;

/** Linearizability of every key under the etcd-register model; a search over budget is "unknown". */
export const linearChecker: Checker = {
  check(history, opts) {
    const r = checkLinearizable(history, { model: etcdRegisterModel(), timeoutMs: opts.timeLimitMs });
    // Keep results.json small: the failing partitions' counterexamples, not every op.
    const bad = r.partitions.filter((p) => p.valid !== true);
    return {
      valid: r.valid,
      model: r.model,
      summary: r.summary,
      ops: r.ops,
      keys: r.keys,
      ms: Math.round(r.ms),
      failures: bad.slice(0, 10).map((p) => ({
        key: p.key,
        valid: p.valid,
        reason: p.reason,
        explanation: p.counterexample?.explanation,
      })),
    };
  },
};

export { revisionChecker } from "../common/options.js";

export function registerChecker(o: { serializable?: boolean } = {}): Checker {
  return composeCheckers({
    linear: linearChecker,
    revisions: revisionChecker(o),
    stats: statsChecker,
  });
}

export function registerWorkload(o: RegisterOptions = {}): Workload<GenLike> {
  const options = resolveKeyedOptions(o);
  return {
    name: "register",
    options,
    async openClient({ cluster, node }) {
      const endpoint = cluster.clientEndpoints(node)[0]!;
      const client = createClient({ endpoint, timeoutMs: options.timeoutMs });
      return registerClient(client, options);
    },
    generator: registerGenerator(options),
    finalGenerator: (keys) => finalReads(keys),
    checker: registerChecker({ serializable: options.serializable }),
  };
}
