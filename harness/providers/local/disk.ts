/**
 * The Disk capability: each member's data directory on a size-limited tmpfs (root only),
 * mounted before the member starts and recorded in the state file; `fill` writes a ballast
 * file until the file system is full (ENOSPC), `free` deletes it and disarms the NOSPACE alarms.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Disk } from "../../api/capabilities.js";
import { HarnessError } from "../../api/cluster.js";
import { run, runIgnoring } from "./sh.js";
import type { LocalState } from "./state.js";

export const BALLAST = "gauntlet-ballast";

/** Mounts a tmpfs of `sizeMb` on `dir`, recording it first. */
export async function mountTmpfs(
  state: LocalState,
  dir: string,
  sizeMb: number,
  save: () => void,
): Promise<void> {
  state.mounts.push(dir);
  save();
  await run(["mount", "-t", "tmpfs", "-o", `size=${sizeMb}m,mode=0755`, `gauntlet-${state.runId}`, dir]);
}

/** Fills the file system holding `dir` with a ballast file until ENOSPC; returns the bytes written. */
export function fillDir(dir: string): number {
  // Never fill a real disk: only a tmpfs mounted exactly on `dir` (a missing mount would
  // otherwise fill the file system under it, up to 1 TiB).
  const mounted = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((l) => {
      const [, target, type] = l.split(" ");
      return type === "tmpfs" && target?.replace(/\\040/g, " ") === dir.replace(/\/+$/, "");
    });
  if (!mounted) throw new HarnessError(`disk fill: ${dir} is not a tmpfs mount point: refusing to fill it`);
  const fd = openSync(join(dir, BALLAST), "a");
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  let written = 0;
  try {
    for (let i = 0; i < 1 << 20; i++) {
      let n: number;
      try {
        n = writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOSPC") {
          // Fill the last partial block too: smaller writes until even 1 byte fails.
          for (let size = chunk.length >> 1; size >= 1; size >>= 1) {
            try {
              for (;;) written += writeSync(fd, chunk, 0, size);
            } catch {
              /* next smaller size */
            }
          }
          return written;
        }
        throw err;
      }
      written += n;
    }
    throw new HarnessError(`disk fill: ${dir} did not fill up after 1 TiB: is it on a size-limited tmpfs?`);
  } finally {
    closeSync(fd);
  }
}

/**
 * `free` deletes the ballast and then calls `afterFree` (the providers disarm the NOSPACE
 * alarms there, as an operator would: member-calls.ts disarmNoSpace).
 */
export function diskCapability(
  dataDirs: Map<string, string>,
  log: (s: string) => void,
  afterFree?: (node: string) => Promise<void>,
): Disk {
  const dir = (node: string) => {
    const d = dataDirs.get(node);
    if (!d) throw new HarnessError(`no member named ${node}`);
    return d;
  };
  return {
    fill: async (node) => {
      const n = fillDir(dir(node));
      log(`disk ${node} filled (${(n / 1e6).toFixed(1)} MB ballast)`);
    },
    free: async (node) => {
      rmSync(join(dir(node), BALLAST), { force: true });
      log(`disk ${node} freed`);
      await afterFree?.(node);
    },
  };
}

/** Unmounts every recorded mount (last first); returns the errors. Mounts already gone are fine. */
export async function undoMounts(state: LocalState, log: (line: string) => void): Promise<string[]> {
  const errors: string[] = [];
  for (const m of [...state.mounts].reverse()) {
    try {
      await runIgnoring(["umount", m], /not mounted|no mount point|No such file/i);
      state.mounts = state.mounts.filter((x) => x !== m);
      log(`removed mount ${m}`);
    } catch (err) {
      errors.push(`umount ${m}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return errors;
}
