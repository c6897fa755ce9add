/**
 * What the machine offers, for tests that need root, a binary, a browser or a Docker engine.
 * Such tests use `describe.skipIf(!x.ok)` and name `x.why` in the test title, so a skip says
 * its reason; in CI (`.ci/run`) everything here is installed and nothing skips.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface Capability {
  ok: boolean;
  why: string;
}

function which(binary: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function binary(name: string, pkg: string): Capability {
  const path = which(name);
  return path ? { ok: true, why: `${name} at ${path}` } : { ok: false, why: `skipped: ${name} not on PATH (apt-get install ${pkg})` };
}

export const isRoot: Capability =
  process.getuid?.() === 0 ? { ok: true, why: "running as root" } : { ok: false, why: "skipped: needs root" };

export const chromium: Capability = existsSync("/usr/bin/chromium")
  ? { ok: true, why: "chromium at /usr/bin/chromium" }
  : { ok: false, why: "skipped: no browser at /usr/bin/chromium (apt-get install chromium)" };

export const etcd = binary("etcd", "etcd-server");
export const etcdctl = binary("etcdctl", "etcd-client");
