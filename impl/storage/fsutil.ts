/** Small file-system helpers shared by the WAL and the snapshotter. */
import { mkdir, open } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** The first `bytes` bytes of a file (fewer if it is shorter). */
export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** fsyncs a directory, making renames and unlinks inside it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Creates `dir` and any missing parents durably: each new directory's entry is fsynced in its
 * parent, so a crash right after cannot lose the directory holding a freshly synced file.
 */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const created: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    created.push(d);
    if (d === resolve(first) || dirname(d) === d) break;
  }
  await fsyncDir(dirname(resolve(first)));
  for (const d of created.reverse()) await fsyncDir(d);
}
