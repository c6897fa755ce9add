/**
 * Judging the server after (and while) an input runs: crash (a member process gone, or the
 * endpoint refusing connections), hang (the canary slower than the bound or failing twice),
 * memory (anonymous RSS above the bound, or grown by more than allowed since the server started),
 * descriptor leak (open fds above the baseline by more than allowed, still after a settle), and a
 * wrong answer from the canary.
 */
import { Canary, type CanaryResult } from "./canary.js";
import type { Observation } from "./finding.js";
import { alive, fdCount, rssBytes } from "./probe.js";
import type { FuzzServer } from "./server.js";

export interface Bounds {
  /** The canary must answer within this (ms). */
  hangMs: number;
  /** Anonymous RSS bound of a member (bytes). */
  maxRss: number;
  /** Allowed RSS growth since the server started (bytes). */
  rssGrowth: number;
  /** Allowed open fds above the baseline, after a settle. */
  fdSlack: number;
}

export interface Baseline {
  rss: Map<string, number>;
  fds: Map<string, number>;
}

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function mib(b: number): string {
  return `${(b / MiB).toFixed(0)} MiB`;
}

/** Per member: the most RSS seen (sampled while inputs run). */
export class RssSampler {
  readonly peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly server: FuzzServer) {}
  sample(): void {
    for (const m of this.server.members) {
      if (m.pid === undefined) continue;
      const r = rssBytes(m.pid);
      if (r !== undefined && r > (this.peak.get(m.node) ?? 0)) this.peak.set(m.node, r);
    }
  }
  start(everyMs = 100): void {
    this.timer ??= setInterval(() => this.sample(), everyMs);
  }
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
  reset(): void {
    this.peak.clear();
  }
}

/** Waits for the server to settle after it started, and records its RSS and fds. */
export async function takeBaseline(server: FuzzServer, canary: Canary): Promise<Baseline> {
  for (let i = 0; i < 3; i++) await canary.check();
  const rss = new Map<string, number>();
  const fds = new Map<string, number>();
  for (const m of server.members) {
    if (m.pid === undefined) continue;
    const r = rssBytes(m.pid);
    const f = fdCount(m.pid);
    if (r !== undefined) rss.set(m.node, r);
    if (f !== undefined) fds.set(m.node, f);
  }
  return { rss, fds };
}

/** A member that is gone; waits up to `graceMs` for one that is on its way out (closing its ports first). */
async function crashed(server: FuzzServer, graceMs = 0): Promise<Observation | undefined> {
  const until = Date.now() + graceMs;
  for (;;) {
    const c = crashedNow(server);
    if (c || Date.now() >= until) return c;
    await sleep(100);
  }
}

function crashedNow(server: FuzzServer): Observation | undefined {
  for (const m of server.members) {
    if (m.pid === undefined || alive(m.pid)) continue;
    return {
      kind: "crash",
      node: m.node,
      detail: server.exitOf(m.node) ?? "the process is gone",
      logTail: server.logTail(m.node, 20),
    };
  }
  return undefined;
}

/** The exit status and last log lines, once the exit has been reaped (at most 1 s). */
async function exitDetail(
  server: FuzzServer,
  node: string,
): Promise<Pick<Observation, "detail" | "logTail">> {
  for (let i = 0; i < 10 && server.exitOf(node) === undefined; i++) await sleep(100);
  return {
    detail: server.exitOf(node) ?? "the process is gone",
    logTail: crashLines(server.logTail(node, 5000)),
  };
}

/** What tells why a process died: from its first `panic:`/`fatal error:` line (15 lines), else the last 20 lines. */
export function crashLines(log: string): string {
  const lines = log.split("\n");
  const at = lines.findIndex((l) => /^(panic: |fatal error: )/.test(l));
  return (at >= 0 ? lines.slice(at, at + 15) : lines.slice(-20)).join("\n");
}

function refused(r: CanaryResult): boolean {
  return !!r.error && /ECONNREFUSED|No connection established/.test(r.error);
}

/** The first thing wrong with the server now, if any. `peak`: the RSS seen while the input ran. */
export async function observe(
  server: FuzzServer,
  canary: Canary,
  base: Baseline,
  bounds: Bounds,
  peak: ReadonlyMap<string, number>,
): Promise<Observation | undefined> {
  const dead = await crashed(server);
  if (dead) return { ...dead, ...(await exitDetail(server, dead.node)) };
  let r = await canary.check();
  if (!r.ok && !r.wrong) {
    const d = await crashed(server, 1500);
    if (d) return { ...d, ...(await exitDetail(server, d.node)) };
    r = await canary.check(); // once more: one slow or failed call under load is not a hang
  }
  if (r.wrong) return { kind: "wrong-answer", node: canary.endpoint, detail: r.wrong };
  if (!r.ok || r.ms > bounds.hangMs) {
    const d = await crashed(server, 1500);
    if (d) return { ...d, ...(await exitDetail(server, d.node)) };
    if (refused(r) && server.members.every((m) => m.pid === undefined))
      return {
        kind: "crash",
        node: canary.endpoint,
        detail: `the endpoint refuses connections (${r.error})`,
      };
    return {
      kind: "hang",
      node: canary.endpoint,
      detail: r.ok
        ? `canary took ${r.ms.toFixed(0)} ms twice (bound ${bounds.hangMs} ms)`
        : `canary failed twice: ${r.error} (after ${r.ms.toFixed(0)} ms)`,
    };
  }
  for (const m of server.members) {
    if (m.pid === undefined) continue;
    const now = rssBytes(m.pid) ?? 0;
    const most = Math.max(now, peak.get(m.node) ?? 0);
    if (most > bounds.maxRss)
      return {
        kind: "memory",
        node: m.node,
        detail: `RSS reached ${mib(most)} (bound ${mib(bounds.maxRss)})`,
      };
    const start = base.rss.get(m.node);
    if (start !== undefined && most - start > bounds.rssGrowth)
      return {
        kind: "memory",
        node: m.node,
        detail: `RSS grew from ${mib(start)} to ${mib(most)} (allowed growth ${mib(bounds.rssGrowth)})`,
      };
  }
  for (const m of server.members) {
    if (m.pid === undefined) continue;
    const start = base.fds.get(m.node);
    if (start === undefined) continue;
    if ((fdCount(m.pid) ?? 0) - start <= bounds.fdSlack) continue;
    await sleep(2000); // closing connections take a moment to be reaped
    const later = fdCount(m.pid) ?? 0;
    if (later - start > bounds.fdSlack)
      return {
        kind: "fd-leak",
        node: m.node,
        detail: `${later} open descriptors 2 s after the input ended (${start} at start, allowed +${bounds.fdSlack})`,
      };
  }
  return undefined;
}
