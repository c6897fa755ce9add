/**
 * The `pause` family: SIGSTOP one member, a minority, a majority, all, or the leader
 * (Pausable.pause), and SIGCONT the same members at `stop-pause`. A member that is not running
 * (killed by the kill family meanwhile) is skipped.
 */
import type { NemesisPackage } from "../../harness/api/workload.js";
import type { Generator } from "../../harness/generator/types.js";
import type { FamilyOptions, Target } from "../common/options.js";
import { targetedPackage, type SharedState } from "../common/targeted.js";

export function pausePackage(
  o: FamilyOptions,
  shared?: SharedState,
  targets?: readonly Target[],
): NemesisPackage<Generator> {
  return targetedPackage(
    {
      family: "pause",
      needs: ["pausable"],
      targets,
      apply: async (c, n) => {
        if (c.capabilities.killable && !c.capabilities.killable.isRunning(n)) throw new Error("not running");
        await c.capabilities.pausable!.pause(n);
      },
      undo: async (c, n) => {
        if (c.capabilities.pausable!.isPaused(n)) await c.capabilities.pausable!.resume(n);
      },
    },
    o,
    shared,
  );
}
