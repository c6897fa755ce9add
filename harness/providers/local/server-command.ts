/**
 * Command lines for a local member: etcd, or the reference server (`node bin/gauntlet.js server`),
 * both with etcd's cluster flags. Also finds the etcd binary and the Gauntlet checkout.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HarnessError } from "../../api/cluster.js";

export type ServerKind = "reference" | "etcd";

export interface MemberUrls {
  name: string;
  clientUrl: string;
  peerUrl: string;
}

/** The Gauntlet checkout this code runs from (the folder holding bin/gauntlet.js). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "bin", "gauntlet.js")) && existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  throw new HarnessError(
    "cannot find the Gauntlet checkout (bin/gauntlet.js) above " + fileURLToPath(import.meta.url),
  );
}

export function gauntletVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves `--etcd-binary` (a path, or a name looked up on PATH), or throws the error users must see. */
export function resolveEtcd(binary = "etcd"): string {
  if (binary.includes("/")) {
    const p = isAbsolute(binary) ? binary : resolve(binary);
    if (executable(p)) return p;
    throw new HarnessError(
      `etcd binary not found or not executable at ${p}: install etcd-server or pass --etcd-binary`,
    );
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && executable(join(dir, binary))) return join(dir, binary);
  }
  throw new HarnessError(`${binary} not found on PATH: install etcd-server or pass --etcd-binary`);
}

/** `etcd --version`, first line (e.g. "etcd Version: 3.4.23"). */
export function etcdVersion(binary: string): string {
  try {
    return execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 5000 }).split("\n")[0]!.trim();
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** etcd's cluster flags for one member. */
export function clusterFlags(
  me: MemberUrls,
  all: readonly MemberUrls[],
  dataDir: string,
  token: string,
): string[] {
  return [
    "--name",
    me.name,
    "--data-dir",
    dataDir,
    "--listen-client-urls",
    me.clientUrl,
    "--advertise-client-urls",
    me.clientUrl,
    "--listen-peer-urls",
    me.peerUrl,
    "--initial-advertise-peer-urls",
    me.peerUrl,
    "--initial-cluster",
    all.map((m) => `${m.name}=${m.peerUrl}`).join(","),
    "--initial-cluster-state",
    "new",
    "--initial-cluster-token",
    token,
  ];
}

/** The full command line of a member. */
export function memberArgv(
  kind: ServerKind,
  etcdBinary: string,
  flags: string[],
  extra: readonly string[],
): string[] {
  if (kind === "etcd") return [etcdBinary, ...flags, ...extra];
  return [process.execPath, join(repoRoot(), "bin", "gauntlet.js"), "server", ...flags, ...extra];
}

/** Splits `--server-args "..."` like a shell would for plain words and quotes (no expansions). */
export function splitArgs(s: string | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** libfaketime's library, when installed (for the Clock capability). */
export function findLibfaketime(): string | undefined {
  const candidates = [
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
  ];
  return candidates.find((p) => existsSync(p));
}
