import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RaftDiskStorage } from "../../../impl/storage/raft-storage.js";
import { DataDirLockedError } from "../../../impl/storage/lock.js";
import { recordingLogger, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

/** "<pid> <start time>" of a live process, as the lock writes it (Linux /proc). */
function identityOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return `${pid} ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}`;
}

function withLock(content: string): string {
  const dataDir = tempDir();
  mkdirSync(join(dataDir, "member"), { recursive: true });
  writeFileSync(join(dataDir, "member", "lock"), content);
  return dataDir;
}

describe.skipIf(process.platform !== "linux")("data dir lock", () => {
  it("refuses a dir locked by another live process", async () => {
    const dataDir = withLock(identityOf(process.ppid));
    await expect(RaftDiskStorage.open({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(RaftDiskStorage.open({ dataDir })).rejects.toThrow(`in use by process ${process.ppid}`);
  });

  it("takes over a lock whose pid is alive but was recycled (start time differs), and a dead pid's", async () => {
    for (const content of [`${process.ppid} 1`, "999999999 5"]) {
      const dataDir = withLock(content);
      const log = recordingLogger();
      const { storage } = await RaftDiskStorage.open({ dataDir, logger: log });
      expect(log.lines.some((l) => /took over/.test(l.msg))).toBe(true);
      expect(readFileSync(join(dataDir, "member", "lock"), "utf8")).toBe(identityOf(process.pid));
      await storage.close();
      expect(existsSync(join(dataDir, "member", "lock"))).toBe(false);
    }
  });

  it("takes over at once a lock whose owner was killed but not yet reaped (a zombie)", async () => {
    // `sh` starts a short-lived child and replaces itself with a process that never reaps it:
    // the child stays a zombie (kill(pid, 0) still succeeds) until the test ends the parent.
    const parent = spawn("sh", ["-c", "sleep 0.1 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const pid = Number(
        await new Promise<string>((resolve) =>
          parent.stdout!.once("data", (d: Buffer) => resolve(d.toString())),
        ),
      );
      const owner = identityOf(pid);
      const deadline = Date.now() + 10_000;
      while (!/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8")) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(`/proc/${pid}/stat`, "utf8")).toMatch(/\) Z /);
      const dataDir = withLock(owner);
      const log = recordingLogger();
      const { storage } = await RaftDiskStorage.open({ dataDir, logger: log });
      expect(log.lines.some((l) => /took over/.test(l.msg))).toBe(true);
      await storage.close();
      expect(existsSync(join(dataDir, "member", "lock"))).toBe(false);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
