/**
 * The `member` family: `start-member` removes one running member through the cluster's own API
 * (Members.remove: MemberRemove, then its process is stopped); `stop-member` wipes its data
 * and adds it back as a new member (`--initial-cluster-state existing`). One member out at a
 * time, so the cluster never drops below a majority of its original size; needs ≥ 3 members.
 * Removed members are shared with the other families, which then leave them alone. Both ops
 * hold the member's lock (NodeLocks) while they act; a remove re-checks, once it holds it, that
 * every member is still running and unpaused. Other members may be faulted meanwhile (a
 * reconfiguration under faults is a fault too): a remove that fails is settled by asking the
 * cluster (still listed: nothing removed, `fail`; else `info`, and `stop-member` stops the
 * process if it still runs before adding it back).
 */
import type { Cluster } from "../../harness/api/cluster.js";
import type { Completion, Invocation } from "../../harness/api/operation.js";
import type { Nemesis, NemesisPackage } from "../../harness/api/workload.js";
import { seededRandom } from "../../harness/generator/random.js";
import type { Generator } from "../../harness/generator/types.js";
import { errMsg, type FamilyOptions } from "../common/options.js";
import { finalOps, schedule } from "../common/schedule.js";
import { sharedState, type SharedState } from "../common/targeted.js";

export function validateMember(n: number): void {
  if (n < 3)
    throw new Error(
      `nemesis member needs at least 3 members (got ${n}): removing one must leave a majority of the original size`,
    );
}

class MemberNemesis implements Nemesis {
  private cluster: Cluster | undefined;
  private out: string | undefined;
  constructor(private readonly shared: SharedState) {}

  async setup(cluster: Cluster): Promise<void> {
    this.cluster = cluster;
  }

  active(): string | undefined {
    return this.out ? `member ${this.out} removed` : undefined;
  }

  async invoke(op: Invocation): Promise<Completion> {
    const c = this.cluster;
    const m = c?.capabilities.members;
    if (!c || !m) return { type: "fail", error: "no members capability" };
    if (op.f === "stop-member") {
      const n = this.out;
      if (!n) return { type: "ok", value: { targets: [] } };
      return this.shared.locks.with([n], op.f, () => this.addBack(n));
    }
    if (op.f !== "start-member") return { type: "fail", error: `unknown op ${op.f}` };
    const k = c.capabilities.killable;
    const p = c.capabilities.pausable;
    const up = () => c.nodes.filter((n) => (k ? k.isRunning(n) : true) && !(p?.isPaused(n) ?? false));
    const notUp = {
      type: "fail",
      value: { shape: "remove" },
      error: "not every member is running: nothing removed",
    } as const;
    const candidates = up();
    if (candidates.length < c.nodes.length) return notUp;
    const pick = (op.value as { pick: number }).pick;
    const n = candidates[seededRandom(pick).int(candidates.length)]!;
    const value = { shape: "remove", targets: [n] };
    // Out of the other families' way from now on (they re-check once they hold its lock).
    this.shared.removed.add(n);
    return this.shared.locks.with([n], op.f, async (): Promise<Completion> => {
      if (up().length < c.nodes.length) {
        this.shared.removed.delete(n);
        return notUp;
      }
      try {
        await m.remove(n);
      } catch (err) {
        if ((await this.stillMember(n)) === true) {
          // Refused (e.g. "unhealthy cluster" for longer than the retries): nothing removed.
          this.shared.removed.delete(n);
          return { type: "fail", value, error: errMsg(err) };
        }
        // Unknown whether the cluster removed it; keep it out of the other families' way until stop.
        this.out = n;
        return { type: "info", value, error: errMsg(err) };
      }
      this.out = n;
      return { type: "ok", value };
    });
  }

  /** Whether `n` is still running and listed as a member; undefined when the cluster cannot say. */
  private async stillMember(n: string): Promise<boolean | undefined> {
    const c = this.cluster!;
    if (!(c.capabilities.killable?.isRunning(n) ?? true)) return false;
    try {
      return (await c.capabilities.members!.list()).some((x) => x.name === n);
    } catch {
      return undefined;
    }
  }

  private async addBack(n: string): Promise<Completion> {
    const c = this.cluster!;
    try {
      if (c.capabilities.killable?.isRunning(n)) {
        // A remove with an unknown outcome left the process running: if the cluster still lists
        // it, it was never removed; otherwise stop it before adding it back.
        if (await this.stillMember(n)) {
          this.out = undefined;
          this.shared.removed.delete(n);
          return { type: "ok", value: { targets: [n], removed: false } };
        }
        await c.capabilities.killable.kill(n);
      }
      await c.capabilities.members!.add(n);
    } catch (err) {
      return { type: "info", value: { targets: [n] }, error: errMsg(err) };
    }
    this.out = undefined;
    this.shared.removed.delete(n);
    return { type: "ok", value: { targets: [n] } };
  }

  async teardown(): Promise<void> {
    if (this.out) await this.addBack(this.out).catch(() => {});
  }
}

export function memberPackage(
  o: FamilyOptions & { nodeCount: number },
  shared: SharedState = sharedState(),
): NemesisPackage<Generator> {
  validateMember(o.nodeCount);
  const nemesis = new MemberNemesis(shared);
  return {
    name: "member",
    needs: ["members", "killable"],
    nemesis,
    generator: schedule({
      family: "member",
      seed: o.seed,
      meanPeriodNs: o.periodS * 1e9,
      meanDurationNs: o.durationS * 1e9,
      startValue: (r) => ({ pick: r.int(2 ** 31) }),
    }),
    finalGenerator: finalOps(["stop-member"]),
    active: () => nemesis.active(),
  };
}
