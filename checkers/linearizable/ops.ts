/**
 * Pairs a history's invokes with their completions into {@link CheckOp} records: one per
 * client operation, with a dense id in invoke order. Nemesis operations are skipped. An
 * invoke with no completion by the end is `"pending"` (treated like `info`).
 */
import type { Operation } from "../history/types.js";
import { HistoryError } from "../history/errors.js";
import type { CheckOp } from "./types.js";

export { HistoryError };

/** A history the checker cannot make sense of (no file or line: the message names the operation's index). */
const invalid = (reason: string): HistoryError => new HistoryError("history", 0, reason);

export function toCheckOps(history: readonly Operation[]): CheckOp[] {
  const ops: CheckOp[] = [];
  const open = new Map<unknown, CheckOp>();
  for (let n = 0; n < history.length; n++) {
    const e = history[n]!;
    if (e.process === "nemesis") continue;
    const index = typeof e.index === "number" ? e.index : n;
    if (e.type === "invoke") {
      const prev = open.get(e.process);
      if (prev)
        throw invalid(
          `operation at index ${index}: process ${String(e.process)} invokes while its operation invoked at index ${prev.invokeIndex} is still in flight`,
        );
      const op: CheckOp = {
        id: ops.length,
        process: e.process,
        f: e.f,
        key: e.key,
        input: e.value,
        output: undefined,
        call: e.time,
        ret: Infinity,
        invokeIndex: index,
        completeIndex: null,
        status: "pending",
      };
      ops.push(op);
      open.set(e.process, op);
    } else if (e.type === "ok" || e.type === "fail" || e.type === "info") {
      const op = open.get(e.process);
      if (!op)
        throw invalid(
          `operation at index ${index}: ${e.type} completion by process ${String(e.process)} without an invoke`,
        );
      if (op.f !== e.f)
        throw invalid(
          `operation at index ${index}: completion f "${e.f}" differs from its invoke's "${op.f}" (index ${op.invokeIndex})`,
        );
      open.delete(e.process);
      op.status = e.type;
      op.completeIndex = index;
      op.completion = e;
      if (e.type === "ok") {
        op.output = e.value;
        op.ret = e.time;
      } else if (e.type === "fail") {
        op.ret = e.time;
      }
    } else {
      throw invalid(`operation at index ${index}: unknown type ${JSON.stringify(e.type)}`);
    }
  }
  return ops;
}
