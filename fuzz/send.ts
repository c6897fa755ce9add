/**
 * Sends one fuzz input: opens its connections (the client port or a member's peer port), writes
 * its chunks with their repeats and pacing, reads or never reads, holds, closes. Every socket is
 * gone when the returned promise settles, and nothing takes longer than `deadlineMs`.
 */
import { setMaxListeners } from "node:events";
import net from "node:net";
import type { Chunk, ConnPlan, FuzzInput } from "./input.js";
import { H2StreamEnd } from "./h2-watch.js";

export interface SendTargets {
  /** host:port of the client endpoint inputs go to. */
  client: string;
  /** host:port of each member's peer port (reference server), in member order; may be empty. */
  peers: string[];
  /** Raft IDs of the members, in the same order (for IdPatch). */
  memberIds: number[];
}

export interface SendResult {
  connections: number;
  /** Connections that could not be opened (refused: the server may be down). */
  refused: number;
  bytes: number;
  ms: number;
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(":");
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(s.slice(i + 1)) };
}

/** The bytes of a chunk, with member IDs written in. */
export function chunkBytes(c: Chunk, memberIds: readonly number[]): Buffer {
  const b = Buffer.from(c.b64, "base64");
  for (const p of c.ids ?? []) {
    const id = memberIds.length ? memberIds[p.member % memberIds.length]! : 0;
    if (p.enc === "f64") b.writeDoubleLE(id, p.at);
    else b.write(String(id).padStart(20, " "), p.at, 20, "latin1");
  }
  return b;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Resolves when `sock` drains, closes, or `signal` aborts. */
function drained(sock: net.Socket, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      sock.off("drain", done);
      sock.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    if (sock.destroyed || signal.aborted) return resolve();
    sock.once("drain", done);
    sock.once("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

async function runConn(
  plan: ConnPlan,
  address: string,
  memberIds: readonly number[],
  signal: AbortSignal,
  out: SendResult,
): Promise<void> {
  await sleep(plan.startMs ?? 0, signal);
  if (signal.aborted) return;
  const { host, port } = hostPort(address);
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  out.connections++;
  let gone = false;
  const closed = new Promise<void>((resolve) => sock.once("close", () => ((gone = true), resolve())));
  sock.on("error", () => {});
  const connected = await new Promise<boolean>((resolve) => {
    sock.once("connect", () => resolve(true));
    sock.once("close", () => resolve(false));
    signal.addEventListener("abort", () => resolve(false), { once: true });
  });
  if (!connected) {
    out.refused++;
    sock.destroy();
    return;
  }
  const watcher = plan.read && plan.awaitStream !== undefined ? new H2StreamEnd(plan.awaitStream) : undefined;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  if (plan.read)
    sock.on("data", (d: Buffer) => {
      watcher?.push(d);
      if (watcher?.ended) stop.abort();
    });
  else sock.pause();
  void closed.then(() => stop.abort());
  try {
    for (const c of plan.chunks) {
      const bytes = chunkBytes(c, memberIds);
      for (let r = 0; r < (c.repeat ?? 1); r++) {
        if (c.gapMs) await sleep(c.gapMs, signal);
        if (signal.aborted || gone) return;
        out.bytes += bytes.length;
        if (!sock.write(bytes)) await drained(sock, signal);
      }
    }
    await sleep(plan.holdMs, stop.signal);
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (!gone) {
      if (plan.close === "end" && !signal.aborted) {
        sock.end();
        await Promise.race([closed, new Promise((r) => setTimeout(r, 200))]);
      }
      sock.destroy();
    }
    await closed;
  }
}

/** Sends `input`; resolves when every connection is closed (at the latest after `deadlineMs`). */
export async function sendInput(input: FuzzInput, t: SendTargets, deadlineMs: number): Promise<SendResult> {
  const started = performance.now();
  const out: SendResult = { connections: 0, refused: 0, bytes: 0, ms: 0 };
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // one listener per connection of a flood
  const timer = setTimeout(() => ac.abort(), deadlineMs);
  try {
    const jobs: Promise<void>[] = [];
    for (const plan of input.conns) {
      const address =
        plan.port === "client" ? t.client : t.peers[(plan.member ?? 0) % Math.max(1, t.peers.length)];
      if (address === undefined) continue;
      for (let k = 0; k < (plan.copies ?? 1); k++)
        jobs.push(runConn(plan, address, t.memberIds, ac.signal, out));
    }
    await Promise.all(jobs);
  } finally {
    clearTimeout(timer);
  }
  out.ms = performance.now() - started;
  return out;
}
