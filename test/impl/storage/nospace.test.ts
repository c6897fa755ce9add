/**
 * Full disk, for real: the WAL on a 1 MiB tmpfs. On this kind of machine a full tmpfs fails
 * write() with ENOSPC while fsync/close succeed, and small writes can still land in a page's
 * slack, so the log must detect a full disk from write errors alone.
 *
 * What raft-nospace.test.ts (one Ready at a time through RaftDiskStorage) does not cover:
 * concurrent appenders sharing a batch that the disk refuses, segment creation refused (4 KiB
 * segments), a member reopened on a disk that is still full, and a refused snapshot leaving
 * nothing in member/snap and succeeding once space is freed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Wal } from "../../../impl/storage/wal.js";
import { RaftDiskStorage } from "../../../impl/storage/raft-storage.js";
import { NoSpaceError } from "../../../impl/storage/errors.js";
import { isRoot } from "../../support/env.js";
import { dec, enc, entriesAfter, removeTempDirs, tempDir } from "./helpers.js";

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
  async function fill(wal: Wal, concurrency: number, limit: number) {
    const acked: string[] = [];
    let rejected = 0;
    let next = 0;
    while (rejected < 3 * concurrency && next < limit) {
      const batch = Array.from({ length: concurrency }, () => next++);
      await Promise.all(
        batch.map((i) =>
          wal.appendData(value(i)).then(
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
      const dir = join(dataDir, "member", "wal");
      const { wal } = await Wal.open({ dir, segmentBytes, io });
      const { acked, rejected, next } = await fill(wal, concurrency, 2000);
      expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
      expect(rejected).toBeGreaterThan(0);
      expect(acked.length).toBeGreaterThan(100);
      expect(wal.stats().noSpaceFailures).toBeGreaterThan(0);

      unlinkSync(filler); // free space
      const afterIdx = await wal.appendData(value(next));
      acked.push(`v${next}`);
      expect(afterIdx).toBe(acked.length); // no index was used up by rejected writes
      await wal.close();

      const { wal: again, replay } = await Wal.open({ dir });
      const got = replay.entries.map((e) => dec(e.data).split(":")[0]);
      expect(got).toEqual(acked);
      expect(replay.entries.map((e) => e.index)).toEqual(acked.map((_, k) => k + 1));
      expect(replay.truncatedTail).toBeUndefined();
      await again.close();
      rmSync(dataDir, { recursive: true });
    });
  }

  /** Saves one-entry Readies (entry and hard state) until the disk refuses one; returns the last saved index. */
  async function saveUntilFull(storage: RaftDiskStorage, limit: number): Promise<number> {
    for (let i = 0; i < limit; i++) {
      const index = storage.memory.lastIndex() + 1;
      const refused = await storage
        .save({
          entries: [{ index, term: 1, type: 0, data: value(index) }],
          hardState: { term: 1, vote: 1, commit: index - 1 },
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      if (refused !== undefined) {
        expect(refused).toBeInstanceOf(NoSpaceError);
        return storage.memory.lastIndex();
      }
    }
    throw new Error(`the disk took ${limit} entries without refusing one`);
  }

  it("a member restarts on a full disk: it recovers everything saved, saves fail until space is freed", async () => {
    const dataDir = join(mnt, "restart");
    mkdirSync(dataDir);
    const filler = join(mnt, "filler3");
    writeFileSync(filler, Buffer.alloc(256 * 1024));
    const { storage } = await RaftDiskStorage.open({ dataDir });
    const saved = await saveUntilFull(storage, 2000);
    expect(saved).toBeGreaterThan(100);
    await storage.close();
    const { storage: again, recovered } = await RaftDiskStorage.open({ dataDir });
    try {
      expect(recovered.lastIndex).toBe(saved);
      const got = entriesAfter(again.memory, 0);
      expect(got.map((e) => e.index)).toEqual(Array.from({ length: saved }, (_, k) => k + 1));
      for (const e of got) expect(dec(e.data)).toBe(dec(value(e.index)));
      // A record or two may still fit in a page's slack; then the disk refuses.
      const extra = (await saveUntilFull(again, 20)) - saved;
      unlinkSync(filler);
      const index = saved + extra + 1;
      await again.save({ entries: [{ index, term: 1, type: 0, data: value(index) }] });
      expect(again.memory.lastIndex()).toBe(index);
    } finally {
      await again.close();
    }
    rmSync(dataDir, { recursive: true });
  });

  it("a snapshot on a full disk rejects with NoSpaceError and leaves nothing in member/snap; it succeeds once space is freed", async () => {
    const dataDir = join(mnt, "snap");
    mkdirSync(dataDir);
    const { storage } = await RaftDiskStorage.open({ dataDir });
    await storage.save({ entries: [{ index: 1, term: 1, type: 0, data: enc("one") }] });
    const filler = join(mnt, "filler2");
    writeFileSync(filler, Buffer.alloc(700 * 1024));
    const conf = { voters: [1], learners: [] };
    await expect(storage.createSnapshot(1, conf, new Uint8Array(400 * 1024))).rejects.toBeInstanceOf(
      NoSpaceError,
    );
    expect(readdirSync(join(dataDir, "member", "snap"))).toEqual([]);
    expect(storage.memory.snapshot()).toMatchObject({ metadata: { index: 0 } });
    unlinkSync(filler);
    const snap = await storage.createSnapshot(1, conf, new Uint8Array(400 * 1024));
    expect(snap).toMatchObject({ metadata: { index: 1, term: 1 } });
    await storage.close();
    const { storage: again, recovered } = await RaftDiskStorage.open({ dataDir });
    expect(recovered.snapshot?.metadata.index).toBe(1);
    expect(recovered.snapshot?.data.byteLength).toBe(400 * 1024);
    await again.close();
    rmSync(dataDir, { recursive: true });
  });
});
