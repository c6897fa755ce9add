/**
 * The `disk` family: the members' data directories are size-limited tmpfs mounts (the local
 * provider's Disk capability); `start-disk` fills one member's (or a minority's, ...) to ENOSPC
 * with a ballast file, `stop-disk` deletes the ballast.
 */
import type { NemesisPackage } from "../../harness/api/workload.js";
import type { Generator } from "../../harness/generator/types.js";
import type { FamilyOptions, Target } from "../common/options.js";
import { targetedPackage, type SharedState } from "../common/targeted.js";

export function diskPackage(
  o: FamilyOptions,
  shared?: SharedState,
  targets?: readonly Target[],
): NemesisPackage<Generator> {
  return targetedPackage(
    {
      family: "disk",
      needs: ["disk"],
      targets: targets ?? ["one", "minority", "majority", "all"],
      apply: (c, n) => c.capabilities.disk!.fill(n),
      undo: (c, n) => c.capabilities.disk!.free(n),
    },
    o,
    shared,
  );
}
