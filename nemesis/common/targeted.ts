/**
 * A fault applied to a set of members and undone later, for the families that act per member
 * (kill, pause, disk, clock): `start-<family>` with `{ target }` (one, minority, majority, all,
 * leader) picks the members at invoke time — the completion's value lists them — and applies
 * the fault to each; `stop-<family>` undoes it on exactly those. Members that the `member`
 * family has removed are left alone (shared set). Both hold the targets' locks (NodeLocks)
 * while they act, so families running concurrently never act on one member at once; a start
 * re-checks, once it holds them, that its targets were not removed meanwhile.
 */
import type { CapabilityName } from "../../harness/api/capabilities.js";
import type { Cluster } from "../../harness/api/cluster.js";
import type { Completion, Invocation } from "../../harness/api/operation.js";
import type { Nemesis, NemesisPackage } from "../../harness/api/workload.js";
import { seededRandom, type Random } from "../../harness/generator/random.js";
import type { Generator } from "../../harness/generator/types.js";
import { NodeLocks } from "./locks.js";
import { errMsg, leaderWithin, pickTargets, TARGETS, type FamilyOptions, type Target } from "./options.js";
import { finalOps, schedule } from "./schedule.js";

/** What the families of one run share: members out of play, members kept down, member locks. */
export interface SharedState {
  /** Members removed by the member family: other families leave them alone. */
  removed: Set<string>;
  /** Members the kill family keeps down until its stop-kill (the disk family must not restart them). */
  killed: Set<string>;
  locks: NodeLocks;
  /**
   * When (Date.now()) the partition family last cut the leader off, while that cut lasts: the
   * families acting on members let it develop for LEADER_CUT_GRACE_MS first.
   */
  leaderCutAt?: number;
}

export function sharedState(): SharedState {
  return { removed: new Set(), killed: new Set(), locks: new NodeLocks() };
}

/**
 * How long after the leader is cut off a kill, pause, clock or disk fault waits before it acts:
 * long enough for the rest to elect a new leader and carry on (an election timeout, randomized
 * up to twice that, plus a round), which is what makes the cut expose lost writes and stale
 * reads. A kill of the majority side in that time undid most leader cuts (measured: it wasted
 * about half of them in the early-ack campaign); later in the window the faults overlap as usual.
 */
export const LEADER_CUT_GRACE_MS = 3000;

/** Waits out the rest of the grace after a leader cut, if one is under way; resolves to the ms waited. */
export async function afterLeaderCutGrace(shared: SharedState): Promise<number> {
  const at = shared.leaderCutAt;
  if (at === undefined) return 0;
  const left = at + LEADER_CUT_GRACE_MS - Date.now();
  if (left <= 0) return 0;
  await new Promise((r) => setTimeout(r, left));
  return left;
}

export interface TargetedSpec {
  family: string;
  needs: CapabilityName[];
  /** Targets to choose from (default all of TARGETS). */
  targets?: readonly Target[];
  /** Extra random choices of a start op (e.g. a clock offset), added to its value. */
  extra?(r: Random): Record<string, unknown>;
  apply(cluster: Cluster, node: string, value: Record<string, unknown>, shared: SharedState): Promise<void>;
  undo(cluster: Cluster, node: string, shared: SharedState): Promise<void>;
}

class TargetedNemesis implements Nemesis {
  private cluster: Cluster | undefined;
  /** Members with the fault applied now, and the name of the window. */
  private hit: string[] = [];
  private label: string | undefined;

  constructor(
    private readonly s: TargetedSpec,
    private readonly o: FamilyOptions,
    private readonly shared: SharedState,
  ) {}

  async setup(cluster: Cluster): Promise<void> {
    this.cluster = cluster;
  }

  active(): string | undefined {
    return this.label;
  }

  async invoke(op: Invocation): Promise<Completion> {
    const c = this.cluster;
    if (!c) return { type: "fail", error: "nemesis not set up" };
    if (op.f === `stop-${this.s.family}`) return this.shared.locks.with(this.hit, op.f, () => this.stop());
    if (op.f !== `start-${this.s.family}`) return { type: "fail", error: `unknown op ${op.f}` };
    const v = op.value as { target: Target; pick: number } & Record<string, unknown>;
    const graceMs = await afterLeaderCutGrace(this.shared);
    const live = c.nodes.filter((n) => !this.shared.removed.has(n));
    let targets: string[];
    if (v.target === "leader") {
      const l = await leaderWithin(this.o.queries, c);
      if (!l || !live.includes(l))
        return { type: "fail", value: { ...v, shape: v.target }, error: "no leader known: nothing done" };
      targets = [l];
    } else {
      if (live.length === 0) return { type: "fail", error: "no member to act on" };
      targets = pickTargets(live, v.target, seededRandom(v.pick));
    }
    const { pick: _pick, ...rest } = v;
    return this.shared.locks.with(targets, op.f, async (): Promise<Completion> => {
      // Removed by the member family while this op waited for the locks: leave them alone.
      const gone = targets.filter((n) => this.shared.removed.has(n));
      const now = targets.filter((n) => !this.shared.removed.has(n));
      const value = {
        ...rest,
        shape: v.target,
        targets: now,
        ...(graceMs ? { afterLeaderCutMs: Math.round(graceMs) } : {}),
      };
      if (now.length === 0)
        return { type: "fail", value, error: `${gone.join(",")} removed meanwhile: nothing done` };
      this.label = `${this.s.family} ${v.target} ${now.join(",")}`;
      const errors: string[] = [];
      for (const n of now) {
        try {
          await this.s.apply(c, n, value, this.shared);
          this.hit.push(n);
        } catch (err) {
          errors.push(`${n}: ${errMsg(err)}`);
        }
      }
      if (errors.length === 0) return { type: "ok", value };
      // Partly applied: unknown outcome, the window stays open until stop.
      return { type: this.hit.length ? "info" : "fail", value, error: errors.join("; ") };
    });
  }

  private async stop(): Promise<Completion> {
    const c = this.cluster!;
    const errors: string[] = [];
    const undone: string[] = [];
    for (const n of [...new Set(this.hit)]) {
      try {
        await this.s.undo(c, n, this.shared);
        undone.push(n);
      } catch (err) {
        errors.push(`${n}: ${errMsg(err)}`);
      }
    }
    this.hit = this.hit.filter((n) => !undone.includes(n));
    if (this.hit.length === 0) this.label = undefined;
    return errors.length
      ? { type: "info", value: { targets: undone }, error: errors.join("; ") }
      : { type: "ok", value: { targets: undone } };
  }

  async teardown(): Promise<void> {
    await this.stop().catch(() => {});
  }
}

export function targetedPackage(
  s: TargetedSpec,
  o: FamilyOptions,
  shared: SharedState = sharedState(),
): NemesisPackage<Generator> {
  const targets = s.targets ?? TARGETS;
  const nemesis = new TargetedNemesis(s, o, shared);
  return {
    name: s.family,
    needs: s.needs,
    nemesis,
    generator: schedule({
      family: s.family,
      seed: o.seed,
      meanPeriodNs: o.periodS * 1e9,
      meanDurationNs: o.durationS * 1e9,
      startValue: (r) => ({ target: r.pick(targets), pick: r.int(2 ** 31), ...(s.extra?.(r) ?? {}) }),
    }),
    finalGenerator: finalOps([`stop-${s.family}`]),
    active: () => nemesis.active(),
  };
}
