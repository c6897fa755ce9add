/** Temp directories and a recording logger for the storage tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageLogger } from "../../../impl/storage/types.js";
import type { MemoryStorage } from "../../../impl/raft/storage.js";
import type { Entry } from "../../../impl/raft/types.js";

const made: string[] = [];

export function tempDir(prefix = "gauntlet-storage-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown> | undefined;
}

export function recordingLogger(): StorageLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (msg, fields) => lines.push({ level: "info", msg, fields }),
    warn: (msg, fields) => lines.push({ level: "warn", msg, fields }),
    error: (msg, fields) => lines.push({ level: "error", msg, fields }),
  };
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The entries a RaftDiskStorage's memory holds after `index` (none when its log ends there). */
export function entriesAfter(memory: MemoryStorage, index: number): readonly Entry[] {
  if (memory.lastIndex() <= index) return [];
  const got = memory.entries(index + 1, memory.lastIndex() + 1, Number.MAX_SAFE_INTEGER);
  if (typeof got === "string") throw new Error(`entries after ${index}: ${got}`);
  return got;
}
