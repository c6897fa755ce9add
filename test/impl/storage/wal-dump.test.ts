import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, truncateSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { RaftDiskStorage } from "../../../impl/storage/raft-storage.js";
import { enc, removeTempDirs, tempDir } from "./helpers.js";

let tool = "";
beforeAll(async () => {
  tool = join(tempDir("gauntlet-waldump-"), "wal-dump.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("../../../impl/storage/tools/wal-dump.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: tool,
    logLevel: "warning",
  });
});
afterAll(removeTempDirs);

async function dataDirWith(n: number): Promise<{ dataDir: string; segment: string }> {
  const dataDir = tempDir();
  const { storage } = await RaftDiskStorage.open({ dataDir });
  // A single-voter member: each entry saved with its hard state, a snapshot every 5 entries.
  for (let i = 1; i <= n; i++) {
    await storage.save({
      entries: [{ index: i, term: 1, type: 0, data: enc(`value-${i}`) }],
      hardState: { term: 1, vote: 1, commit: i },
    });
    if (i % 5 === 0) await storage.createSnapshot(i, { voters: [1], learners: [] }, enc(`state at ${i}`));
  }
  await storage.close();
  return { dataDir, segment: join(dataDir, "member", "wal", "0000000000000000-0000000000000001.wal") };
}

const dump = (...args: string[]) => spawnSync(process.execPath, [tool, ...args], { encoding: "utf8" });

describe("wal:dump", () => {
  it("lists segments, records and snapshots of a sound data dir, exit 0", async () => {
    const { dataDir } = await dataDirWith(12);
    const r = dump(dataDir, "--entries");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("1 segment(s)");
    expect(r.stdout).toContain('index 12 term 1 type 0 8 bytes "value-12"');
    expect(r.stdout).toMatch(/snapshot \{"index":10,"term":1\}/);
    expect(r.stdout).toContain("0000000000000001-000000000000000a.snap: index 10 term 1");
  });

  it("names a corrupted middle record's offset, tells damage to synced records from a torn tail, and changes nothing", async () => {
    const { dataDir, segment } = await dataDirWith(6);
    const good = readFileSync(segment);
    const bad = Buffer.from(good);
    bad[40] ^= 0xff; // inside the first entry (after the 16-byte format header and a 9-byte metadata record)
    writeFileSync(segment, bad);
    let r = dump(dataDir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/offset 25: bad record \(checksum mismatch.*CORRUPTION/);
    expect(readFileSync(segment).equals(bad)).toBe(true);

    // Synced bytes cut off: damage, not a torn tail.
    writeFileSync(segment, good);
    truncateSync(segment, good.length - 3);
    r = dump(dataDir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/short record.*CORRUPTION.*synced/);
    expect(statSync(segment).size).toBe(good.length - 3);

    // Half a record after the synced end (a write never synced): a torn tail.
    writeFileSync(segment, Buffer.concat([good, good.subarray(25, 40)]));
    r = dump(dataDir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/short record.*a torn tail/);
    expect(statSync(segment).size).toBe(good.length + 15);
  });

  it("rejects bad arguments with exit 3", () => {
    expect(dump().status).toBe(3);
    expect(dump("/nonexistent-gauntlet-dir").status).toBe(3);
  });
});
