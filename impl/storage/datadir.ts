/**
 * Before anything is opened, created or locked in a data dir: is it this server's? A data dir
 * is used only when it does not exist, is empty, or holds nothing but what this server writes:
 *
 *     member/                    member/lock
 *     member/wal/                *.wal with this server's format header (wal-format.ts),
 *                                synced, *.wal.tmp, *.damaged
 *     member/snap/               *.snap starting "GSNP", *.snap.tmp, *.snap.broken
 *     gauntlet-ballast           the file Gauntlet's disk fault fills a tmpfs data dir with
 *
 * Anything else — etcd's `member/snap/db`, an etcd WAL segment (same names, another format), a
 * WAL of an earlier version of this server, any unknown file — is a `ForeignDataDirError`
 * naming the dir and what was found, and nothing is changed (no directory, no lock file).
 * Only reads happen here.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ForeignDataDirError } from "./errors.js";
import { readHead } from "./fsutil.js";
import { parseSegmentName } from "./segment-names.js";
import { parseSnapName } from "./snap.js";
import { SYNCED_FILE } from "./synced.js";
import { IDENTIFY_BYTES, identifySegment, segmentRefusal } from "./wal-format.js";

/** What Gauntlet's disk fault writes into a member's data dir (a tmpfs) to fill it. */
export const BALLAST_FILE = "gauntlet-ballast";

/** Entries of `dir` with whether each is a directory; undefined when `dir` does not exist. */
async function list(dir: string): Promise<{ name: string; isDir: boolean }[] | undefined> {
  try {
    const ents = await readdir(dir, { withFileTypes: true });
    return ents.map((e) => ({ name: e.name, isDir: e.isDirectory() }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** What in `dataDir` is not this server's (relative paths with the reason); empty if all is. */
export async function foreignEntries(dataDir: string): Promise<string[]> {
  const top = await list(dataDir);
  if (top === undefined) return [];
  const found: string[] = [];
  const other = (path: string, isDir: boolean): void => {
    found.push(`${path}${isDir ? "/" : ""}: unknown ${isDir ? "directory" : "file"}`);
  };
  for (const e of top)
    if (!(e.name === "member" && e.isDir) && !(e.name === BALLAST_FILE && !e.isDir)) other(e.name, e.isDir);
  if (!top.some((e) => e.name === "member" && e.isDir)) return found;
  const member = (await list(join(dataDir, "member"))) ?? [];
  for (const e of member) {
    if (e.name === "lock" && !e.isDir) continue;
    if ((e.name === "wal" || e.name === "snap") && e.isDir) continue;
    other(`member/${e.name}`, e.isDir);
  }
  for (const e of (await list(join(dataDir, "member", "wal"))) ?? []) {
    const path = `member/wal/${e.name}`;
    if (e.isDir) other(path, true);
    else if (parseSegmentName(e.name)) {
      const refusal = segmentRefusal(identifySegment(await readHead(join(dataDir, path), IDENTIFY_BYTES)));
      if (refusal) found.push(`${path}: ${refusal}`);
    } else if (!(e.name === SYNCED_FILE || e.name.endsWith(".wal.tmp") || e.name.endsWith(".damaged")))
      other(path, false);
  }
  for (const e of (await list(join(dataDir, "member", "snap"))) ?? []) {
    const path = `member/snap/${e.name}`;
    if (e.isDir) other(path, true);
    else if (parseSnapName(e.name)) {
      const head = await readHead(join(dataDir, path), 4);
      if (head.toString("latin1") !== "GSNP") found.push(`${path}: not a snapshot file of this server`);
    } else if (e.name === "db") found.push(`${path}: etcd's bbolt backend`);
    else if (!(e.name.endsWith(".snap.tmp") || e.name.endsWith(".snap.broken"))) other(path, false);
  }
  return found;
}

/**
 * Throws `ForeignDataDirError` unless `dataDir` is absent, empty, or only this server's.
 * Call it before creating or locking anything in the directory.
 */
export async function checkDataDir(dataDir: string): Promise<void> {
  const st = await stat(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (st && !st.isDirectory()) throw new ForeignDataDirError(dataDir, ["it is not a directory"], "");
  const found = await foreignEntries(dataDir);
  if (found.length === 0) return;
  const etcd = found.some(
    (f) => f.startsWith("member/snap/db") || /^member\/wal\/.*not a WAL segment/.test(f),
  );
  const hint = etcd
    ? "It looks like a data dir of etcd; this server cannot read one (to move etcd's data over, take a snapshot and restore it)."
    : found.some((f) => f.includes("earlier version") || f.includes("format version"))
      ? "Its WAL is in a format this version does not read; start with a new --data-dir."
      : "Start with an empty or new --data-dir, or remove what is not this server's.";
  throw new ForeignDataDirError(dataDir, found, hint);
}
