/**
 * `gauntlet run`'s fault flags turned into a nemesis package (nemesis/combined): which
 * families (`--nemesis`, or the default campaign: the strongest faults this machine and server
 * allow, saying what is left out and why), checked before anything starts, and the cluster
 * queries the families need (who leads, compact, defragment) over harness/client — injected
 * here because nemesis/ may not import the client.
 */
import type { Cluster } from "../harness/api/cluster.js";
import { HarnessError } from "../harness/api/cluster.js";
import type { NemesisPackage } from "../harness/api/workload.js";
import { createClient } from "../harness/client/client.js";
import type { GenLike } from "../harness/generator/types.js";
import { canUseNamespaces } from "../harness/providers/local/netns.js";
import { findLibfaketime } from "../harness/providers/local/server-command.js";
import { memberStatus } from "../harness/providers/local/status.js";
import { combinedPackage, parseFamilies, type Family } from "../nemesis/combined/index.js";
import type { ClusterQueries } from "../nemesis/common/options.js";
import { SHAPES, type Shape } from "../nemesis/partition/grudge.js";
import { validatePartition } from "../nemesis/partition/index.js";
import { validateMember } from "../nemesis/member/index.js";

export interface NemesisFlags {
  /** `--nemesis` as given; undefined = the default campaign. */
  nemesis?: string;
  intervalS: number;
  partition?: string;
  provider: "local" | "external";
  server: "reference" | "etcd";
  nodes: number;
}

export interface NemesisChoice {
  families: Family[];
  /** Lines to print before the run (what the default campaign leaves out, and why). */
  notes: string[];
}

/** Why a family cannot run here, or undefined when it can. */
export function whyNot(
  f: Family,
  flags: Pick<NemesisFlags, "provider" | "server" | "nodes">,
): string | undefined {
  if (flags.provider === "external") return "the external provider injects no faults";
  const ns = canUseNamespaces();
  switch (f) {
    case "partition":
      if (!ns.ok) return `${ns.why} (iptables inside per-member network namespaces)`;
      if (flags.nodes < 2) return "a partition needs at least 2 members";
      return undefined;
    case "disk":
      return ns.ok ? undefined : `${ns.why.replace("network namespaces", "tmpfs mounts")}`;
    case "clock":
      if (flags.server === "etcd")
        return "etcd is a Go binary: it ignores libfaketime (LD_PRELOAD), so its clock cannot be skewed";
      return findLibfaketime() ? undefined : "libfaketime is not installed (apt-get install libfaketime)";
    case "member":
      return flags.nodes < 3 ? `needs at least 3 members (got ${flags.nodes})` : undefined;
    default:
      return undefined;
  }
}

const DEFAULT: readonly Family[] = ["partition", "kill", "pause", "clock"];

/** The families of a run: `--nemesis` checked (a family that cannot run is an error), or the default campaign. */
export function chooseFamilies(flags: NemesisFlags): NemesisChoice {
  if (flags.nemesis === undefined) {
    const want = flags.server === "etcd" ? DEFAULT.filter((f) => f !== "clock") : DEFAULT;
    const families: Family[] = [];
    const left: string[] = [];
    for (const f of want) {
      const why = whyNot(f, flags);
      if (why) left.push(`${f} (${why})`);
      else families.push(f);
    }
    if (flags.server === "etcd" && flags.provider === "local") left.push("clock (etcd ignores libfaketime)");
    const notes = [
      `faults: ${families.length ? families.join(",") : "none"} (the default campaign; choose with --nemesis)`,
    ];
    if (left.length) notes.push(`left out: ${left.join("; ")}`);
    return { families, notes };
  }
  let families: Family[];
  try {
    families = parseFamilies(flags.nemesis);
  } catch (err) {
    throw new HarnessError(`--nemesis: ${(err as Error).message}`);
  }
  const refused = families.map((f) => [f, whyNot(f, flags)] as const).filter(([, why]) => why);
  if (refused.length)
    throw new HarnessError(
      `cannot run ${refused.map(([f, why]) => `nemesis ${f}: ${why}`).join("; ")}` +
        ` (drop ${refused.length > 1 ? "them" : "it"} from --nemesis)`,
    );
  return { families, notes: families.length ? [`faults: ${families.join(",")}`] : ["faults: none"] };
}

/** Checks the shape flags, then builds the package; undefined when no family is chosen. */
export function buildNemesis(
  flags: NemesisFlags,
  families: readonly Family[],
  seed: number,
): NemesisPackage<GenLike> | undefined {
  if (!(flags.intervalS > 0))
    throw new HarnessError(`--nemesis-interval must be a positive number of seconds, got ${flags.intervalS}`);
  let shape: Shape | undefined;
  if (flags.partition !== undefined) {
    if (!(SHAPES as readonly string[]).includes(flags.partition))
      throw new HarnessError(`--partition: unknown shape ${flags.partition} (known: ${SHAPES.join(", ")})`);
    shape = flags.partition as Shape;
    if (!families.includes("partition"))
      throw new HarnessError(`--partition ${shape} needs partition in --nemesis`);
  }
  if (families.length === 0) return undefined;
  try {
    if (families.includes("partition")) validatePartition(flags.nodes, shape);
    if (families.includes("member")) validateMember(flags.nodes);
  } catch (err) {
    throw new HarnessError((err as Error).message);
  }
  return combinedPackage({
    families,
    seed,
    intervalS: flags.intervalS,
    nodeCount: flags.nodes,
    partitionShape: shape,
    queries: clusterQueries,
  });
}

/**
 * Leader, compact and defragment over the cluster's own API. Short deadlines: a call holds the
 * one nemesis thread, and with it every other family's next start or stop.
 */
export const clusterQueries: ClusterQueries = {
  async leader(cluster: Cluster) {
    // Right after a heal or a restart the members may be electing: ask again for about 3 s.
    for (let attempt = 0; attempt < 6; attempt++) {
      const l = await leaderOnce(cluster);
      if (l) return l;
      await new Promise((r) => setTimeout(r, 500));
    }
    return undefined;
  },
  async compact(cluster: Cluster, node: string) {
    const c = createClient({ endpoint: cluster.clientEndpoints(node)[0]!, timeoutMs: 5000 });
    try {
      const st = await c.status();
      const rev = Math.max(1, st.header.revision - 10);
      await c.compact(rev);
      return rev;
    } finally {
      c.close();
    }
  },
  async defragment(cluster: Cluster, node: string) {
    const c = createClient({ endpoint: cluster.clientEndpoints(node)[0]!, timeoutMs: 5000 });
    try {
      await c.defragment();
    } finally {
      c.close();
    }
  },
};

/** The leader most members name, mapped to a member name; undefined when none is named. */
async function leaderOnce(cluster: Cluster): Promise<string | undefined> {
  const answers = await Promise.all(
    cluster.nodes.map(async (n) => {
      try {
        return { n, s: await memberStatus(cluster.clientEndpoints(n)[0]!, 1000) };
      } catch {
        return undefined;
      }
    }),
  );
  const ok = answers.filter((a) => a !== undefined);
  const votes = new Map<string, number>();
  for (const a of ok)
    if (a.s.leader !== "0" && a.s.leader !== "") votes.set(a.s.leader, (votes.get(a.s.leader) ?? 0) + 1);
  const best = [...votes].sort((a, b) => b[1] - a[1])[0];
  if (!best) return undefined;
  return ok.find((a) => a.s.memberId === best[0])?.n;
}
