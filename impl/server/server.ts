/**
 * Assembles a running server from a ServerConfig: opens storage (snapshot + WAL replay),
 * builds the core, serves gRPC + /health + /metrics on every --listen-client-urls address and
 * /health + /metrics on every --listen-metrics-urls address. `close()` stops it all.
 */
import type { Server as NetServer } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { MvccStore } from "../mvcc/index.js";
import { ServerStorage } from "../storage/index.js";
import { decodeCommand } from "./commands.js";
import { EtcdServer, SERVER_VERSION } from "./etcd-server.js";
import { httpEndpoints } from "./http-endpoints.js";
import type { ServerConfig } from "./flags.js";
import { clusterId, hexId, memberId } from "./ids.js";
import { listenAll, type Http2Sink } from "./listener.js";
import { createH2Server } from "./h2-transport.js";
import type { Logger } from "./log.js";
import { Metrics } from "./metrics.js";
import { addServices } from "./services.js";
import { AlarmType } from "./pb.js";
import { isClusterConfig, startClusterServer } from "./cluster/start.js";

export interface RunningServer {
  core: EtcdServer;
  metrics: Metrics;
  /** Actual bound client addresses (host:port), in --listen-client-urls order. */
  clientAddresses: string[];
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  // Several members (or joining an existing cluster): the Raft-replicated member (cluster/).
  if (isClusterConfig(config)) return startClusterServer(config, log);
  const metrics = new Metrics();
  const mid = memberId(config.initialCluster.get(config.name)!, config.initialClusterToken);
  const cid = clusterId([mid]);
  const t0 = performance.now();
  const { storage, recovered } = await ServerStorage.open({
    dataDir: config.dataDir,
    logger: log,
    snapshotCount: config.snapshotCount,
    metadata: Buffer.from(JSON.stringify({ memberId: hexId(mid), clusterId: hexId(cid), name: config.name })),
    onSync: (ms) => metrics.fsync.observe(ms / 1000),
    // WAL writes and fsyncs on the event loop by default: fewer thread hand-offs per batch, which
    // on a busy machine is both less CPU and lower latency (impl/storage/README.md has figures).
    io: process.env.GAUNTLET_WAL_IO === "async" ? "async" : "sync",
    repair: config.forceTruncateWal,
  });
  if (!recovered.fresh) {
    try {
      const meta = JSON.parse(Buffer.from(recovered.metadata).toString("utf8")) as { memberId?: string };
      if (meta.memberId && meta.memberId !== hexId(mid))
        log.warn("data dir was created by another member; keeping its data", {
          dataDir: config.dataDir,
          storedMemberId: meta.memberId,
          memberId: hexId(mid),
        });
    } catch {
      // metadata of another format: ignore
    }
  }
  const minLeaseTtl = Math.ceil(
    (Math.floor((3 * Math.max(1, Math.floor(config.electionTimeout / config.heartbeatInterval))) / 2) *
      config.heartbeatInterval) /
      1000,
  );
  const storeOptions = { maxTxnOps: config.maxTxnOps, minLeaseTtl, timeUnitsPerSecond: 1000 };
  const store = recovered.snapshot
    ? MvccStore.fromSnapshot(recovered.snapshot.data, storeOptions)
    : new MvccStore(storeOptions);
  const core = new EtcdServer({
    config,
    storage,
    store,
    memberId: mid,
    clusterId: cid,
    log,
    metrics,
    initialDbBytes:
      (recovered.snapshot?.data.byteLength ?? 0) +
      recovered.entries.reduce((n, e) => n + e.data.byteLength, 0),
  });
  core.replay(recovered.entries, decodeCommand);
  log.info("recovered", {
    dataDir: config.dataDir,
    snapshotIndex: recovered.snapshot?.index ?? 0,
    replayedEntries: recovered.entries.length,
    revision: store.currentRevision,
    ms: Math.round(performance.now() - t0),
  });
  core.start();

  metrics.gauge(
    "etcd_mvcc_db_total_size_in_bytes",
    "Total size of the underlying database physically allocated in bytes.",
    () => core.dbSize(),
  );
  metrics.gauge(
    "etcd_server_has_leader",
    "Whether or not a leader exists. 1 is existence, 0 is not.",
    () => 1,
  );
  metrics.gauge(
    "etcd_server_is_leader",
    "Whether or not this member is a leader. 1 if is, 0 otherwise.",
    () => 1,
  );
  metrics.gauge(
    "etcd_debugging_mvcc_current_revision",
    "The current revision of store.",
    () => store.currentRevision,
  );
  metrics.gauge(
    "etcd_server_proposals_applied_total",
    "The total number of consensus proposals applied.",
    () => core.appliedIndex,
  );
  metrics.gauge(
    "etcd_debugging_snap_save_total_count",
    "Snapshots saved since start.",
    () => storage.stats().snapshotsSaved,
  );

  // The transport: the lean one on node:http2 by default, @grpc/grpc-js with GAUNTLET_GRPC=grpc-js.
  const maxMessageBytes = config.maxRequestBytes + 512 * 1024;
  let injector: Http2Sink;
  let stopTransport: () => void;
  if (process.env.GAUNTLET_GRPC === "grpc-js") {
    const grpcServer = new grpc.Server({
      "grpc.max_receive_message_length": maxMessageBytes,
      "grpc.max_send_message_length": 2 ** 31 - 1,
      "grpc.max_concurrent_streams": 2 ** 31 - 1,
    });
    addServices(grpcServer, core, metrics, log);
    const inj = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    injector = inj;
    stopTransport = () => {
      inj.destroy();
      grpcServer.forceShutdown();
    };
  } else {
    const h2 = createH2Server(core, metrics, log, maxMessageBytes);
    const sessions = new Set<import("node:http2").ServerHttp2Session>();
    h2.on("session", (s) => {
      sessions.add(s);
      s.on("close", () => sessions.delete(s));
    });
    injector = { injectConnection: (socket) => h2.connection(socket) };
    stopTransport = () => {
      for (const s of sessions) s.destroy();
      h2.close();
    };
  }

  const http = httpEndpoints(metrics, () =>
    core.hasAlarm(AlarmType.NOSPACE)
      ? "ALARM NOSPACE"
      : core.hasAlarm(AlarmType.CORRUPT)
        ? "ALARM CORRUPT"
        : undefined,
  );

  const listeners: NetServer[] = [];
  const clientAddresses: string[] = [];
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
    for (const l of listeners) l.close();
    core.stop();
    await storage.close();
    throw err;
  }
  log.info("ready to serve client requests", {
    name: config.name,
    memberID: hexId(mid),
    clusterID: hexId(cid),
    version: SERVER_VERSION,
    revision: store.currentRevision,
  });

  let closing: Promise<void> | undefined;
  return {
    core,
    metrics,
    clientAddresses,
    close: () =>
      (closing ??= (async () => {
        core.stop();
        for (const l of listeners) l.close();
        stopTransport();
        await storage.close();
        log.info("stopped", { name: config.name });
      })()),
  };
}
