/**
 * A lock on a member directory, so two servers never open the same data dir: `<member>/lock`
 * holds the owner's process id and, on Linux, its start time (so a recycled pid is not
 * mistaken for the owner). A lock left by a process that is gone (kill -9) is taken
 * over; one held by a live other process is a `DataDirLockedError`. The same process may
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

/** The start time of `pid` in clock ticks since boot (Linux /proc), if it can be read. */
async function startTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/** The lock file's content: "<pid> <start time>" (the start time tells a recycled pid apart). */
async function identity(pid: number): Promise<string> {
  const t = await startTime(pid);
  return t === undefined ? String(pid) : `${pid} ${t}`;
}

/** Whether the process that wrote `owner` ("<pid> [<start time>]") is still running. */
async function alive(owner: string): Promise<boolean> {
  const [pidText, started] = owner.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (started === undefined) return true;
  const now = await startTime(pid);
  return now === undefined || now === started;
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
  if (await alive(owner)) throw new DataDirLockedError(memberDir, Number(owner.split(" ")[0]));
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
