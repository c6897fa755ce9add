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
});
