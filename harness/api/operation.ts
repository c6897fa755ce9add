/**
 * What flows between the interpreter and a client or nemesis: an invocation goes in, a
 * completion comes out. The runner stamps index, time and process and writes both to the
 * history (checkers/history's `Operation`).
 */
import type { OpType } from "../../checkers/history/types.js";

/** The input of an operation: `{ f: "cas", key: "r7", value: [2, 4] }`. */
export interface Invocation {
  f: string;
  key?: string;
  value?: unknown;
  [extra: string]: unknown;
}

/** The outcome: `ok` it happened, `fail` it certainly did not, `info` unknown. */
export interface Completion {
  type: Exclude<OpType, "invoke">;
  /** The result (a read's value) or the input echoed back. */
  value?: unknown;
  /** Error name from the client's error registry, on `fail` / `info`. */
  error?: string;
  /** Store revision the server reported (header revision). */
  rev?: number;
  [extra: string]: unknown;
}
