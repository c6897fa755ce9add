/**
 * Types of the linearizability checker: the model interface, the per-operation record the
 * search works on, the options and the result.
 *
 * How a history becomes a search problem:
 * - Each client operation (an `invoke` and its completion from the same process) becomes one
 *   {@link CheckOp} with a dense integer `id`.
 * - `ok` completions took effect between invoke and completion.
 * - `fail` completions certainly had no effect: they are listed (status `"fail"`, so a report
 *   can draw them) but are left out of the search.
 * - `info` completions, and invokes with no completion by the end of the history
 *   (status `"pending"`), may take effect at any time after their invoke, or never: their
 *   return time is `+Infinity` and the search may leave them out.
 * - Nemesis operations (`process: "nemesis"`) are ignored.
 * - Real-time order is the order of the history (`index`): an operation precedes another when
 *   its completion comes before the other's invoke in the history. `time` is only reported.
 *
 * Encoding of compare-and-set (agreed with checkers/history and the register workload):
 * - invoke: `{ f: "cas", value: [expected, next] }`.
 * - `ok` completion with `value: [expected, next]` and no `swapped: false`: the comparison held
 *   and the register now holds `next`.
 * - `ok` completion with `swapped: false` (a top-level field of the completion; `value` stays
 *   `[expected, next]`): the comparison did not hold, nothing was written. It is still an
 *   operation that must be placed, at a point where the register did not hold `expected`.
 *   If the completion also has `observed: V` (the value the server reported instead), the
 *   register must hold exactly V at that point. The Jepsen-log parser maps `:fail :cas` to
 *   this form (without `observed`).
 * - `fail` cas: no effect, left out. `info` cas: may or may not have swapped.
 */
import type { Operation, ProcessId } from "../history/types.js";

/** The verdict. Merges as `false` > `"unknown"` > `true`. */
export type Validity = true | false | "unknown";

/** How an operation of the history ended. */
export type OpStatus = "ok" | "fail" | "info" | "pending";

/**
 * One client operation of the history (an invoke and its completion), as the checker and the
 * reports see it.
 */
export interface CheckOp {
  /** Dense id, 0-based, in the order of the invokes in the history. */
  id: number;
  process: ProcessId;
  f: string;
  /** The key (partition) of the operation; `undefined` when the history has none. */
  key: string | undefined;
  /** The invoke's `value`. */
  input: unknown;
  /** The completion's `value` (`undefined` for info / pending operations). */
  output: unknown;
  /** `time` of the invoke (ns). */
  call: number;
  /** `time` of the completion (ns); `Infinity` for info and pending operations. */
  ret: number;
  /** `index` of the invoke in the history. */
  invokeIndex: number;
  /** `index` of the completion in the history; `null` when there is none (pending). */
  completeIndex: number | null;
  status: OpStatus;
  /** The completion itself (extra fields such as `swapped`, `observed`, `rev`, `error`). */
  completion?: Operation;
}

/** What a model's {@link Model.prepare} makes of one operation. */
export interface Prepared<I, O> {
  input: I;
  /** The output; for info/pending ops it must mean "any output" (see {@link Model.prepare}). */
  output: O;
}

/**
 * A sequential specification of an object, as pure functions (no hidden state, no I/O).
 *
 * `S` is the state, `I` the prepared input and `O` the prepared output of one operation.
 *
 * Adding a model: implement this interface (see models/register.ts for a short example) and
 * pass it as `options.model`; a built-in one goes in models/index.ts, a workload's in the CLI's
 * table (cli/tables.ts) so that `--model NAME` finds it. A revision-aware etcd model, for example, can keep `{ value, modRev,
 * version }` as its state, read `completion.rev` in `prepare`, and reject a read whose
 * revision disagrees with the writes it follows.
 */
export interface Model<S = unknown, I = unknown, O = unknown> {
  /** The name used by `--model` and in reports. */
  readonly name: string;
  /** The initial state. States must not be `null` or `undefined` (null means "illegal"). */
  init(): S;
  /**
   * Turns one operation into the model's input and output, once, before the search (parse
   * values, intern strings, precompute hashes). For `info`/`pending` operations
   * (`op.status !== "ok"`) the output is unknown and the prepared output must accept any
   * result. Return `null` to leave the operation out entirely (e.g. an info read, which
   * constrains nothing). Throw an Error naming `op.invokeIndex` on input the model cannot
   * understand (unknown `f`, malformed value).
   *
   * Default: `{ input: op.input, output: op.output }`.
   */
  prepare?(op: CheckOp): Prepared<I, O> | null;
  /**
   * Applies one operation to a state: the next state if `output` is a possible result of
   * `input` in `state`, else `null`. Must not mutate `state`.
   */
  step(state: S, input: I, output: O): S | null;
  /**
   * Optional, for speed: true when this operation never changes the state, i.e. every
   * successful `step(state, input, output)` returns `state` itself (the same reference): a
   * read with a known result, a cas that did not swap. The search then commits to placing
   * such an op as soon as it fits (it never has to try it later). Default: false. A wrong
   * `true` can give wrong verdicts.
   */
  readOnly?(input: I, output: O): boolean;
  /**
   * Optional, for speed: true when this operation overwrites the whole state: `step(s,
   * input, output)` is never `null` and is the same for every state `s` (a write of a
   * register, a put of a kv key). The search then never places an info/pending op right
   * before such an op (its effect would be erased at once: leaving it out is equivalent).
   * Default: false. A wrong `true` can give wrong verdicts.
   */
  blind?(input: I, output: O): boolean;
  /**
   * Nondeterministic models set this instead of (or besides) `step`: all possible next
   * states, `[]` when the output is impossible. The checker then searches over sets of
   * states (a deterministic "powerset" model built from this one).
   */
  stepAll?(state: S, input: I, output: O): readonly S[];
  /**
   * Groups operations that can be checked independently (P-compositionality). Default:
   * by `op.key`. Return a single group to check everything together.
   */
  partition?(ops: readonly CheckOp[]): CheckOp[][];
  /** A 32-bit hash of a state, consistent with `equal`. Default: derived from the value. */
  hash?(state: S): number;
  /** State equality. Default: `===` for primitives, structural (JSON) otherwise. */
  equal?(a: S, b: S): boolean;
  /** A short human description of an operation, e.g. `cas(1→2) failed`, `read → 3`. */
  describeOp(op: CheckOp): string;
  /** A short human description of a state, e.g. `3`, `absent`, `"x 1 y"`. */
  describeState(state: S): string;
}

/** Options of {@link check}. */
export interface CheckOptions {
  /** The model: a {@link Model} or the name of a registered one (`register`, `cas-register`, `kv`). */
  model: Model<any, any, any> | string; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Wall-clock budget for the whole check, in ms. Default: none. Exceeded → `"unknown"`. */
  timeoutMs?: number;
  /**
   * Budget for the search's cache of visited (linearized set, state) configurations, in
   * (estimated) bytes, per partition. Default: 512 MiB. Exceeded → `"unknown"` for that
   * partition.
   */
  memoryBudget?: number;
  /** Stop after the first partition found not linearizable (the others are then not reported). Default false. */
  stopOnFirstFailure?: boolean;
}

/** One step of a (partial) linearization. */
export interface LinearizationStep {
  /** The op id. */
  op: number;
  /** The model state just after it (described). */
  state: string;
}

/** Why a partition is not linearizable: the search's deepest point. */
export interface Counterexample {
  /**
   * The longest linearizable prefix found by the search (the most `ok` ops placed; it ends
   * with an ok op): op ids in linearization order, with the state after each. It may include
   * info/pending ops the search chose to place.
   */
  prefix: LinearizationStep[];
  /**
   * The `ok` operations that could come next after the prefix (invoked before every unplaced
   * ok op's completion) and cannot be placed there: the model rejects their output (and
   * placing info/pending ops first does not help). Ordered by completion; the first is
   * `firstBad`, the op that breaks the history (highlight it).
   */
  blocked: number[];
  /**
   * The unplaced ok op that completed first: it must be linearized before anything invoked
   * after it completed, and it cannot be (it is `blocked[0]`).
   */
  firstBad: number;
  /** The model state(s) after the prefix, described. */
  states: string[];
  /** A readable explanation, several lines. */
  explanation: string;
}

/** The verdict for one partition (one key with the default partitioning). */
export interface PartitionResult {
  /** The key, or `undefined` for a model-defined group without one. */
  key: string | undefined;
  valid: Validity;
  /** The ids of the ops searched in this partition (after `prepare`), in invoke order. */
  ops: number[];
  /** Time spent on this partition, ms. */
  ms: number;
  /** Configurations visited (search steps that reached a new cache entry). */
  explored: number;
  /** Why `"unknown"`: `"timeout"`, `"memory"`, or a not-checked note. */
  reason?: string;
  /** Present when `valid === false`. */
  counterexample?: Counterexample;
}

/** The result of {@link check}. */
export interface CheckResult {
  valid: Validity;
  /** The model's name. */
  model: string;
  /** Number of operations searched (ok + info + pending, after the model's `prepare`). */
  ops: number;
  /** Number of partitions (keys). */
  keys: number;
  /** Time spent checking, ms (parsing excluded). */
  ms: number;
  /** Every client operation of the history, `fail` ones included; indexed by id. */
  operations: CheckOp[];
  /**
   * One entry per partition, in the order of their first operation. Failing and unknown
   * partitions always appear; with `stopOnFirstFailure` later ones may be missing.
   */
  partitions: PartitionResult[];
  /** A one-line summary, e.g. `not linearizable: key "r1" (3 of 120 ops placed ...)`. */
  summary: string;
}
