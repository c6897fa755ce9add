/**
 * The linearizability checker: `check(history, { model })` decides whether a history of
 * client operations is linearizable with respect to a sequential model.
 *
 * The history is paired into operations (see ops.ts), each operation is prepared by the
 * model once, operations are partitioned (by key unless the model says otherwise:
 * P-compositionality) and each partition is searched with the WGL algorithm (search.ts).
 * Partitions merge as `false` > `"unknown"` > `true`; a partition that runs out of time or
 * cache budget is `"unknown"`, never `false`. On `false`, each failing partition carries a
 * counterexample (explain.ts).
 *
 * Example:
 *   const r = check(history, { model: "cas-register", timeoutMs: 10_000 });
 *   if (r.valid === false) for (const p of r.partitions) if (p.counterexample) console.log(p.counterexample.explanation);
 */
import type { Operation } from "../history/types.js";
import { explain } from "./explain.js";
import { getModel, type AnyModel } from "./models/index.js";
import { toCheckOps } from "./ops.js";
import { powerset } from "./powerset.js";
import { search } from "./search.js";
import type { CheckOp, CheckOptions, CheckResult, PartitionResult, Validity } from "./types.js";

export type * from "./types.js";
export { builtinModels, getModel, modelNames, type AnyModel } from "./models/index.js";
export { HistoryError, toCheckOps } from "./ops.js";
export { describeOpAt } from "./explain.js";

/** Default cache budget per partition: 512 MiB (estimated). */
export const DEFAULT_MEMORY_BUDGET = 512 * 1024 * 1024;

/** Merges verdicts: false > "unknown" > true. */
export function mergeValidity(a: Validity, b: Validity): Validity {
  if (a === false || b === false) return false;
  if (a === "unknown" || b === "unknown") return "unknown";
  return true;
}

/** Checks a history (invokes and completions, in history order). */
export function check(history: readonly Operation[], options: CheckOptions): CheckResult {
  const started = performance.now();
  return checkOps(toCheckOps(history), options, started);
}

/** Checks already-paired operations (ids must be 0..n-1 in invoke order, as toCheckOps makes them). */
export function checkOps(
  operations: CheckOp[],
  options: CheckOptions,
  started = performance.now(),
): CheckResult {
  const base: AnyModel = typeof options.model === "string" ? getModel(options.model) : options.model;
  if (!base || typeof base.step !== "function" || typeof base.init !== "function")
    throw new TypeError("check: options.model must be a model name or a Model with init() and step()");
  const model: AnyModel = base.stepAll ? powersetOf(base) : base;
  const deadline = options.timeoutMs === undefined ? Infinity : started + Math.max(0, options.timeoutMs);
  const memoryBudget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;

  // Prepare every operation that may have taken effect.
  const searched: CheckOp[] = [];
  const prepInput: unknown[] = new Array(operations.length);
  const prepOutput: unknown[] = new Array(operations.length);
  for (const op of operations) {
    if (op.status === "fail") continue;
    const p = model.prepare ? model.prepare(op) : { input: op.input, output: op.output };
    if (p === null) continue;
    prepInput[op.id] = p.input;
    prepOutput[op.id] = p.output;
    searched.push(op);
  }

  const groups = model.partition ? model.partition(searched) : partitionByKey(searched);
  const partitions: PartitionResult[] = [];
  let valid: Validity = true;
  for (const unsorted of groups) {
    const t0 = performance.now();
    // local ids in invoke order (the visited-set encoding is compact for that order)
    const group = [...unsorted].sort((a, b) => a.id - b.id);
    const key = group[0]?.key;
    const ids = group.map((op) => op.id);
    if (performance.now() >= deadline) {
      partitions.push({
        key,
        valid: "unknown",
        ops: ids,
        ms: 0,
        explored: 0,
        reason: "timeout (not checked)",
      });
      valid = mergeValidity(valid, "unknown");
      continue;
    }
    const n = group.length;
    const inputs = group.map((op) => prepInput[op.id]);
    const outputs = group.map((op) => prepOutput[op.id]);
    const mustPlace = new Uint8Array(n);
    const readOnly = new Uint8Array(n);
    const blind = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      mustPlace[i] = group[i]!.status === "ok" ? 1 : 0;
      // only ops that must be placed are forced (an info op that changes nothing is never placed)
      readOnly[i] = mustPlace[i] && model.readOnly?.(inputs[i], outputs[i]) ? 1 : 0;
      blind[i] = model.blind?.(inputs[i], outputs[i]) ? 1 : 0;
    }
    const order = entryOrder(group, mustPlace);
    const out = search({
      n,
      inputs,
      outputs,
      mustPlace,
      readOnly,
      blind,
      order,
      model,
      deadline,
      memoryBudget,
    });
    const result: PartitionResult = { key, valid: out.valid, ops: ids, ms: 0, explored: out.explored };
    if (out.reason) result.reason = out.reason;
    if (out.valid === false)
      result.counterexample = explain({
        model,
        ops: operations,
        ids,
        inputs,
        outputs,
        mustPlace,
        order,
        best: out.best,
        key,
      });
    result.ms = performance.now() - t0;
    partitions.push(result);
    valid = mergeValidity(valid, out.valid);
    if (valid === false && options.stopOnFirstFailure) break;
  }

  const ms = performance.now() - started;
  return {
    valid,
    model: model.name,
    ops: searched.length,
    keys: groups.length,
    ms,
    operations,
    partitions,
    summary: summarize(valid, partitions, groups.length),
  };
}

const powersets = new WeakMap<AnyModel, AnyModel>();
function powersetOf(m: AnyModel): AnyModel {
  let p = powersets.get(m);
  if (!p) powersets.set(m, (p = powerset(m)));
  return p;
}

/** Groups by `op.key`, in the order of each key's first operation. */
export function partitionByKey(ops: readonly CheckOp[]): CheckOp[][] {
  const byKey = new Map<string | undefined, CheckOp[]>();
  for (const op of ops) {
    let g = byKey.get(op.key);
    if (!g) byKey.set(op.key, (g = []));
    g.push(op);
  }
  return [...byKey.values()];
}

/**
 * Call and return entries of a group in history order: a call at its invoke's index, a
 * return at its completion's index, or at the very end for ops that need not be placed.
 */
function entryOrder(group: readonly CheckOp[], mustPlace: Uint8Array): Int32Array {
  const n = group.length;
  const pos = new Float64Array(2 * n);
  const order = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const op = group[i]!;
    pos[2 * i] = op.invokeIndex;
    pos[2 * i + 1] = mustPlace[i] ? op.completeIndex! : Infinity;
    order[2 * i] = 2 * i;
    order[2 * i + 1] = 2 * i + 1;
  }
  // Entries with equal positions cannot happen for calls/returns of ok ops (distinct history
  // indexes); ties at Infinity are in any order.
  return order.sort((a, b) => pos[a]! - pos[b]! || a - b);
}

function summarize(valid: Validity, partitions: PartitionResult[], keys: number): string {
  if (valid === true) return `linearizable (${keys} key${keys === 1 ? "" : "s"})`;
  const bad = partitions.filter((p) => p.valid === false);
  const unknown = partitions.filter((p) => p.valid === "unknown");
  const k = (p: PartitionResult): string => (p.key === undefined ? "(no key)" : JSON.stringify(p.key));
  if (valid === false) {
    const first = bad[0]!;
    const placed = first.counterexample?.prefix.length ?? 0;
    return `not linearizable: ${bad.length} of ${keys} key${keys === 1 ? "" : "s"} (first ${k(first)}: ${placed} of ${first.ops.length} ops placed)`;
  }
  return `unknown: ${unknown.length} of ${keys} key${keys === 1 ? "" : "s"} not decided (${[...new Set(unknown.map((p) => p.reason))].join(", ")})`;
}
