/** Small file-system helpers shared by the WAL and the snapshotter. */
import { open } from "node:fs/promises";

/** fsyncs a directory, making renames and unlinks inside it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
