/**
 * `npm run bench:restart [-- --cycles N] [--only lock|torn] [--dir DIR]`: restarts of the
 * reference server (a single node: a one-voter Raft member) right after `kill -9`, on one data dir.
 *
 * 1. lock: start, put a key, kill -9, start again at once (without waiting for the old process
 *    to be reaped): the restart must not be refused for the lock the dead process left, and the
 *    key must be there. N cycles, chained.
 * 2. torn: 16 writers put 512 KiB values; after a random 20-300 ms, kill -9 the moment the WAL's
 *    last segment starts to grow (a batch of up to 8 MiB is being written), so the kill lands
 *    inside that write and tears it; start again at once: it must start, cutting the torn tail,
 *    and hold every acknowledged put with its value. N cycles; the data dir is replaced every
 *    5 cycles to bound its size. `tornTailsCut` counts the restarts that logged the cut.
 *
 * Prints, per part, the cycles that restarted and kept every acknowledged write, the restarts
 * refused, the torn tails cut, and the time from the kill to the restarted server answering.
 * Exits 1 if any cycle failed. Every cycle is bounded (60 s start deadline, 10 s request deadline).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "../harness/client/index.js";

const serverMain = fileURLToPath(new URL("../impl/server/main.js", import.meta.url));

interface Args {
  cycles: number;
  only: "lock" | "torn" | undefined;
  dir: string;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { cycles: 100, only: undefined, dir: tmpdir() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (a === "--cycles" && Number.isInteger(Number(v)) && Number(v) > 0) out.cycles = Number(v);
    else if (a === "--only" && (v === "lock" || v === "torn")) out.only = v;
    else if (a === "--dir" && v) out.dir = v;
    else throw new Error(`bench:restart: bad argument ${a} ${v ?? ""} (see the header of restart-bench.ts)`);
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

interface Server {
  proc: ChildProcess;
  logs(): string;
}

/** Spawns a member on `dataDir`; with the same ports each time, so a restart replaces it. */
function spawnServer(dataDir: string, clientPort: number, peerPort: number): Server {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = spawn(
    process.execPath,
    [
      serverMain,
      ...["--name", "n1", "--data-dir", dataDir, "--listen-client-urls", client],
      ...["--advertise-client-urls", client, "--listen-peer-urls", peer],
      ...["--initial-advertise-peer-urls", peer, "--initial-cluster", `n1=${peer}`],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { proc, logs: () => out };
}

/** Waits until `endpoint` answers a get; throws with the logs if the server exits or 60 s pass. */
async function waitReady(s: Server, endpoint: string): Promise<void> {
  const c = createClient({ endpoint, timeoutMs: 1000 });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (s.proc.exitCode !== null) throw new Error(`server exited (${s.proc.exitCode}):\n${s.logs()}`);
      try {
        await c.get("probe");
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`server did not answer within 60 s:\n${s.logs()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } finally {
    c.close();
  }
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => p.once("exit", () => r()));
}

/** Size of the last WAL segment in `dataDir`, or -1. */
function walSize(dataDir: string): number {
  try {
    const dir = join(dataDir, "member", "wal");
    const last = readdirSync(dir)
      .filter((n) => n.endsWith(".wal"))
      .sort()
      .pop();
    return last ? statSync(join(dir, last)).size : -1;
  } catch {
    return -1;
  }
}

/**
 * Polls (at most `ms`; yielding to the event loop between polls, so the writers keep sending)
 * until the last WAL segment grows: a write has started.
 */
async function awaitWrite(dataDir: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  const before = walSize(dataDir);
  while (Date.now() < deadline) {
    if (walSize(dataDir) > before) return true;
    await new Promise((r) => setImmediate(r));
  }
  return false;
}

interface Result {
  part: string;
  cycles: number;
  ok: number;
  refused: number;
  /** Acknowledged writes checked after the restarts, and those missing or wrong. */
  ackedWrites: number;
  lostWrites: number;
  tornTailsCut: number;
  /** Kills sent right after the WAL started to grow (in the middle of a write). */
  killedInWrite: number;
  p50RestartMs: number;
  maxRestartMs: number;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!) : 0;
}

async function runPart(part: "lock" | "torn", args: Args): Promise<Result> {
  const root = mkdtempSync(join(args.dir, `gauntlet-restart-${part}-`));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `127.0.0.1:${clientPort}`;
  let dataDir = join(root, "data-0");
  let server = spawnServer(dataDir, clientPort, peerPort);
  const res: Result = {
    part,
    cycles: args.cycles,
    ok: 0,
    refused: 0,
    ackedWrites: 0,
    lostWrites: 0,
    tornTailsCut: 0,
    killedInWrite: 0,
    p50RestartMs: 0,
    maxRestartMs: 0,
  };
  const times: number[] = [];
  try {
    await waitReady(server, endpoint);
    for (let cycle = 0; cycle < args.cycles; cycle++) {
      if (part === "torn" && cycle > 0 && cycle % 5 === 0) {
        server.proc.kill("SIGKILL");
        await exited(server.proc);
        rmSync(dataDir, { recursive: true, force: true });
        dataDir = join(root, `data-${cycle}`);
        server = spawnServer(dataDir, clientPort, peerPort);
        await waitReady(server, endpoint);
      }
      const acked = new Map<string, string>();
      const c = createClient({ endpoint, timeoutMs: 10_000, transport: "http2" });
      if (part === "lock") {
        const key = `lock-${cycle}`;
        await c.put(key, String(cycle));
        acked.set(key, String(cycle));
        server.proc.kill("SIGKILL");
      } else {
        let stop = false;
        let firstError: string | undefined;
        const writer = async (w: number): Promise<void> => {
          for (let i = 0; !stop && i < 1000; i++) {
            const key = `torn-${cycle}-${w}-${i}`;
            const value = `${key}:`.padEnd(512 * 1024, String.fromCharCode(97 + ((w + i) % 26)));
            try {
              await c.put(key, value);
              acked.set(key, value);
            } catch (err) {
              if (!stop) firstError ??= (err as Error).message;
              return;
            }
          }
        };
        const writers = Array.from({ length: 16 }, (_, w) => writer(w));
        // Writes are flowing (one acknowledged), then a random moment.
        for (const t0 = Date.now(); acked.size === 0 && !firstError && Date.now() - t0 < 10_000;)
          await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 280));
        if (await awaitWrite(dataDir, 5000)) res.killedInWrite++;
        stop = true;
        server.proc.kill("SIGKILL");
        await Promise.all(writers);
        if (firstError !== undefined)
          process.stderr.write(`cycle ${cycle}: a put failed before the kill: ${firstError}\n`);
      }
      c.close();
      const killedAt = performance.now();
      const old = server;
      server = spawnServer(dataDir, clientPort, peerPort);
      try {
        await waitReady(server, endpoint);
      } catch (err) {
        if (/in use by process/.test(server.logs())) res.refused++;
        process.stderr.write(`cycle ${cycle}: restart failed: ${(err as Error).message.slice(0, 2000)}\n`);
        server.proc.kill("SIGKILL");
        await exited(server.proc);
        await exited(old.proc);
        server = spawnServer(dataDir, clientPort, peerPort);
        await waitReady(server, endpoint);
        continue;
      }
      times.push(performance.now() - killedAt);
      await exited(old.proc);
      if (/cut off a torn tail/.test(server.logs())) res.tornTailsCut++;
      const check = createClient({ endpoint, timeoutMs: 10_000 });
      let lost = 0;
      try {
        for (const [key, value] of acked) {
          const got = await check.get(key);
          if (got.kvs[0]?.value !== value) lost++;
        }
      } finally {
        check.close();
      }
      res.lostWrites += lost;
      res.ackedWrites += acked.size;
      if (lost === 0) res.ok++;
      else process.stderr.write(`cycle ${cycle}: ${lost} of ${acked.size} acknowledged writes lost\n`);
    }
  } finally {
    server.proc.kill("SIGKILL");
    await exited(server.proc);
    rmSync(root, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  res.p50RestartMs = pct(times, 0.5);
  res.maxRestartMs = pct(times, 1);
  return res;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  console.log(
    `bench:restart  cycles=${args.cycles}  node ${process.version}  load average before: ${load()}`,
  );
  const parts = args.only ? [args.only] : (["lock", "torn"] as const);
  const results: Result[] = [];
  for (const part of parts) results.push(await runPart(part, args));
  console.table(results);
  console.log(`load average after: ${load()}`);
  console.log(`command: npm run bench:restart -- ${process.argv.slice(2).join(" ")}`);
  if (results.some((r) => r.ok !== r.cycles)) process.exitCode = 1;
}

await main();
