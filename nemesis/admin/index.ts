/**
 * The `admin` family: instants, not windows — `compact` (at a recent revision, through a random
 * member) and `defragment` (a random member), at exponential gaps. The calls themselves come
 * from the composition root (ClusterQueries), as nemesis/ may not import the client.
 */
import type { Cluster } from "../../harness/api/cluster.js";
import type { Completion, Invocation } from "../../harness/api/operation.js";
import type { Nemesis, NemesisPackage } from "../../harness/api/workload.js";
import { seededRandom } from "../../harness/generator/random.js";
import type { Generator } from "../../harness/generator/types.js";
import { errMsg, type FamilyOptions } from "../common/options.js";
import { schedule } from "../common/schedule.js";
import { sharedState, type SharedState } from "../common/targeted.js";

class AdminNemesis implements Nemesis {
  private cluster: Cluster | undefined;
  constructor(
    private readonly o: FamilyOptions,
    private readonly shared: SharedState,
  ) {}
  async setup(cluster: Cluster): Promise<void> {
    this.cluster = cluster;
  }
  async invoke(op: Invocation): Promise<Completion> {
    const c = this.cluster;
    const q = this.o.queries;
    if (!c || !q) return { type: "fail", error: "admin calls not available" };
    const k = c.capabilities.killable;
    const p = c.capabilities.pausable;
    // Running, not paused members (a call to a stopped process would hold the nemesis thread).
    const live = c.nodes.filter(
      (n) => !this.shared.removed.has(n) && (k ? k.isRunning(n) : true) && !(p?.isPaused(n) ?? false),
    );
    if (live.length === 0) return { type: "fail", error: "no running member" };
    const node = live[seededRandom((op.value as { pick: number }).pick).int(live.length)]!;
    try {
      if (op.f === "compact") {
        const revision = await q.compact(c, node);
        return { type: "ok", value: { targets: [node], revision } };
      }
      if (op.f === "defragment") {
        await q.defragment(c, node);
        return { type: "ok", value: { targets: [node] } };
      }
    } catch (err) {
      return { type: "fail", value: { targets: [node] }, error: errMsg(err) };
    }
    return { type: "fail", error: `unknown op ${op.f}` };
  }
  async teardown(): Promise<void> {}
}

export function adminPackage(
  o: FamilyOptions,
  shared: SharedState = sharedState(),
): NemesisPackage<Generator> {
  return {
    name: "admin",
    needs: [],
    nemesis: new AdminNemesis(o, shared),
    generator: schedule({
      family: "admin",
      seed: o.seed,
      meanPeriodNs: o.periodS * 1e9,
      meanDurationNs: o.durationS * 1e9,
      startValue: () => ({}),
      instantOp: (r) => ({ f: r.next() < 0.5 ? "compact" : "defragment", value: { pick: r.int(2 ** 31) } }),
    }),
  };
}
