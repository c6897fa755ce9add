/**
 * Starts a reference member as a process, one phase a function: who it is (identity.ts), its
 * data dir (RaftDiskStorage: WAL + snapshots), the peer transport on --listen-peer-urls, the
 * member itself (member/assemble.ts, with real timers, disk and sockets), then gRPC + /health +
 * /metrics on every --listen-client-urls address and /health + /metrics on every
 * --listen-metrics-urls address. A single node is a one-voter cluster. `close()` stops it all.
 */
import type { Server as NetServer, Socket } from "node:net";
import type { ServerHttp2Session } from "node:http2";
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { RaftDiskStorage, type RaftRecovered } from "../storage/index.js";
import { SERVER_VERSION, type EtcdServer } from "./etcd-server.js";
import { httpEndpoints } from "./http-endpoints.js";
import type { ServerConfig } from "./flags.js";
import { hexId } from "./ids.js";
import { hostPort, listenAll, type Http2Sink } from "./listener.js";
import { createH2Server } from "./h2-transport.js";
import type { Logger } from "./log.js";
import { realLoopEnv } from "./loop-env.js";
import { Metrics } from "./metrics.js";
import { addServices } from "./services.js";
import { PeerTransport } from "./cluster/transport.js";
import { peerFrameLimits, standingOf } from "./cluster/peer-gate.js";
import { assembleMember, type Member, type MemberIdentity, type PeerReceiver } from "./member/assemble.js";
import { identityMetadata, initialIdentity, joinedIdentity, restartedIdentity } from "./member/identity.js";

export interface RunningServer {
  core: EtcdServer;
  metrics: Metrics;
  /** Actual bound client addresses (host:port), in --listen-client-urls order. */
  clientAddresses: string[];
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const metrics = new Metrics();
  const fresh = !existsSync(join(config.dataDir, "member", "wal"));
  let identity =
    fresh && config.initialClusterState === "existing"
      ? await joinedIdentity(config, log)
      : initialIdentity(config);
  const t0 = performance.now();
  const { storage, recovered } = await openDisk(config, identity, log, metrics);
  if (!recovered.fresh) identity = restartedIdentity(config, identity, recovered.metadata);

  let built: Member | undefined;
  let transport: PeerTransport;
  try {
    transport = await listenPeers(config, identity, log, () => built);
  } catch (err) {
    await storage.close();
    throw err;
  }
  let close: () => Promise<void> = async () => {};
  const member = assembleMember({
    config,
    identity,
    env: realLoopEnv,
    disk: storage,
    snapshot: recovered.snapshot,
    net: transport,
    log,
    metrics,
    raftSeed: randomInt(1, 2 ** 31),
    bootstrap: recovered.fresh && config.initialClusterState === "new",
    onRemoved: () => void close().then(() => process.exit(0)),
    onFatal: (err) => {
      log.error("raft loop failed: exiting", { error: err instanceof Error ? err.stack : String(err) });
      process.exit(1);
    },
  });
  built = member;
  member.start();

  const clients = createClientTransport(config, member, metrics, log);
  const listeners: NetServer[] = [];
  let closing: Promise<void> | undefined;
  close = () =>
    (closing ??= (async () => {
      member.stop();
      transport.close();
      for (const l of listeners) l.close();
      clients.stop();
      await storage.close();
      log.info("stopped", { name: config.name });
    })());
  let clientAddresses: string[];
  try {
    clientAddresses = await listenAll(
      { client: config.listenClientUrls, metrics: config.listenMetricsUrls },
      clients.injector,
      httpEndpoints(metrics, () => member.unhealthy()),
      log,
      listeners,
    );
  } catch (err) {
    await close();
    throw err;
  }
  log.info("ready to serve client requests", {
    name: config.name,
    memberID: hexId(identity.self.id),
    clusterID: hexId(identity.clusterId),
    version: SERVER_VERSION,
    raftId: identity.self.raftId,
    members: member.members.list().length,
    snapshotIndex: recovered.snapshot?.metadata.index ?? 0,
    lastIndex: recovered.lastIndex,
    revision: member.store.currentRevision,
    ms: Math.round(performance.now() - t0),
  });
  return { core: member.server, metrics, clientAddresses, close: () => close() };
}

/** Opens (or creates) the member's data dir: WAL + snapshots, locked against a second process. */
function openDisk(
  config: ServerConfig,
  identity: MemberIdentity,
  log: Logger,
  metrics: Metrics,
): Promise<{ storage: RaftDiskStorage; recovered: RaftRecovered }> {
  return RaftDiskStorage.open({
    dataDir: config.dataDir,
    logger: log,
    metadata: identityMetadata(identity),
    catchUpEntries: Math.min(5000, Math.max(1, config.snapshotCount)),
    onSync: (ms) => metrics.fsync.observe(ms / 1000),
    // WAL writes and fsyncs on the event loop by default: fewer thread hand-offs per batch, which
    // on a busy machine is both less CPU and lower latency (impl/storage/README.md has figures).
    io: process.env.GAUNTLET_WAL_IO === "async" ? "async" : "sync",
    repair: config.forceTruncateWal,
  });
}

/** The peer transport, listening on --listen-peer-urls; deliveries go to the member once it exists. */
async function listenPeers(
  config: ServerConfig,
  identity: MemberIdentity,
  log: Logger,
  member: () => Member | undefined,
): Promise<PeerTransport> {
  const self = identity.self;
  const receiver = (): PeerReceiver | undefined => member()?.receiver;
  const transport = new PeerTransport({
    onMessage: (m) => receiver()?.step(m),
    onSide: (from, body) => receiver()?.onSide(from, body),
    onUnreachable: (id) => receiver()?.reportUnreachable(id),
    onSnapshot: (id, ok) => receiver()?.reportSnapshot(id, ok),
    onHello: (id, url) => receiver()?.onHello(id, url),
    // A joining member's question (join.ts): the replicated member table, once there is one.
    clusterInfo: () => ({ clusterId: hexId(identity.clusterId), members: member()?.members.toJSON() ?? [] }),
    self: {
      id: self.raftId,
      url: self.peerURLs[0] ?? config.initialAdvertisePeerUrls[0] ?? "",
      cluster: hexId(identity.clusterId),
    },
    standing: (id) => {
      const m = member();
      return m ? standingOf(m.members, m.loop.removedIds, id) : "unknown";
    },
    limits: peerFrameLimits(config),
    log: (msg, fields) => log.debug(msg, fields),
    warn: (msg, fields) => log.warn(msg, fields),
  });
  const url = config.listenPeerUrls[0]!;
  const hp = hostPort(url);
  const bound = await transport.listen(hp.host, hp.port);
  log.info("listening for peers", { address: url.toString(), bound });
  return transport;
}

/**
 * The gRPC transport for clients: the lean one on node:http2 by default, @grpc/grpc-js with
 * GAUNTLET_GRPC=grpc-js.
 */
function createClientTransport(
  config: ServerConfig,
  member: Member,
  metrics: Metrics,
  log: Logger,
): { injector: Http2Sink; stop(): void } {
  const maxMessageBytes = config.maxRequestBytes + 512 * 1024;
  if (process.env.GAUNTLET_GRPC === "grpc-js") {
    const grpcServer = new grpc.Server({
      "grpc.max_receive_message_length": maxMessageBytes,
      "grpc.max_send_message_length": 2 ** 31 - 1,
      "grpc.max_concurrent_streams": 2 ** 31 - 1,
    });
    addServices(grpcServer, member.server, metrics, log);
    const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    return {
      injector,
      stop: () => {
        injector.destroy();
        grpcServer.forceShutdown();
      },
    };
  }
  const h2 = createH2Server(member.server, metrics, log, maxMessageBytes);
  const sessions = new Set<ServerHttp2Session>();
  h2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  return {
    injector: { injectConnection: (socket: Socket) => h2.connection(socket) },
    stop: () => {
      for (const s of sessions) s.destroy();
      h2.close();
    },
  };
}
