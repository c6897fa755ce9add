/**
 * Full disk, for real: the WAL on a 1 MiB tmpfs. On this kind of machine a full tmpfs fails
 * write() with ENOSPC while fsync/close succeed, and small writes can still land in a page's
 * slack, so the log must detect a full disk from write errors alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ServerStorage } from "../../../impl/storage/server-storage.js";
import { NoSpaceError } from "../../../impl/storage/errors.js";
import { isRoot } from "../../support/env.js";
import { dec, enc, removeTempDirs, tempDir } from "./helpers.js";

const value = (i: number): Uint8Array => enc(`v${i}:`.padEnd(1000, "x"));

describe.skipIf(!isRoot.ok)(`full disk on a 1 MiB tmpfs (${isRoot.why})`, () => {
  let mnt = "";
  beforeAll(() => {
    mnt = tempDir("gauntlet-nospace-");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
  });
  afterAll(() => {
    // Lazy, so that a file a failed test left open cannot keep the mount alive.
    if (mnt) execFileSync("umount", ["-l", mnt]);
    removeTempDirs();
  });

  /** Fills the disk through the WAL with `concurrency` appenders; returns what was acknowledged. */
  async function fill(storage: ServerStorage, concurrency: number, limit: number) {
    const acked: string[] = [];
    let rejected = 0;
    let next = 0;
    while (rejected < 3 * concurrency && next < limit) {
      const batch = Array.from({ length: concurrency }, () => next++);
      await Promise.all(
        batch.map((i) =>
          storage.append(value(i)).then(
            () => acked.push(`v${i}`),
            (err: unknown) => {
              expect(err).toBeInstanceOf(NoSpaceError);
              expect((err as NoSpaceError).code).toBe("ENOSPC");
              rejected++;
            },
          ),
        ),
      );
    }
    return { acked, rejected, next };
  }

  for (const [concurrency, segmentBytes, io] of [
    [1, 200 * 1024, "async"],
    [16, 200 * 1024, "async"],
    [16, 200 * 1024, "sync"],
    [4, 4096, "async"], // segments cut every few records: ENOSPC also while creating a segment
  ] as const) {
    it(`C=${concurrency}, ${segmentBytes}-byte segments, io ${io}: appends reject with NoSpaceError, nothing rejected is recovered, appends work again once space is freed`, async () => {
      const dataDir = join(mnt, `c${concurrency}-${segmentBytes}-${io}`);
      mkdirSync(dataDir);
      const filler = join(mnt, "filler");
      writeFileSync(filler, Buffer.alloc(256 * 1024));
      const { storage } = await ServerStorage.open({ dataDir, segmentBytes, io });
      const { acked, rejected, next } = await fill(storage, concurrency, 2000);
      expect(readdirSync(join(dataDir, "member", "wal")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
      expect(rejected).toBeGreaterThan(0);
      expect(acked.length).toBeGreaterThan(100);
      expect(storage.stats().noSpaceFailures).toBeGreaterThan(0);

      unlinkSync(filler); // free space
      const afterIdx = await storage.append(value(next));
      acked.push(`v${next}`);
      expect(afterIdx).toBe(acked.length); // no index was used up by rejected writes
      await storage.close();

      const { storage: again, recovered } = await ServerStorage.open({ dataDir });
      const got = recovered.entries.map((e) => dec(e.data).split(":")[0]);
      expect(got).toEqual(acked);
      expect(recovered.truncatedTail).toBeUndefined();
      await again.close();
      rmSync(dataDir, { recursive: true });
    });
  }

  it("a member restarts on a full disk: it recovers everything acknowledged, writes fail until space is freed", async () => {
    const dataDir = join(mnt, "restart");
    mkdirSync(dataDir);
    const filler = join(mnt, "filler3");
    writeFileSync(filler, Buffer.alloc(256 * 1024));
    const { storage } = await ServerStorage.open({ dataDir });
    const { acked } = await fill(storage, 4, 2000);
    await storage.close();
    const { storage: again, recovered } = await ServerStorage.open({ dataDir });
    try {
      expect(recovered.entries.map((e) => dec(e.data).split(":")[0])).toEqual(acked);
      // A record or two may still fit in a page's slack; then the disk refuses.
      let extra = 0;
      let refused: unknown;
      for (let i = 0; i < 20 && refused === undefined; i++)
        await again.append(value(90000 + i)).then(
          () => extra++,
          (err: unknown) => (refused = err),
        );
      expect(refused).toBeInstanceOf(NoSpaceError);
      unlinkSync(filler);
      expect(await again.append(value(99999))).toBe(acked.length + extra + 1);
    } finally {
      await again.close();
    }
    rmSync(dataDir, { recursive: true });
  });

  it("a snapshot on a full disk rejects with NoSpaceError and leaves no temp file", async () => {
    const dataDir = join(mnt, "snap");
    mkdirSync(dataDir);
    const { storage } = await ServerStorage.open({ dataDir, snapshotCount: 1 });
    expect(await storage.append(enc("one"))).toBe(1);
    const filler = join(mnt, "filler2");
    writeFileSync(filler, Buffer.alloc(700 * 1024));
    await expect(storage.saveSnapshot(1, new Uint8Array(400 * 1024))).rejects.toBeInstanceOf(NoSpaceError);
    expect(readdirSync(join(dataDir, "member", "snap"))).toEqual([]);
    expect(storage.snapshotIndex).toBe(0);
    unlinkSync(filler);
    await storage.saveSnapshot(1, new Uint8Array(400 * 1024));
    expect(storage.snapshotIndex).toBe(1);
    await storage.close();
    rmSync(dataDir, { recursive: true });
  });
});
