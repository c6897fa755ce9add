/**
 * The `disk` family: the members' data directories are size-limited tmpfs mounts (the local
 * provider's Disk capability); `start-disk` fills one member's (or a minority's, ...) to ENOSPC
 * with a ballast file, `stop-disk` deletes the ballast and starts a member that exited meanwhile
 * (etcd 3.4 exits when bbolt cannot commit; the reference server should raise NOSPACE).
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
      undo: async (c, n, sh) => {
        await c.capabilities.disk!.free(n);
        // A server may exit on a full disk (etcd 3.4 does: "cannot commit tx"): start it again,
        // as an operator would once space is back — unless the kill family keeps it down.
        const k = c.capabilities.killable;
        if (k && !k.isRunning(n) && !sh.killed.has(n) && !sh.removed.has(n)) await k.start(n);
      },
    },
    o,
    shared,
  );
}
