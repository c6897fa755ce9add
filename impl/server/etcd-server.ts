/**
 * The server core: etcd's v3 API over the MVCC store (impl/mvcc), with consensus behind an
 * explicit interface (member/replication.ts). Writes (put, delete, txn, compact, lease
 * grant/revoke, alarms) are proposed and answered when applied (`apply`, the state machine);
 * linearizable reads wait for the read index, serializable ones read the applied state. Also
 * here: response headers, the NOSPACE alarm and quota, lease expiry (on the leader), watch
 * fan-out, the maintenance calls and the Cluster API.
 */
import { unsafe } from "./unsafe.js";
import { createHash } from "node:crypto";
import type { StreamCall } from "./stream-call.js";
import protobuf from "protobufjs";
import type LongT from "long";
import { EtcdError as MvccError, MvccStore, isEtcdError } from "../mvcc/index.js";
import type * as mvcc from "../mvcc/index.js";
import { NoSpaceError } from "../storage/index.js";
import type { Command } from "./commands.js";
import { etcdError, Errors, toGrpcError } from "./errors.js";
import type { ServerConfig } from "./flags.js";
import { DEFAULT_QUOTA_BYTES } from "./flags.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { Core } from "./services.js";
import {
  AlarmAction,
  AlarmType,
  type AlarmMember,
  type AlarmRequest,
  type LeaseGrantRequestIn,
  type Member,
  type ResponseHeader,
} from "./pb.js";
import { WatchStream, type WatchRequest } from "./watch-stream.js";
import { realLoopEnv, type LoopEnv } from "./loop-env.js";
import type { Replication } from "./member/replication.js";
import type { MemberInfo } from "./cluster/members.js";

export const SERVER_VERSION = "3.4.0-gauntlet";
export const CLUSTER_VERSION = "3.4.0";
const SNAPSHOT_CHUNK = 32 * 1024;

const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned: boolean): LongT };

export interface EtcdServerOptions {
  config: ServerConfig;
  store: MvccStore;
  memberId: bigint;
  clusterId: bigint;
  log: Logger;
  metrics: Metrics;
  /** Consensus: proposals, read indexes, leadership, lease keep-alives, membership. */
  replication: Replication;
  /** Bytes appended to the log so far (the database size model). */
  logBytes: () => number;
  /** Size of the state at start: the recovered snapshot's state. */
  initialDbBytes?: number;
  /**
   * Entries up to this index were committed before this start (the recovered hard state's
   * commit): applying them is replaying the log, which alone restores alarms.
   */
  replayedUpTo?: number;
  /** Timers, deferral and the monotonic clock (default: the real ones; the simulation injects its own). */
  env?: LoopEnv;
}

export class EtcdServer implements Core {
  readonly store: MvccStore;
  readonly replication: Replication;
  readonly maxRequestBytes: number;
  readonly writes: ReadonlySet<string> = new Set(["KV.Put", "KV.DeleteRange", "KV.Txn", "Lease.LeaseGrant"]);
  readonly unary: Core["unary"];
  private readonly logBytes: () => number;
  private readonly replayedUpTo: number;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly config: ServerConfig;
  private readonly clusterIdLong: LongT;
  private readonly memberIdLong: LongT;
  readonly memberId: bigint;
  readonly clusterId: bigint;
  private readonly now: () => number;
  private readonly alarms = new Set<number>();
  private readonly revoking = new Set<number>();
  /** store watcher id → the stream that owns it. */
  private readonly watchers = new Map<number, WatchStream>();
  private pumpScheduled = false;
  private timers: (() => void)[] = [];
  private readonly env: LoopEnv;
  /** dbSize model: bytes of the last snapshot (or of the state at start) ... */
  private baseBytes: number;
  /** ... plus WAL bytes written since then (WalStats.bytes at that moment). */
  private walBytesAtBase = 0;
  private stopped = false;

  constructor(o: EtcdServerOptions) {
    this.config = o.config;
    this.replication = o.replication;
    this.logBytes = o.logBytes;
    this.replayedUpTo = o.replayedUpTo ?? 0;
    this.store = o.store;
    this.log = o.log;
    this.metrics = o.metrics;
    this.memberId = o.memberId;
    this.clusterId = o.clusterId;
    this.clusterIdLong = Long.fromString(o.clusterId.toString(), true);
    this.memberIdLong = Long.fromString(o.memberId.toString(), true);
    this.env = o.env ?? realLoopEnv;
    this.now = () => this.env.now();
    this.maxRequestBytes = o.config.maxRequestBytes;
    this.baseBytes = o.initialDbBytes ?? 0;
    this.walBytesAtBase = o.logBytes();
    // A learner serves only serializable reads and the maintenance / cluster calls (as etcd).
    const voter = (what: string, r?: { serializable?: boolean }): void => {
      if (this.replication.isLearner() && !(what === "range" && r?.serializable))
        throw etcdError(14, "etcdserver: rpc not supported for learner");
    };
    this.unary = {
      KV: {
        range: (r: mvcc.RangeRequest) => (voter("range", r), this.range(r)),
        put: (r: mvcc.PutRequest) => (voter("put"), this.put(r)),
        deleteRange: (r: mvcc.DeleteRangeRequest) => (
          voter("deleteRange"),
          this.write({ kind: "deleteRange", request: r })
        ),
        txn: (r: mvcc.TxnRequest) => (voter("txn"), this.txn(r)),
        compact: (r: { revision: number; physical: boolean }) => (voter("compact"), this.compact(r)),
      },
      Lease: {
        leaseGrant: (r: LeaseGrantRequestIn) => (voter("leaseGrant"), this.leaseGrant(r)),
        leaseRevoke: (r: { ID: number }) => (
          voter("leaseRevoke"),
          this.write({ kind: "leaseRevoke", request: { ID: r.ID } })
        ),
        leaseTimeToLive: (r: mvcc.LeaseTimeToLiveRequest) => (
          voter("leaseTimeToLive"),
          this.leaseTimeToLive(r)
        ),
        leaseLeases: () => (voter("leaseLeases"), this.fill(this.store.leases())),
      },
      Maintenance: {
        alarm: (r: AlarmRequest) => this.alarm(r),
        status: () => this.status(),
        defragment: () => this.defragment(),
        hash: () => ({ header: this.header(), hash: this.store.hashKV(0).hash }),
        hashKV: (r: { revision: number }) => this.fill(this.store.hashKV(r.revision)),
        moveLeader: async (r: { targetID: string | number }) => {
          await this.replication.moveLeader(String(r.targetID));
          return { header: this.header() };
        },
      },
      Cluster: {
        memberList: () => ({ header: this.clusterHeader(), members: this.memberList() }),
        memberAdd: async (r: { peerURLs?: string[]; isLearner?: boolean }) => {
          const m = await this.replication.addMember(r.peerURLs ?? [], !!r.isLearner);
          return { header: this.clusterHeader(), member: this.pbMember(m), members: this.memberList() };
        },
        memberRemove: async (r: { ID: string }) => {
          await this.replication.removeMember(r.ID);
          return { header: this.clusterHeader(), members: this.memberList() };
        },
        memberUpdate: async (r: { ID: string; peerURLs?: string[] }) => {
          await this.replication.updateMember(r.ID, r.peerURLs ?? []);
          return { header: this.clusterHeader(), members: this.memberList() };
        },
        memberPromote: async (r: { ID: string }) => {
          await this.replication.promoteMember(r.ID);
          return { header: this.clusterHeader(), members: this.memberList() };
        },
      },
      Auth: {
        authStatus: () => ({ header: this.header(), enabled: false, authRevision: 0 }),
        authenticate: () => {
          throw Errors.authNotEnabled();
        },
      },
    };
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts the lease expiry timer (every 500 ms). */
  start(): void {
    this.timers.push(this.env.every(500, () => this.expireLeases(), true));
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    this.timers = [];
    for (const ws of new Set(this.watchers.values())) ws.close();
  }

  get appliedIndex(): number {
    return this.replication.appliedIndex;
  }

  /**
   * The database size as etcd's quota sees it, modelled on etcd's bbolt file: it grows with
   * every write (the WAL bytes appended) and shrinks only when a snapshot is taken (periodic, or
   * `defragment`), to the size of the serialized state; so, as with etcd, compact + defrag
   * frees space.
   */
  dbSize(): number {
    return this.baseBytes + Math.max(0, this.logBytes() - this.walBytesAtBase);
  }

  /** A snapshot of the applied state was saved: the database size drops to that state's size. */
  snapshotTaken(stateBytes: number): void {
    this.baseBytes = stateBytes;
    this.walBytesAtBase = this.logBytes();
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  hasAlarm(type: number): boolean {
    return this.alarms.has(type);
  }

  // ------------------------------------------------------------------ headers

  header(revision: number = this.store.currentRevision): ResponseHeader {
    return {
      clusterId: this.clusterIdLong,
      memberId: this.memberIdLong,
      revision,
      raftTerm: this.replication.term(),
    };
  }

  /** The Cluster API's header: etcd's cluster server leaves the revision out. */
  private clusterHeader(): ResponseHeader {
    return { ...this.header(), revision: 0 };
  }

  /** Replaces a store response's `{ revision }` header with a full one. */
  private fill<T extends { header: { revision: number } }>(resp: T): T {
    (resp as { header: unknown }).header = this.header(resp.header.revision);
    return resp;
  }

  private pbMember(m: MemberInfo): Member {
    return {
      ID: Long.fromString(m.id.toString(), true),
      name: m.name,
      peerURLs: m.peerURLs,
      clientURLs: m.clientURLs,
      isLearner: m.isLearner,
    };
  }

  private memberList(): Member[] {
    return this.replication.members().map((m) => this.pbMember(m));
  }

  // ------------------------------------------------------------------ the write path

  /** The state machine: applies one committed command (called by the replication, in log order). */
  apply(index: number, cmd: Command): unknown {
    let out: unknown;
    switch (cmd.kind) {
      case "put":
        out = this.fill(this.store.put(cmd.request));
        break;
      case "deleteRange":
        out = this.fill(this.store.deleteRange(cmd.request));
        break;
      case "txn":
        out = this.fill(this.store.txn(cmd.request));
        break;
      case "compact":
        out = this.fill(this.store.compact(cmd.request.revision));
        break;
      case "leaseGrant":
        out = this.fill(this.store.leaseGrant(cmd.request, this.now()));
        break;
      case "leaseRevoke":
        this.revoking.delete(cmd.request.ID);
        out = this.fill(this.store.leaseRevoke(cmd.request.ID));
        break;
      case "alarm": {
        // At run time alarms change when requested (they must work on a full disk); the log
        // only carries them across restarts. Alarms are per member: replaying another member's
        // entry changes nothing here.
        const a = cmd.request;
        if (index <= this.replayedUpTo && String(a.memberID) === this.memberId.toString()) {
          if (a.action === AlarmAction.ACTIVATE) this.alarms.add(a.alarm);
          else if (a.action === AlarmAction.DEACTIVATE) this.alarms.delete(a.alarm);
        }
        out = undefined;
        break;
      }
    }
    this.metrics.proposalsCommitted.inc();
    this.schedulePump();
    return out;
  }

  /** Proposes a write and maps log failures to etcd's errors. */
  private async write(cmd: Command, reuseWire = true): Promise<unknown> {
    if (this.stopped) throw Errors.stopped();
    try {
      return await this.replication.propose(cmd, reuseWire);
    } catch (err) {
      if (err instanceof NoSpaceError) {
        this.metrics.proposalsFailed.inc();
        this.raiseNoSpace(cmd.kind);
        throw Errors.noSpace();
      }
      if (!isEtcdError(err) && toGrpcError(err).code === 2 /* UNKNOWN */) this.metrics.proposalsFailed.inc();
      throw err;
    }
  }

  /** Raises this member's NOSPACE alarm (a full disk, or over quota): writes are refused until it is disarmed. */
  raiseNoSpace(cause: string): void {
    if (this.alarms.has(AlarmType.NOSPACE)) return;
    this.alarms.add(AlarmType.NOSPACE);
    this.log.warn("alarm raised: NOSPACE", { cause, memberID: this.memberId.toString(16) });
    this.replication
      .propose(
        {
          kind: "alarm",
          request: {
            action: AlarmAction.ACTIVATE,
            memberID: this.memberId.toString(),
            alarm: AlarmType.NOSPACE,
          },
        },
        false,
      )
      .catch(() => {});
  }

  /** etcd's quota check before a write that adds data: NOSPACE alarm on, or over quota. */
  private checkQuota(addBytes: number): void {
    if (this.alarms.has(AlarmType.NOSPACE)) throw Errors.noSpace();
    const quota = this.config.quotaBackendBytes > 0 ? this.config.quotaBackendBytes : DEFAULT_QUOTA_BYTES;
    if (this.dbSize() + addBytes > quota) {
      this.raiseNoSpace("quota");
      throw Errors.noSpace();
    }
  }

  private range(r: mvcc.RangeRequest): mvcc.RangeResponse | Promise<mvcc.RangeResponse> {
    // Linearizable ranges wait for the read index (Raft's ReadIndex; nothing on a single node).
    // --unsafe-stale-reads (planted bug, ./unsafe.ts): no ReadIndex, local state as is.
    const barrier = r.serializable || unsafe.staleReads ? undefined : this.replication.readIndex();
    if (barrier) return barrier.then(() => this.fill(this.store.range(r)));
    return this.fill(this.store.range(r));
  }

  private put(r: mvcc.PutRequest): Promise<unknown> {
    this.checkQuota(r.key.length + (r.value?.length ?? 0) + 64);
    if (r.key.length === 0) throw Errors.emptyKey();
    return this.write({ kind: "put", request: r });
  }

  private txn(r: mvcc.TxnRequest): Promise<unknown> {
    const cost = txnPutBytes(r);
    if (cost > 0) this.checkQuota(cost);
    return this.write({ kind: "txn", request: r });
  }

  private compact(r: { revision: number; physical: boolean }): Promise<unknown> {
    return this.write({ kind: "compact", request: r });
  }

  private leaseGrant(r: LeaseGrantRequestIn): Promise<unknown> {
    const ID = Number(r.ID);
    if (!Number.isSafeInteger(ID))
      throw new MvccError("InvalidArgument", "lease IDs beyond 2^53 are not supported by this server");
    const TTL = Number(r.TTL);
    this.checkQuota(64);
    return this.write({ kind: "leaseGrant", request: { ID, TTL } }, false);
  }

  /**
   * etcd answers TTL -1 (not an error) for a lease that does not exist (any more). The
   * remaining TTL is the leader's (only its clock expires leases): a follower asks it.
   */
  private async leaseTimeToLive(r: mvcc.LeaseTimeToLiveRequest): Promise<object> {
    let local: { TTL: number };
    try {
      local = this.fill(this.store.leaseTimeToLive(r, this.now()));
    } catch (err) {
      if (!isEtcdError(err, "LeaseNotFound")) throw err;
      return { header: this.header(), ID: r.ID, TTL: -1, grantedTTL: 0, keys: [] };
    }
    if (local.TTL === -1 || this.replication.isLeader()) return local;
    return { ...local, TTL: await this.replication.keepAlive(Number(r.ID), true) };
  }

  private expireLeases(): void {
    if (this.stopped || !this.replication.isLeader()) return;
    let ids: number[];
    try {
      ids = this.store.expiredLeases(this.now());
    } catch (err) {
      this.log.error("listing expired leases failed", { error: err });
      return;
    }
    for (const id of ids) {
      if (this.revoking.has(id)) continue;
      this.revoking.add(id);
      this.log.debug("lease expired: revoking", { lease: id.toString(16) });
      this.write({ kind: "leaseRevoke", request: { ID: id } }, false).catch((err: unknown) => {
        this.revoking.delete(id);
        if (!isEtcdError(err, "LeaseNotFound"))
          this.log.warn("revoking an expired lease failed", { lease: id.toString(16), error: err });
      });
    }
  }

  // ------------------------------------------------------------------ maintenance

  private alarm(r: AlarmRequest): AlarmResponse | Promise<AlarmResponse> {
    const mine = (type: number): AlarmMember => ({ memberID: this.memberIdLong, alarm: type });
    const list = (): AlarmMember[] => [...this.alarms].sort().map(mine);
    if (r.action === AlarmAction.GET) return { header: this.header(), alarms: list() };
    if (r.memberID !== "0" && r.memberID !== this.memberId.toString())
      return { header: this.header(), alarms: [] };
    if (r.action === AlarmAction.ACTIVATE) {
      if (r.alarm === AlarmType.NONE) return { header: this.header(), alarms: [] };
      const isNew = !this.alarms.has(r.alarm);
      this.alarms.add(r.alarm);
      if (isNew) this.log.warn("alarm raised", { alarm: r.alarm });
    } else if (r.action === AlarmAction.DEACTIVATE) {
      if (!this.alarms.delete(r.alarm)) return { header: this.header(), alarms: [] };
      this.log.info("alarm disarmed", { alarm: r.alarm });
    } else throw Errors.unimplemented(`alarm action ${r.action}`);
    const cmd: Command = {
      kind: "alarm",
      request: { action: r.action, memberID: this.memberId.toString(), alarm: r.alarm },
    };
    // Best effort: on a full disk the alarm still changes (in memory).
    return this.replication.propose(cmd, false).then(
      () => ({ header: this.header(), alarms: [mine(r.alarm)] }),
      () => ({ header: this.header(), alarms: [mine(r.alarm)] }),
    );
  }

  private status(): object {
    const errors = [...this.alarms].map(
      (a) =>
        `memberID:${this.memberId} alarm:${a === AlarmType.NOSPACE ? "NOSPACE" : a === AlarmType.CORRUPT ? "CORRUPT" : a} `,
    );
    const size = this.dbSize();
    const st = this.replication.status();
    return {
      header: this.header(),
      version: SERVER_VERSION,
      dbSize: size,
      leader: st.leader ? Long.fromString(st.leader.toString(), true) : 0,
      raftIndex: st.raftIndex,
      raftTerm: st.raftTerm,
      raftAppliedIndex: st.appliedIndex,
      errors,
      dbSizeInUse: size,
      isLearner: st.isLearner,
    };
  }

  /** etcd rewrites its database file; here a snapshot is taken so the log behind it is released. */
  private async defragment(): Promise<object> {
    try {
      await this.replication.snapshotNow();
    } catch (err) {
      if (err instanceof NoSpaceError) {
        this.raiseNoSpace("defragment");
        throw Errors.noSpace();
      }
      throw err;
    }
    return { header: this.header() };
  }

  /**
   * Maintenance.Snapshot, streamed as etcd streams its database file: 32 KiB chunks, then the
   * sha256 of everything before it. etcdctl requires the body to be a whole number of 512-byte
   * pages, so the body is: 8 bytes (little endian) length of the store's serialized state, the
   * state, zero padding.
   */
  snapshot(call: StreamCall): void {
    const state = this.store.serialize();
    const bodyLen = Math.ceil((8 + state.byteLength) / 512) * 512;
    const body = Buffer.alloc(bodyLen);
    body.writeUInt32LE(state.byteLength % 0x1_0000_0000, 0);
    body.writeUInt32LE(Math.floor(state.byteLength / 0x1_0000_0000), 4);
    body.set(state, 8);
    const all = Buffer.concat([body, createHash("sha256").update(body).digest()]);
    const header = this.header();
    let off = 0;
    const pump = (): void => {
      while (off < all.length) {
        const blob = all.subarray(off, Math.min(off + SNAPSHOT_CHUNK, all.length));
        off += blob.length;
        const ok = call.write({ header, remainingBytes: all.length - off, blob });
        if (!ok && off < all.length) {
          call.once("drain", pump);
          return;
        }
      }
      call.end();
    };
    if (all.length === 0) call.end();
    else pump();
  }

  // ------------------------------------------------------------------ leases: keep-alive stream

  /** LeaseKeepAlive: each request renews the lease on the leader; its remaining TTL is the answer. */
  leaseKeepAlive(call: StreamCall): void {
    call.on("data", (req: { ID: number }) => {
      if (this.stopped) return;
      this.replication.keepAlive(Number(req.ID), false).then(
        (ttl) => call.write({ header: this.header(), ID: req.ID, TTL: ttl }),
        () => {
          // No leader right now: the client retries its keep-alive.
        },
      );
    });
    call.on("end", () => call.end());
  }

  // ------------------------------------------------------------------ watch

  watch(call: StreamCall): void {
    const ws = new WatchStream(this, call, this.log);
    call.on("data", (req: WatchRequest) => ws.onRequest(req));
    call.on("end", () => {
      ws.close();
      call.end();
    });
    call.on("close", () => ws.close());
    call.on("cancelled", () => ws.close());
  }

  /** Registers a store watcher for a stream. */
  addWatcher(storeId: number, ws: WatchStream): void {
    this.watchers.set(storeId, ws);
    this.metrics.watchers = this.watchers.size;
    this.schedulePump();
  }

  removeWatcher(storeId: number): void {
    if (this.watchers.delete(storeId)) this.store.cancelWatch(storeId);
    this.metrics.watchers = this.watchers.size;
  }

  /** A stream cannot take more: the store keeps nothing for this watcher until it is released. */
  holdWatcher(storeId: number, fromRev?: number): void {
    if (this.watchers.has(storeId)) this.store.holdWatch(storeId, fromRev);
  }

  /** The stream can take more: the watcher catches up from history, starting now. */
  releaseWatcher(storeId: number): void {
    if (this.stopped || !this.watchers.has(storeId) || !this.store.releaseWatch(storeId)) return;
    this.deliver(this.store.takeWatchResponses([storeId]));
    if (this.store.hasPendingWatch()) this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.watchers.size === 0) return;
    this.pumpScheduled = true;
    queueMicrotask(() => this.pump());
  }

  /** Hands store responses to the streams that own their watchers. */
  private deliver(responses: readonly mvcc.WatchResponse[]): void {
    for (const r of responses) {
      const ws = this.watchers.get(r.watchId);
      if (!ws) continue;
      if (r.canceled) this.watchers.delete(r.watchId);
      ws.deliver(r);
    }
    this.metrics.watchers = this.watchers.size;
  }

  /** Hands what the store has for each watcher to its stream; catch-up continues on the next turn. */
  private pump(): void {
    this.pumpScheduled = false;
    if (this.stopped) return;
    let responses: mvcc.WatchResponse[];
    try {
      responses = this.store.takeWatchResponses();
    } catch (err) {
      this.log.error("taking watch responses failed", { error: err });
      return;
    }
    this.deliver(responses);
    if (this.store.hasPendingWatch()) {
      this.pumpScheduled = true;
      this.env.defer(() => this.pump());
    }
  }
}

interface AlarmResponse {
  header: ResponseHeader;
  alarms: AlarmMember[];
}

/** Bytes a txn would add (keys + values of its puts, in every branch); 0 if it has no put. */
function txnPutBytes(t: mvcc.TxnRequest): number {
  let n = 0;
  for (const ops of [t.success ?? [], t.failure ?? []])
    for (const op of ops) {
      if (op.requestPut) n += op.requestPut.key.length + (op.requestPut.value?.length ?? 0) + 64;
      else if (op.requestTxn) n += txnPutBytes(op.requestTxn);
    }
  return n;
}
