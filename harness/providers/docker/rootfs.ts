/**
 * Minimal root filesystems for images built without a registry: a binary plus the shared
 * libraries `ldd` lists (and the dynamic loader), written as a tar stream that `docker import`
 * turns into an image. `parseLdd` is pure; the rest runs `ldd` and `tar`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarnessError } from "../../api/cluster.js";

/**
 * Absolute paths of the libraries in `ldd` output (`libc.so.6 => /lib/.../libc.so.6 (0x...)`
 * and the loader line `/lib64/ld-linux-x86-64.so.2 (0x...)`); the vDSO has no file and is skipped.
 */
export function parseLdd(out: string): string[] {
  const paths = new Set<string>();
  for (const line of out.split("\n")) {
    const arrow = /=>\s*(\/\S+)/.exec(line);
    if (arrow) paths.add(arrow[1]!);
    else {
      const bare = /^\s*(\/\S+)\s+\(0x/.exec(line);
      if (bare) paths.add(bare[1]!);
    }
  }
  return [...paths];
}

/** Shared libraries a binary needs; [] for a static binary ("not a dynamic executable"). */
export function librariesOf(binary: string): string[] {
  try {
    return parseLdd(execFileSync("ldd", [binary], { encoding: "utf8", timeout: 10_000 }));
  } catch (err) {
    const msg =
      String((err as { stdout?: string; stderr?: string }).stderr ?? "") +
      String((err as { stdout?: string }).stdout ?? "");
    if (/not a dynamic executable|statically linked/.test(msg)) return [];
    throw new HarnessError(`ldd ${binary} failed: ${msg.trim() || String(err)}`);
  }
}

export interface RootfsSpec {
  /** Absolute host paths copied to the same path in the image (symlinks followed). */
  hostFiles: string[];
  /** Empty directories to create (e.g. /tmp, /data). */
  dirs: string[];
  /** Optional tree copied under `into` (paths relative to `from`; symlinks kept). */
  tree?: { from: string; paths: string[]; into: string };
}

/** Writes the root filesystem as an uncompressed tar at a temp path; returns it and its size. */
export function writeRootfsTar(spec: RootfsSpec): { tar: string; bytes: number; cleanup: () => void } {
  const work = mkdtempSync(join(tmpdir(), "gauntlet-rootfs-"));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    const stage = join(work, "stage");
    for (const d of spec.dirs) mkdirSync(join(stage, d), { recursive: true, mode: 0o1777 });
    const tar = join(work, "rootfs.tar");
    execFileSync("tar", ["-cf", tar, "-C", stage, "."], { timeout: 60_000 });
    const rel = spec.hostFiles.map((f) => f.replace(/^\/+/, ""));
    execFileSync("tar", ["-rhf", tar, "-C", "/", ...rel], { timeout: 120_000 });
    if (spec.tree && spec.tree.paths.length > 0) {
      const into = spec.tree.into.replace(/^\/+|\/+$/g, "");
      execFileSync(
        "tar",
        ["-rf", tar, "-C", spec.tree.from, `--transform=s,^,${into}/,S`, ...spec.tree.paths],
        { timeout: 300_000, maxBuffer: 64 << 20 },
      );
    }
    return { tar, bytes: statSync(tar).size, cleanup };
  } catch (err) {
    cleanup();
    throw new HarnessError(
      `could not write the image's root filesystem: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
