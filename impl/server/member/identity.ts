/**
 * Who a member is before it is built: its member ID, its cluster's ID and the member table it
 * starts from, derived as etcd derives them — from `--initial-cluster` and
 * `--initial-cluster-token` for a new cluster, from the running members for a fresh member
 * joining an existing one (join.ts, as etcd's GetClusterFromRemotePeers), and from its own
 * WAL's metadata on a restart (a joined member's IDs came from the cluster, not its flags).
 */
import type { ServerConfig } from "../flags.js";
import { clusterId as deriveClusterId, hexId, memberId as deriveMemberId } from "../ids.js";
import type { Logger } from "../log.js";
import { Members, raftIdOf, type MemberInfo } from "../cluster/members.js";
import { getClusterFromPeers } from "../cluster/join.js";
import type { MemberIdentity } from "./assemble.js";

/** How long a joining member keeps asking the members in --initial-cluster for the cluster. */
const JOIN_DEADLINE_MS = 5000;

function withSelf(config: ServerConfig, members: Members, selfId: bigint, clusterId: bigint): MemberIdentity {
  const self: MemberInfo = {
    ...(members.byId(selfId) ?? {
      id: selfId,
      raftId: raftIdOf(selfId),
      peerURLs: config.initialCluster.get(config.name) ?? [],
      isLearner: false,
    }),
    name: config.name,
    clientURLs: config.advertiseClientUrls,
  };
  members.set(self);
  return { self, clusterId, members: members.list() };
}

/** The identity of a member of a new cluster: everything from --initial-cluster and the token. */
export function initialIdentity(config: ServerConfig): MemberIdentity {
  const token = config.initialClusterToken;
  const members = new Members();
  for (const [name, urls] of config.initialCluster) {
    const id = deriveMemberId(urls, token);
    members.set({ id, raftId: raftIdOf(id), name, peerURLs: urls, clientURLs: [], isLearner: false });
  }
  const selfId = deriveMemberId(config.initialCluster.get(config.name)!, token);
  return withSelf(config, members, selfId, deriveClusterId(members.list().map((m) => m.id)));
}

/**
 * A fresh member joining a running cluster: the cluster ID and member IDs come from the running
 * members (it must have been added with `member add`), not from its own --initial-cluster.
 */
export async function joinedIdentity(config: ServerConfig, log: Logger): Promise<MemberIdentity> {
  const initial = initialIdentity(config);
  const selfPeerURLs = config.initialCluster.get(config.name)!;
  const others = initial.members.filter((m) => m.id !== initial.self.id).flatMap((m) => m.peerURLs);
  const { cluster, self } = await getClusterFromPeers(others, selfPeerURLs, JOIN_DEADLINE_MS, (msg, f) =>
    log.info(msg, f),
  );
  const members = new Members();
  members.replaceAll(cluster.members);
  const identity = withSelf(config, members, BigInt(`0x${self.id}`), cluster.clusterId);
  log.info("joining an existing cluster", {
    clusterID: hexId(identity.clusterId),
    memberID: hexId(identity.self.id),
    from: cluster.from,
    members: cluster.members.length,
  });
  return identity;
}

/** The WAL metadata written when a member's data dir is created: `{ memberId, clusterId, name }` (hex IDs). */
export function identityMetadata(identity: MemberIdentity): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      memberId: hexId(identity.self.id),
      clusterId: hexId(identity.clusterId),
      name: identity.self.name,
    }),
  );
}

/** A restart: the IDs this member was created with are in its WAL's metadata. */
export function restartedIdentity(
  config: ServerConfig,
  identity: MemberIdentity,
  metadata: Uint8Array,
): MemberIdentity {
  const meta = parseMetadata(metadata);
  const clusterId = meta.clusterId ? BigInt(`0x${meta.clusterId}`) : identity.clusterId;
  const selfId = meta.memberId ? BigInt(`0x${meta.memberId}`) : identity.self.id;
  const members = new Members();
  for (const m of identity.members)
    if (m.id !== identity.self.id || selfId === identity.self.id) members.set({ ...m });
  return withSelf(config, members, selfId, clusterId);
}

function parseMetadata(bytes: Uint8Array): { memberId?: string; clusterId?: string } {
  try {
    const o = JSON.parse(Buffer.from(bytes).toString("utf8")) as { memberId?: unknown; clusterId?: unknown };
    const hex = (v: unknown): string | undefined =>
      typeof v === "string" && /^[0-9a-f]{1,16}$/.test(v) ? v : undefined;
    return { memberId: hex(o.memberId), clusterId: hex(o.clusterId) };
  } catch {
    return {};
  }
}
