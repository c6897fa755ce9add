/**
 * What the fuzzer watches of a server process on this machine, from /proc (Linux): whether it
 * is alive, its resident memory, and its open file descriptors. Unreadable: undefined.
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * Anonymous resident memory of `pid` in bytes (RssAnon: the heap, not files mapped in such as
 * etcd's bbolt database, which the kernel can drop at will).
 */
export function rssBytes(pid: number): number | undefined {
  try {
    return parseRss(readFileSync(`/proc/${pid}/status`, "latin1"));
  } catch {
    return undefined;
  }
}

/** RssAnon (else VmRSS) from the text of /proc/<pid>/status, in bytes. */
export function parseRss(status: string): number | undefined {
  const m = /^RssAnon:\s+(\d+)\s+kB/m.exec(status) ?? /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Number of open file descriptors of `pid`. */
export function fdCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
