/**
 * The `docker` provider (docs/providers.md): N members as containers on a network the run
 * creates, from local images (./images.ts: `gauntlet/reference`, `gauntlet/etcd`, built on
 * demand, or any etcd-compatible image the user names with `--image`). Members are reached at
 * their network addresses (`10.78.<x>.<10+i>:2379`) from the host. Everything is labelled
 * `gauntlet` + `gauntlet.run=<runId>` and recorded in `<runDir>/state.json` first, so
 * `gauntlet cleanup` can remove what a killed run left.
 *
 * ```ts
 * const cluster = await dockerProvider.start({ nodes: 3, runDir, runId, log }, { server: "etcd" });
 * ```
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CapabilityName } from "../../api/capabilities.js";
import { HarnessError, type ClusterSpec, type NodeInfo, type Provider } from "../../api/cluster.js";
import { mountTmpfs, undoMounts } from "../local/disk.js";
import { nodeNames } from "../local/provider.js";
import {
  clusterFlags,
  etcdVersion,
  findLibfaketime,
  gauntletVersion,
  resolveEtcd,
  type MemberUrls,
} from "../local/server-command.js";
import { registerActive, selfRecord, unregisterActive, writeState } from "../local/state.js";
import { FAKETIME_DIR_IN_CONTAINER, FAKETIME_LIB_IN_CONTAINER, faketimeEnv } from "./clock.js";
import { DockerCluster } from "./cluster.js";
import { requireEngine } from "./engine.js";
import {
  buildImage,
  etcdPlan,
  imageExists,
  referencePlan,
  removeRunImages,
  type BuildProgress,
  type ImagePlan,
} from "./images.js";
import { DockerMember, containerName, touch } from "./member.js";
import { dockerMembers } from "./members.js";
import { createNetwork, removeNetwork, type DockerNet } from "./network.js";
import { consoleProgress } from "./progress.js";
import { emptyDockerState } from "./state.js";

export interface DockerOptions {
  /** `reference` (default) or `etcd`; ignored with `image`. */
  server?: "reference" | "etcd";
  /** `--image`: an etcd-compatible image already in the engine (its command line takes etcd's flags). */
  image?: string;
  /** `--etcd-binary` for the built etcd image (default `etcd` on PATH). */
  etcdBinary?: string;
  serverArgs?: readonly string[];
  resultsRoot?: string;
  /** libfaketime in the containers (reference server only; default false). */
  clock?: boolean;
  /** Data directories on host tmpfs mounts of this many MiB (root only): the Disk capability. */
  tmpfsMb?: number;
  /**
   * `--keep-images`: keep an image this run builds on demand (default: removed at teardown;
   * images found in the engine, e.g. from `gauntlet images build`, are always kept).
   */
  keepImages?: boolean;
  /** Where image-build progress goes (default: stderr). */
  progress?: BuildProgress;
}

/**
 * The image a run uses: the plan of `gauntlet/reference` or `gauntlet/etcd` (built by the
 * caller, after it has recorded the build in the state file), or a checked `--image`.
 */
export async function planImage(opts: DockerOptions): Promise<{
  image: string;
  entrypoint?: string[];
  kind: "reference" | "etcd" | "custom";
  plan?: ImagePlan;
}> {
  if (opts.image) {
    if (!(await imageExists(opts.image)))
      throw new HarnessError(
        `image ${opts.image} is not in the local engine (Gauntlet uses no registry): \`docker load\` or \`docker import\` it first`,
      );
    return { image: opts.image, kind: "custom" };
  }
  const plan: ImagePlan =
    (opts.server ?? "reference") === "etcd" ? etcdPlan(opts.etcdBinary) : referencePlan();
  return { image: plan.name, entrypoint: plan.entrypoint, kind: plan.kind, plan };
}

/**
 * Checks before a run creates anything: an engine answers, and a `--image` is in it.
 * Throws the HarnessError users must see.
 */
export async function dockerPreflight(opts: Pick<DockerOptions, "image">): Promise<void> {
  await requireEngine();
  if (opts.image && !(await imageExists(opts.image)))
    throw new HarnessError(
      `image ${opts.image} is not in the local engine (Gauntlet uses no registry): \`docker load\` or \`docker import\` it first`,
    );
}

export const dockerProvider: Provider<DockerOptions> = {
  name: "docker",
  async start(spec: ClusterSpec, opts: DockerOptions): Promise<DockerCluster> {
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > 9)
      throw new HarnessError(`--nodes must be an integer from 1 to 9, got ${spec.nodes}`);
    if (!opts.image && opts.server === "etcd") resolveEtcd(opts.etcdBinary);
    await requireEngine();
    const log = spec.log;
    const progress = opts.progress ?? consoleProgress();
    const img = await planImage(opts);
    const resultsRoot = resolve(opts.resultsRoot ?? "results");
    const runDir = resolve(spec.runDir);
    const names = nodeNames(spec.nodes);
    const unavailable: Partial<Record<CapabilityName, string>> = {};
    const state = emptyDockerState(spec.runId, runDir, selfRecord(), img.image);
    state.docker.keepImages = opts.keepImages ?? false;
    for (const n of names) mkdirSync(join(runDir, "nodes", n, "data"), { recursive: true });
    writeState(state);
    registerActive(resultsRoot, spec.runId, runDir);
    const save = () => writeState(state);
    const members = new Map<string, DockerMember>();
    let net: DockerNet | undefined;
    try {
      // The image: found in the engine (kept), or built now and recorded before the build
      // starts, so teardown or `gauntlet cleanup` removes it (unless --keep-images).
      state.docker.imageFound = img.plan ? await imageExists(img.plan.name) : true;
      if (img.plan && !state.docker.imageFound) {
        state.docker.builtImages = [img.plan.name];
        save();
        const r = await buildImage(
          img.plan,
          {
            step: (l) => {
              log(`image ${l}`);
              progress.step(l);
            },
            bytes: progress.bytes,
          },
          false,
          false, // a run leaves the user's other images alone (`gauntlet images build` prunes)
        );
        if (!r.built) {
          state.docker.imageFound = true; // another run built it meanwhile: not ours
          state.docker.builtImages = [];
        }
      }
      log(
        `image ${img.image}: ${state.docker.imageFound ? "found in the engine (kept)" : `built for this run (${state.docker.keepImages ? "kept: --keep-images" : "removed at the end"})`}`,
      );
      save();
      state.docker.network = { id: "", name: `gauntlet-${spec.runId}`, subnet: "" };
      save();
      net = await createNetwork(spec.runId, names);
      state.docker.network = { id: net.id, name: net.name, subnet: net.subnet };
      save();
      log(`network: docker network ${net.name} ${net.subnet} (internal)`);
      const urls: MemberUrls[] = names.map((n) => ({
        name: n,
        clientUrl: `http://${net!.ips[n]}:2379`,
        peerUrl: `http://${net!.ips[n]}:2380`,
      }));

      // Clock: libfaketime mounted in, for the reference server only.
      const lib = findLibfaketime();
      let faketimeDirs: Map<string, string> | undefined;
      if (img.kind === "etcd") unavailable.clock = "etcd is a Go binary and ignores libfaketime (LD_PRELOAD)";
      else if (img.kind === "custom")
        unavailable.clock =
          "a user image (--image): Gauntlet cannot tell whether its server honours libfaketime";
      else if (!lib) unavailable.clock = "libfaketime not installed (apt-get install libfaketime)";
      else if (!opts.clock) unavailable.clock = "not requested (start the cluster with clock: true)";
      else faketimeDirs = new Map(names.map((n) => [n, join(runDir, "nodes", n, "faketime")]));

      // Disk: host tmpfs mounts bind-mounted as the data directories (they survive docker kill/start).
      let tmpfsDirs: Map<string, string> | undefined;
      if (opts.tmpfsMb === undefined)
        unavailable.disk = "data directories are not on tmpfs (start the cluster with tmpfsMb)";
      else if (process.getuid?.() !== 0) unavailable.disk = "tmpfs mounts need root";
      else {
        if (!(Number.isInteger(opts.tmpfsMb) && opts.tmpfsMb >= 1))
          throw new HarnessError(`tmpfsMb must be a positive integer, got ${opts.tmpfsMb}`);
        tmpfsDirs = new Map();
        for (const n of names) {
          const d = join(runDir, "nodes", n, "data");
          await mountTmpfs(state, d, opts.tmpfsMb, save);
          tmpfsDirs.set(n, d);
        }
        log(`data directories on ${opts.tmpfsMb} MiB tmpfs mounts (bind-mounted at /data)`);
      }

      const token = `gauntlet-${spec.runId}`;
      const flagsFor = (node: string, initialCluster?: string, st: "new" | "existing" = "new") => {
        const u = urls.find((x) => x.name === node)!;
        const flags = clusterFlags(u, urls, "/data", token);
        if (initialCluster) flags[flags.indexOf("--initial-cluster") + 1] = initialCluster;
        flags[flags.indexOf("--initial-cluster-state") + 1] = st;
        return [...flags, ...(opts.serverArgs ?? [])];
      };
      const infos = new Map<string, NodeInfo>();
      for (const u of urls) {
        const dir = join(runDir, "nodes", u.name);
        const binds = [{ host: join(dir, "data"), container: "/data" }];
        let env: Record<string, string> = {};
        const ftDir = faketimeDirs?.get(u.name);
        if (ftDir && lib) {
          env = faketimeEnv(ftDir);
          binds.push({
            host: lib,
            container: FAKETIME_LIB_IN_CONTAINER,
            readOnly: true,
          } as (typeof binds)[number]);
          binds.push({ host: ftDir, container: FAKETIME_DIR_IN_CONTAINER });
        }
        const logPath = join(dir, "server.log");
        touch(logPath);
        members.set(
          u.name,
          new DockerMember({
            node: u.name,
            runId: spec.runId,
            image: img.image,
            entrypoint: img.entrypoint,
            cmd: flagsFor(u.name),
            network: net.name,
            ip: net.ips[u.name]!,
            binds,
            env,
            logPath,
          }),
        );
        infos.set(u.name, {
          name: u.name,
          clientEndpoints: [`${net.ips[u.name]}:2379`],
          host: net.ips[u.name]!,
          peerUrl: u.peerUrl,
          dir,
        });
        state.docker.containers[u.name] = containerName(spec.runId, u.name);
      }
      save();
      const t0 = Date.now();
      await Promise.all([...members.values()].map((m) => m.create()));
      for (const [n, m] of members)
        log(`started ${n}: container ${m.name} (pid ${m.pid}) ${img.image} ${m.spec.cmd.join(" ")}`);
      log(`containers started in ${Date.now() - t0} ms`);
      const version =
        img.kind === "etcd"
          ? etcdVersion(resolveEtcd(opts.etcdBinary))
          : img.kind === "reference"
            ? `gauntlet reference server ${gauntletVersion()} (image ${img.image})`
            : `image ${img.image}`;
      return new DockerCluster({
        state,
        resultsRoot,
        members,
        infos,
        net,
        faketimeDirs,
        tmpfsDirs,
        membership: dockerMembers({
          flagsFor: (node, ic, st) => flagsFor(node, ic, st),
          dataDir: (node) => join(runDir, "nodes", node, "data"),
          log,
        }),
        version,
        log,
        unavailable,
      });
    } catch (err) {
      // Undo whatever was created before the failure, then report it.
      const left: string[] = [];
      for (const m of members.values()) await m.remove().catch((e) => left.push(String(e)));
      const { removeRunObjects } = await import("./cleanup.js");
      await removeRunObjects(spec.runId).catch((e) => left.push(String(e)));
      if (net) await removeNetwork(net.id).catch(() => {});
      left.push(...(await removeRunImages(state, log).catch((e: unknown) => [String(e)])));
      left.push(...(await undoMounts(state, () => {})));
      save();
      if (left.length === 0) unregisterActive(resultsRoot, spec.runId);
      else log(`could not undo everything (run \`gauntlet cleanup\`): ${left.join("; ")}`);
      throw err;
    }
  },
};
