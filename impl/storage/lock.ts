/**
 * A lock on a member directory, so two servers never open the same data dir: `<member>/lock`
 * holds the owner's process id and, on Linux, its start time (so a recycled pid is not
 * mistaken for the owner). A lock left by a process that is gone (kill -9) is taken
 * over at once, also while that process is a zombie its parent has not reaped yet; one whose
 * owner is being killed but still exiting (e.g. stuck in a slow fsync) is waited for; one held
 * by a live other process is a `DataDirLockedError`. The same process may
 * reopen its own directory (the crash-like reopen of tests and the simulator). On a disk too
 * full to write the lock file, the directory is opened without it (logged), so a member can
 * still restart and serve reads on a full disk.
 */
import { open, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError, isNoSpace } from "./errors.js";
import { mkdirDurable } from "./fsutil.js";
import type { StorageLogger } from "./types.js";

export class DataDirLockedError extends StorageError {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`storage: data dir ${dir} is in use by process ${pid}`);
  }
}

/** What /proc says of `pid` (Linux), if it can be read. */
interface ProcInfo {
  /** Start time in clock ticks since boot (tells a recycled pid apart). */
  start: string;
  /** A zombie (exited, not yet reaped by its parent) or dead: it holds nothing any more. */
  gone: boolean;
  /** Exiting, or a SIGKILL is pending: it cannot write any more and will be gone shortly. */
  dying: boolean;
}

const PF_EXITING = 0x4;
const SIGKILL_BIT = 1n << 8n;

async function procInfo(pid: number): Promise<ProcInfo | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the command name: state (3rd field of the line), ..., flags (9th), ..., start (22nd).
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = f[0] ?? "";
  const flags = Number(f[6] ?? 0);
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const pending = [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].some(
    (m) => (BigInt(`0x${m[1]}`) & SIGKILL_BIT) !== 0n,
  );
  return {
    start: f[19] ?? "",
    gone: state === "Z" || state === "X" || state === "x",
    dying: (flags & PF_EXITING) !== 0 || pending,
  };
}

/** The lock file's content: "<pid> <start time>" (the start time tells a recycled pid apart). */
async function identity(pid: number): Promise<string> {
  const info = await procInfo(pid);
  return info === undefined ? String(pid) : `${pid} ${info.start}`;
}

/** How long a lock owner that is being killed is waited for (a kill -9 during a slow fsync). */
const DYING_WAIT_MS = 60_000;

/**
 * Whether the process that wrote `owner` ("<pid> [<start time>]") still holds the lock: it
 * runs, it is the same process (start time), and it is not a zombie. One that is being killed
 * is waited for (it may be finishing a write); the lock is then free.
 */
async function holds(owner: string, logger: StorageLogger, dir: string): Promise<boolean> {
  const [pidText, started] = owner.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const deadline = Date.now() + DYING_WAIT_MS;
  for (let logged = false; ;) {
    const info = await procInfo(pid);
    if (info === undefined) return started === undefined; // no /proc: trust kill(pid, 0)
    if (started !== undefined && info.start !== started) return false;
    if (info.gone) return false;
    if (!info.dying || Date.now() > deadline) return true;
    if (!logged)
      logger.warn("storage: the data dir's lock owner is being killed; waiting for it to exit", { dir, pid });
    logged = true;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Takes the lock on `memberDir`; returns the function that releases it. */
export async function lockMemberDir(memberDir: string, logger: StorageLogger): Promise<() => Promise<void>> {
  await mkdirDurable(memberDir);
  const path = join(memberDir, "lock");
  const mine = await identity(process.pid);
  const release = async (): Promise<void> => {
    const owner = await readFile(path, "utf8").catch(() => "");
    if (owner.trim() === mine) await unlink(path).catch(() => {});
  };
  try {
    const fh = await open(path, "wx");
    try {
      await fh.writeFile(mine);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    return release;
  } catch (err) {
    if (isNoSpace(err)) {
      await unlink(path).catch(() => {});
      logger.warn("storage: disk full, opening the data dir without its lock file", { dir: memberDir });
      return async () => {};
    }
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const owner = (await readFile(path, "utf8")).trim();
  if (owner === mine) return release;
  if (await holds(owner, logger, memberDir))
    throw new DataDirLockedError(memberDir, Number(owner.split(" ")[0]));
  logger.warn("storage: took over a lock left by a process that is gone", { dir: memberDir, owner });
  try {
    await writeFile(path, mine);
  } catch (err) {
    if (!isNoSpace(err)) throw err;
    logger.warn("storage: disk full, opening the data dir without its lock file", { dir: memberDir });
    return async () => {};
  }
  return release;
}
