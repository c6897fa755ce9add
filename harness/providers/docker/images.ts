/**
 * Local images without a registry (docs/images.md): `gauntlet/reference:<version>` holds
 * /usr/bin/node, the libraries it links, and the built server under /app (dist/impl/, bin/,
 * package.json, production node_modules); `gauntlet/etcd:<version>` holds an etcd binary and
 * its libraries. Each is a tar root filesystem fed to `docker import` (./rootfs.ts), labelled
 * `gauntlet`. The tag carries a hash of the inputs, so an unchanged checkout or binary reuses
 * the image and a rebuilt one gets a new tag.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { HarnessError } from "../../api/cluster.js";
import { etcdVersion, gauntletVersion, repoRoot, resolveEtcd } from "../local/server-command.js";
import { docker, LABEL } from "./engine.js";
import { librariesOf, writeRootfsTar } from "./rootfs.js";
import type { DockerState } from "./state.js";

export type ImageKind = "reference" | "etcd";

export interface ImagePlan {
  kind: ImageKind;
  /** `gauntlet/reference:0.1.0-1a2b3c4d` */
  name: string;
  /** The command the image runs; member flags are appended. */
  entrypoint: string[];
  /** Builds the root filesystem tar (slow part); the caller imports it. */
  rootfs: () => ReturnType<typeof writeRootfsTar>;
}

function hashFiles(h: ReturnType<typeof createHash>, root: string, paths: string[]): void {
  for (const p of paths) {
    const abs = join(root, p);
    if (!existsSync(abs)) continue;
    const st = statSync(abs);
    const files = st.isDirectory()
      ? (readdirSync(abs, { recursive: true }) as string[]).map((f) => join(abs, f)).sort()
      : [abs];
    for (const f of files) {
      const s = statSync(f);
      if (!s.isFile()) continue;
      h.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
    }
  }
}

/** Production packages (relative paths under the checkout), outermost only. */
export function productionModules(root: string): string[] {
  let out: string;
  try {
    out = execFileSync("npm", ["ls", "--omit=dev", "--parseable", "--all"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 16 << 20,
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch (err) {
    // npm ls exits non-zero on extraneous packages but still prints the list.
    out = String((err as { stdout?: string }).stdout ?? "");
  }
  const rel = out
    .split("\n")
    .map((l) => relative(root, l.trim()))
    .filter((p) => p.startsWith("node_modules/") && existsSync(join(root, p)))
    .sort();
  if (rel.length === 0)
    throw new HarnessError(
      `could not list the production packages of ${root} (is npm installed? run npm install)`,
    );
  const kept: string[] = [];
  for (const p of rel) if (!kept.some((k) => p.startsWith(k + "/"))) kept.push(p);
  return kept;
}

/** The plan for the reference server's image (nothing is built yet). */
export function referencePlan(): ImagePlan {
  const root = repoRoot();
  if (!existsSync(join(root, "dist", "impl", "server", "main.js")))
    throw new HarnessError(`${root}/dist is missing or incomplete: run \`npm run build\` first`);
  const node = process.execPath;
  const modules = productionModules(root);
  const h = createHash("sha256").update(process.version).update(modules.join("\n"));
  // The server loads only dist/impl (impl imports nothing else: ARCHITECTURE.md), so only it goes in.
  hashFiles(h, root, ["dist/impl", "bin", "package.json", "package-lock.json"]);
  const tag = `${gauntletVersion()}-${h.digest("hex").slice(0, 10)}`;
  const faketime = [
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
  ].find((p) => existsSync(p));
  return {
    kind: "reference",
    name: `gauntlet/reference:${tag}`,
    entrypoint: [node, "/app/bin/gauntlet.js", "server"],
    rootfs: () => {
      const libs = new Set([...librariesOf(node), ...(faketime ? librariesOf(faketime) : [])]);
      return writeRootfsTar({
        hostFiles: [node, ...libs],
        dirs: ["tmp", "data", "faketime", "app"],
        tree: {
          from: root,
          paths: ["dist/impl", "bin", "package.json", ...modules],
          into: "app",
        },
      });
    },
  };
}

/** The plan for an etcd image from `binary` (a path or a name on PATH). */
export function etcdPlan(binary = "etcd"): ImagePlan {
  const bin = resolveEtcd(binary);
  const version = /(\d+\.\d+\.\d+)/.exec(etcdVersion(bin))?.[1] ?? "unknown";
  const sum = createHash("sha256").update(readFileSync(bin)).digest("hex").slice(0, 10);
  return {
    kind: "etcd",
    name: `gauntlet/etcd:${version}-${sum}`,
    entrypoint: ["/usr/local/bin/etcd"],
    rootfs: () => {
      const r = writeRootfsTar({ hostFiles: librariesOf(bin), dirs: ["tmp", "data", "usr/local/bin"] });
      // The binary goes to /usr/local/bin/etcd whatever its name on the host.
      execFileSync("tar", [
        "-rhf",
        r.tar,
        "-C",
        join(bin, ".."),
        `--transform=s,^.*$,usr/local/bin/etcd,`,
        bin.split("/").pop()!,
      ]);
      return { ...r, bytes: statSync(r.tar).size };
    },
  };
}

/** True when the engine already holds `name`. */
export async function imageExists(name: string): Promise<boolean> {
  try {
    await docker().getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

export interface BuildProgress {
  /** A step line ("writing root filesystem", ...). */
  step(line: string): void;
  /** Bytes of the root filesystem sent to the engine so far. */
  bytes?(sent: number, total: number): void;
}

/**
 * Builds the image of `plan` unless it exists (or `force`); returns whether it was built and the
 * time taken. With `prune` (default; `gauntlet images build`), older images of the same kind
 * are removed; a run builds without it and leaves the user's other images alone.
 */
export async function buildImage(
  plan: ImagePlan,
  progress: BuildProgress,
  force = false,
  prune = true,
): Promise<{ built: boolean; ms: number; bytes: number }> {
  const t0 = Date.now();
  if (!force && (await imageExists(plan.name))) {
    progress.step(`${plan.name}: present`);
    return { built: false, ms: Date.now() - t0, bytes: 0 };
  }
  progress.step(`${plan.name}: writing the root filesystem`);
  const r = plan.rootfs();
  try {
    progress.step(`${plan.name}: importing ${(r.bytes / 1e6).toFixed(0)} MB into the engine`);
    const [repo, tag] = plan.name.split(":") as [string, string];
    const input = createReadStream(r.tar);
    let sent = 0;
    input.on("data", (c) => {
      sent += c.length;
      progress.bytes?.(sent, r.bytes);
    });
    const stream = (await docker().importImage(input, {
      repo,
      tag,
      changes: [
        `LABEL ${LABEL}=image gauntlet.kind=${plan.kind}`,
        `ENTRYPOINT ${JSON.stringify(plan.entrypoint)}`,
        "WORKDIR /data",
      ],
    })) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) =>
      docker().modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const bad = out?.find((o) => o.error);
        if (err || bad)
          reject(new HarnessError(`docker import of ${plan.name} failed: ${err?.message ?? bad?.error}`));
        else resolve();
      }),
    );
    if (!(await imageExists(plan.name)))
      throw new HarnessError(`docker import of ${plan.name} reported success but the image is missing`);
    const ms = Date.now() - t0;
    progress.step(`${plan.name}: built in ${(ms / 1000).toFixed(1)} s`);
    if (prune) for (const old of await pruneOlder(plan)) progress.step(`removed the older ${old}`);
    return { built: true, ms, bytes: r.bytes };
  } finally {
    r.cleanup();
  }
}

/**
 * Removes older images of the same kind (a rebuilt checkout gets a new tag; the old image is
 * garbage). Images still used by a container stay. Returns the names removed.
 */
async function pruneOlder(plan: ImagePlan): Promise<string[]> {
  const out: string[] = [];
  const imgs = await docker().listImages({ filters: { label: [`gauntlet.kind=${plan.kind}`] } });
  for (const i of imgs) {
    const name = i.RepoTags?.[0] ?? i.Id;
    if ((i.RepoTags ?? []).includes(plan.name)) continue;
    try {
      await docker().getImage(i.Id).remove();
      out.push(name);
    } catch {
      /* in use by a container of a run in progress: keep it */
    }
  }
  return out;
}

/**
 * Removes the images a run built on demand (`names`), without force: the engine refuses an
 * image a container still uses (another run's), which is logged and kept. Returns the names
 * removed or already gone, and the failures other than "in use".
 */
export async function removeBuiltImages(
  names: readonly string[],
  log: (line: string) => void,
): Promise<{ gone: string[]; errors: string[] }> {
  const gone: string[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      await docker().getImage(name).remove();
      log(`removed image ${name} (built for this run; --keep-images keeps it)`);
      gone.push(name);
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 404) gone.push(name);
      else if (code === 409) {
        log(`kept image ${name}: a container of another run uses it`);
        gone.push(name); // not ours to remove any more
      } else errors.push(`remove image ${name}: ${String(err)}`);
    }
  }
  return { gone, errors };
}

/**
 * Removes the images `state` says its run built (unless `--keep-images`), and drops the removed
 * ones from the state (the caller saves it). Returns the failures other than "in use".
 */
export async function removeRunImages(state: DockerState, log: (line: string) => void): Promise<string[]> {
  const built = state.docker.builtImages ?? [];
  if (state.docker.keepImages || built.length === 0) return [];
  const { gone, errors } = await removeBuiltImages(built, log);
  state.docker.builtImages = built.filter((n) => !gone.includes(n));
  return errors;
}

/** Every image labelled `gauntlet` (name, id, size). */
export async function listImages(): Promise<{ name: string; id: string; bytes: number }[]> {
  const imgs = await docker().listImages({ filters: { label: [`${LABEL}=image`] } });
  return imgs.map((i) => ({ name: i.RepoTags?.[0] ?? i.Id, id: i.Id, bytes: i.Size }));
}

/** Removes every image labelled `gauntlet`; returns what it removed. */
export async function removeImages(): Promise<string[]> {
  const out: string[] = [];
  for (const i of await listImages()) {
    await docker().getImage(i.id).remove({ force: true });
    out.push(i.name);
  }
  return out;
}
