/**
 * What the peer port accepts, as pure decisions (the transport does the I/O):
 *
 * - A connection opens with a hello (`{ id, url, cluster }`: the sender's Raft id, its peer URL
 *   and the cluster ID, hex) or with a joining member's cluster query; anything else closes it.
 *   A hello naming another cluster is refused, as etcd refuses a peer request whose
 *   X-Etcd-Cluster-ID differs; one naming this member's own id, or a member this one saw
 *   removed (etcd answers those 410 Gone), too.
 * - Every Raft message on the connection must come from the id its hello named and be
 *   addressed to this member. From a member of this member's table, any network message is
 *   stepped. From an id this member does not know — a member added while it was down, whose
 *   leadership it must follow to catch up (etcd's AddRemote) — only what a leader or a
 *   candidate sends to a member behind it is stepped; never a proposal, a read request or a
 *   leader transfer.
 * - Frame sizes: a frame's length header is checked before its body is buffered (frames.ts),
 *   against `peerFrameLimits` — a snapshot may be large: one at a time per member, and one
 *   for all the senders outside the member table.
 *
 * This guards against mistakes and garbage (another cluster's member, a stale removed member,
 * a fuzzer), not against a deliberate attacker who knows the cluster ID: like etcd without
 * peer TLS, the peer port must be reachable only by the cluster's members.
 */
import type { Message } from "../../raft/index.js";
import { MessageType } from "../../raft/index.js";
import { DEFAULT_QUOTA_BYTES } from "../flags.js";
import type { Members } from "./members.js";

/** The first frame of every member-to-member connection. */
export interface Hello {
  id: number;
  url: string;
  cluster: string;
}

/** What this member knows of a Raft id. */
export type Standing = "member" | "unknown" | "removed";

export function standingOf(members: Members, removed: ReadonlySet<number> | undefined, id: number): Standing {
  if (members.get(id)) return "member";
  return removed?.has(id) ? "removed" : "unknown";
}

const MAX_URL = 1024;

/** `http(s)://host:port`, as --initial-advertise-peer-urls. */
function isPeerUrl(s: string): boolean {
  if (!URL.canParse(s)) return false;
  const u = new URL(s);
  return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && u.port !== "";
}

/** Parses a hello frame's body; a string is why it is refused. */
export function parseHello(body: Buffer): Hello | string {
  let o: unknown;
  try {
    o = JSON.parse(body.toString("utf8"));
  } catch {
    return "hello is not JSON";
  }
  const h = o as Partial<Hello> | null;
  if (!h || typeof h !== "object") return "hello is not an object";
  if (typeof h.id !== "number" || !Number.isSafeInteger(h.id) || h.id <= 0)
    return `hello names an invalid raft id ${JSON.stringify(h.id)}`;
  if (typeof h.url !== "string" || h.url.length > MAX_URL || !isPeerUrl(h.url))
    return "hello has no valid peer URL";
  if (typeof h.cluster !== "string" || !/^[0-9a-f]{1,16}$/.test(h.cluster))
    return "hello names no cluster ID";
  return { id: h.id, url: h.url, cluster: h.cluster };
}

/** Why a hello is refused on this member (undefined: accepted). */
export function refuseHello(
  h: Hello,
  selfId: number,
  clusterId: string,
  standing: Standing,
): string | undefined {
  if (h.cluster !== clusterId)
    return `peer belongs to another cluster (its cluster ID ${h.cluster}, this one's ${clusterId})`;
  if (h.id === selfId) return "peer claims this member's own raft id";
  if (standing === "removed") return "peer was removed from this cluster";
  return undefined;
}

/** What a member not (yet) in this member's table may send: a leader's or a candidate's messages. */
const FROM_UNKNOWN: ReadonlySet<number> = new Set([
  MessageType.App,
  MessageType.Heartbeat,
  MessageType.Snap,
  MessageType.TimeoutNow,
  MessageType.ReadIndexResp,
  MessageType.Vote,
  MessageType.PreVote,
]);

/** Why a (decoded, valid) Raft message from the connection of `peer` is not stepped (undefined: step it). */
export function refuseMessage(
  m: Message,
  peer: number,
  selfId: number,
  standing: Standing,
): string | undefined {
  if (m.from !== peer) return `message from raft id ${m.from} on the connection of ${peer}`;
  if (m.to !== selfId) return `message addressed to raft id ${m.to}, not this member`;
  if (standing === "member") return undefined;
  if (standing === "removed") return "sender was removed from this cluster";
  if (!FROM_UNKNOWN.has(m.type)) return `message type ${m.type} from a raft id not in this member's table`;
  return undefined;
}

export interface PeerFrameLimits {
  /** Any frame but a snapshot: a Raft message, a side message, a hello, a cluster query. */
  message: number;
  /** A MsgSnap frame (the whole store travels in it). */
  snapshot: number;
  /** A hello, a cluster query or a side message (small JSON). */
  control: number;
}

/** The Raft core's default maxSizePerMsg: MsgApp carries entries up to this size, plus one. */
const RAFT_MAX_MSG = 1 << 20;
/** gRPC framing on top of --max-request-bytes (as the client port's bound). */
const GRPC_OVERHEAD = 512 * 1024;
const U32_MAX = 0xffff_ffff;

/**
 * Derived from the server's own limits: an entry holds one request (≤ --max-request-bytes plus
 * gRPC overhead, counted twice for the command encoding around it); a MsgApp holds entries up
 * to the core's maxSizePerMsg plus one more; a snapshot holds the store, within the backend
 * quota (twice it, for serialization and the member table, and never above the u32 header).
 */
export function peerFrameLimits(config: {
  maxRequestBytes: number;
  quotaBackendBytes: number;
}): PeerFrameLimits {
  const entry = 2 * (config.maxRequestBytes + GRPC_OVERHEAD);
  const message = RAFT_MAX_MSG + entry + (1 << 20);
  const quota = config.quotaBackendBytes > 0 ? config.quotaBackendBytes : DEFAULT_QUOTA_BYTES;
  return {
    message,
    snapshot: Math.min(U32_MAX, Math.max(message, 2 * quota + (64 << 20))),
    control: 64 * 1024,
  };
}
