import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Snapshotter, decodeSnapshot, encodeSnapshot, snapName } from "../../../impl/storage/snap.js";
import { CorruptSnapshotError } from "../../../impl/storage/errors.js";
import { dec, enc, recordingLogger, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

describe("snapshot files", () => {
  it("are named <term>-<index>.snap in 16 hex digits, as etcd names them", () => {
    expect(snapName({ term: 2, index: 100000 })).toBe("0000000000000002-00000000000186a0.snap");
  });

  it("round-trip, and every single-byte change is detected", () => {
    const buf = encodeSnapshot({ index: 7, term: 3, data: enc("state") });
    expect(dec(decodeSnapshot(buf, "x").data)).toBe("state");
    for (let i = 0; i < buf.length; i++) {
      const b = Buffer.from(buf);
      b[i] ^= 0x10;
      expect(() => decodeSnapshot(b, "x")).toThrow(CorruptSnapshotError);
    }
    expect(() => decodeSnapshot(buf.subarray(0, buf.length - 1), "x")).toThrow(/length/);
  });

  it("save leaves no temp file; loadNewest picks the highest index; prune keeps the newest", async () => {
    const dir = tempDir();
    const s = new Snapshotter(dir);
    for (const index of [10, 30, 20]) await s.save({ index, term: 1, data: enc(`at ${index}`) });
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    const newest = await s.loadNewest();
    expect(newest?.index).toBe(30);
    expect(dec(newest!.data)).toBe("at 30");
    const removed = await s.prune(2);
    expect(removed).toEqual([join(dir, snapName({ index: 10, term: 1 }))]);
    expect((await s.list()).map((x) => x.marker.index)).toEqual([30, 20]);
  });

  it("a broken newest snapshot is logged, renamed .broken, and the next older one is loaded", async () => {
    const dir = tempDir();
    const log = recordingLogger();
    const s = new Snapshotter(dir, log);
    await s.save({ index: 10, term: 1, data: enc("ten") });
    const p20 = await s.save({ index: 20, term: 1, data: enc("twenty") });
    const b = readFileSync(p20);
    b[b.length - 1] ^= 1;
    writeFileSync(p20, b);
    const got = await s.loadNewest();
    expect(got?.index).toBe(10);
    expect(existsSync(`${p20}.broken`)).toBe(true);
    expect(log.lines.some((l) => l.level === "error" && l.fields?.file === p20)).toBe(true);
  });
  it("a prune while a snapshot is being written waits for it instead of deleting its temp file", async () => {
    // A member saving a snapshot received from the leader while its own snapshot (and the prune
    // after it) runs: the prune used to unlink the other's .snap.tmp, whose rename then failed
    // with ENOENT and stopped the member.
    const dir = tempDir();
    const s = new Snapshotter(dir);
    await s.save({ index: 1, term: 1, data: enc("old") });
    const big = new Uint8Array(8 << 20).fill(7);
    for (let index = 10; index < 15; index++) {
      const tmp = join(dir, `${snapName({ index, term: 2 })}.tmp`);
      const saving = s.save({ index, term: 2, data: big });
      const deadline = Date.now() + 10_000;
      // Prune as soon as the temp file exists, i.e. while the save is between open and rename.
      while (
        !existsSync(tmp) &&
        !existsSync(join(dir, snapName({ index, term: 2 }))) &&
        Date.now() < deadline
      )
        await new Promise((r) => setImmediate(r));
      const pruning = s.prune(2);
      await expect(saving).resolves.toBe(join(dir, snapName({ index, term: 2 })));
      await pruning;
      expect((await s.list()).map((x) => x.marker.index)).toEqual([index, index === 10 ? 1 : index - 1]);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("a prune still removes a temp file left by an earlier process", async () => {
    const dir = tempDir();
    const s = new Snapshotter(dir);
    await s.save({ index: 5, term: 1, data: enc("kept") });
    writeFileSync(join(dir, `${snapName({ index: 9, term: 1 })}.tmp`), "half");
    expect(await s.prune(2)).toEqual([join(dir, `${snapName({ index: 9, term: 1 })}.tmp`)]);
    expect(readdirSync(dir)).toEqual([snapName({ index: 5, term: 1 })]);
  });
});
