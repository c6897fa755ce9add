/**
 * Joining a running cluster (`--initial-cluster-state existing` on a fresh data dir), as etcd's
 * GetClusterFromRemotePeers: ask the members named in `--initial-cluster` over their peer URLs
 * for the cluster (its ID and member list), adopt the cluster ID and the member IDs, and find
 * this member in the list by its peer URLs (it must have been added with `etcdctl member add`).
 *
 * The question is one frame on the peer port (transport.ts, kind 2), the answer one frame back
 * (kind 3: JSON `{ clusterId: hex, members: [{ id: hex, name, peerURLs, clientURLs, isLearner }] }`).
 * No answer within the deadline, or no answer listing this member, is a clear start-up error.
 */
import net from "node:net";
import { FRAME_CLUSTER_INFO, FRAME_CLUSTER_QUERY, frame } from "./transport.js";
import type { Members } from "./members.js";

export type MemberJson = ReturnType<Members["toJSON"]>[number];

export interface RemoteCluster {
  clusterId: bigint;
  members: MemberJson[];
  /** The peer URL that answered. */
  from: string;
}

/** Asks one peer URL for the cluster; rejects on any failure or after `timeoutMs`. */
export function askPeer(url: string, timeoutMs: number): Promise<RemoteCluster> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port) });
    let buf = Buffer.alloc(0);
    const done = (err: Error | undefined, v?: RemoteCluster): void => {
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(v!);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    s.on("connect", () => s.write(frame(FRAME_CLUSTER_QUERY, new Uint8Array(0))));
    s.on("error", (err) => done(err));
    s.on("close", () => done(new Error("connection closed without an answer")));
    s.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 5) return;
      const len = buf.readUInt32LE(0);
      if (len > 16 << 20) return done(new Error(`answer of ${len} bytes`));
      if (buf.length < 4 + len) return;
      if (buf[4] !== FRAME_CLUSTER_INFO) return done(new Error(`unexpected frame kind ${buf[4]}`));
      try {
        const o = JSON.parse(buf.subarray(5, 4 + len).toString("utf8")) as {
          clusterId: string;
          members: MemberJson[];
        };
        if (typeof o.clusterId !== "string" || !Array.isArray(o.members)) throw new Error("malformed answer");
        done(undefined, { clusterId: BigInt(`0x${o.clusterId}`), members: o.members, from: url });
      } catch (err) {
        done(err as Error);
      }
    });
  });
}

const norm = (u: string): string => (u.endsWith("/") ? u.slice(0, -1) : u);

/**
 * Asks every peer URL (in turn, again and again until `deadlineMs` has passed) for the cluster;
 * returns the first answer whose member list holds a member with one of `selfPeerURLs`.
 */
export async function getClusterFromPeers(
  peerURLs: readonly string[],
  selfPeerURLs: readonly string[],
  deadlineMs: number,
  log: (msg: string, fields?: Record<string, unknown>) => void,
): Promise<{ cluster: RemoteCluster; self: MemberJson }> {
  if (peerURLs.length === 0)
    throw new Error(
      "--initial-cluster-state existing: --initial-cluster names no other member to ask for the cluster",
    );
  const until = performance.now() + deadlineMs;
  const mine = new Set(selfPeerURLs.map(norm));
  const errors = new Map<string, string>();
  for (let round = 0; ; round++) {
    for (const url of peerURLs) {
      try {
        const c = await askPeer(url, 1000);
        const self = c.members.find((m) => m.peerURLs.some((p) => mine.has(norm(p))));
        if (self) return { cluster: c, self };
        errors.set(
          url,
          `its member list (${c.members.map((m) => m.peerURLs.join("|")).join(", ")}) does not hold this member's peer URLs ${[...mine].join(",")} (add it first: etcdctl member add)`,
        );
      } catch (err) {
        errors.set(url, err instanceof Error ? err.message : String(err));
      }
    }
    if (performance.now() > until) break;
    if (round === 0) log("asking the cluster's members for the cluster (join)", { peers: peerURLs });
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `--initial-cluster-state existing: could not get the cluster from any peer in --initial-cluster within ${Math.round(deadlineMs / 1000)} s: ${[...errors].map(([u, e]) => `${u}: ${e}`).join("; ")}`,
  );
}
