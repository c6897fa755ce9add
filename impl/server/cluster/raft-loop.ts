/**
 * RaftLoop: the one path every write takes, `propose → committed by Raft → applied in log order
 * → answered`. Entries are applied exactly once, in index order, with no gap. It drives impl/raft's
 * RawNode: ticks from a timer (--heartbeat-interval), messages from the peer transport, and
 * the Ready contract in order — persist (RaftDiskStorage: entries + hard state fdatasync'ed,
 * snapshot file + marker) → send (a leader sends while it persists, thesis §10.2.1) →
 * restore a received snapshot → apply committed entries in log order → serve reads → advance; then a snapshot every --snapshot-count applied entries
 * (and after each conf change), which compacts the log.
 *
 * Full disk: a save that fails with NoSpaceError raises the NOSPACE alarm (`onNoSpace`) and
 * saves THE SAME Ready again with back-off until it succeeds (saveRetrying); nothing of that
 * Ready is acted on meanwhile and no new Ready is taken, so the member stays up, behind, and
 * catches up once space is freed. A snapshot that fails with it is retried later.
 *
 * Log entry data (Normal entries):  [kind u8][request id f64][body]
 *   kind 1: a write command (commands.ts encoding) → EtcdServer.apply
 *   kind 2: a member-table change (JSON: publish client URLs, update peer URLs)
 * The request id lets the member that proposed an entry answer its client when the entry is
 * applied (on every member the entry is applied; only the proposer has a waiter). Conf change
 * entries carry JSON `{ req, member }` as their context.
 *
 * Proposals on a follower go through its own core, which forwards them (MsgProp) to the
 * leader. A proposal that finds no leader is retried on each tick and fails with
 * `etcdserver: no leader` after 3 election timeouts; one that was handed over but not applied in
 * time fails with `etcdserver: request timed out` (indeterminate, as etcd's). Linearizable
 * reads: one ReadIndex per batch of reads, served once applied ≥ the read index.
 */
import type { ConfState, Entry, Message, ReadState, RawNode, Snapshot, SoftState } from "../../raft/index.js";
import {
  ConfChangeType,
  EntryType,
  MessageType,
  Role,
  decodeConfChange,
  isEmptySnapshot,
  noEntries,
} from "../../raft/index.js";
import type { ConfChange } from "../../raft/index.js";
import type { MvccStore } from "../../mvcc/index.js";
import { isEtcdError } from "../../mvcc/index.js";
import { NoSpaceError, type RaftDiskStorage, type RaftPersist } from "../../storage/index.js";
import { decodeCommand, encodeCommand, type Command } from "../commands.js";
import { etcdError, Errors } from "../errors.js";
import type { Logger } from "../log.js";
import { Members, decodeSnapshotData, encodeSnapshotData, type MemberInfo } from "./members.js";
import type { PeerTransport } from "./transport.js";
import { unsafe } from "../unsafe.js";
import { realLoopEnv, type LoopEnv } from "../loop-env.js";

/** The state machine: applies one committed command at `index` and returns its result (or throws its error). */
export type Apply = (index: number, cmd: Command) => unknown;

const KIND_COMMAND = 1;
const KIND_MEMBERS = 2;

interface Waiter {
  data: Uint8Array | undefined; // undefined: a conf change (proposed by the caller)
  /** The command proposed (kind 1): applied as it is when its entry comes back, not decoded again. */
  cmd?: Command;
  cc?: ConfChange;
  proposed: boolean;
  deadline: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface ReadBatch {
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
  sentAt: number;
  deadline: number;
  index: number;
}

export interface RaftLoopOptions {
  node: RawNode;
  storage: RaftLoopStorage;
  transport: RaftLoopTransport;
  members: Members;
  self: MemberInfo;
  store: MvccStore;
  applied: number;
  snapshotIndex: number;
  snapshotCount: number;
  heartbeatMs: number;
  electionMs: number;
  log: Logger;
  now: () => number;
  onRemoved: () => void;
  onFatal: (err: unknown) => void;
  /** A save or snapshot failed on a full disk (raise etcd's NOSPACE alarm); called on every failure. */
  onNoSpace?: (cause: string) => void;
  /** A snapshot of the applied state was saved (the log before it can be released): its state's size. */
  onSnapshot?: (index: number, stateBytes: number) => void;
  /** Clock, timers, deferral and randomness (default: the real ones; the simulation injects its own). */
  env?: LoopEnv;
}

/** What RaftLoop needs of its durable storage (RaftDiskStorage; a simulated disk in cluster/sim). */
export type RaftLoopStorage = Pick<RaftDiskStorage, "save" | "createSnapshot">;
/** What RaftLoop needs of the peer transport (PeerTransport; a simulated network in cluster/sim). */
export type RaftLoopTransport = Pick<PeerTransport, "send" | "addPeer" | "removePeer" | "sendSide">;

export type MemberOp =
  | { op: "publish"; id: string; name: string; clientURLs: string[] }
  | { op: "update"; id: string; peerURLs: string[] };

export class RaftLoop {
  private readonly o: RaftLoopOptions;
  private readonly applyCmd: Apply;
  private appliedIdx: number;
  private snapIdx: number;
  private readonly waiters = new Map<number, Waiter>();
  private readonly env: LoopEnv;
  private readonly salt: number;
  private counter = 0;
  private running = false;
  private halted = false;
  private stopTimer: (() => void) | undefined;
  private readQueue: ReadBatch["waiters"] = [];
  private readScheduled = false;
  private readonly readBatches = new Map<number, ReadBatch>();
  private readWaiting: ReadBatch[] = [];
  private snapshotting = false;
  private snapshotSoon = false;
  private snapshotWaiters: { resolve: (bytes: number | undefined) => void; reject: (e: unknown) => void }[] =
    [];
  /** After a snapshot failed on a full disk: no new attempt before this time (env.now()). */
  private snapshotRetryAt = 0;
  private published = false;
  private publishing = false;
  lead = 0;
  role: Role = Role.Follower;
  removed = false;
  /** Raft ids whose removal this member applied (since it started): the peer port refuses them. */
  readonly removedIds = new Set<number>();
  /**
   * True while a Ready waits for disk space (saveRetrying): `role` and `lead` are then stale —
   * the core may have been deposed — so leader-only answers (lease keep-alives) must not be given.
   */
  stalled = false;
  /** Called on each leader change (lead = 0: none). */
  onLeaderChange: ((lead: number, isLeader: boolean) => void) | undefined;

  constructor(o: RaftLoopOptions, apply: Apply) {
    this.o = o;
    this.applyCmd = apply;
    this.appliedIdx = o.applied;
    this.snapIdx = o.snapshotIndex;
    this.env = o.env ?? realLoopEnv;
    this.salt = this.env.randomInt(1, 1 << 20) * 2 ** 32;
  }

  get appliedIndex(): number {
    return this.appliedIdx;
  }

  /** stop() was called. */
  get stopped(): boolean {
    return this.halted;
  }

  get isLeader(): boolean {
    return this.role === Role.Leader;
  }

  start(): void {
    this.stopTimer = this.env.every(this.o.heartbeatMs, () => this.onTick());
    this.schedule();
  }

  stop(): void {
    this.halted = true;
    this.stopTimer?.();
    for (const w of this.waiters.values()) w.reject(Errors.stopped());
    this.waiters.clear();
    for (const b of [...this.readBatches.values(), ...this.readWaiting])
      for (const w of b.waiters) w.reject(Errors.stopped());
    for (const w of this.readQueue) w.reject(Errors.stopped());
    this.readBatches.clear();
    this.readWaiting = [];
    this.readQueue = [];
    for (const w of this.snapshotWaiters) w.reject(Errors.stopped());
    this.snapshotWaiters = [];
  }

  // ---------------------------------------------------------------- input

  /** Steps a peer's message; throws when the core refuses it (the transport drops that peer). */
  step(m: Message): void {
    if (this.halted) return;
    try {
      this.o.node.step(m);
    } finally {
      this.schedule();
    }
  }

  reportUnreachable(id: number): void {
    if (this.halted) return;
    this.o.node.reportUnreachable(id);
  }

  reportSnapshot(id: number, ok: boolean): void {
    if (this.halted) return;
    this.o.node.reportSnapshot(id, ok ? "finish" : "failure");
    this.schedule();
  }

  private onTick(): void {
    if (this.halted) return;
    this.o.node.tick();
    const now = this.env.now();
    for (const [req, w] of this.waiters) {
      if (now > w.deadline) {
        this.waiters.delete(req);
        w.reject(w.proposed ? Errors.timeout() : Errors.noLeader());
      } else if (!w.proposed) this.tryPropose(w);
    }
    for (const [ctx, b] of this.readBatches) {
      if (now > b.deadline) {
        this.readBatches.delete(ctx);
        for (const w of b.waiters) w.reject(Errors.timeout());
      } else if (now - b.sentAt > this.o.electionMs) {
        // Lost on the way (or no leader): ask again under a new context.
        this.readBatches.delete(ctx);
        this.sendRead(b);
      }
    }
    if (!this.published && this.lead !== 0) this.publish();
    this.schedule();
  }

  // ---------------------------------------------------------------- proposals

  propose(cmd: Command, reuseWire = true): Promise<unknown> {
    return this.proposeData(KIND_COMMAND, encodeCommand(cmd, reuseWire), cmd);
  }

  proposeMemberOp(op: MemberOp): Promise<unknown> {
    return this.proposeData(KIND_MEMBERS, Buffer.from(JSON.stringify(op)));
  }

  private nextReq(): number {
    this.counter = (this.counter + 1) % 2 ** 32;
    return this.salt + this.counter;
  }

  private proposeData(kind: number, body: Uint8Array, cmd?: Command): Promise<unknown> {
    if (this.halted || this.removed) return Promise.reject(Errors.stopped());
    const req = this.nextReq();
    const data = Buffer.allocUnsafe(9 + body.byteLength);
    data[0] = kind;
    data.writeDoubleLE(req, 1);
    data.set(body, 9);
    return new Promise((resolve, reject) => {
      const w: Waiter = { data, cmd, proposed: false, deadline: this.noLeaderDeadline(), resolve, reject };
      this.waiters.set(req, w);
      this.tryPropose(w);
    });
  }

  /** Proposes a membership change; resolves with the member table after it is applied. */
  proposeConfChange(type: ConfChangeType, member: MemberInfo): Promise<unknown> {
    if (this.halted || this.removed) return Promise.reject(Errors.stopped());
    const req = this.nextReq();
    const context = Buffer.from(JSON.stringify({ req, member: memberJson(member) }));
    const cc: ConfChange = { type, nodeId: member.raftId, context };
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        data: undefined,
        cc,
        proposed: false,
        deadline: this.noLeaderDeadline(),
        resolve,
        reject,
      };
      this.waiters.set(req, w);
      this.tryPropose(w);
    });
  }

  private noLeaderDeadline(): number {
    return this.env.now() + 3 * this.o.electionMs + 1000;
  }

  private tryPropose(w: Waiter): void {
    const r = w.cc ? this.o.node.proposeConfChange(w.cc) : this.o.node.propose(w.data!);
    if (r === "ok") {
      w.proposed = true;
      w.deadline = this.env.now() + 5000 + 2 * this.o.electionMs;
      this.schedule();
    }
  }

  // ---------------------------------------------------------------- reads

  readIndex(): Promise<void> {
    if (this.halted || this.removed) return Promise.reject(Errors.stopped());
    const alone = this.soleLeaderReadIndex();
    if (alone !== undefined) {
      if (alone <= this.appliedIdx) return Promise.resolve();
      return new Promise((resolve, reject) => {
        this.readWaiting.push({
          waiters: [{ resolve, reject }],
          sentAt: 0,
          deadline: Infinity,
          index: alone,
        });
        this.schedule();
      });
    }
    return new Promise((resolve, reject) => {
      this.readQueue.push({ resolve, reject });
      if (!this.readScheduled) {
        this.readScheduled = true;
        this.env.defer(() => {
          this.readScheduled = false;
          const waiters = this.readQueue;
          this.readQueue = [];
          if (waiters.length === 0) return;
          this.sendRead({
            waiters,
            sentAt: 0,
            deadline: this.env.now() + 5000 + 2 * this.o.electionMs,
            index: 0,
          });
        });
      }
    });
  }

  /**
   * The read index of a leader that is its cluster's only voter, without a Ready round trip:
   * its commit index, as Raft answers a singleton's ReadIndex (thesis §6.4) — once it has
   * committed an entry of its own term, so that the commit index it knows is the cluster's.
   * Undefined otherwise (the ReadIndex goes through Raft).
   */
  private soleLeaderReadIndex(): number | undefined {
    const r = this.o.node.raft;
    if (
      this.role !== Role.Leader ||
      this.stalled ||
      !r.prs.isSingleton() ||
      !r.prs.isVoter(this.o.self.raftId)
    )
      return undefined;
    const committed = r.log.committed;
    return r.log.term(committed) === r.term ? committed : undefined;
  }

  private sendRead(b: ReadBatch): void {
    const ctx = this.nextReq();
    const bytes = Buffer.allocUnsafe(8);
    bytes.writeDoubleLE(ctx, 0);
    b.sentAt = this.env.now();
    this.readBatches.set(ctx, b);
    // "dropped" (no leader yet): the tick retries it after an election timeout.
    this.o.node.readIndex(bytes);
    this.schedule();
  }

  private onReadState(rs: ReadState): void {
    if (rs.requestCtx.byteLength !== 8) return;
    const ctx = Buffer.from(rs.requestCtx.buffer, rs.requestCtx.byteOffset, 8).readDoubleLE(0);
    const b = this.readBatches.get(ctx);
    if (!b) return;
    this.readBatches.delete(ctx);
    b.index = rs.index;
    this.readWaiting.push(b);
  }

  private serveReads(): void {
    if (this.readWaiting.length === 0) return;
    const still: ReadBatch[] = [];
    for (const b of this.readWaiting) {
      if (b.index <= this.appliedIdx) for (const w of b.waiters) w.resolve();
      else still.push(b);
    }
    this.readWaiting = still;
  }

  // ---------------------------------------------------------------- the Ready loop

  schedule(): void {
    if (this.running || this.halted) return;
    this.running = true;
    this.env.defer(() => {
      this.run().then(
        () => {},
        (err: unknown) => this.o.onFatal(err),
      );
    });
  }

  private async run(): Promise<void> {
    try {
      const node = this.o.node;
      while (!this.halted && node.hasReady()) {
        const rd = node.ready();
        if (rd.softState) this.onSoftState(rd.softState);
        const snap = rd.snapshot && !isEmptySnapshot(rd.snapshot) ? rd.snapshot : undefined;
        // Raft thesis §10.2.1, as etcd's raftNode: a leader sends its entries to the followers
        // while it writes them to its own disk. Safe because the leader counts itself towards a
        // quorum only for commit, and the entries it sends now can be committed — applied,
        // answered or announced — only in a later Ready, after this one's write is durable.
        // Everyone else (a follower's vote or append response) persists first.
        const sendFirst = this.isLeader && !snap;
        if (sendFirst && rd.messages.length > 0) this.o.transport.send(rd.messages);
        if (snap || rd.entries.length > 0 || rd.hardState)
          await this.saveRetrying({
            snapshot: snap,
            entries: rd.entries,
            hardState: rd.hardState,
            mustSync: rd.mustSync,
          });
        if (this.halted) return;
        if (!sendFirst && rd.messages.length > 0) this.o.transport.send(rd.messages);
        if (snap) this.restore(snap);
        for (const e of rd.committedEntries) this.applyEntry(e);
        // --unsafe-early-ack (planted bug, ../unsafe.ts): the leader applies — and so answers —
        // its new entries once they are in its own log, before a quorum has them.
        if (unsafe.earlyAck && this.isLeader)
          for (const e of rd.entries) {
            if (e.index !== this.appliedIdx + 1 || e.type !== EntryType.Normal) break;
            this.applyEntry(e);
          }
        for (const rs of rd.readStates) this.onReadState(rs);
        node.advance(rd);
        this.serveReads();
        this.maybeSnapshot();
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Saves a Ready. On a full disk (NoSpaceError: the WAL cut its segment back to the last good
   * record, `memory` is unchanged) it raises NOSPACE and saves the same Ready again, backing off
   * from 50 ms to 1 s, until it succeeds or the loop stops. The caller acts on the Ready only
   * after this resolves, so no follower message that depends on it leaves, nothing is applied
   * or answered, and advance() waits. A leader's messages, sent before its write (thesis
   * §10.2.1), carry its new entries and a commit index covering only earlier, durable Readys:
   * whatever would depend on the new entries — a commit index past them, applying them, read
   * states — is in a later Ready, taken only after this one is durable, however long it takes.
   * Other errors are fatal (onFatal).
   */
  private async saveRetrying(p: RaftPersist): Promise<void> {
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.storage.save(p);
        if (attempt > 1)
          this.o.log.info("raft: saved the pending Ready: the disk has space again", { attempts: attempt });
        if (this.stalled) {
          this.stalled = false;
          // Keep-alives were refused while stalled: as a new leader does, give leases a fresh TTL.
          if (this.isLeader) this.o.store.leasePromote(this.o.now());
        }
        return;
      } catch (err) {
        if (this.halted) return;
        if (!(err instanceof NoSpaceError)) throw err;
        this.stalled = true;
        if (attempt === 1)
          this.o.log.warn("raft: disk full, cannot save the Ready: retrying it until space is freed", {
            error: err.message,
          });
        this.o.onNoSpace?.("raft log");
      }
      await new Promise<void>((resolve) => this.env.after(delay, resolve));
      delay = Math.min(1000, delay * 2);
      if (this.halted) return;
    }
  }

  private onSoftState(ss: SoftState): void {
    const wasLeader = this.role === Role.Leader;
    const leadChanged = ss.lead !== this.lead;
    this.lead = ss.lead;
    this.role = ss.role;
    const isLeader = ss.role === Role.Leader;
    if (leadChanged || wasLeader !== isLeader) {
      this.o.log.info("raft: leader changed", {
        leader: ss.lead ? (this.o.members.get(ss.lead)?.id.toString(16) ?? String(ss.lead)) : "none",
        isLeader,
      });
      // etcd's lessor: a new leader gives every lease a fresh TTL.
      if (isLeader && !wasLeader) this.o.store.leasePromote(this.o.now());
      this.onLeaderChange?.(ss.lead, isLeader);
    }
  }

  private restore(snap: Snapshot): void {
    const { members, store } = decodeSnapshotData(snap.data);
    this.o.store.restore(store);
    this.o.members.replaceAll(members);
    this.syncPeers();
    this.appliedIdx = snap.metadata.index;
    this.snapIdx = snap.metadata.index;
    this.o.log.info("raft: restored a snapshot from the leader", {
      index: snap.metadata.index,
      revision: this.o.store.currentRevision,
    });
  }

  private syncPeers(): void {
    for (const m of this.o.members.list())
      if (m.raftId !== this.o.self.raftId && m.peerURLs[0]) this.o.transport.addPeer(m.raftId, m.peerURLs[0]);
  }

  private applyEntry(e: Entry): void {
    if (e.index <= this.appliedIdx) return;
    this.appliedIdx = e.index;
    if (e.type === EntryType.ConfChange) {
      this.applyConfChange(e);
      return;
    }
    if (e.type !== EntryType.Normal || e.data.byteLength < 9) return;
    const buf = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const req = buf.readDoubleLE(1);
    // Request ids are random per process: the bytes must match too (another member's entry with
    // the same id, however unlikely, is not ours).
    let w = this.waiters.get(req);
    if (w && (!w.data || (w.data !== e.data && !buf.equals(w.data)))) w = undefined;
    if (w) this.waiters.delete(req);
    let result: unknown;
    let error: unknown;
    let failed = false;
    try {
      if (buf[0] === KIND_COMMAND) result = this.applyCmd(e.index, w?.cmd ?? decodeCommand(buf.subarray(9)));
      else if (buf[0] === KIND_MEMBERS)
        result = this.applyMemberOp(JSON.parse(buf.subarray(9).toString("utf8")) as MemberOp);
    } catch (err) {
      failed = true;
      error = err;
      if (!w && !isEtcdError(err))
        this.o.log.warn("applying an entry failed", { index: e.index, error: err });
    }
    if (w) {
      if (failed) w.reject(error);
      else w.resolve(result);
    }
  }

  private applyMemberOp(op: MemberOp): unknown {
    const id = BigInt(`0x${op.id}`);
    const m = this.o.members.byId(id);
    if (!m) throw Errors.memberNotFound();
    if (op.op === "publish") {
      m.name = op.name;
      m.clientURLs = op.clientURLs;
    } else {
      m.peerURLs = op.peerURLs;
      if (m.raftId !== this.o.self.raftId && m.peerURLs[0]) this.o.transport.addPeer(m.raftId, m.peerURLs[0]);
    }
    return this.o.members.list();
  }

  private applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    const removedMatch =
      cc.type === ConfChangeType.RemoveNode && this.isLeader
        ? this.o.node.status().progress?.get(cc.nodeId)?.match
        : undefined;
    const cs = this.o.node.applyConfChange(cc);
    let ctx: { req?: number; member?: Parameters<typeof Members.memberFromJson>[0] } = {};
    if (cc.context && cc.context.byteLength > 0) {
      try {
        ctx = JSON.parse(Buffer.from(cc.context).toString("utf8")) as typeof ctx;
      } catch {
        ctx = {};
      }
    }
    const w = ctx.req !== undefined ? this.waiters.get(ctx.req) : undefined;
    if (ctx.req !== undefined) this.waiters.delete(ctx.req);
    if (typeof cs === "string") {
      w?.reject(etcdError(9, `etcdserver: ${cs}`));
      return;
    }
    this.snapshotSoon = true;
    if (cc.type === ConfChangeType.RemoveNode) {
      this.o.members.remove(cc.nodeId);
      if (cc.nodeId !== this.o.self.raftId) {
        this.removedIds.add(cc.nodeId);
        // The removed member may never learn that this entry committed (no leader sends to it
        // any more): the leader sends it the log up to the entry, with the entry committed, so
        // that it applies its own removal — which alone stops it — then hangs up.
        // Sent again a few times over 4 s: it may be cut off for a while.
        const id = cc.nodeId;
        const last = removedMatch !== undefined ? this.finalAppend(id, removedMatch, e.index) : undefined;
        if (last)
          for (const ms of [0, 500, 1500, 3500]) this.env.after(ms, () => this.o.transport.send([last]));
        this.env.after(last ? 4000 : 1000, () => {
          if (!this.o.members.get(id)) this.o.transport.removePeer(id);
        });
      }
      this.o.log.info("raft: member removed", { raftId: cc.nodeId });
      if (cc.nodeId === this.o.self.raftId) {
        this.removed = true;
        queueMicrotask(() => this.o.onRemoved());
      }
    } else {
      const isLearner = cc.type === ConfChangeType.AddLearner;
      const existing = this.o.members.get(cc.nodeId);
      if (existing) existing.isLearner = isLearner;
      else if (ctx.member) this.o.members.set({ ...Members.memberFromJson(ctx.member), isLearner });
      const m = this.o.members.get(cc.nodeId);
      if (m && m.raftId !== this.o.self.raftId && m.peerURLs[0])
        this.o.transport.addPeer(m.raftId, m.peerURLs[0]);
    }
    w?.resolve(this.o.members.list());
  }

  /**
   * On the leader, for a member it just removed that had matched up to `match`: a MsgApp of this
   * term with the entries after `match` up to the removal at `index`, committing it (undefined
   * when those entries are compacted: the member would need a snapshot, and stays behind).
   */
  private finalAppend(to: number, match: number, index: number): Message | undefined {
    const log = this.o.node.raft.log;
    const logTerm = log.term(match);
    const entries = match < index ? log.slice(match + 1, index + 1, 1 << 20) : noEntries;
    if (logTerm === undefined || entries === undefined) return undefined;
    return {
      type: MessageType.App,
      to,
      from: this.o.self.raftId,
      term: this.o.node.raft.term,
      logTerm,
      index: match,
      entries,
      commit: index,
      reject: false,
      rejectHint: 0,
      context: undefined,
      snapshot: undefined,
    };
  }

  /**
   * Takes a snapshot of the applied state as soon as no other is being saved (defragment).
   * Resolves with the snapshotted state's size in bytes, or undefined when nothing was applied
   * since the last one; rejects with the storage's error (NoSpaceError on a full disk).
   */
  snapshotNow(): Promise<number | undefined> {
    if (this.halted || this.removed) return Promise.reject(Errors.stopped());
    if (this.appliedIdx <= this.snapIdx && !this.snapshotting) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.snapshotWaiters.push({ resolve, reject });
      this.snapshotSoon = true;
      this.snapshotRetryAt = 0;
      this.maybeSnapshot();
    });
  }

  private maybeSnapshot(): void {
    if (this.snapshotting || this.removed || this.env.now() < this.snapshotRetryAt) return;
    if (!this.snapshotSoon && this.appliedIdx - this.snapIdx < this.o.snapshotCount) return;
    const waiters = this.snapshotWaiters;
    this.snapshotWaiters = [];
    if (this.appliedIdx <= this.snapIdx) {
      this.snapshotSoon = false;
      for (const w of waiters) w.resolve(undefined);
      return;
    }
    this.snapshotSoon = false;
    const index = this.appliedIdx;
    const st = this.o.node.status();
    const cs: ConfState = { voters: st.voters, learners: st.learners };
    const state = this.o.store.serialize();
    const data = encodeSnapshotData(this.o.members, state);
    this.snapshotting = true;
    this.o.storage
      .createSnapshot(index, cs, data)
      .then(
        (r) => {
          if (typeof r === "object") {
            this.snapIdx = index;
            this.o.onSnapshot?.(index, state.byteLength);
          }
          for (const w of waiters) w.resolve(typeof r === "object" ? state.byteLength : undefined);
        },
        (err: unknown) => {
          this.o.log.warn("raft: saving a snapshot failed", { index, error: err });
          for (const w of waiters) w.reject(err);
          if (err instanceof NoSpaceError) {
            // Retried after a second (not on every Ready: serializing the store is not free).
            this.snapshotRetryAt = this.env.now() + 1000;
            this.snapshotSoon = true;
            this.o.onNoSpace?.("snapshot");
          }
        },
      )
      .finally(() => {
        this.snapshotting = false;
        // Asked for while this one was being saved: a later state, so another snapshot.
        if (this.snapshotWaiters.length > 0) this.maybeSnapshot();
      });
  }

  // ---------------------------------------------------------------- attributes

  private publish(): void {
    if (this.publishing || this.removed) return;
    this.publishing = true;
    const self = this.o.self;
    this.proposeMemberOp({
      op: "publish",
      id: self.id.toString(16),
      name: self.name,
      clientURLs: self.clientURLs,
    }).then(
      () => {
        this.published = true;
        this.publishing = false;
        this.o.log.info("published local member to cluster", {
          name: self.name,
          clientURLs: self.clientURLs,
        });
      },
      () => {
        this.publishing = false;
      },
    );
  }
}

export function memberJson(m: MemberInfo): Parameters<typeof Members.memberFromJson>[0] {
  return {
    id: m.id.toString(16),
    name: m.name,
    peerURLs: m.peerURLs,
    clientURLs: m.clientURLs,
    isLearner: m.isLearner,
  };
}
