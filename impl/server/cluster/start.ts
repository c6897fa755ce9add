/**
 * Starts a member of a replicated cluster (`--initial-cluster` with several members, or
 * `--initial-cluster-state existing`): RaftDiskStorage (WAL + snapshots), the Raft core, the
 * peer transport on --listen-peer-urls, the RaftLoop, and the same EtcdServer and client
 * listeners as the single-node server, with the Cluster API, Status, MoveLeader and lease
 * keep-alives wired to Raft.
 */
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Server as NetServer } from "node:net";
import protobuf from "protobufjs";
import { MvccStore, isEtcdError } from "../../mvcc/index.js";
import { ConfChangeType, RawNode, Role, SeededRand } from "../../raft/index.js";
import { RaftDiskStorage, type ServerStorage } from "../../storage/index.js";
import { EtcdServer } from "../etcd-server.js";
import { httpEndpoints } from "../http-endpoints.js";
import { EtcdError, Errors } from "../errors.js";
import type { ServerConfig } from "../flags.js";
import { clusterId as deriveClusterId, hexId, memberId as deriveMemberId } from "../ids.js";
import { hostPort, listenAll } from "../listener.js";
import { createH2Server } from "../h2-transport.js";
import type { Logger } from "../log.js";
import { Metrics } from "../metrics.js";
import { AlarmAction, AlarmType, type Member } from "../pb.js";
import type { RunningServer } from "../server.js";
import type { StreamCall } from "../stream-call.js";
import { Members, decodeSnapshotData, raftIdOf, type MemberInfo } from "./members.js";
import { getClusterFromPeers } from "./join.js";
import { RaftLoop } from "./raft-loop.js";
import { PeerTransport } from "./transport.js";

const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned: boolean): object };
const long = (id: bigint): never => Long.fromString(id.toString(), true) as never;

/** Whether the flags ask for a replicated member (else the single-node server runs). */
export function isClusterConfig(config: ServerConfig): boolean {
  return (
    config.initialCluster.size > 1 ||
    config.initialClusterState === "existing" ||
    process.env.GAUNTLET_RAFT === "1"
  );
}

/** How long a joining member keeps asking the members in --initial-cluster for the cluster. */
const JOIN_DEADLINE_MS = 5000;

type SideMsg =
  | { t: "ka"; req: number; id: number; query?: boolean }
  | { t: "kar"; req: number; ttl: number; err?: string }
  | { t: "removed" };

export async function startClusterServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const metrics = new Metrics();
  const token = config.initialClusterToken;
  const members = new Members();
  for (const [name, urls] of config.initialCluster) {
    const id = deriveMemberId(urls, token);
    members.set({ id, raftId: raftIdOf(id), name, peerURLs: urls, clientURLs: [], isLearner: false });
  }
  const selfPeerURLs = config.initialCluster.get(config.name)!;
  let selfId = deriveMemberId(selfPeerURLs, token);
  let cid = deriveClusterId(members.list().map((m) => m.id));
  const fresh = !existsSync(join(config.dataDir, "member", "wal"));
  if (fresh && config.initialClusterState === "existing") {
    // As etcd's GetClusterFromRemotePeers: the cluster ID and member IDs come from the running
    // members, not from this member's --initial-cluster (join.ts).
    const others = members
      .list()
      .filter((m) => m.id !== selfId)
      .flatMap((m) => m.peerURLs);
    const { cluster, self: me } = await getClusterFromPeers(
      others,
      selfPeerURLs,
      JOIN_DEADLINE_MS,
      (msg, f) => log.info(msg, f),
    );
    cid = cluster.clusterId;
    selfId = BigInt(`0x${me.id}`);
    members.replaceAll(cluster.members);
    log.info("joining an existing cluster", {
      clusterID: hexId(cid),
      memberID: hexId(selfId),
      from: cluster.from,
      members: cluster.members.length,
    });
  }

  const snapshotCount = Math.max(1, config.snapshotCount);
  const { storage, recovered } = await RaftDiskStorage.open({
    dataDir: config.dataDir,
    logger: log,
    metadata: Buffer.from(
      JSON.stringify({ memberId: hexId(selfId), clusterId: hexId(cid), name: config.name }),
    ),
    catchUpEntries: Math.min(5000, snapshotCount),
    onSync: (ms) => metrics.fsync.observe(ms / 1000),
    io: process.env.GAUNTLET_WAL_IO === "async" ? "async" : "sync",
    repair: config.forceTruncateWal,
  });
  if (!recovered.fresh) {
    // A restart: the IDs this member was created with (a joined member's came from the cluster)
    // are in its WAL's metadata; --initial-cluster is not consulted for them again.
    const meta = parseMetadata(recovered.metadata);
    if (meta.clusterId) cid = BigInt(`0x${meta.clusterId}`);
    if (meta.memberId && BigInt(`0x${meta.memberId}`) !== selfId) {
      members.remove(raftIdOf(selfId));
      selfId = BigInt(`0x${meta.memberId}`);
    }
  }
  const self: MemberInfo = {
    ...(members.byId(selfId) ?? {
      id: selfId,
      raftId: raftIdOf(selfId),
      peerURLs: selfPeerURLs,
      isLearner: false,
    }),
    name: config.name,
    clientURLs: config.advertiseClientUrls,
  };
  members.set({ ...self });
  const minLeaseTtl = Math.ceil(
    (Math.floor((3 * Math.max(1, Math.floor(config.electionTimeout / config.heartbeatInterval))) / 2) *
      config.heartbeatInterval) /
      1000,
  );
  const store = new MvccStore({ maxTxnOps: config.maxTxnOps, minLeaseTtl, timeUnitsPerSecond: 1000 });
  const snapIndex = recovered.snapshot?.metadata.index ?? 0;
  if (recovered.snapshot) {
    const { members: ms, store: data } = decodeSnapshotData(recovered.snapshot.data);
    store.restore(data);
    members.replaceAll(ms);
  }
  const electionTick = Math.max(2, Math.round(config.electionTimeout / config.heartbeatInterval));
  const node = new RawNode({
    id: self.raftId,
    storage: storage.memory,
    rand: new SeededRand(randomInt(1, 2 ** 31)),
    electionTick,
    heartbeatTick: 1,
    applied: snapIndex,
    checkQuorum: true,
    preVote: true,
  });
  if (recovered.fresh && config.initialClusterState === "new")
    node.bootstrap(members.list().map((m) => m.raftId));

  let loop!: RaftLoop;
  const now = (): number => performance.now();
  let closeAll: () => Promise<void> = async () => {};
  const transport = new PeerTransport({
    onMessage: (m) => loop.step(m),
    onSide: (from, body) => onSide(from, body as SideMsg),
    onUnreachable: (id) => loop.reportUnreachable(id),
    onSnapshot: (id, ok) => loop.reportSnapshot(id, ok),
    clusterInfo: () => ({ clusterId: hexId(cid), members: members.toJSON() }),
    self: { id: self.raftId, url: self.peerURLs[0] ?? config.initialAdvertisePeerUrls[0] ?? "" },
    // A member added while this one was down (not in its member table yet): answer it anyway.
    onHello: (id, url) => {
      if (id === self.raftId || transport.hasPeer(id) || !url) return;
      log.info("a member this one does not know yet connected: adding it as a peer", { raftId: id, url });
      transport.addPeer(id, url);
    },
    log: (msg, fields) => log.debug(msg, fields),
  });
  const peerUrl = config.listenPeerUrls[0]!;
  const peerHp = hostPort(peerUrl);
  const peerBound = await transport.listen(peerHp.host, peerHp.port);
  log.info("listening for peers", { address: peerUrl.toString(), bound: peerBound });
  for (const m of members.list())
    if (m.raftId !== self.raftId && m.peerURLs[0]) transport.addPeer(m.raftId, m.peerURLs[0]);

  // dbSize and defragment: the single-node accounting over this member's WAL.
  const storageView = {
    stats: () => storage.stats(),
    shouldSnapshot: () => false,
    saveSnapshot: async () => {},
    get snapshotIndex() {
      return snapIndex;
    },
  } as unknown as ServerStorage;

  const core = new EtcdServer({
    config,
    storage: storageView,
    store,
    memberId: selfId,
    clusterId: cid,
    log,
    metrics,
    initialDbBytes: recovered.snapshot?.data.byteLength ?? 0,
    raftTerm: () => node.raft.term,
    // Not while stalled on a full disk (maybe deposed already): no lease expiry from here then.
    isLeader: () => loop.isLeader && !loop.stalled,
    makeLoop: (apply) =>
      (loop = new RaftLoop(
        {
          node,
          storage,
          transport,
          members,
          self,
          store,
          applied: snapIndex,
          snapshotIndex: snapIndex,
          snapshotCount,
          heartbeatMs: config.heartbeatInterval,
          electionMs: config.electionTimeout,
          log,
          now,
          onRemoved: () => {
            log.warn("this member was removed from the cluster: stopping");
            void closeAll().then(() => process.exit(0));
          },
          // As the single-node server: a full disk raises this member's NOSPACE alarm (writes
          // refused with etcd's error until `etcdctl alarm disarm`; reads keep working).
          onNoSpace: (cause) => {
            if (core.hasAlarm(AlarmType.NOSPACE)) return;
            log.warn("alarm raised: NOSPACE", { cause, memberID: hexId(selfId) });
            void core.unary.Maintenance!.alarm!({
              action: AlarmAction.ACTIVATE,
              memberID: "0",
              alarm: AlarmType.NOSPACE,
            } as never);
          },
          onFatal: (err) => {
            log.error("raft loop failed: exiting", { error: err instanceof Error ? err.stack : String(err) });
            process.exit(1);
          },
        },
        apply,
      )),
  });

  // ---------------------------------------------------------------- lease keep-alives go to the leader
  let kaCounter = 0;
  const kaWaiters = new Map<
    number,
    { resolve: (ttl: number) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }
  >();
  function onSide(from: number, msg: SideMsg): void {
    if (msg.t === "removed") {
      // A member of the cluster says this member was removed (it applied the removal).
      if (members.get(from) && !loop.removed) {
        loop.removed = true;
        log.warn("this member was removed from the cluster: stopping", { by: members.get(from)!.name });
        void closeAll().then(() => process.exit(0));
      }
    } else if (msg.t === "ka") {
      let ttl = 0;
      let err: string | undefined;
      // A leader stalled on a full disk may have been deposed already: it does not renew leases.
      if (!loop.isLeader || loop.stalled) err = "etcdserver: not leader";
      else
        try {
          ttl = leaderTtl(msg.id, !!msg.query);
        } catch (e) {
          err = e instanceof Error ? e.message : String(e);
        }
      transport.sendSide(
        from,
        self.raftId,
        err ? { t: "kar", req: msg.req, ttl, err } : { t: "kar", req: msg.req, ttl },
      );
    } else if (msg.t === "kar") {
      const w = kaWaiters.get(msg.req);
      if (!w) return;
      kaWaiters.delete(msg.req);
      clearTimeout(w.timer);
      if (msg.err) w.reject(new EtcdError(14, msg.err));
      else w.resolve(msg.ttl);
    }
  }
  /** On the leader: renews (or, `query`, reads) a lease's remaining TTL; 0 / -1 when it does not exist. */
  function leaderTtl(id: number, query: boolean): number {
    try {
      return query
        ? Number(store.leaseTimeToLive({ ID: id } as never, now()).TTL)
        : Number(store.leaseKeepAlive(id, now()).TTL);
    } catch (e) {
      if (isEtcdError(e, "LeaseNotFound")) return query ? -1 : 0;
      throw e;
    }
  }
  /** Lease keep-alives and TTL queries are answered by the leader (only its clock expires leases). */
  function keepAlive(id: number, query = false): Promise<number> {
    if (loop.stalled) return Promise.reject(Errors.noLeader());
    if (loop.isLeader) {
      try {
        return Promise.resolve(leaderTtl(id, query));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (loop.lead === 0) return Promise.reject(Errors.noLeader());
    const req = ++kaCounter;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          kaWaiters.delete(req);
          reject(Errors.timeout());
        },
        config.electionTimeout * 2 + 1000,
      );
      kaWaiters.set(req, { resolve, reject, timer });
      if (!transport.sendSide(loop.lead, self.raftId, { t: "ka", req, id, query })) {
        kaWaiters.delete(req);
        clearTimeout(timer);
        reject(Errors.noLeader());
      }
    });
  }
  (core as { leaseKeepAlive: (call: StreamCall) => void }).leaseKeepAlive = (call: StreamCall) => {
    call.on("data", (req: { ID: number }) => {
      keepAlive(req.ID).then(
        (ttl) => call.write({ header: core.header(), ID: req.ID, TTL: ttl }),
        () => {
          // No leader right now: the client retries its keep-alive.
        },
      );
    });
    call.on("end", () => call.end());
  };

  // A learner serves only serializable reads and the maintenance / cluster calls (as etcd).
  const isLearnerNow = (): boolean => node.raft.prs.learners.includes(self.raftId);
  for (const [service, methods] of Object.entries(core.unary)) {
    if (service !== "KV" && service !== "Lease") continue;
    for (const [name, fn] of Object.entries(methods)) {
      methods[name] = ((r: { serializable?: boolean }) => {
        if (isLearnerNow() && !(name === "range" && r?.serializable))
          throw new EtcdError(14, "etcdserver: rpc not supported for learner");
        return fn(r as never);
      }) as never;
    }
  }
  const lease = core.unary.Lease!;
  const baseTtl = lease.leaseTimeToLive!;
  lease.leaseTimeToLive = (async (r: { ID: number; keys?: boolean }) => {
    const local = (await baseTtl(r as never)) as { TTL: number };
    if (local.TTL === -1 || (loop.isLeader && !loop.stalled)) return local;
    return { ...local, TTL: await keepAlive(Number(r.ID), true) };
  }) as never;

  // ---------------------------------------------------------------- Cluster and Maintenance
  const pbMember = (m: MemberInfo): Member => ({
    ID: long(m.id),
    name: m.name,
    peerURLs: m.peerURLs,
    clientURLs: m.clientURLs,
    isLearner: m.isLearner,
  });
  const memberList = (): Member[] => members.list().map(pbMember);
  const findMember = (ID: string | number): MemberInfo => {
    let id: bigint;
    try {
      id = BigInt(ID);
    } catch {
      throw Errors.memberNotFound();
    }
    const m = members.byId(id);
    if (!m || m.id !== id) throw Errors.memberNotFound();
    return m;
  };
  const cluster = core.unary.Cluster!;
  cluster.memberList = () => ({ header: core.header(), members: memberList() });
  cluster.memberAdd = (async (r: { peerURLs: string[]; isLearner?: boolean }) => {
    const urls = (r.peerURLs ?? []).map((u) => (u.endsWith("/") ? u.slice(0, -1) : u));
    if (urls.length === 0) throw new EtcdError(3, "etcdserver: peerURL is required");
    for (const m of members.list())
      if (m.peerURLs.some((u) => urls.includes(u))) throw new EtcdError(9, "etcdserver: peerURL exists");
    // As etcd's NewMember: the time is hashed in too, so a member removed and added back with the
    // same peer URLs gets a new ID — under its old one it would replay its own removal and stop.
    const id = deriveMemberId(urls, token, Math.floor(Date.now() / 1000));
    if (members.get(raftIdOf(id))) throw new EtcdError(9, "etcdserver: member ID already exist");
    const m: MemberInfo = {
      id,
      raftId: raftIdOf(id),
      name: "",
      peerURLs: urls,
      clientURLs: [],
      isLearner: !!r.isLearner,
    };
    await loop.proposeConfChange(r.isLearner ? ConfChangeType.AddLearner : ConfChangeType.AddNode, m);
    return { header: core.header(), member: pbMember(m), members: memberList() };
  }) as never;
  cluster.memberRemove = (async (r: { ID: string }) => {
    const m = findMember(r.ID);
    await loop.proposeConfChange(ConfChangeType.RemoveNode, m);
    return { header: core.header(), members: memberList() };
  }) as never;
  cluster.memberUpdate = (async (r: { ID: string; peerURLs: string[] }) => {
    const m = findMember(r.ID);
    await loop.proposeMemberOp({ op: "update", id: m.id.toString(16), peerURLs: r.peerURLs ?? [] });
    return { header: core.header(), members: memberList() };
  }) as never;
  cluster.memberPromote = (async (r: { ID: string }) => {
    const m = findMember(r.ID);
    if (!m.isLearner) throw new EtcdError(9, "etcdserver: can only promote a learner member");
    // As etcd: the learner's log must be within 10 % of the leader's (checked where the leader's view is).
    const pr = loop.isLeader ? node.status().progress?.get(m.raftId) : undefined;
    if (pr && pr.match < 0.9 * node.raft.log.lastIndex())
      throw new EtcdError(9, "etcdserver: can only promote a learner member which is in sync with leader");
    await loop.proposeConfChange(ConfChangeType.AddNode, { ...m, isLearner: false });
    return { header: core.header(), members: memberList() };
  }) as never;

  const maint = core.unary.Maintenance!;
  const baseStatus = maint.status!;
  maint.status = (() => {
    const s = baseStatus(undefined as never) as Record<string, unknown>;
    const st = node.status();
    const leader = st.leader ? members.get(st.leader) : undefined;
    return {
      ...s,
      leader: leader ? long(leader.id) : 0,
      raftIndex: st.commit,
      raftTerm: st.term,
      raftAppliedIndex: loop.appliedIndex,
      isLearner: self.isLearner || st.learners.includes(self.raftId),
    };
  }) as never;
  maint.moveLeader = (async (r: { targetID: string | number }) => {
    if (!loop.isLeader) throw new EtcdError(9, "etcdserver: not leader");
    const target = findMember(String(r.targetID));
    if (target.raftId !== self.raftId) {
      node.transferLeader(target.raftId);
      loop.schedule();
      const deadline = performance.now() + 2 * config.electionTimeout + 1000;
      while (loop.lead !== target.raftId) {
        if (performance.now() > deadline)
          throw new EtcdError(14, "etcdserver: request timed out, leader transfer took too long");
        await new Promise((res) => setTimeout(res, config.heartbeatInterval));
      }
    }
    return { header: core.header() };
  }) as never;

  loop.start();
  core.start();

  metrics.gauge(
    "etcd_mvcc_db_total_size_in_bytes",
    "Total size of the underlying database physically allocated in bytes.",
    () => core.dbSize(),
  );
  metrics.gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", () =>
    loop.lead !== 0 ? 1 : 0,
  );
  metrics.gauge(
    "etcd_server_is_leader",
    "Whether or not this member is a leader. 1 if is, 0 otherwise.",
    () => (loop.isLeader ? 1 : 0),
  );
  metrics.gauge(
    "etcd_debugging_mvcc_current_revision",
    "The current revision of store.",
    () => store.currentRevision,
  );
  metrics.gauge(
    "etcd_server_proposals_applied_total",
    "The total number of consensus proposals applied.",
    () => loop.appliedIndex,
  );
  metrics.gauge(
    "etcd_server_leader_changes_seen_total",
    "The number of leader changes seen.",
    () => leaderChanges,
  );
  let leaderChanges = 0;
  loop.onLeaderChange = (lead) => {
    if (lead !== 0) leaderChanges++;
  };

  const maxMessageBytes = config.maxRequestBytes + 512 * 1024;
  const h2 = createH2Server(core, metrics, log, maxMessageBytes);
  const sessions = new Set<import("node:http2").ServerHttp2Session>();
  h2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const injector = { injectConnection: (socket: import("node:net").Socket) => h2.connection(socket) };
  const http = httpEndpoints(metrics, () =>
    loop.lead !== 0 && !loop.removed ? undefined : "RAFT NO LEADER",
  );

  const listeners: NetServer[] = [];
  const clientAddresses: string[] = [];
  let closing: Promise<void> | undefined;
  closeAll = () =>
    (closing ??= (async () => {
      loop.stop();
      core.stop();
      transport.close();
      for (const l of listeners) l.close();
      for (const s of sessions) s.destroy();
      h2.close();
      await storage.close();
      log.info("stopped", { name: config.name });
    })());
  try {
    clientAddresses.push(
      ...(await listenAll(
        { client: config.listenClientUrls, metrics: config.listenMetricsUrls },
        injector,
        http,
        log,
        listeners,
      )),
    );
  } catch (err) {
    await closeAll();
    throw err;
  }
  log.info("ready to serve client requests", {
    name: config.name,
    memberID: hexId(selfId),
    clusterID: hexId(cid),
    raftId: self.raftId,
    members: members.list().length,
    snapshotIndex: snapIndex,
    lastIndex: recovered.lastIndex,
    electionTick,
    role: Role.Follower,
  });
  return { core, metrics, clientAddresses, close: () => closeAll() };
}

/** The WAL metadata written at creation: `{ memberId, clusterId, name }` (hex IDs); {} if unreadable. */
function parseMetadata(bytes: Uint8Array): { memberId?: string; clusterId?: string } {
  try {
    const o = JSON.parse(Buffer.from(bytes).toString("utf8")) as { memberId?: unknown; clusterId?: unknown };
    const hex = (v: unknown): string | undefined =>
      typeof v === "string" && /^[0-9a-f]{1,16}$/.test(v) ? v : undefined;
    return { memberId: hex(o.memberId), clusterId: hex(o.clusterId) };
  } catch {
    return {};
  }
}
