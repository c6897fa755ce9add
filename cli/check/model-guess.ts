/**
 * The model `gauntlet check` uses when `--model` is not given, from the format and the
 * operations' functions:
 * - any `get`, `put` or `append` → `kv` (the EDN key-value samples);
 * - a Jepsen log, or any `cas` → `cas-register`;
 * - otherwise → `register` (read/write).
 */
import type { HistoryFormat, Operation } from "../../checkers/history/index.js";

export interface ModelGuess {
  model: string;
  /** Why, for the output line: e.g. "guessed: cas operations". */
  why: string;
}

const KV = new Set(["get", "put", "append"]);

export function guessModel(format: HistoryFormat, ops: readonly Operation[]): ModelGuess {
  let cas = false;
  for (const op of ops) {
    if (op.process === "nemesis") continue;
    if (KV.has(op.f)) return { model: "kv", why: `guessed from ${op.f} operations` };
    if (op.f === "cas") cas = true;
  }
  if (format === "jepsen-log") return { model: "cas-register", why: "guessed from the Jepsen log format" };
  if (cas) return { model: "cas-register", why: "guessed from cas operations" };
  return { model: "register", why: "guessed: no cas or kv operations" };
}
