/**
 * What every fault family is built from: the run's seed, the schedule's pace, and the few
 * cluster queries a nemesis needs beyond the capabilities (who leads, admin calls), injected by
 * the composition root (harness/cli) because nemesis/ may not import the client.
 */
import type { Cluster } from "../../harness/api/cluster.js";
import type { Random } from "../../harness/generator/random.js";

export interface ClusterQueries {
  /** The member that leads now, by asking the members (Maintenance.Status); undefined if none agrees. */
  leader(cluster: Cluster): Promise<string | undefined>;
  /** Compact at a recent revision through `node`; returns the revision compacted at. */
  compact(cluster: Cluster, node: string): Promise<number>;
  /** Defragment `node`. */
  defragment(cluster: Cluster, node: string): Promise<void>;
}

export interface FamilyOptions {
  /** Seed of the family's random stream (derived from the run's seed). */
  seed: number;
  /** Mean seconds from one start of this family to its next. */
  periodS: number;
  /** Mean seconds a fault window lasts. */
  durationS: number;
  queries?: ClusterQueries;
}

/** Targets of kill / pause / disk / clock faults. */
export const TARGETS = ["one", "minority", "majority", "all", "leader"] as const;
export type Target = (typeof TARGETS)[number];

/** Picks members for a target spec (`leader` is resolved by the caller). */
export function pickTargets(
  nodes: readonly string[],
  target: Exclude<Target, "leader">,
  r: Random,
): string[] {
  const s = [...nodes];
  for (let i = s.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const n = nodes.length;
  const k = {
    one: 1,
    minority: Math.max(1, Math.floor((n - 1) / 2)),
    majority: Math.floor(n / 2) + 1,
    all: n,
  }[target];
  return s.slice(0, Math.min(k, n)).sort();
}

export const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));
