import { afterAll, describe, expect, it } from "vitest";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ServerStorage } from "../../../impl/storage/server-storage.js";
import { WalInconsistentError } from "../../../impl/storage/errors.js";
import { dec, enc, recordingLogger, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

/** A toy state machine: the list of applied values, serialized as JSON. */
class Toy {
  values: string[] = [];
  apply(b: Uint8Array): void {
    this.values.push(dec(b));
  }
  serialize(): Uint8Array {
    return enc(JSON.stringify(this.values));
  }
  static restore(b: Uint8Array): Toy {
    const t = new Toy();
    t.values = JSON.parse(dec(b)) as string[];
    return t;
  }
}

async function recover(dataDir: string, opts: { snapshotCount?: number; segmentBytes?: number } = {}) {
  const { storage, recovered } = await ServerStorage.open({ dataDir, ...opts });
  const toy = recovered.snapshot ? Toy.restore(recovered.snapshot.data) : new Toy();
  let expectIndex = (recovered.snapshot?.index ?? 0) + 1;
  for (const e of recovered.entries) {
    expect(e.index).toBe(expectIndex++);
    toy.apply(e.data);
  }
  return { storage, recovered, toy };
}

/** Runs `n` writes through the server's flow: append, apply in index order, snapshot when due. */
async function writeMany(storage: ServerStorage, toy: Toy, from: number, n: number, concurrency: number) {
  for (let i = from; i < from + n; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, from + n - i) }, (_, k) => `w${i + k}`);
    await Promise.all(
      batch.map(async (v) => {
        const index = await storage.append(enc(v));
        toy.apply(enc(v));
        if (storage.shouldSnapshot(index)) await storage.saveSnapshot(index, toy.serialize());
      }),
    );
  }
}

describe("ServerStorage", () => {
  it("layout: member/wal and member/snap; a fresh data dir recovers nothing", async () => {
    const dataDir = tempDir();
    const { storage, recovered } = await recover(dataDir);
    expect(recovered.fresh).toBe(true);
    expect(recovered.snapshot).toBeUndefined();
    expect(recovered.entries).toEqual([]);
    expect(readdirSync(join(dataDir, "member")).sort()).toEqual(["lock", "snap", "wal"]);
    await storage.close();
    expect(readdirSync(join(dataDir, "member")).sort()).toEqual(["snap", "wal"]);
  });

  it("snapshots every snapshot-count entries and recovers snapshot + tail to the same state", async () => {
    const dataDir = tempDir();
    const log = recordingLogger();
    const { storage } = await ServerStorage.open({
      dataDir,
      snapshotCount: 50,
      segmentBytes: 1024,
      logger: log,
    });
    const toy = new Toy();
    await writeMany(storage, toy, 1, 230, 16);
    expect(storage.stats().snapshotsSaved).toBeGreaterThanOrEqual(4);
    expect(storage.snapshotIndex).toBeGreaterThanOrEqual(200);
    await storage.close();
    // Old snapshots pruned to 2, old segments released.
    expect(readdirSync(join(dataDir, "member", "snap")).filter((n) => n.endsWith(".snap")).length).toBe(2);
    const walFiles = readdirSync(join(dataDir, "member", "wal"));
    expect(walFiles.length).toBeLessThan(10);
    const again = await recover(dataDir, { snapshotCount: 50 });
    expect(again.recovered.fresh).toBe(false);
    expect(again.recovered.snapshot!.index).toBe(storage.snapshotIndex);
    expect(again.recovered.entries.length).toBe(230 - storage.snapshotIndex);
    expect(again.toy.values).toEqual(toy.values);
    // Plain Uint8Arrays: slice() copies exactly the data (a Buffer's slice would not).
    for (const b of [again.recovered.snapshot!.data, again.recovered.entries[0]!.data]) {
      expect(Buffer.isBuffer(b)).toBe(false);
      expect(b.slice().buffer.byteLength).toBe(b.byteLength);
    }
    expect(await again.storage.append(enc("w231"))).toBe(231);
    await again.storage.close();
  });

  it("without snapshots, replays the whole WAL", async () => {
    const dataDir = tempDir();
    const { storage, toy } = await recover(dataDir);
    await writeMany(storage, toy, 1, 100, 64);
    await storage.close();
    const again = await recover(dataDir);
    expect(again.toy.values).toEqual(toy.values);
    await again.storage.close();
  });

  it("fails with WalInconsistentError when the snapshot the WAL depends on is gone", async () => {
    const dataDir = tempDir();
    const { storage } = await ServerStorage.open({ dataDir, snapshotCount: 20, segmentBytes: 512 });
    const toy = new Toy();
    await writeMany(storage, toy, 1, 100, 1);
    await storage.close();
    rmSync(join(dataDir, "member", "snap"), { recursive: true });
    await expect(ServerStorage.open({ dataDir })).rejects.toBeInstanceOf(WalInconsistentError);
  });

  it("continues numbering after the snapshot when the WAL was lost", async () => {
    const dataDir = tempDir();
    const { storage } = await ServerStorage.open({ dataDir, snapshotCount: 10 });
    const toy = new Toy();
    await writeMany(storage, toy, 1, 25, 1);
    await storage.close();
    rmSync(join(dataDir, "member", "wal"), { recursive: true });
    const log = recordingLogger();
    const { storage: again, recovered } = await ServerStorage.open({ dataDir, logger: log });
    expect(recovered.snapshot?.index).toBe(20);
    expect(recovered.entries).toEqual([]);
    expect(log.lines.some((l) => l.level === "warn" && /WAL ends before/.test(l.msg))).toBe(true);
    expect(await again.append(enc("next"))).toBe(21);
    await again.close();
  });

  it("rejects a bad snapshot-count", async () => {
    await expect(ServerStorage.open({ dataDir: tempDir(), snapshotCount: 0 })).rejects.toThrow(
      /snapshotCount/,
    );
  });
});
