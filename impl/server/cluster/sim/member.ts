/**
 * One simulated cluster member, assembled as start.ts assembles a real one — the real
 * MvccStore, RawNode, RaftLoop and EtcdServer — over the simulated edges: its SimDisk (opened
 * as RaftDiskStorage.open opens a data dir: snapshot + log + hard state), a SimNetwork
 * endpoint instead of the PeerTransport, and a SimEnv for time. gRPC is left out: clients call
 * `server.unary` (what the gRPC services call). A crash discards the whole object graph.
 */
import { MvccStore } from "../../../mvcc/index.js";
import { RawNode, SeededRand } from "../../../raft/index.js";
import type { ServerStorage } from "../../../storage/index.js";
import { EtcdServer } from "../../etcd-server.js";
import { AlarmAction, AlarmType } from "../../pb.js";
import type { ServerConfig } from "../../flags.js";
import type { Logger } from "../../log.js";
import { Metrics } from "../../metrics.js";
import { Members, decodeSnapshotData, type MemberInfo } from "../members.js";
import { RaftLoop } from "../raft-loop.js";
import type { Command } from "../../commands.js";
import type { SimDisk } from "./disk.js";
import type { SimNetwork } from "./network.js";
import type { Scheduler, NodeClock } from "./scheduler.js";
import { SimEnv } from "./scheduler.js";

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  enabled: () => false,
};

export interface MemberSpec {
  /** Member number in the simulation (1-based). */
  node: number;
  self: MemberInfo;
  /** The initial member table (--initial-cluster). */
  initial: readonly MemberInfo[];
  clusterId: bigint;
  config: ServerConfig;
  snapshotCount: number;
  /** Seed of this incarnation (RawNode's election randomness, the request-id salt). */
  seed: number;
  /** --initial-cluster-state new (bootstrap on a fresh disk). */
  bootstrap: boolean;
  /** Called after each command applied, with the store after it. */
  onApplied: (node: number, index: number, store: MvccStore) => void;
  onFatal: (node: number, err: unknown) => void;
  onRemoved: (node: number) => void;
}

export interface Incarnation {
  env: SimEnv;
  node: RawNode;
  loop: RaftLoop;
  server: EtcdServer;
  store: MvccStore;
  members: Members;
}

/** Boots a member from its disk (fresh or not), attaches it to the network and starts it. */
export function bootMember(
  spec: MemberSpec,
  sched: Scheduler,
  clock: NodeClock,
  disk: SimDisk,
  net: SimNetwork,
): Incarnation {
  const env = new SimEnv(sched, clock, spec.seed);
  const fresh = disk.fresh;
  const storage = disk.open(env);
  const members = new Members();
  for (const m of spec.initial) members.set({ ...m });
  members.set({ ...spec.self });
  const store = new MvccStore({ maxTxnOps: spec.config.maxTxnOps, minLeaseTtl: 2, timeUnitsPerSecond: 1000 });
  const snap = storage.recoveredSnapshot;
  const snapIndex = snap?.metadata.index ?? 0;
  if (snap) {
    const { members: ms, store: data } = decodeSnapshotData(snap.data);
    store.restore(data);
    members.replaceAll(ms);
  }
  const electionTick = Math.max(2, Math.round(spec.config.electionTimeout / spec.config.heartbeatInterval));
  const node = new RawNode({
    id: spec.self.raftId,
    storage: storage.memory,
    rand: new SeededRand(spec.seed ^ 0x5eed),
    electionTick,
    heartbeatTick: 1,
    applied: snapIndex,
    checkQuorum: true,
    preVote: true,
  });
  if (fresh && spec.bootstrap) node.bootstrap(members.list().map((m) => m.raftId));

  const transport = net.endpoint(spec.node, env);
  for (const m of members.list())
    if (m.raftId !== spec.self.raftId) transport.addPeer(m.raftId, m.peerURLs[0] ?? "");
  const storageView = {
    stats: () => ({ bytes: 0 }),
    shouldSnapshot: () => false,
    saveSnapshot: async () => {},
    snapshotIndex: snapIndex,
  } as unknown as ServerStorage;
  let loop!: RaftLoop;
  const server = new EtcdServer({
    config: spec.config,
    storage: storageView,
    store,
    memberId: spec.self.id,
    clusterId: spec.clusterId,
    log: silentLogger,
    metrics: new Metrics(),
    env,
    raftTerm: () => node.raft.term,
    // As start.ts: not while stalled on a full disk (it may have been deposed already).
    isLeader: () => loop.isLeader && !loop.stalled,
    makeLoop: (apply) =>
      (loop = new RaftLoop(
        {
          node,
          storage,
          transport,
          members,
          self: spec.self,
          store,
          applied: snapIndex,
          snapshotIndex: snapIndex,
          snapshotCount: spec.snapshotCount,
          heartbeatMs: spec.config.heartbeatInterval,
          electionMs: spec.config.electionTimeout,
          log: silentLogger,
          now: () => env.now(),
          env,
          onRemoved: () => spec.onRemoved(spec.node),
          // As start.ts: a full disk raises this member's NOSPACE alarm.
          onNoSpace: () => {
            if (server.hasAlarm(AlarmType.NOSPACE)) return;
            void Promise.resolve(
              server.unary.Maintenance!.alarm!({
                action: AlarmAction.ACTIVATE,
                memberID: "0",
                alarm: AlarmType.NOSPACE,
              } as never),
            ).catch(() => {});
          },
          onFatal: (err) => spec.onFatal(spec.node, err),
        },
        (index: number, cmd: Command) => {
          try {
            return apply(index, cmd);
          } finally {
            spec.onApplied(spec.node, index, store);
          }
        },
      )),
  });
  net.attach(spec.node, {
    env,
    step: (m) => loop.step(m),
    reportUnreachable: (id) => loop.reportUnreachable(id),
    reportSnapshot: (id, ok) => loop.reportSnapshot(id, ok),
    // As start.ts's onHello: a member added while this one was down is answered anyway.
    onHello: (id) => {
      if (id !== spec.self.raftId && !transport.hasPeer(id)) transport.addPeer(id, "");
    },
    // As start.ts: a member stops only when it applies its own removal, never on a peer's word.
    onSide: () => {},
  });
  loop.start();
  server.start();
  return { env, node, loop, server, store, members };
}
