/**
 * Composes fault families into one nemesis package (`--nemesis kill,partition,...` or `all`):
 * the families' schedules run side by side (`any`), each family's ops one at a time but the
 * families concurrently (`concurrency` = one nemesis slot per family), so faults of different
 * families overlap and a slow op of one family (a member remove, a restart, a disk fill) holds
 * up no other family; ops on the same member are serialized by per-member locks (NodeLocks in
 * the shared state). The mean time between fault starts across all families is `intervalS`. Ops go to their family by name (`start-<family>` / `stop-<family>`, admin's
 * `compact` / `defragment`). The final generator undoes every family's fault, and teardown
 * undoes whatever is left (also on Ctrl-C).
 */
import type { CapabilityName } from "../../harness/api/capabilities.js";
import type { Cluster } from "../../harness/api/cluster.js";
import type { Completion, Invocation } from "../../harness/api/operation.js";
import type { Nemesis, NemesisPackage } from "../../harness/api/workload.js";
import { any } from "../../harness/generator/threads.js";
import { seq } from "../../harness/generator/lift.js";
import type { Generator } from "../../harness/generator/types.js";
import { adminPackage } from "../admin/index.js";
import { clockPackage } from "../clock/index.js";
import type { ClusterQueries } from "../common/options.js";
import { sharedState } from "../common/targeted.js";
import { diskPackage } from "../disk/index.js";
import { killPackage } from "../kill/index.js";
import { memberPackage } from "../member/index.js";
import { partitionPackage } from "../partition/index.js";
import type { Shape } from "../partition/grudge.js";
import { pausePackage } from "../pause/index.js";

export const FAMILIES = ["partition", "kill", "pause", "clock", "disk", "member", "admin"] as const;
export type Family = (typeof FAMILIES)[number];

/** `kill,partition` / `all` / `none` → families (in FAMILIES order, no duplicates); throws on unknown names. */
export function parseFamilies(s: string): Family[] {
  const parts = s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (parts.length === 1 && parts[0] === "none") return [];
  if (parts.includes("all")) return [...FAMILIES];
  const bad = parts.filter((p) => !(FAMILIES as readonly string[]).includes(p));
  if (bad.length)
    throw new Error(`unknown nemesis ${bad.join(", ")} (known: ${FAMILIES.join(", ")}, all, none)`);
  return FAMILIES.filter((f) => parts.includes(f));
}

export interface CombinedOptions {
  families: readonly Family[];
  seed: number;
  /** Mean seconds between fault starts, across all families (`--nemesis-interval`). */
  intervalS: number;
  nodeCount: number;
  partitionShape?: Shape;
  queries?: ClusterQueries;
}

/** A seed per family from the run's seed (splitmix-style mixing). */
function familySeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Throws (with the reason) when the families cannot run on `nodeCount` members. */
export function validateCombined(
  o: Pick<CombinedOptions, "families" | "nodeCount" | "partitionShape" | "intervalS">,
): void {
  if (!(o.intervalS > 0))
    throw new Error(`--nemesis-interval must be a positive number of seconds, got ${o.intervalS}`);
  if (o.partitionShape && !o.families.includes("partition"))
    throw new Error(`--partition ${o.partitionShape} needs --nemesis to include partition`);
}

export function combinedPackage(o: CombinedOptions): NemesisPackage<Generator> {
  validateCombined(o);
  const k = o.families.length;
  const shared = sharedState();
  const pkgs = o.families.map((f, i) => {
    const fo = {
      seed: familySeed(o.seed, i),
      periodS: o.intervalS * k,
      durationS: o.intervalS,
      queries: o.queries,
    };
    switch (f) {
      case "partition":
        return partitionPackage({ ...fo, nodeCount: o.nodeCount, shape: o.partitionShape, shared });
      case "kill":
        return killPackage(fo, shared);
      case "pause":
        return pausePackage(fo, shared);
      case "clock":
        return clockPackage(fo, shared);
      case "disk":
        return diskPackage(fo, shared);
      case "member":
        return memberPackage({ ...fo, nodeCount: o.nodeCount }, shared);
      case "admin":
        // Instants: about one every interval on its own share of the schedule.
        return adminPackage({ ...fo, periodS: o.intervalS * k }, shared);
    }
  });
  const byOp = (f: string) => {
    const fam = f === "compact" || f === "defragment" ? "admin" : /^(?:start|stop)-(.+)$/.exec(f)?.[1];
    return pkgs.find((p) => p.name === fam);
  };
  const nemesis: Nemesis = {
    setup: async (cluster: Cluster) => {
      for (const p of pkgs) await p.nemesis.setup(cluster);
    },
    invoke: async (op: Invocation): Promise<Completion> => {
      const p = byOp(op.f);
      if (!p) return { type: "fail", error: `no nemesis family handles ${op.f}` };
      return { family: p.name, ...(await p.nemesis.invoke(op)) };
    },
    teardown: async () => {
      // In FAMILIES order: heal, restart, resume, ... first, so that a removed member can be
      // added back by a cluster with a quorum.
      for (const p of pkgs) await p.nemesis.teardown().catch(() => {});
    },
  };
  const needs = [...new Set(pkgs.flatMap((p) => p.needs))] as CapabilityName[];
  const finals = pkgs.map((p) => p.finalGenerator).filter((g): g is Generator => g !== undefined);
  return {
    name: o.families.join(","),
    needs,
    nemesis,
    generator: any(...pkgs.map((p) => p.generator)),
    concurrency: pkgs.length,
    finalGenerator: seq(...finals),
    active: () => {
      const a = pkgs.map((p) => p.active?.()).filter((x): x is string => x !== undefined);
      return a.length ? a.join(" + ") : undefined;
    },
  };
}
