import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { checkDataDir } from "../../../impl/storage/datadir.js";
import { ForeignDataDirError } from "../../../impl/storage/errors.js";
import { RaftDiskStorage } from "../../../impl/storage/raft-storage.js";
import { Snapshotter } from "../../../impl/storage/snap.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

/** Paths and contents under `dir`. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        out.push(`${relative(dir, p)}/`);
        walk(p);
      } else out.push(`${relative(dir, p)}=${readFileSync(p).toString("hex")}`);
    }
  };
  walk(dir);
  return out;
}

function layout(files: Record<string, Buffer | string>): string {
  const dir = tempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function refusal(dir: string): Promise<ForeignDataDirError> {
  const err = await checkDataDir(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ForeignDataDirError);
  return err as ForeignDataDirError;
}

describe("checkDataDir", () => {
  it("accepts a missing dir, an empty one, and one this server wrote (also with the disk fault's ballast)", async () => {
    await checkDataDir(join(tempDir(), "not-yet"));
    await checkDataDir(tempDir());
    const dataDir = tempDir();
    const { storage } = await RaftDiskStorage.open({ dataDir });
    await storage.close();
    await new Snapshotter(join(dataDir, "member", "snap")).save({
      index: 1,
      term: 1,
      data: new Uint8Array(3),
    });
    writeFileSync(join(dataDir, "member", "snap", "0000000000000001-0000000000000002.snap.broken"), "x");
    writeFileSync(join(dataDir, "gauntlet-ballast"), "x");
    await checkDataDir(dataDir);
  });

  it("refuses etcd's layout, naming each file, and RaftDiskStorage.open creates nothing in it", async () => {
    // etcd's names: a WAL segment in its own format (a length-prefixed protobuf record) and bbolt's db.
    const dir = layout({
      "member/wal/0000000000000000-0000000000000000.wal": Buffer.concat([
        Buffer.from("0a00000000000084", "hex"),
        Buffer.alloc(120, 3),
      ]),
      "member/snap/db": Buffer.alloc(4096, 1),
      "member/snap/0000000000000002-0000000000000005.snap": Buffer.from("protobuf"),
      "member/wal/0.tmp": Buffer.alloc(64),
    });
    const before = tree(dir);
    const err = await refusal(dir);
    expect(err.message).toContain(`refusing to use data dir ${dir}`);
    expect(err.message).toContain("member/snap/db: etcd's bbolt backend");
    expect(err.message).toContain(
      "member/wal/0000000000000000-0000000000000000.wal: not a WAL segment of this server",
    );
    expect(err.message).toContain("member/snap/0000000000000002-0000000000000005.snap: not a snapshot file");
    expect(err.message).toContain("member/wal/0.tmp: unknown file");
    expect(err.message).toContain("looks like a data dir of etcd");
    await expect(RaftDiskStorage.open({ dataDir: dir })).rejects.toBeInstanceOf(ForeignDataDirError);
    expect(tree(dir)).toEqual(before);
  });

  it("refuses unknown files and directories anywhere, and a path that is a file", async () => {
    for (const [files, found] of [
      [{ "notes.txt": "x" }, "notes.txt: unknown file"],
      [{ "member/keys/a": "x" }, "member/keys/: unknown directory"],
      [{ "member/wal/readme": "x" }, "member/wal/readme: unknown file"],
      [{ "member/snap/x.db": "x" }, "member/snap/x.db: unknown file"],
    ] as const) {
      const dir = layout(files);
      const before = tree(dir);
      expect((await refusal(dir)).message).toContain(found);
      await expect(RaftDiskStorage.open({ dataDir: dir })).rejects.toBeInstanceOf(ForeignDataDirError);
      expect(tree(dir)).toEqual(before);
    }
    const dir = layout({ f: "x" });
    expect((await refusal(join(dir, "f"))).message).toContain("not a directory");
  });
});
