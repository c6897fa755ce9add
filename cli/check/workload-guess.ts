/**
 * Which workload's checks `gauntlet check` runs on a history, when neither `--workload` nor a
 * run's test.json says: `set` (set-full + revisions) when any client operation is an `add`
 * (the set workload's, or a Jepsen set history's), else `register` (linearizability under
 * the model, see ./model-guess.ts, + revisions).
 */
import type { Operation } from "../../checkers/history/index.js";

export type CheckWorkload = "register" | "set";

export const CHECK_WORKLOADS: readonly CheckWorkload[] = ["register", "set"];

export interface WorkloadGuess {
  workload: CheckWorkload;
  why: string;
}

export function guessWorkload(ops: readonly Operation[]): WorkloadGuess {
  for (const op of ops)
    if (op.process !== "nemesis" && op.f === "add")
      return { workload: "set", why: "guessed from add operations" };
  return { workload: "register", why: "guessed: no add operations" };
}
