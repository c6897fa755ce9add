/**
 * A lock on a member directory, so two servers never open the same data dir: `<member>/lock`
 * holds the owner's process id. A lock left by a process that is gone (kill -9) is taken
 * over; one held by a live other process is a `DataDirLockedError`. The same process may
 * reopen its own directory (the crash-like reopen of tests and the simulator). On a disk too
 * full to write the lock file, the directory is opened without it (logged), so a member can
 * still restart and serve reads on a full disk.
 */
import { mkdir, open, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError, isNoSpace } from "./errors.js";
import type { StorageLogger } from "./types.js";

export class DataDirLockedError extends StorageError {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`storage: data dir ${dir} is in use by process ${pid}`);
  }
}

/** Whether `pid` is a live process that could be a server (on Linux: a node process). */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A recycled pid now owned by something else is not our server.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  return cmdline === undefined || /node|gauntlet/.test(cmdline);
}

/** Takes the lock on `memberDir`; returns the function that releases it. */
export async function lockMemberDir(memberDir: string, logger: StorageLogger): Promise<() => Promise<void>> {
  await mkdir(memberDir, { recursive: true });
  const path = join(memberDir, "lock");
  const mine = String(process.pid);
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
  const owner = Number((await readFile(path, "utf8")).trim());
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && (await alive(owner)))
    throw new DataDirLockedError(memberDir, owner);
  if (owner !== process.pid) {
    logger.warn("storage: took over a lock left by a process that is gone", { dir: memberDir, pid: owner });
    try {
      await writeFile(path, mine);
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      logger.warn("storage: disk full, opening the data dir without its lock file", { dir: memberDir });
      return async () => {};
    }
  }
  return release;
}
