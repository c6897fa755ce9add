/**
 * What a benchmark runs against: `--endpoints` (a server someone else runs; its process is
 * found on this machine for CPU figures when possible) or a cluster this command starts with
 * the local or docker provider (`--server reference|etcd --nodes N --provider local|docker`),
 * torn down at the end.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Cluster } from "../harness/api/cluster.js";
import { createClient } from "../harness/client/client.js";
import { parseEndpoints } from "../harness/providers/external/provider.js";
import { dockerProvider } from "../harness/providers/docker/provider.js";
import { localProvider } from "../harness/providers/local/provider.js";
import type { LocalCluster } from "../harness/providers/local/cluster.js";
import { isLocalHost, pidListeningOn } from "./proc.js";
import type { ServerProcess } from "./runner.js";

export interface TargetOptions {
  endpoints?: string;
  allowRemote?: boolean;
  server: "reference" | "etcd";
  nodes: number;
  provider: "local" | "docker";
  etcdBinary?: string;
  serverArgs?: string[];
  results: string;
  healthTimeoutS: number;
  /** Keep the members' data directories after the run (default: only their logs are kept). */
  keepData?: boolean;
  /** docker: keep an image built on demand (default: removed at teardown). */
  keepImages?: boolean;
  /** Where a started cluster keeps data and logs (default: a new folder under `<results>/bench/`). */
  runDir?: string;
  log: (line: string) => void;
}

export interface Target {
  endpoints: string[];
  /** e.g. "endpoints 127.0.0.1:2379" or "local etcd x3". */
  describe: string;
  servers: ServerProcess[];
  serversNote?: string;
  /** The cluster this target started (none for `--endpoints`). */
  cluster?: Cluster;
  version(): Promise<string>;
  close(): Promise<void>;
}

/** The server version from Maintenance.Status of the first endpoint that answers. */
export async function statusVersion(endpoints: readonly string[]): Promise<string> {
  for (const endpoint of endpoints) {
    const c = createClient({ endpoint, timeoutMs: 2000 });
    try {
      const s = await c.status();
      return s.version || "unknown";
    } catch {
      /* try the next */
    } finally {
      c.close();
    }
  }
  return "unknown (no endpoint answered Status)";
}

function runId(): string {
  const a = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(6), (b) => a[b % a.length]).join("");
}

export async function openTarget(o: TargetOptions): Promise<Target> {
  if (o.endpoints !== undefined) {
    const eps = parseEndpoints(o.endpoints, o.allowRemote ?? false);
    const servers: ServerProcess[] = [];
    const missing: string[] = [];
    for (const e of eps) {
      const pid = isLocalHost(e.host) ? pidListeningOn(e.port) : undefined;
      if (pid !== undefined) servers.push({ node: e.address, pid });
      else missing.push(e.address);
    }
    const endpoints = eps.map((e) => e.address);
    return {
      endpoints,
      describe: `endpoints ${endpoints.join(",")}`,
      servers,
      serversNote:
        missing.length > 0
          ? `no server process found on this machine for ${missing.join(", ")} (CPU omitted)`
          : undefined,
      version: () => statusVersion(endpoints),
      close: async () => {},
    };
  }
  const id = runId();
  const runDir = resolve(
    o.runDir ?? join(o.results, "bench", `${new Date().toISOString().replace(/[:.]/g, "-")}-${id}`),
  );
  const spec = { nodes: o.nodes, runDir, runId: id, log: o.log };
  // local: loopback, no namespaces (a benchmark needs no faults, and veth + bridge add CPU per
  // packet). docker: containers on the run's network, images built locally (docs/docker.md).
  const cluster: Cluster =
    o.provider === "docker"
      ? await dockerProvider.start(spec, {
          server: o.server,
          etcdBinary: o.etcdBinary,
          serverArgs: o.serverArgs,
          resultsRoot: o.results,
          keepImages: o.keepImages,
        })
      : await localProvider.start(spec, {
          server: o.server,
          etcdBinary: o.etcdBinary,
          serverArgs: o.serverArgs,
          resultsRoot: o.results,
          namespaces: false,
        });
  try {
    await cluster.waitHealthy(o.healthTimeoutS * 1000);
  } catch (e) {
    await cluster.teardown();
    throw e;
  }
  const endpoints = cluster.nodes.flatMap((n) => cluster.clientEndpoints(n));
  const pids = (cluster as LocalCluster).pids?.() ?? {};
  const servers = Object.entries(pids)
    .filter((e): e is [string, number] => e[1] !== undefined)
    .map(([node, pid]) => ({ node, pid }));
  return {
    endpoints,
    describe: `${o.provider} ${o.server} x${o.nodes} (${runDir})`,
    servers,
    cluster,
    serversNote:
      servers.length === 0 ? `server CPU is not measured for ${o.provider} members (no host pid)` : undefined,
    version: async () => `${await cluster.serverVersion()} (Status: ${await statusVersion(endpoints)})`,
    close: async () => {
      await cluster.teardown();
      // A benchmark's data is large (etcd preallocates 64 MB WAL files) and worthless after.
      if (!o.keepData)
        for (const n of cluster.nodes)
          rmSync(join(runDir, "nodes", n, "data"), { recursive: true, force: true });
    },
  };
}
