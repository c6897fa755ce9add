/**
 * One simulated cluster member: a member built by member/assemble.ts — the same assembly a
 * process runs — over the simulated edges: its SimDisk (opened as RaftDiskStorage.open opens a
 * data dir: snapshot + log + hard state), a SimNetwork endpoint instead of the PeerTransport,
 * and a SimEnv for time. gRPC is left out: clients call `server.unary` (what the gRPC services
 * call). A crash discards the whole object graph.
 */
import type { MvccStore } from "../../../mvcc/index.js";
import type { RawNode } from "../../../raft/index.js";
import type { EtcdServer } from "../../etcd-server.js";
import type { ServerConfig } from "../../flags.js";
import type { Logger } from "../../log.js";
import { Metrics } from "../../metrics.js";
import type { Members, MemberInfo } from "../members.js";
import type { RaftLoop } from "../raft-loop.js";
import { assembleMember } from "../../member/assemble.js";
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
  const m = assembleMember({
    config: { ...spec.config, snapshotCount: spec.snapshotCount },
    identity: { self: spec.self, clusterId: spec.clusterId, members: spec.initial },
    env,
    disk: storage,
    snapshot: storage.recoveredSnapshot,
    net: net.endpoint(spec.node, env),
    log: silentLogger,
    metrics: new Metrics(),
    raftSeed: spec.seed ^ 0x5eed,
    bootstrap: fresh && spec.bootstrap,
    onRemoved: () => spec.onRemoved(spec.node),
    onFatal: (err) => spec.onFatal(spec.node, err),
    onApplied: (index, store) => spec.onApplied(spec.node, index, store),
  });
  net.attach(spec.node, { env, ...m.receiver });
  m.start();
  return { env, node: m.node, loop: m.loop, server: m.server, store: m.store, members: m.members };
}
