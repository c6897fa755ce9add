/**
 * Test helpers for replicated clusters of `gauntlet server` on loopback: random free ports,
 * etcd's documented start-up line (with `etcd` replaced by the server), start / kill -9 /
 * restart of one member, waiting for a leader, and the member's status via etcdctl.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { etcdctl, freePort, gauntletBin, removeDir, serverMain, tempDir } from "./support.js";

export interface ClusterMember {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  endpoint: string;
  proc: ChildProcess | undefined;
  out: string;
  exited: Promise<void>;
}

export interface Cluster {
  members: ClusterMember[];
  token: string;
  root: string;
  initialCluster(): string;
  start(m: ClusterMember, state?: "new" | "existing", extra?: string[]): Promise<void>;
  kill(m: ClusterMember, signal?: NodeJS.Signals): Promise<void>;
  addSpec(name: string): Promise<ClusterMember>;
  endpoints(): string;
  destroy(): Promise<void>;
}

export async function makeCluster(
  n: number,
  extra: string[] = ["--heartbeat-interval", "50", "--election-timeout", "500"],
): Promise<Cluster> {
  const root = tempDir("gauntlet-cluster-");
  const members: ClusterMember[] = [];
  const spec = async (name: string): Promise<ClusterMember> => {
    const clientPort = await freePort();
    const peerPort = await freePort();
    return {
      name,
      clientPort,
      peerPort,
      dataDir: `${root}/${name}`,
      endpoint: `127.0.0.1:${clientPort}`,
      proc: undefined,
      out: "",
      exited: Promise.resolve(),
    };
  };
  for (let i = 1; i <= n; i++) members.push(await spec(`infra${i}`));
  const main = process.env.GAUNTLET_TEST_SERVER === "bin" ? undefined : await serverMain();
  const c: Cluster = {
    members,
    token: "etcd-cluster-1",
    root,
    initialCluster: () => c.members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(","),
    endpoints: () =>
      c.members
        .filter((m) => m.proc)
        .map((m) => m.endpoint)
        .join(","),
    async start(m, state = "new", more = []) {
      const peer = `http://127.0.0.1:${m.peerPort}`;
      const client = `http://127.0.0.1:${m.clientPort}`;
      const args = [
        "--name",
        m.name,
        "--data-dir",
        m.dataDir,
        "--initial-advertise-peer-urls",
        peer,
        "--listen-peer-urls",
        peer,
        "--listen-client-urls",
        client,
        "--advertise-client-urls",
        client,
        "--initial-cluster-token",
        c.token,
        "--initial-cluster",
        c.initialCluster(),
        "--initial-cluster-state",
        state,
        ...extra,
        ...more,
      ];
      const proc = spawn(process.execPath, main ? [main, ...args] : [gauntletBin, "server", ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      m.proc = proc;
      m.out = "";
      proc.stdout!.on("data", (d: Buffer) => (m.out += d.toString()));
      proc.stderr!.on("data", (d: Buffer) => (m.out += d.toString()));
      m.exited = new Promise((resolve) =>
        proc.once("exit", () => {
          if (m.proc === proc) m.proc = undefined;
          resolve();
        }),
      );
    },
    async kill(m, signal = "SIGKILL") {
      if (!m.proc) return;
      m.proc.kill(signal);
      await m.exited;
    },
    async addSpec(name) {
      const m = await spec(name);
      c.members.push(m);
      return m;
    },
    async destroy() {
      for (const m of c.members) if (m.proc) m.proc.kill("SIGKILL");
      await Promise.all(c.members.map((m) => m.exited));
      removeDir(root);
    },
  };
  return c;
}

export interface MemberStatus {
  endpoint: string;
  id: string;
  isLeader: boolean;
  term: number;
  index: number;
  applied: number;
}

/** `etcdctl endpoint status` of one endpoint (simple format), or undefined if it fails. */
export async function status(endpoint: string): Promise<MemberStatus | undefined> {
  const r = await etcdctl(endpoint, ["endpoint", "status", "--command-timeout=2s"]);
  if (r.code !== 0) return undefined;
  const f = r.stdout
    .trim()
    .split(",")
    .map((x) => x.trim());
  return {
    endpoint: f[0]!,
    id: f[1]!,
    isLeader: f[4] === "true",
    term: Number(f[6]),
    index: Number(f[7]),
    applied: Number(f[8]),
  };
}

/** Waits until every running member answers and exactly one of them is the leader. */
export async function waitForLeader(c: Cluster, timeoutMs = 20_000): Promise<MemberStatus[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = c.members.filter((m) => m.proc);
    const st = await Promise.all(running.map((m) => status(m.endpoint)));
    const ok = st.every((s) => s !== undefined) && st.filter((s) => s!.isLeader).length === 1;
    if (ok && new Set(st.map((s) => s!.term)).size === 1) return st as MemberStatus[];
    if (Date.now() > deadline)
      throw new Error(
        `no single leader within ${timeoutMs} ms: ${JSON.stringify(st)}\n${running.map((m) => `--- ${m.name}\n${m.out.slice(-3000)}`).join("\n")}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function get(endpoint: string, key: string, serializable = false): Promise<string | undefined> {
  const r = await etcdctl(endpoint, [
    "get",
    key,
    "--print-value-only",
    "--command-timeout=3s",
    ...(serializable ? ["--consistency=s"] : []),
  ]);
  if (r.code !== 0) throw new Error(`get ${key} on ${endpoint}: ${r.stderr}`);
  const v = r.stdout.replace(/\n$/, "");
  return v === "" ? undefined : v;
}
