/**
 * The workloads `gauntlet run` knows, by name (the CLI is the only place that imports
 * workloads/). Each entry builds the workload from parsed flags and gives its checker alone,
 * for `gauntlet check RUN_DIR`.
 */
import type { Checker } from "../api/checker.js";
import type { Workload } from "../api/workload.js";
import type { GenLike } from "../generator/types.js";
import { registerChecker, registerWorkload } from "../../workloads/register/index.js";
import { setWorkload, setWorkloadChecker } from "../../workloads/set/index.js";
import "./run-models.js"; // registers etcd-register for `gauntlet check`

export interface WorkloadFlags {
  opsPerKey: number;
  serializable: boolean;
  requestTimeoutMs: number;
}

export interface WorkloadEntry {
  make(flags: WorkloadFlags, ctx: { runId: string }): Workload<GenLike>;
  /** The checker alone, given the options a run stored (test.json's `workload.options`). */
  checker(options?: { serializable?: boolean }): Checker;
}

export const WORKLOADS: Record<string, WorkloadEntry> = {
  register: {
    make: (f, ctx) =>
      registerWorkload({
        opsPerKey: f.opsPerKey,
        serializable: f.serializable,
        timeoutMs: f.requestTimeoutMs,
        prefix: `gauntlet/${ctx.runId}/`,
      }),
    checker: registerChecker,
  },
  set: {
    make: (f, ctx) =>
      setWorkload({
        opsPerKey: f.opsPerKey,
        serializable: f.serializable,
        timeoutMs: f.requestTimeoutMs,
        prefix: `gauntlet/${ctx.runId}/`,
      }),
    checker: setWorkloadChecker,
  },
};
