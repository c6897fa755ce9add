/**
 * RaftDiskStorage on a full disk, for real (a 1 MiB tmpfs with a ballast file), as the cluster's
 * RaftLoop uses it: a Ready's save rejects with NoSpaceError and leaves `memory` unchanged (the
 * WAL cuts a partly written record back); saving THE SAME Ready again fails while the disk is
 * full and succeeds once the ballast is gone; a snapshot on the full disk rejects the same way;
 * reopening the data dir recovers exactly the saved entries and hard state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RaftDiskStorage, type RaftPersist } from "../../../impl/storage/raft-storage.js";
import { NoSpaceError } from "../../../impl/storage/errors.js";
import type { Entry } from "../../../impl/raft/types.js";
import { isRoot } from "../../support/env.js";
import { dec, enc, removeTempDirs, tempDir } from "./helpers.js";

const entry = (index: number): Entry => ({
  index,
  term: 1,
  type: 0 as Entry["type"],
  data: enc(`e${index}:`.padEnd(900, "x")),
});

describe.skipIf(!isRoot.ok)(`RaftDiskStorage on a full 1 MiB tmpfs (${isRoot.why})`, () => {
  let mnt = "";
  beforeAll(() => {
    mnt = tempDir("gauntlet-raft-nospace-");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
  });
  afterAll(() => {
    if (mnt) execFileSync("umount", ["-l", mnt]);
    removeTempDirs();
  });

  for (const io of ["sync", "async"] as const) {
    it(`io ${io}: a failed save changes nothing, the same Ready saves once space is freed, a restart reads the log`, async () => {
      const dataDir = join(mnt, `d-${io}`);
      const ballast = join(mnt, "ballast");
      writeFileSync(ballast, Buffer.alloc(400 * 1024));
      const open = () =>
        RaftDiskStorage.open({
          dataDir,
          metadata: enc("meta"),
          segmentBytes: 64 * 1024,
          io,
          catchUpEntries: 10,
        });
      const { storage } = await open();
      let last = 0;
      let failed: RaftPersist | undefined;
      for (let i = 0; i < 2000 && !failed; i++) {
        // A Ready of 1-3 entries and the hard state that goes with them.
        const n = 1 + (i % 3);
        const entries = Array.from({ length: n }, (_, k) => entry(last + 1 + k));
        const rd: RaftPersist = {
          entries,
          hardState: { term: 1, vote: 1, commit: Math.max(0, last - 2) },
          mustSync: true,
        };
        try {
          await storage.save(rd);
          last += n;
        } catch (err) {
          expect(err).toBeInstanceOf(NoSpaceError);
          failed = rd;
        }
      }
      expect(failed).toBeDefined();
      expect(last).toBeGreaterThan(10);
      // Nothing of the failed Ready is in memory; the same Ready fails again while full.
      expect(storage.memory.lastIndex()).toBe(last);
      await expect(storage.save(failed!)).rejects.toBeInstanceOf(NoSpaceError);
      expect(storage.memory.lastIndex()).toBe(last);
      // A snapshot on the full disk fails the same way and changes nothing.
      await expect(
        storage.createSnapshot(last, { voters: [1], learners: [] }, new Uint8Array(300 * 1024)),
      ).rejects.toBeInstanceOf(NoSpaceError);
      expect(storage.memory.firstIndex()).toBe(1);
      // Space is freed: the same Ready saves, and later ones too.
      rmSync(ballast);
      await storage.save(failed!);
      last += failed!.entries!.length;
      expect(storage.memory.lastIndex()).toBe(last);
      const more = entry(last + 1);
      await storage.save({ entries: [more], hardState: { term: 1, vote: 1, commit: last }, mustSync: true });
      last += 1;
      await storage.close();
      // A restart reads every saved entry, in order, and the last hard state.
      const { storage: again, recovered } = await open();
      try {
        expect(recovered.truncatedTail).toBeUndefined();
        expect(recovered.lastIndex).toBe(last);
        expect(recovered.hardState).toMatchObject({ term: 1, vote: 1, commit: last - 1 });
        const got = again.memory.entries(1, last + 1, Number.MAX_SAFE_INTEGER);
        expect(Array.isArray(got)).toBe(true);
        const list = got as Entry[];
        expect(list.map((e) => e.index)).toEqual(Array.from({ length: last }, (_, k) => k + 1));
        for (const e of list) expect(dec(e.data)).toBe(dec(entry(e.index).data));
      } finally {
        await again.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
