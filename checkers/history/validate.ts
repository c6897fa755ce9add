/**
 * Gives each parsed operation its place and checks it against the operations before it, one
 * at a time (streaming: the state is one entry per process with an operation in flight).
 *
 * Checks, for client processes (the nemesis is free-form and not checked):
 * - a completion (`ok`/`fail`/`info`) needs an invoke in flight on the same process;
 * - a process has at most one operation in flight;
 * - a completion's `f` (and `key`, when both have one) equals its invoke's;
 * - after an `info`, the process never issues again (Jepsen gives the worker a fresh id);
 * - `index`, when the file gives it, strictly increases.
 * A completion without a key gets its invoke's key. Invokes still open at the end are fine:
 * checkers treat them like `info` (open until the end of time).
 *
 * Times: when a line has none (Jepsen logs, EDN maps without `:time`), the operation's time
 * is its index — the line order, one nanosecond per operation — which is all the real-time
 * order a linearizability check needs.
 *
 * With `jepsen: true` (the foreign formats) Jepsen's semantics are mapped onto ours, see
 * {@link applyJepsenSemantics}.
 */
import { LineError, type RawOperation } from "./raw.js";
import type { Operation, ProcessId } from "./types.js";

interface InFlight {
  f: string;
  key: string | undefined;
  value: unknown;
  line: number;
}

export class HistorySequencer {
  private readonly inFlight = new Map<ProcessId, InFlight>();
  private readonly crashed = new Map<ProcessId, number>();
  private lastIndex = -1;

  constructor(private readonly opts: { jepsen: boolean }) {}

  /** Places and checks one operation read at `line`; throws {@link LineError}. */
  accept(raw: RawOperation, line: number): Operation {
    if (raw.index !== undefined) {
      if (raw.index <= this.lastIndex)
        throw new LineError(
          `index ${raw.index} does not increase (the previous operation has index ${this.lastIndex})`,
        );
    }
    const index = raw.index ?? this.lastIndex + 1;
    this.lastIndex = index;
    const { index: _index, time, ...fields } = raw;
    const op = { index, time: time ?? index, ...fields } as Operation;
    if (op.process === "nemesis") return op;

    const p = op.process;
    if (op.type === "invoke") {
      const open = this.inFlight.get(p);
      if (open)
        throw new LineError(
          `process ${p} invokes ${op.f} while its ${open.f} from line ${open.line} is still in flight (a process runs one operation at a time)`,
        );
      const crashedAt = this.crashed.get(p);
      if (crashedAt !== undefined)
        throw new LineError(
          `process ${p} invokes again after its :info at line ${crashedAt} (a process id is not reused after info)`,
        );
      this.inFlight.set(p, { f: op.f, key: op.key, value: op.value, line });
      return op;
    }
    const open = this.inFlight.get(p);
    if (!open) throw new LineError(`${op.type} ${op.f} from process ${p} without an invoke in flight`);
    if (open.f !== op.f)
      throw new LineError(
        `${op.type} ${op.f} from process ${p} completes its ${open.f} invoked at line ${open.line} (f differs)`,
      );
    if (op.key !== undefined && open.key !== undefined && op.key !== open.key)
      throw new LineError(
        `${op.type} on key ${JSON.stringify(op.key)} from process ${p} completes an invoke on key ${JSON.stringify(open.key)} at line ${open.line} (key differs)`,
      );
    if (op.key === undefined && open.key !== undefined) op.key = open.key;
    this.inFlight.delete(p);
    if (op.type === "info") this.crashed.set(p, line);
    return this.opts.jepsen ? applyJepsenSemantics(op, open.value) : op;
  }
}

/**
 * Jepsen's completions in our terms (data README, "Semantics"):
 * - `:fail :cas`: the comparison did not hold — the cas happened and observed another value,
 *   so it becomes an `ok` cas with `swapped: false` (value `[expected, next]` as invoked), the
 *   encoding of checkers/linearizable/types.ts; it must still be placed where the register
 *   did not hold `expected`;
 * - `:timed-out` on `fail` or `info`: no value; `error: "timed-out"`. A `fail` read then
 *   constrains nothing, an `info` write/cas stays open until the end.
 */
export function applyJepsenSemantics(op: Operation, invokeValue: unknown): Operation {
  if (op.value === ":timed-out" && (op.type === "fail" || op.type === "info")) {
    const { value: _value, ...rest } = op;
    return { ...rest, error: "timed-out" };
  }
  if (op.type === "fail" && op.f === "cas")
    return { ...op, type: "ok", value: op.value ?? invokeValue, swapped: false };
  return op;
}
