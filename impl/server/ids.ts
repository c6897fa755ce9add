/**
 * Member and cluster IDs derived the way etcd derives them at bootstrap, so the same flags
 * give the same IDs on etcd and on Gauntlet: a member's ID is the first 8 bytes (big endian)
 * of sha1(sorted peer URLs concatenated + cluster token); the cluster ID is the first 8 bytes
 * of sha1(the sorted member IDs, 8 bytes big endian each). A member added at run time
 * (MemberAdd) also hashes the time in seconds, as etcd's NewMember does, so a member removed and
 * added back with the same peer URLs gets a new ID (its old one is in the log as removed).
 */
import { createHash } from "node:crypto";

export function memberId(peerUrls: readonly string[], clusterToken: string, nowSeconds?: number): bigint {
  const b =
    [...peerUrls].sort().join("") + clusterToken + (nowSeconds === undefined ? "" : String(nowSeconds));
  return createHash("sha1").update(b, "utf8").digest().readBigUInt64BE(0);
}

export function clusterId(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => buf.writeBigUInt64BE(id, 8 * i));
  return createHash("sha1").update(buf).digest().readBigUInt64BE(0);
}

/** An ID as etcd prints it: lower-case hex without leading zeros. */
export function hexId(id: bigint): string {
  return id.toString(16);
}
