/**
 * What every fault family is built from: the run's seed, the schedule's pace, and the few
 * cluster queries a nemesis needs beyond the capabilities (who leads, admin calls), injected by
 * the composition root (cli/) because nemesis/ may not import the client.
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

/**
 * How much more often a random partition window cuts the leader off (the `leader` shape) than it
 * takes any other shape. Cutting the leader off from a majority that carries on without it is
 * the fault behind most consensus bugs (lost acknowledged writes, stale reads from a deposed
 * leader), and each such window exposes them only briefly — the leader steps down after an
 * election timeout — so a run needs several. Jepsen's etcd suite aims its partitions at the
 * primaries for the same reason. (Kill, pause, clock and disk draw their targets evenly: weighting
 * their `leader` target too was measured to hurt — killing the new leader of the majority side
 * undoes a leader partition — 6 early-ack runs: 0.9 useful leader windows a run against 1.4.)
 */
export const LEADER_WEIGHT = 3;

/** The choices a random draw picks from, `leader` repeated LEADER_WEIGHT times. */
export function leaderWeighted<T extends string>(choices: readonly T[]): T[] {
  return choices.flatMap((c) => (c === "leader" ? Array<T>(LEADER_WEIGHT).fill(c) : [c]));
}

/** Asks `ask` every `everyMs` until `done` holds of its answer or `ms` have passed; the last answer. */
async function askWithin<T>(
  ask: () => Promise<T> | T,
  done: (answer: T) => boolean,
  ms: number,
  everyMs: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await ask();
    if (done(answer) || Date.now() >= deadline) return answer;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The leader, asked until one is known or `ms` have passed (a leader fault that starts during an
 * election — or while a kill holds a majority down — waits for the next leader instead of
 * being wasted). Undefined if none emerged in time.
 */
export async function leaderWithin(
  queries: ClusterQueries | undefined,
  cluster: Cluster,
  ms = 3000,
): Promise<string | undefined> {
  if (!queries) return undefined;
  return askWithin(
    () => queries.leader(cluster).catch(() => undefined),
    (l) => l !== undefined && l !== "",
    ms,
    250,
  );
}

/**
 * Waits until every member in play (not in `removed`) is running and not paused, or `ms` have
 * passed; resolves to the members still down or paused (empty when the cluster is whole).
 * Members the cluster cannot kill or pause count as up.
 */
export function wholeWithin(cluster: Cluster, removed: ReadonlySet<string>, ms: number): Promise<string[]> {
  const { killable, pausable } = cluster.capabilities;
  const down = () =>
    cluster.nodes.filter(
      (n) => !removed.has(n) && ((killable && !killable.isRunning(n)) || (pausable?.isPaused(n) ?? false)),
    );
  return askWithin(down, (d) => d.length === 0, ms, 100);
}
