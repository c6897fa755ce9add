/**
 * The `kill` family: SIGKILL one member, a minority, a majority, all, or the leader
 * (Killable.kill), and restart the same members from their data directories at `stop-kill`.
 */
import type { NemesisPackage } from "../../harness/api/workload.js";
import type { Generator } from "../../harness/generator/types.js";
import type { FamilyOptions, Target } from "../common/options.js";
import { targetedPackage, type SharedState } from "../common/targeted.js";

export function killPackage(
  o: FamilyOptions,
  shared?: SharedState,
  targets?: readonly Target[],
): NemesisPackage<Generator> {
  return targetedPackage(
    {
      family: "kill",
      needs: ["killable"],
      targets,
      apply: async (c, n, _v, sh) => {
        sh.killed.add(n);
        await c.capabilities.killable!.kill(n);
      },
      undo: async (c, n, sh) => {
        await c.capabilities.killable!.start(n);
        sh.killed.delete(n);
      },
    },
    o,
    shared,
  );
}
