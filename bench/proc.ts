/**
 * Finding the server process behind an endpoint on this machine, for its CPU: the listening
 * socket's inode from /proc/net/tcp{,6}, then the process holding `socket:[inode]` among
 * /proc/<pid>/fd. Linux only; anything unreadable yields undefined (the report omits it).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Inodes of sockets in LISTEN state on `port`, from the text of /proc/net/tcp or tcp6. */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const line of procNetTcp.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = f[1]!;
    const state = f[3]!;
    if (state === "0A" && local.endsWith(`:${hexPort}`)) out.push(f[9]!);
  }
  return out;
}

/** The pid of the process listening on `port` on this machine, if it can be found. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      for (const i of listeningInodes(readFileSync(f, "latin1"), port)) inodes.add(`socket:[${i}]`);
    } catch {
      /* no such table */
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return undefined;
}

/** True for hosts that are this machine (loopback names and addresses). */
export function isLocalHost(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "::1" || host === "[::1]";
}
