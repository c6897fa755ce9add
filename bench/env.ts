/**
 * The environment a benchmark ran in, recorded in every report so that `gauntlet compare` can
 * warn when two reports come from different machines or setups.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, hostname, loadavg, platform, release } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gauntletVersion } from "../harness/runner/versions.js";
import type { BenchEnv } from "./types.js";

export function gitCommit(): string {
  try {
    const dir = dirname(fileURLToPath(import.meta.url));
    const head = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return "unknown";
  }
}

export function load1(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

export function collectEnv(serverVersion: string, target: string, loadStart: number): BenchEnv {
  return {
    gauntlet: gauntletVersion(),
    server_version: serverVersion,
    node: process.version,
    cpu_model: cpus()[0]?.model?.trim() ?? "unknown",
    cores: availableParallelism(),
    git_commit: gitCommit(),
    load_start: loadStart,
    load_end: load1(),
    hostname: hostname(),
    platform: `${platform()} ${release()}`,
    target,
  };
}
