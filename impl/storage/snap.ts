/**
 * Snapshot files: `<dir>/<term>-<index>.snap` (16 hex digits each, as etcd names them), each
 *
 *     ["GSNP"][version u8 = 1][3 zero bytes][index u64][term u64][length u64][crc32 u32][data]
 *
 * where the CRC-32 covers the first 32 header bytes and the data. A snapshot is written to
 * `<name>.tmp`, fdatasync'ed, renamed into place and the directory fsynced, so a crash leaves
 * either the whole file or none. Loading tries the newest first; a file that fails its checks
 * is logged and renamed to `<name>.broken` (kept for inspection), and the next older one is
 * tried — the caller must check that the WAL still reaches back to the one it gets.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { CorruptSnapshotError, NoSpaceError, isNoSpace } from "./errors.js";
import { fsyncDir, mkdirDurable } from "./fsutil.js";
import { Turns } from "./turns.js";
import { silentLogger } from "./types.js";
import type { Snapshot, SnapshotMarker, StorageLogger } from "./types.js";

const MAGIC = 0x504e5347; // "GSNP" little-endian
const HEAD = 36;

export function snapName(m: SnapshotMarker): string {
  return `${m.term.toString(16).padStart(16, "0")}-${m.index.toString(16).padStart(16, "0")}.snap`;
}

const pattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
export function parseSnapName(name: string): SnapshotMarker | undefined {
  const m = pattern.exec(name);
  return m ? { term: parseInt(m[1]!, 16), index: parseInt(m[2]!, 16) } : undefined;
}

function putU64(buf: Buffer, v: number, at: number): void {
  buf.writeUInt32LE(v % 0x1_0000_0000, at);
  buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), at + 4);
}
function getU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}

/** The bytes of a snapshot file. */
export function encodeSnapshot(s: Snapshot): Buffer {
  const buf = Buffer.allocUnsafe(HEAD + s.data.byteLength);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(1, 4);
  putU64(buf, s.index, 8);
  putU64(buf, s.term, 16);
  putU64(buf, s.data.byteLength, 24);
  buf.set(s.data, HEAD);
  buf.writeUInt32LE(crc32(buf.subarray(HEAD), crc32(buf.subarray(0, 32))), 32);
  return buf;
}

/** Decodes and verifies a snapshot file's bytes; throws `CorruptSnapshotError`. */
export function decodeSnapshot(buf: Buffer, file: string): Snapshot {
  if (buf.length < HEAD) throw new CorruptSnapshotError(file, `short file (${buf.length} bytes)`);
  if (buf.readUInt32LE(0) !== MAGIC) throw new CorruptSnapshotError(file, "bad magic");
  if (buf.readUInt32LE(4) !== 1)
    throw new CorruptSnapshotError(file, `unknown version ${buf.readUInt32LE(4)}`);
  const length = getU64(buf, 24);
  if (buf.length !== HEAD + length)
    throw new CorruptSnapshotError(file, `length ${length} but ${buf.length - HEAD} data bytes`);
  const want = buf.readUInt32LE(32);
  const got = crc32(buf.subarray(HEAD), crc32(buf.subarray(0, 32)));
  if (want !== got)
    throw new CorruptSnapshotError(file, `checksum mismatch (stored ${want}, computed ${got})`);
  // A plain Uint8Array view (not a Buffer, whose slice() would not copy).
  return {
    index: getU64(buf, 8),
    term: getU64(buf, 16),
    data: new Uint8Array(buf.buffer, buf.byteOffset + HEAD, length),
  };
}

export class Snapshotter {
  /**
   * Saves and prunes take turns. A member can save a snapshot received from the leader while
   * its own snapshot is being made; a prune in between would delete the other save's temp file
   * (its rename then fails), and two saves of one name would share a temp file.
   */
  private readonly turns = new Turns();

  constructor(
    readonly dir: string,
    private readonly logger: StorageLogger = silentLogger,
  ) {}

  /** Snapshot markers of the files present, newest (highest index, then term) first. */
  async list(): Promise<{ marker: SnapshotMarker; file: string }[]> {
    await mkdir(this.dir, { recursive: true });
    const out: { marker: SnapshotMarker; file: string }[] = [];
    for (const name of await readdir(this.dir)) {
      const marker = parseSnapName(name);
      if (marker) out.push({ marker, file: join(this.dir, name) });
    }
    return out.sort((a, b) => b.marker.index - a.marker.index || b.marker.term - a.marker.term);
  }

  /** Writes a snapshot durably (temp file, fdatasync, rename, directory fsync); returns its path. */
  save(s: Snapshot): Promise<string> {
    return this.turns.run(() => this.write(s));
  }

  private async write(s: Snapshot): Promise<string> {
    await mkdirDurable(this.dir);
    const path = join(this.dir, snapName(s));
    const tmp = `${path}.tmp`;
    const buf = encodeSnapshot(s);
    try {
      const fh = await open(tmp, "w");
      try {
        let done = 0;
        while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, done)).bytesWritten;
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      await fsyncDir(this.dir);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      if (isNoSpace(err)) throw new NoSpaceError(tmp, err);
      throw err;
    }
    return path;
  }

  /**
   * The newest snapshot that passes its checks and `accept` (default: any), or undefined.
   * Broken files are logged and renamed to `.broken`.
   */
  async loadNewest(accept: (m: SnapshotMarker) => boolean = () => true): Promise<Snapshot | undefined> {
    for (const { marker, file } of await this.list()) {
      if (!accept(marker)) continue;
      try {
        const s = decodeSnapshot(await readFile(file), file);
        if (s.index !== marker.index || s.term !== marker.term)
          throw new CorruptSnapshotError(
            file,
            `header says ${s.term}-${s.index}, name says ${marker.term}-${marker.index}`,
          );
        return s;
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError)) throw err;
        this.logger.error("snapshot: skipping a broken snapshot file", { file, error: err.message });
        await rename(file, `${file}.broken`);
      }
    }
    return undefined;
  }

  /**
   * Removes temp files (none is being written: saves and prunes take turns) and all but the
   * `keep` newest snapshots. Returns the removed paths.
   */
  prune(keep: number): Promise<string[]> {
    return this.turns.run(() => this.removeOld(keep));
  }

  private async removeOld(keep: number): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.dir))
      if (name.endsWith(".snap.tmp")) {
        await unlink(join(this.dir, name));
        removed.push(join(this.dir, name));
      }
    const all = await this.list();
    for (const { file } of all.slice(Math.max(keep, 1))) {
      await unlink(file);
      removed.push(file);
    }
    if (removed.length) await fsyncDir(this.dir);
    return removed;
  }
}
