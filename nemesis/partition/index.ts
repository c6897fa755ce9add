/**
 * The `partition` family: iptables drop rules inside the members' network namespaces (the
 * cluster's Net capability), healed by removing exactly the rules added. A shape is chosen at
 * random per window among those the cluster size allows, unless one is given (`--partition`);
 * `leader` is drawn LEADER_WEIGHT times as often as each other shape (common/options.ts).
 * History: `start-partition` → value `{ shape, grudge, ... }`; `stop-partition` heals.
 */
import type { Cluster } from "../../harness/api/cluster.js";
import type { Completion, Invocation } from "../../harness/api/operation.js";
import type { Nemesis, NemesisPackage } from "../../harness/api/workload.js";
import { seededRandom } from "../../harness/generator/random.js";
import type { Generator } from "../../harness/generator/types.js";
import { errMsg, leaderWeighted, leaderWithin, wholeWithin, type FamilyOptions } from "../common/options.js";
import type { SharedState } from "../common/targeted.js";
import { finalOps, schedule } from "../common/schedule.js";
import { allLinks, bridge, halves, isolate, majoritiesRing, SHAPES, type Shape } from "./grudge.js";

export interface PartitionOptions extends FamilyOptions {
  /** Number of members (decides which shapes are possible). */
  nodeCount: number;
  /** Always this shape (`--partition`); random among the possible ones otherwise. */
  shape?: Shape;
  /** What the families of the run share (members the member family removed are not waited for). */
  shared?: SharedState;
}

/** Shapes possible with `n` members, with the reason for each one that is not. */
export function possibleShapes(n: number): { ok: Shape[]; not: Partial<Record<Shape, string>> } {
  const not: Partial<Record<Shape, string>> = {};
  if (n < 2) for (const s of SHAPES) not[s] = "a partition needs at least 2 members";
  else {
    if (n < 3) not.bridge = "bridge needs at least 3 members";
    if (n < 4)
      not["majorities-ring"] = "majorities-ring needs at least 4 members (3 cannot see different majorities)";
  }
  return { ok: SHAPES.filter((s) => !not[s]), not };
}

/** Throws an Error saying why, if `shape` (or any shape, when undefined) is impossible with n members. */
export function validatePartition(n: number, shape?: Shape): void {
  const p = possibleShapes(n);
  if (shape !== undefined && !SHAPES.includes(shape))
    throw new Error(`unknown partition shape ${shape} (known: ${SHAPES.join(", ")})`);
  if (shape !== undefined && p.not[shape]) throw new Error(`--partition ${shape}: ${p.not[shape]}`);
  if (p.ok.length === 0) throw new Error(`nemesis partition: ${p.not.isolate}`);
}

class PartitionNemesis implements Nemesis {
  private cluster: Cluster | undefined;
  private shape: string | undefined;
  constructor(private readonly o: PartitionOptions) {}

  async setup(cluster: Cluster): Promise<void> {
    this.cluster = cluster;
  }

  active(): string | undefined {
    return this.shape === undefined ? undefined : `partition ${this.shape}`;
  }

  async invoke(op: Invocation): Promise<Completion> {
    const c = this.cluster;
    const net = c?.capabilities.net;
    if (!c || !net) return { type: "fail", error: "no net capability" };
    if (op.f === "stop-partition") {
      if (this.o.shared) this.o.shared.leaderCutAt = undefined;
      await net.heal();
      this.shape = undefined;
      return { type: "ok", value: { healed: true } };
    }
    if (op.f !== "start-partition") return { type: "fail", error: `unknown op ${op.f}` };
    const v = op.value as { shape: Shape; pick: number };
    const r = seededRandom(v.pick);
    const nodes = c.nodes;
    let grudge: Record<string, string[]>;
    const value: Record<string, unknown> = { shape: v.shape };
    let probability: number | undefined;
    switch (v.shape) {
      case "isolate": {
        const t = nodes[r.int(nodes.length)]!;
        grudge = isolate(nodes, t);
        value.targets = [t];
        break;
      }
      case "leader": {
        // Cutting the leader off matters when a majority carries on without it: with a member of
        // that majority down (killed, paused), nobody takes over and the cut only stalls the
        // cluster. So first wait for every member to be up, up to the longest a window (of the
        // family that holds it down) lasts: 1.5 mean windows.
        const started = Date.now();
        const down = await wholeWithin(c, this.o.shared?.removed ?? new Set(), this.o.durationS * 1500);
        const waited = Date.now() - started;
        if (waited >= 100) value.waitedMs = waited;
        if (down.length) value.down = down;
        const t = await leaderWithin(this.o.queries, c);
        if (!t) return { type: "fail", value, error: "no leader known: nothing isolated" };
        grudge = isolate(nodes, t);
        value.targets = [t];
        break;
      }
      case "halves": {
        const h = halves(nodes, r);
        grudge = h.grudge;
        value.sides = h.sides;
        break;
      }
      case "bridge": {
        const b = bridge(nodes, r);
        grudge = b.grudge;
        value.targets = [b.bridge];
        break;
      }
      case "majorities-ring":
        grudge = majoritiesRing(nodes, r);
        break;
      case "flaky":
        grudge = allLinks(nodes);
        probability = Math.round((0.05 + 0.25 * r.next()) * 100) / 100;
        value.probability = probability;
        break;
      default:
        return { type: "fail", error: `unknown shape ${String(v.shape)}` };
    }
    value.grudge = grudge;
    this.shape = v.shape;
    try {
      await net.partition(grudge, probability === undefined ? {} : { probability });
      if (v.shape === "leader" && this.o.shared) this.o.shared.leaderCutAt = Date.now();
    } catch (err) {
      // Some rules may be in place: the outcome is unknown, the window stays open until healed.
      return { type: "info", value, error: errMsg(err) };
    }
    return { type: "ok", value };
  }

  async teardown(): Promise<void> {
    this.shape = undefined;
    if (this.o.shared) this.o.shared.leaderCutAt = undefined;
    await this.cluster?.capabilities.net?.heal().catch(() => {});
  }
}

/** The shapes a random window draws from: `leader` LEADER_WEIGHT times (common/options.ts). */
export function shapeDraw(shapes: readonly Shape[]): Shape[] {
  return leaderWeighted(shapes);
}

export function partitionPackage(o: PartitionOptions): NemesisPackage<Generator> {
  validatePartition(o.nodeCount, o.shape);
  const shapes = shapeDraw(o.shape ? [o.shape] : possibleShapes(o.nodeCount).ok);
  const nemesis = new PartitionNemesis(o);
  return {
    name: "partition",
    needs: ["net"],
    nemesis,
    generator: schedule({
      family: "partition",
      seed: o.seed,
      meanPeriodNs: o.periodS * 1e9,
      meanDurationNs: o.durationS * 1e9,
      startValue: (r) => ({ shape: r.pick(shapes), pick: r.int(2 ** 31) }),
    }),
    finalGenerator: finalOps(["stop-partition"]),
    active: () => nemesis.active(),
  };
}
