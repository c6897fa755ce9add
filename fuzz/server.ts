/**
 * The server under fuzz: one the campaign starts (`--server reference|etcd`, local or docker
 * provider, through the same code as `gauntlet bench`) or one someone else runs (`--endpoints`,
 * local unless `--allow-remote`). Says where inputs go (client port of the first member, every
 * member's peer port for the reference server), who the members are, and how each one exited.
 */
import { createClient } from "../harness/client/index.js";
import { openTarget, type Target, type TargetOptions } from "../bench/target.js";
import type { LocalCluster } from "../harness/providers/local/cluster.js";
import type { SendTargets } from "./send.js";

export interface ServerSpec extends Omit<TargetOptions, "runDir" | "log"> {
  /** Peer ports to fuzz with `--endpoints` (host:port of each member, in order). */
  peerEndpoints?: string[];
}

export interface MemberWatch {
  node: string;
  pid?: number;
}

export interface FuzzServer {
  describe: string;
  /** True when this campaign started the server (it can start a fresh one). */
  owned: boolean;
  targets: SendTargets;
  members: MemberWatch[];
  /** How a member exited on its own ("exit code 1", "signal SIGSEGV"), if it did. */
  exitOf(node: string): string | undefined;
  logTail(node: string, lines: number): string;
  close(): Promise<void>;
}

function hostPortOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
}

/**
 * The reference server's Raft id of a member, as its peer frames carry it: the top 53 bits of
 * the 64-bit member ID (so that it fits a float64 exactly), 1 if that is 0.
 */
export function raftIdOf(memberId: string): number {
  const r = Number(BigInt(memberId) >> 11n);
  return r === 0 ? 1 : r;
}

/** Raft ids of the members in `names` order (MemberList; unknown names keep list order). */
async function memberIds(endpoint: string, names: readonly string[]): Promise<number[]> {
  const c = createClient({ endpoint, timeoutMs: 5000 });
  try {
    const list = await c.memberList();
    const byName = new Map(list.members.map((m) => [m.name, raftIdOf(m.id)]));
    const ordered = names.map((n) => byName.get(n)).filter((x): x is number => x !== undefined);
    return ordered.length === list.members.length ? ordered : list.members.map((m) => raftIdOf(m.id));
  } catch {
    return [];
  } finally {
    c.close();
  }
}

/** Starts (or attaches to) the server; `runDir` holds a started cluster's data and logs. */
export async function openServer(
  spec: ServerSpec,
  runDir: string,
  log: (line: string) => void,
): Promise<FuzzServer> {
  const target: Target = await openTarget({ ...spec, runDir, log });
  const cluster = target.cluster;
  const nodes = cluster ? [...cluster.nodes] : target.endpoints.map((e) => e);
  const client = target.endpoints[0]!;
  const peers =
    spec.server === "reference" && cluster
      ? cluster.nodes
          .map((n) => cluster.node(n).peerUrl)
          .filter((u): u is string => !!u)
          .map(hostPortOf)
      : (spec.peerEndpoints ?? []);
  const ids = await memberIds(client, nodes);
  const pidOf = new Map(target.servers.map((s) => [s.node, s.pid]));
  const local = cluster as LocalCluster | undefined;
  return {
    describe: target.describe,
    owned: cluster !== undefined,
    targets: { client, peers, memberIds: ids },
    members: nodes.map((node) => ({ node, pid: pidOf.get(node) })),
    exitOf(node) {
      const e = local?.unexpectedExit?.(node);
      if (!e) return undefined;
      return e.signal ? `killed by signal ${e.signal}` : `exit code ${e.code}`;
    },
    logTail(node, lines) {
      return cluster ? cluster.logTail(node, lines) : "(the server's log is not ours to read: --endpoints)";
    },
    close: () => target.close(),
  };
}
