/**
 * Test helpers for impl/server: free ports, starting `gauntlet server` (node bin/gauntlet.js
 * server) and real etcd with the same flags, running etcdctl, and stopping everything.
 */
import { spawn, type ChildProcess, execFile } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const gauntletBin = join(repoRoot, "bin", "gauntlet.js");

/**
 * A private build of the server (esbuild, ~0.2 s) under node_modules/.cache, so these tests do not
 * depend on dist/, which other work may be rebuilding at the same moment. Returns the path of
 * the server's main.js; `removePrivateBuild()` deletes it. With GAUNTLET_TEST_SERVER=bin the tests
 * run `node bin/gauntlet.js server` (dist/) instead, exactly as users and the harness do.
 */
let privateBuild: Promise<string> | undefined;
const privateDir = join(
  repoRoot,
  "node_modules",
  ".cache",
  "gauntlet-test-server",
  `${process.pid}-${Math.random().toString(36).slice(2)}`,
);
export function serverMain(): Promise<string> {
  privateBuild ??= (async () => {
    // One bundle of what the server imports (impl/server, impl/mvcc, impl/storage), packages
    // left external: other folders' work in progress cannot break it.
    mkdirSync(privateDir, { recursive: true });
    const out = join(privateDir, "impl", "server", "main.js");
    await build({
      entryPoints: [join(repoRoot, "impl", "server", "main.ts")],
      outfile: out,
      bundle: true,
      packages: "external",
      format: "esm",
      platform: "node",
      target: "node20",
      logLevel: "error",
    });
    return out;
  })();
  return privateBuild;
}
export function removePrivateBuild(): void {
  rmSync(privateDir, { recursive: true, force: true });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Proc {
  proc: ChildProcess;
  endpoint: string;
  dataDir: string;
  logs: () => string;
  /** SIGTERM (or the given signal), then wait for exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  kind: "gauntlet" | "etcd";
  dataDir: string;
  clientPort?: number;
  peerPort?: number;
  name?: string;
  extra?: string[];
  /** Added to the environment of the server process (e.g. GAUNTLET_GRPC=grpc-js). */
  env?: Record<string, string>;
}

export function etcdFlags(o: {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
}): string[] {
  const client = `http://127.0.0.1:${o.clientPort}`;
  const peer = `http://127.0.0.1:${o.peerPort}`;
  return [
    "--name",
    o.name,
    "--data-dir",
    o.dataDir,
    "--listen-client-urls",
    client,
    "--advertise-client-urls",
    client,
    "--listen-peer-urls",
    peer,
    "--initial-advertise-peer-urls",
    peer,
    "--initial-cluster",
    `${o.name}=${peer}`,
  ];
}

/** Starts a server and waits until it answers on its client port. */
export async function startServer(o: StartOptions): Promise<Proc> {
  const clientPort = o.clientPort ?? (await freePort());
  const peerPort = o.peerPort ?? (await freePort());
  const args = [
    ...etcdFlags({ name: o.name ?? "n1", dataDir: o.dataDir, clientPort, peerPort }),
    ...(o.extra ?? []),
  ];
  const proc =
    o.kind === "gauntlet"
      ? spawn(
          process.execPath,
          process.env.GAUNTLET_TEST_SERVER === "bin"
            ? [gauntletBin, "server", ...args]
            : [await serverMain(), ...args],
          { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...o.env } },
        )
      : spawn("etcd", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...o.env } });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const endpoint = `127.0.0.1:${clientPort}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${o.kind} exited early (${proc.exitCode}):\n${out}`);
    const r = await etcdctl(endpoint, ["get", "probe", "--dial-timeout=1s", "--command-timeout=1s"]).catch(
      () => undefined,
    );
    if (r && r.code === 0) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${o.kind} did not come up on ${endpoint}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    endpoint,
    dataDir: o.dataDir,
    logs: () => out,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(signal);
        const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

export interface CtlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs etcdctl (API v3) against one endpoint. */
export function etcdctl(
  endpoint: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CtlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "etcdctl",
      [`--endpoints=${endpoint}`, ...args],
      { env: { ...process.env, ETCDCTL_API: "3" }, timeout: opts.timeoutMs ?? 10_000, killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
