/**
 * The history contract (see ../shared/design/ARCHITECTURE.md, "History").
 *
 * A history is a sequence of operations, stored as JSON Lines (`history.jsonl`), one object
 * per line, appended as it happens. Every client operation appears twice: an `invoke`, then
 * exactly one completion from the same process: `ok` (it happened), `fail` (it certainly did
 * not happen) or `info` (unknown: it may take effect at any time after its invoke, or never).
 */
export type OpType = "invoke" | "ok" | "fail" | "info";

/** A logical single-threaded client (a number), or the nemesis. */
export type ProcessId = number | "nemesis";

export interface Operation {
  /** Position in the history, 0-based, strictly increasing. */
  index: number;
  /** Nanoseconds since the run started, from a monotonic clock. */
  time: number;
  process: ProcessId;
  type: OpType;
  /** The function: `read`, `write`, `cas`, `get`, `put`, `append`, or a nemesis action. */
  f: string;
  /** The key the operation touches (independent keys are checked separately). */
  key?: string;
  /** Input on an invoke; input and/or result on a completion. */
  value?: unknown;
  /** Optional: the store revision the server reported. */
  rev?: number;
  /** Optional: the error name on `fail` / `info`. */
  error?: string;
  /** Further optional fields are kept as they are. */
  [extra: string]: unknown;
}
