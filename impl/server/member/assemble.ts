/**
 * The one place a reference member is built. Every member is a Raft member (a single node is a
 * one-voter cluster, as in etcd): the MVCC store restored from the recovered snapshot, the Raft
 * core (RawNode) over the disk's log, the RaftLoop that drives it, the replication interface
 * over both, and the EtcdServer core on top.
 *
 * The edges come in as parts: a process passes real timers (`realLoopEnv`), a RaftDiskStorage
 * and the TCP PeerTransport (../server.ts); the deterministic simulation passes its simulated
 * clock, disk and network (../cluster/sim/member.ts). Nothing here touches a socket, a file or
 * a clock of its own, so what the simulation runs is what a process runs.
 *
 * Wiring the network's deliveries is the caller's: it hands `member.receiver` to its transport.
 */
import { MvccStore } from "../../mvcc/index.js";
import { RawNode, SeededRand, type Message, type MemoryStorage, type Snapshot } from "../../raft/index.js";
import { EtcdServer } from "../etcd-server.js";
import type { ServerConfig } from "../flags.js";
import type { Logger } from "../log.js";
import type { LoopEnv } from "../loop-env.js";
import type { Metrics } from "../metrics.js";
import { AlarmType } from "../pb.js";
import { Members, decodeSnapshotData, type MemberInfo } from "../cluster/members.js";
import { RaftLoop, type RaftLoopStorage, type RaftLoopTransport } from "../cluster/raft-loop.js";
import { RaftReplication } from "./replication.js";

/** Who the member is: itself, its cluster, and the member table it starts from. */
export interface MemberIdentity {
  self: MemberInfo;
  clusterId: bigint;
  /** The member table before any snapshot: --initial-cluster, or what a joined cluster answered. */
  members: readonly MemberInfo[];
}

/** What a member needs of its disk (RaftDiskStorage; SimDisk's handle in the simulation). */
export interface MemberDisk extends RaftLoopStorage {
  /** The Raft core's view of the log, snapshot and hard state as recovered. */
  readonly memory: MemoryStorage;
  /** Bytes appended to the log so far (the database size model). */
  stats(): { bytes: number };
}

/** What a member needs of the peer network (PeerTransport; SimNetwork's endpoint). */
export interface MemberNet extends RaftLoopTransport {
  hasPeer(id: number): boolean;
}

/** What the peer network delivers to a member. */
export interface PeerReceiver {
  step(m: Message): void;
  reportUnreachable(id: number): void;
  reportSnapshot(id: number, ok: boolean): void;
  /** A side message (lease keep-alive forwarding). */
  onSide(from: number, body: unknown): void;
  /** A peer said who it is on connecting: a member added while this one was down is learnt here. */
  onHello(id: number, url: string): void;
}

export interface MemberParts {
  config: ServerConfig;
  identity: MemberIdentity;
  env: LoopEnv;
  disk: MemberDisk;
  /** The snapshot the disk was recovered from, if any. */
  snapshot: Snapshot | undefined;
  net: MemberNet;
  log: Logger;
  metrics: Metrics;
  /** Seed of the Raft core's election randomness. */
  raftSeed: number;
  /** A fresh member of a new cluster: bootstrap the initial configuration. */
  bootstrap: boolean;
  /** This member was removed from the cluster (it applied its own removal). */
  onRemoved: () => void;
  /** The Raft loop failed (a storage error other than a full disk): the member cannot go on. */
  onFatal: (err: unknown) => void;
  /** Called after each command applied, with the store after it (the simulation's invariants). */
  onApplied?: (index: number, store: MvccStore) => void;
}

export interface Member {
  server: EtcdServer;
  loop: RaftLoop;
  node: RawNode;
  store: MvccStore;
  members: Members;
  replication: RaftReplication;
  receiver: PeerReceiver;
  /** Why the member is unhealthy (etcd's /health reasons), or undefined. */
  unhealthy(): string | undefined;
  start(): void;
  stop(): void;
}

/** etcd's minimum lease TTL: 1.5 election timeouts, in whole seconds. */
function minLeaseTtl(config: ServerConfig): number {
  const electionTicks = Math.max(1, Math.floor(config.electionTimeout / config.heartbeatInterval));
  return Math.ceil((Math.floor((3 * electionTicks) / 2) * config.heartbeatInterval) / 1000);
}

export function assembleMember(p: MemberParts): Member {
  const { config, env, disk, net, log, metrics } = p;
  const self: MemberInfo = { ...p.identity.self };
  const members = new Members();
  for (const m of p.identity.members) members.set({ ...m });
  members.set({ ...self });

  const store = new MvccStore({
    maxTxnOps: config.maxTxnOps,
    minLeaseTtl: minLeaseTtl(config),
    timeUnitsPerSecond: 1000,
  });
  const snapIndex = p.snapshot?.metadata.index ?? 0;
  let stateBytes = 0;
  if (p.snapshot) {
    const { members: ms, store: data } = decodeSnapshotData(p.snapshot.data);
    store.restore(data);
    members.replaceAll(ms);
    stateBytes = data.byteLength;
  }

  const node = new RawNode({
    id: self.raftId,
    storage: disk.memory,
    rand: new SeededRand(p.raftSeed),
    electionTick: Math.max(2, Math.round(config.electionTimeout / config.heartbeatInterval)),
    heartbeatTick: 1,
    applied: snapIndex,
    checkQuorum: true,
    preVote: true,
  });
  if (p.bootstrap) node.bootstrap(members.list().map((m) => m.raftId));
  for (const m of members.list())
    if (m.raftId !== self.raftId && m.peerURLs[0]) net.addPeer(m.raftId, m.peerURLs[0]);

  // The loop applies through the server, the server proposes through the replication over the
  // loop: built in this order, each bound before anything runs (start()).
  let server!: EtcdServer;
  let snapshotsSaved = 0;
  const loop = new RaftLoop(
    {
      node,
      storage: disk,
      transport: net,
      members,
      self,
      store,
      applied: snapIndex,
      snapshotIndex: snapIndex,
      snapshotCount: Math.max(1, config.snapshotCount),
      heartbeatMs: config.heartbeatInterval,
      electionMs: config.electionTimeout,
      log,
      now: () => env.now(),
      env,
      onRemoved: () => {
        log.warn("this member was removed from the cluster: stopping");
        p.onRemoved();
      },
      // A full disk raises this member's NOSPACE alarm (writes refused with etcd's error until
      // `etcdctl alarm disarm`; reads keep working).
      onNoSpace: (cause) => server.raiseNoSpace(cause),
      onSnapshot: (_index, bytes) => {
        snapshotsSaved++;
        server.snapshotTaken(bytes);
      },
      onFatal: p.onFatal,
    },
    p.onApplied
      ? (index, cmd) => {
          try {
            return server.apply(index, cmd);
          } finally {
            p.onApplied!(index, store);
          }
        }
      : (index, cmd) => server.apply(index, cmd),
  );
  const replication = new RaftReplication({
    node,
    loop,
    members,
    self,
    store,
    transport: net,
    env,
    log,
    clusterToken: config.initialClusterToken,
    electionMs: config.electionTimeout,
    heartbeatMs: config.heartbeatInterval,
  });
  server = new EtcdServer({
    config,
    store,
    memberId: self.id,
    clusterId: p.identity.clusterId,
    log,
    metrics,
    env,
    replication,
    logBytes: () => disk.stats().bytes,
    initialDbBytes: stateBytes,
    replayedUpTo: disk.memory.initialState().hardState.commit,
  });

  const receiver: PeerReceiver = {
    step: (m) => loop.step(m),
    reportUnreachable: (id) => loop.reportUnreachable(id),
    reportSnapshot: (id, ok) => loop.reportSnapshot(id, ok),
    onSide: (from, body) => replication.onSide(from, body),
    // A member added while this one was down (not in its member table yet): answer it anyway,
    // as etcd's AddRemote.
    onHello: (id, url) => {
      if (id === self.raftId || net.hasPeer(id) || !url) return;
      log.info("a member this one does not know yet connected: adding it as a peer", { raftId: id, url });
      net.addPeer(id, url);
    },
  };

  let leaderChanges = 0;
  loop.onLeaderChange = (lead) => {
    if (lead !== 0) leaderChanges++;
  };
  registerGauges(metrics, {
    server,
    loop,
    store,
    leaderChanges: () => leaderChanges,
    snapshotsSaved: () => snapshotsSaved,
  });

  return {
    server,
    loop,
    node,
    store,
    members,
    replication,
    receiver,
    unhealthy: () =>
      server.hasAlarm(AlarmType.NOSPACE)
        ? "ALARM NOSPACE"
        : server.hasAlarm(AlarmType.CORRUPT)
          ? "ALARM CORRUPT"
          : loop.lead === 0 || loop.removed
            ? "RAFT NO LEADER"
            : undefined,
    start: () => {
      loop.start();
      server.start();
      if (members.list().length === 1) campaignAlone(node, loop, env, self.raftId);
    },
    stop: () => {
      loop.stop();
      replication.stop();
      server.stop();
    },
  };
}

/**
 * A member that is its cluster's only voter elects itself at once, as etcd fast-forwards a
 * single member's election ticks, instead of waiting out an election timeout. Asked again every
 * few milliseconds while a committed configuration is still being applied (Raft refuses to
 * campaign then); given up once it leads, once it is not the only voter, or after a second.
 */
function campaignAlone(node: RawNode, loop: RaftLoop, env: LoopEnv, self: number, attempts = 200): void {
  if (loop.isLeader || loop.stopped || attempts === 0) return;
  const voters = node.status().voters;
  if (voters.length > 1 || (voters.length === 1 && voters[0] !== self)) return;
  if (voters.length === 1) {
    node.campaign();
    loop.schedule();
  }
  env.after(5, () => campaignAlone(node, loop, env, self, attempts - 1));
}

function registerGauges(
  metrics: Metrics,
  m: {
    server: EtcdServer;
    loop: RaftLoop;
    store: MvccStore;
    leaderChanges: () => number;
    snapshotsSaved: () => number;
  },
): void {
  metrics.gauge(
    "etcd_mvcc_db_total_size_in_bytes",
    "Total size of the underlying database physically allocated in bytes.",
    () => m.server.dbSize(),
  );
  metrics.gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", () =>
    m.loop.lead !== 0 ? 1 : 0,
  );
  metrics.gauge(
    "etcd_server_is_leader",
    "Whether or not this member is a leader. 1 if is, 0 otherwise.",
    () => (m.loop.isLeader ? 1 : 0),
  );
  metrics.gauge(
    "etcd_debugging_mvcc_current_revision",
    "The current revision of store.",
    () => m.store.currentRevision,
  );
  metrics.gauge(
    "etcd_server_proposals_applied_total",
    "The total number of consensus proposals applied.",
    () => m.loop.appliedIndex,
  );
  metrics.gauge(
    "etcd_server_leader_changes_seen_total",
    "The number of leader changes seen.",
    m.leaderChanges,
  );
  metrics.gauge("etcd_debugging_snap_save_total_count", "Snapshots saved since start.", m.snapshotsSaved);
}
