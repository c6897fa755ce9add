/**
 * The member table: etcd member ID (64 bits), the Raft id used for it (the ID's top 53 bits,
 * so it fits a JS number), name, peer and client URLs, learner flag. It is replicated state:
 * changed only by applied log entries (conf changes, "publish attributes", member updates),
 * saved in snapshots, seeded from --initial-cluster.
 */
export interface MemberInfo {
  id: bigint;
  raftId: number;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export function raftIdOf(id: bigint): number {
  const r = Number(id >> 11n);
  return r === 0 ? 1 : r;
}

interface MemberJson {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export class Members {
  private readonly byRaft = new Map<number, MemberInfo>();

  list(): MemberInfo[] {
    return [...this.byRaft.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(raftId: number): MemberInfo | undefined {
    return this.byRaft.get(raftId);
  }

  byId(id: bigint): MemberInfo | undefined {
    return this.byRaft.get(raftIdOf(id));
  }

  set(m: MemberInfo): void {
    this.byRaft.set(m.raftId, m);
  }

  remove(raftId: number): void {
    this.byRaft.delete(raftId);
  }

  toJSON(): MemberJson[] {
    return this.list().map((m) => ({
      id: m.id.toString(16),
      name: m.name,
      peerURLs: m.peerURLs,
      clientURLs: m.clientURLs,
      isLearner: m.isLearner,
    }));
  }

  static memberFromJson(j: MemberJson): MemberInfo {
    const id = BigInt(`0x${j.id}`);
    return {
      id,
      raftId: raftIdOf(id),
      name: j.name ?? "",
      peerURLs: j.peerURLs ?? [],
      clientURLs: j.clientURLs ?? [],
      isLearner: !!j.isLearner,
    };
  }

  replaceAll(list: MemberJson[]): void {
    this.byRaft.clear();
    for (const j of list) this.set(Members.memberFromJson(j));
  }
}

/** Snapshot data of a member: [u32 length of the member table JSON][JSON][store.serialize()]. */
export function encodeSnapshotData(members: Members, store: Uint8Array): Uint8Array {
  const j = Buffer.from(JSON.stringify(members.toJSON()));
  const out = Buffer.allocUnsafe(4 + j.length + store.byteLength);
  out.writeUInt32LE(j.length, 0);
  j.copy(out, 4);
  out.set(store, 4 + j.length);
  return out;
}

export function decodeSnapshotData(data: Uint8Array): { members: MemberJson[]; store: Uint8Array } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = buf.readUInt32LE(0);
  const members = JSON.parse(buf.subarray(4, 4 + n).toString("utf8")) as MemberJson[];
  return { members, store: new Uint8Array(data.buffer, data.byteOffset + 4 + n, data.byteLength - 4 - n) };
}
