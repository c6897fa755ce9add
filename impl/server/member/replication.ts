/**
 * What the server core (EtcdServer) needs of consensus, as one explicit interface, and its only
 * implementation over Raft (RawNode + RaftLoop + the member table + the peer transport's side
 * messages). EtcdServer never sees Raft: it proposes commands, waits for read indexes, asks who
 * leads, and forwards lease keep-alives and membership changes through this.
 *
 * Lease keep-alives and TTL queries are answered by the leader (only its clock expires
 * leases): a follower forwards them as side messages (`ka` → `kar`). A member stops only when
 * it applies its own removal (RaftLoop), never on a peer's word.
 */
import type { MvccStore } from "../../mvcc/index.js";
import { isEtcdError } from "../../mvcc/index.js";
import { ConfChangeType, type RawNode } from "../../raft/index.js";
import type { Command } from "../commands.js";
import { etcdError, Errors } from "../errors.js";
import { memberId as deriveMemberId } from "../ids.js";
import type { Logger } from "../log.js";
import type { LoopEnv } from "../loop-env.js";
import { Members, raftIdOf, type MemberInfo } from "../cluster/members.js";
import type { RaftLoop, RaftLoopTransport } from "../cluster/raft-loop.js";

export interface ReplicationStatus {
  /** The leader's member ID; 0n: none known. */
  leader: bigint;
  raftIndex: number;
  raftTerm: number;
  appliedIndex: number;
  isLearner: boolean;
}

export interface Replication {
  /** The highest log index applied to the store. */
  readonly appliedIndex: number;
  /** Proposes a write; resolves with what the state machine returned when it applied it. */
  propose(cmd: Command, reuseWire?: boolean): Promise<unknown>;
  /** A linearizable read barrier: resolves once this member has applied the leader's commit index. */
  readIndex(): Promise<void>;
  /** Leads and is not stalled on a full disk (it may have been deposed already): may expire leases. */
  isLeader(): boolean;
  /** Is a learner now (serves only serializable reads and the maintenance / cluster calls). */
  isLearner(): boolean;
  /** The current Raft term (response headers). */
  term(): number;
  status(): ReplicationStatus;
  /** Renews a lease (or, `query`, reads its remaining TTL) on the leader: its TTL; 0 / -1 when it does not exist. */
  keepAlive(id: number, query: boolean): Promise<number>;
  members(): MemberInfo[];
  addMember(peerURLs: string[], isLearner: boolean): Promise<MemberInfo>;
  removeMember(id: string | number): Promise<void>;
  updateMember(id: string | number, peerURLs: string[]): Promise<void>;
  promoteMember(id: string | number): Promise<void>;
  /** Hands leadership to `targetId` (this member must lead); resolves once it leads. */
  moveLeader(targetId: string | number): Promise<void>;
  /** Takes a snapshot of the applied state now (compacting the log); resolves with its state's size in bytes. */
  snapshotNow(): Promise<number | undefined>;
}

type SideMsg =
  | { t: "ka"; req: number; id: number; query?: boolean }
  | { t: "kar"; req: number; ttl: number; err?: string };

export interface RaftReplicationOptions {
  node: RawNode;
  loop: RaftLoop;
  members: Members;
  self: MemberInfo;
  store: MvccStore;
  transport: RaftLoopTransport;
  env: LoopEnv;
  log: Logger;
  /** --initial-cluster-token (hashed into new member IDs). */
  clusterToken: string;
  electionMs: number;
  heartbeatMs: number;
}

export class RaftReplication implements Replication {
  private kaCounter = 0;
  private readonly kaWaiters = new Map<
    number,
    { resolve: (ttl: number) => void; reject: (e: unknown) => void; cancel: () => void }
  >();

  constructor(private readonly o: RaftReplicationOptions) {}

  get appliedIndex(): number {
    return this.o.loop.appliedIndex;
  }

  propose(cmd: Command, reuseWire = true): Promise<unknown> {
    return this.o.loop.propose(cmd, reuseWire);
  }

  readIndex(): Promise<void> {
    return this.o.loop.readIndex();
  }

  isLeader(): boolean {
    return this.o.loop.isLeader && !this.o.loop.stalled;
  }

  isLearner(): boolean {
    return this.o.node.raft.prs.learners.includes(this.o.self.raftId);
  }

  term(): number {
    return this.o.node.raft.term;
  }

  status(): ReplicationStatus {
    const st = this.o.node.status();
    return {
      leader: st.leader ? (this.o.members.get(st.leader)?.id ?? 0n) : 0n,
      raftIndex: st.commit,
      raftTerm: st.term,
      appliedIndex: this.o.loop.appliedIndex,
      isLearner: this.o.self.isLearner || st.learners.includes(this.o.self.raftId),
    };
  }

  // ---------------------------------------------------------------- leases: the leader answers

  keepAlive(id: number, query: boolean): Promise<number> {
    const loop = this.o.loop;
    if (loop.stalled) return Promise.reject(Errors.noLeader());
    if (loop.isLeader) {
      try {
        return Promise.resolve(this.leaderTtl(id, query));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (loop.lead === 0) return Promise.reject(Errors.noLeader());
    const req = ++this.kaCounter;
    return new Promise((resolve, reject) => {
      const cancel = this.o.env.after(this.o.electionMs * 2 + 1000, () => {
        this.kaWaiters.delete(req);
        reject(Errors.timeout());
      });
      this.kaWaiters.set(req, { resolve, reject, cancel });
      if (!this.o.transport.sendSide(loop.lead, this.o.self.raftId, { t: "ka", req, id, query })) {
        this.kaWaiters.delete(req);
        cancel();
        reject(Errors.noLeader());
      }
    });
  }

  /** On the leader: renews (or, `query`, reads) a lease's remaining TTL; 0 / -1 when it does not exist. */
  private leaderTtl(id: number, query: boolean): number {
    const now = this.o.env.now();
    try {
      return query
        ? Number(this.o.store.leaseTimeToLive({ ID: id, keys: false }, now).TTL)
        : Number(this.o.store.leaseKeepAlive(id, now).TTL);
    } catch (e) {
      if (isEtcdError(e, "LeaseNotFound")) return query ? -1 : 0;
      throw e;
    }
  }

  /** A side message from a peer (transport kind 1). */
  onSide(from: number, body: unknown): void {
    const msg = body as SideMsg;
    // No "removed" notice is acted on: a member stops only when it applies its own removal.
    if (msg.t === "ka") {
      let ttl = 0;
      let err: string | undefined;
      // A leader stalled on a full disk may have been deposed already: it does not renew leases.
      if (!this.isLeader()) err = "etcdserver: not leader";
      else
        try {
          ttl = this.leaderTtl(msg.id, !!msg.query);
        } catch (e) {
          err = e instanceof Error ? e.message : String(e);
        }
      this.o.transport.sendSide(
        from,
        this.o.self.raftId,
        err ? { t: "kar", req: msg.req, ttl, err } : { t: "kar", req: msg.req, ttl },
      );
    } else if (msg.t === "kar") {
      const w = this.kaWaiters.get(msg.req);
      if (!w) return;
      this.kaWaiters.delete(msg.req);
      w.cancel();
      if (msg.err) w.reject(etcdError(14, msg.err));
      else w.resolve(msg.ttl);
    }
  }

  // ---------------------------------------------------------------- membership

  members(): MemberInfo[] {
    return this.o.members.list();
  }

  private find(ID: string | number): MemberInfo {
    let id: bigint;
    try {
      id = BigInt(ID);
    } catch {
      throw Errors.memberNotFound();
    }
    const m = this.o.members.byId(id);
    if (!m || m.id !== id) throw Errors.memberNotFound();
    return m;
  }

  async addMember(peerURLs: string[], isLearner: boolean): Promise<MemberInfo> {
    const urls = peerURLs.map((u) => (u.endsWith("/") ? u.slice(0, -1) : u));
    if (urls.length === 0) throw etcdError(3, "etcdserver: peerURL is required");
    for (const m of this.o.members.list())
      if (m.peerURLs.some((u) => urls.includes(u))) throw etcdError(9, "etcdserver: peerURL exists");
    // As etcd's NewMember: the time is hashed in too, so a member removed and added back with the
    // same peer URLs gets a new ID — under its old one it would replay its own removal and stop.
    const id = deriveMemberId(urls, this.o.clusterToken, Math.floor(Date.now() / 1000));
    if (this.o.members.get(raftIdOf(id))) throw etcdError(9, "etcdserver: member ID already exist");
    const m: MemberInfo = { id, raftId: raftIdOf(id), name: "", peerURLs: urls, clientURLs: [], isLearner };
    await this.o.loop.proposeConfChange(isLearner ? ConfChangeType.AddLearner : ConfChangeType.AddNode, m);
    return m;
  }

  async removeMember(id: string | number): Promise<void> {
    await this.o.loop.proposeConfChange(ConfChangeType.RemoveNode, this.find(id));
  }

  async updateMember(id: string | number, peerURLs: string[]): Promise<void> {
    const m = this.find(id);
    await this.o.loop.proposeMemberOp({ op: "update", id: m.id.toString(16), peerURLs });
  }

  async promoteMember(id: string | number): Promise<void> {
    const m = this.find(id);
    if (!m.isLearner) throw etcdError(9, "etcdserver: can only promote a learner member");
    // As etcd: the learner's log must be within 10 % of the leader's (checked where the leader's view is).
    const pr = this.o.loop.isLeader ? this.o.node.status().progress?.get(m.raftId) : undefined;
    if (pr && pr.match < 0.9 * this.o.node.raft.log.lastIndex())
      throw etcdError(9, "etcdserver: can only promote a learner member which is in sync with leader");
    await this.o.loop.proposeConfChange(ConfChangeType.AddNode, { ...m, isLearner: false });
  }

  async moveLeader(targetId: string | number): Promise<void> {
    const loop = this.o.loop;
    if (!loop.isLeader) throw etcdError(9, "etcdserver: not leader");
    const target = this.find(targetId);
    if (target.raftId === this.o.self.raftId) return;
    this.o.node.transferLeader(target.raftId);
    loop.schedule();
    const deadline = this.o.env.now() + 2 * this.o.electionMs + 1000;
    while (loop.lead !== target.raftId) {
      if (this.o.env.now() > deadline)
        throw etcdError(14, "etcdserver: request timed out, leader transfer took too long");
      await new Promise<void>((res) => this.o.env.after(this.o.heartbeatMs, res));
    }
  }

  snapshotNow(): Promise<number | undefined> {
    return this.o.loop.snapshotNow();
  }

  /** Ends pending forwarded keep-alives (the member stops). */
  stop(): void {
    for (const w of this.kaWaiters.values()) {
      w.cancel();
      w.reject(Errors.stopped());
    }
    this.kaWaiters.clear();
  }
}
