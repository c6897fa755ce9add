/**
 * kill -9 under load: a child process saves Readies through RaftDiskStorage (16 concurrent
 * appenders batched into one save at a time, as the server's RaftLoop does) and snapshots every
 * 500 entries; it is SIGKILLed mid-stream, several times over the same data dir. After each
 * kill, every record it acknowledged must be recovered, exactly once, with no gap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { RaftDiskStorage } from "../../../impl/storage/raft-storage.js";
import { DataDirLockedError } from "../../../impl/storage/lock.js";
import { entriesAfter, recordingLogger, removeTempDirs, tempDir } from "./helpers.js";

let childJs = "";
beforeAll(async () => {
  childJs = join(tempDir("gauntlet-crash-child-"), "crash-child.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("./crash-child.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: childJs,
    logLevel: "warning",
  });
});
afterAll(removeTempDirs);

/**
 * Runs the child until it has acknowledged `killAfter` appends, calls `whileRunning` (the child
 * still alive), SIGKILLs it, returns the acks.
 */
function runAndKill(
  dataDir: string,
  killAfter: number,
  whileRunning: () => Promise<void> = async () => {},
  io: "async" | "sync" = "async",
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, dataDir, "500", io], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acks: number[] = [];
    let buf = "";
    let stderr = "";
    let killed = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith("ack ")) acks.push(Number(l.slice(4)));
      if (!killed && acks.length >= killAfter) {
        killed = true;
        whileRunning().then(
          () => child.kill("SIGKILL"),
          (err: unknown) => {
            child.kill("SIGKILL");
            reject(err);
          },
        );
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL")
        reject(new Error(`child ended without being killed: ${signal ?? _code} ${stderr}`));
      else resolve(acks);
    });
  });
}

describe("kill -9 while appending", () => {
  it("loses no acknowledged record, duplicates none, across repeated kills", async () => {
    const dataDir = tempDir();
    const everAcked = new Set<number>();
    let newestSnapshot = 0;
    for (const [killAfter, io] of [
      [1500, "async"],
      [900, "sync"],
      [2200, "async"],
    ] as const) {
      const acks = await runAndKill(dataDir, killAfter, undefined, io);
      for (const a of acks) everAcked.add(a);
      const { storage, recovered } = await RaftDiskStorage.open({ dataDir });
      const values: number[] = recovered.snapshot
        ? Array.from(new Uint32Array(Uint8Array.from(recovered.snapshot.data).buffer))
        : [];
      const snapIndex = recovered.snapshot?.metadata.index ?? 0;
      newestSnapshot = Math.max(newestSnapshot, snapIndex);
      expect(values.length).toBe(snapIndex);
      let index = snapIndex + 1;
      for (const e of entriesAfter(storage.memory, snapIndex)) {
        expect(e.index).toBe(index++);
        values.push(Buffer.from(e.data).readUInt32LE(0));
      }
      expect(index).toBe(recovered.lastIndex + 1);
      expect(recovered.hardState.commit).toBeLessThanOrEqual(recovered.lastIndex);
      await storage.close();
      expect(new Set(values).size).toBe(values.length);
      const present = new Set(values);
      const lost = [...everAcked].filter((a) => !present.has(a));
      expect(lost).toEqual([]);
    }
    expect(everAcked.size).toBeGreaterThanOrEqual(1500 + 900 + 2200);
    expect(newestSnapshot).toBeGreaterThanOrEqual(500); // recovery went through snapshots too
  });

  it("a data dir in use by a live process cannot be opened; after kill -9 its lock is taken over", async () => {
    const dataDir = tempDir();
    await runAndKill(dataDir, 50, async () => {
      const err = await RaftDiskStorage.open({ dataDir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toContain(dataDir);
    });
    const log = recordingLogger();
    const { storage } = await RaftDiskStorage.open({ dataDir, logger: log });
    expect(log.lines.some((l) => /took over a lock/.test(l.msg))).toBe(true);
    await storage.close();
  });
});
