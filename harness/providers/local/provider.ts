/**
 * The `local` provider: N members as child processes on this machine — real etcd
 * (`--server etcd`) or the reference server (`--server reference`, run as
 * `node bin/gauntlet.js server`), both started with etcd's cluster flags, data and logs in
 * `<runDir>/nodes/<node>/`. As root on Linux each member gets its own network namespace
 * (./netns.ts) so that partitions are real; otherwise members listen on loopback ports and
 * `net` is reported unavailable. Everything created is recorded in `<runDir>/state.json` first,
 * so `gauntlet cleanup` can undo a killed run (./cleanup.ts).
 *
 * ```ts
 * const cluster = await localProvider.start(
 *   { nodes: 3, runDir, runId: "ab12cd", log: console.log },
 *   { server: "etcd", resultsRoot: "results" },
 * );
 * ```
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CapabilityName } from "../../api/capabilities.js";
import { HarnessError, type ClusterSpec, type NodeInfo, type Provider } from "../../api/cluster.js";
import { LocalCluster } from "./cluster.js";
import { MemberProcess } from "./member.js";
import { canUseNamespaces, setUpNetwork, undoNetwork, type NetLayout } from "./netns.js";
import { freePorts } from "./ports.js";
import { membersCapability } from "./members.js";
import { mountTmpfs, undoMounts } from "./disk.js";
import {
  clusterFlags,
  etcdVersion,
  findLibfaketime,
  gauntletVersion,
  memberArgv,
  resolveEtcd,
  type MemberUrls,
  type ServerKind,
} from "./server-command.js";
import { emptyState, registerActive, selfRecord, unregisterActive, writeState } from "./state.js";

export interface LocalOptions {
  /** `reference` (default) or `etcd`. */
  server?: ServerKind;
  /** `--etcd-binary`: a path or a name on PATH (default `etcd`). */
  etcdBinary?: string;
  /** `--server-args`, already split, passed to every member. */
  serverArgs?: readonly string[];
  /** Where `.active/` pointers live (the results root, default `results`). */
  resultsRoot?: string;
  /** Use network namespaces when root on Linux (default true). */
  namespaces?: boolean;
  /** Start members under libfaketime so the Clock capability works (reference server only; default false). */
  clock?: boolean;
  /**
   * Put each member's data directory on a tmpfs of this many MiB (root only), which gives the
   * Disk capability (fill / free). Default: no tmpfs, Disk unavailable.
   */
  tmpfsMb?: number;
}

export function nodeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

export const localProvider: Provider<LocalOptions> = {
  name: "local",
  async start(spec: ClusterSpec, opts: LocalOptions): Promise<LocalCluster> {
    const kind: ServerKind = opts.server ?? "reference";
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > 9)
      throw new HarnessError(`--nodes must be an integer from 1 to 9, got ${spec.nodes}`);
    const etcdBinary = kind === "etcd" ? resolveEtcd(opts.etcdBinary) : "";
    const resultsRoot = resolve(opts.resultsRoot ?? "results");
    const runDir = resolve(spec.runDir);
    const names = nodeNames(spec.nodes);
    const log = spec.log;
    const unavailable: Partial<Record<CapabilityName, string>> = {};

    const state = emptyState(spec.runId, runDir, selfRecord());
    for (const n of names) mkdirSync(join(runDir, "nodes", n, "data"), { recursive: true });
    writeState(state);
    registerActive(resultsRoot, spec.runId, runDir);
    const save = () => writeState(state);

    const members = new Map<string, MemberProcess>();
    try {
      // Addresses: namespaces as root, loopback otherwise.
      let net: NetLayout | undefined;
      const ns = canUseNamespaces();
      const urls: MemberUrls[] = [];
      if (ns.ok && opts.namespaces !== false) {
        net = await setUpNetwork(state, names, save);
        log(`network: bridge ${net.bridge} ${net.subnet}, namespaces ${Object.values(net.netns).join(", ")}`);
        for (const n of names)
          urls.push({
            name: n,
            clientUrl: `http://${net.ips[n]}:2379`,
            peerUrl: `http://${net.ips[n]}:2380`,
          });
      } else {
        unavailable.net =
          opts.namespaces === false ? "network namespaces turned off" : `${ns.why}; members run on loopback`;
        const ports = await freePorts(2 * names.length);
        names.forEach((n, i) =>
          urls.push({
            name: n,
            clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
            peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
          }),
        );
        log(`network: loopback (${ns.ok ? "namespaces turned off" : ns.why})`);
      }

      // Clock: libfaketime for the reference server only (Go binaries ignore LD_PRELOAD).
      let faketimeFiles: Map<string, string> | undefined;
      const lib = findLibfaketime();
      if (kind === "etcd") unavailable.clock = "etcd is a Go binary and ignores libfaketime (LD_PRELOAD)";
      else if (!lib) unavailable.clock = "libfaketime not installed (apt-get install libfaketime)";
      else if (!opts.clock) unavailable.clock = "not requested (start the cluster with clock: true)";
      else faketimeFiles = new Map(names.map((n) => [n, join(runDir, "nodes", n, "faketime.rc")]));

      // Disk: data directories on size-limited tmpfs mounts (root only).
      let tmpfsDirs: Map<string, string> | undefined;
      if (opts.tmpfsMb === undefined)
        unavailable.disk = "data directories are not on tmpfs (start the cluster with tmpfsMb)";
      else if (!ns.ok) unavailable.disk = `tmpfs mounts need root (${ns.why})`;
      else {
        if (!(Number.isInteger(opts.tmpfsMb) && opts.tmpfsMb >= 1))
          throw new HarnessError(`tmpfsMb must be a positive integer, got ${opts.tmpfsMb}`);
        tmpfsDirs = new Map();
        for (const n of names) {
          const d = join(runDir, "nodes", n, "data");
          await mountTmpfs(state, d, opts.tmpfsMb, save);
          tmpfsDirs.set(n, d);
        }
        log(`data directories on ${opts.tmpfsMb} MiB tmpfs mounts`);
      }

      const token = `gauntlet-${spec.runId}`;
      const infos = new Map<string, NodeInfo>();
      for (const u of urls) {
        const dir = join(runDir, "nodes", u.name);
        const env: NodeJS.ProcessEnv = { ...process.env };
        const ft = faketimeFiles?.get(u.name);
        if (ft && lib) {
          writeFileSync(ft, "+0s\n");
          Object.assign(env, {
            LD_PRELOAD: lib,
            FAKETIME_TIMESTAMP_FILE: ft,
            FAKETIME_NO_CACHE: "1",
            FAKETIME_DONT_FAKE_MONOTONIC: "1",
          });
        }
        const flags = clusterFlags(u, urls, join(dir, "data"), token);
        const argv = memberArgv(kind, etcdBinary, flags, opts.serverArgs ?? []);
        const m = new MemberProcess({
          node: u.name,
          argv,
          env,
          logPath: join(dir, "server.log"),
          netns: net?.netns[u.name],
        });
        members.set(u.name, m);
        const host = new URL(u.clientUrl).hostname;
        infos.set(u.name, {
          name: u.name,
          clientEndpoints: [new URL(u.clientUrl).host],
          host,
          peerUrl: u.peerUrl,
          dir,
        });
      }
      for (const [n, m] of members) {
        state.processes[n] = m.start();
        save();
        log(`started ${n} (pid ${m.pid}): ${m.cmd.argv.join(" ")}`);
      }
      const version =
        kind === "etcd" ? etcdVersion(etcdBinary) : `gauntlet reference server ${gauntletVersion()}`;
      return new LocalCluster({
        state,
        resultsRoot,
        members,
        infos,
        net,
        faketimeFiles,
        tmpfsDirs,
        membership: membersCapability({
          infos,
          members,
          argvFor: (node, initialCluster, st) => {
            const u = urls.find((x) => x.name === node)!;
            const flags = clusterFlags(u, urls, join(runDir, "nodes", node, "data"), token);
            flags[flags.indexOf("--initial-cluster") + 1] = initialCluster;
            flags[flags.indexOf("--initial-cluster-state") + 1] = st;
            return memberArgv(kind, etcdBinary, flags, opts.serverArgs ?? []);
          },
          dataDir: (node) => join(runDir, "nodes", node, "data"),
          recordProcess: (node, rec) => {
            if (rec) state.processes[node] = rec;
            else delete state.processes[node];
            save();
          },
          log,
        }),
        version,
        log,
        unavailable,
      });
    } catch (err) {
      // Undo whatever was created before the failure, then report it.
      for (const m of members.values()) await m.kill().catch(() => {});
      state.processes = {};
      const left = [...(await undoNetwork(state, () => {})), ...(await undoMounts(state, () => {}))];
      save();
      if (left.length === 0) unregisterActive(resultsRoot, spec.runId);
      else log(`could not undo everything (run \`gauntlet cleanup\`): ${left.join("; ")}`);
      throw err;
    }
  },
};
