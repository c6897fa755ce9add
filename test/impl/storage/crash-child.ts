/**
 * The process killed by crash.test.ts: appends records `i` (u32) through ServerStorage with 16
 * concurrent appenders, keeps a toy state (the applied values in index order) and snapshots it
 * every --snapshot-count entries, and prints "ack <i>" on stdout after each append is durable.
 * Bounded: stops by itself after 20 s or 200,000 appends.
 */
import { ServerStorage } from "../../../impl/storage/server-storage.js";

const [dataDir, snapshotCount, io] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: crash-child <data-dir> <snapshot-count> [async|sync]");
const { storage, recovered } = await ServerStorage.open({
  dataDir,
  snapshotCount: Number(snapshotCount ?? 1000),
  segmentBytes: 64 * 1024,
  io: io === "sync" ? "sync" : "async",
});
const applied: number[] = recovered.snapshot
  ? Array.from(new Uint32Array(Uint8Array.from(recovered.snapshot.data).buffer))
  : [];
for (const e of recovered.entries) applied.push(Buffer.from(e.data).readUInt32LE(0));
let next = applied.length ? Math.max(...applied) + 1 : 0;
const deadline = Date.now() + 20_000;
async function appender(): Promise<void> {
  while (next < 200_000 && Date.now() < deadline) {
    const i = next++;
    const b = Buffer.alloc(4 + 60);
    b.writeUInt32LE(i, 0);
    const index = await storage.append(b);
    applied.push(i);
    if (applied.length !== index) throw new Error(`applied ${applied.length} but index ${index}`);
    process.stdout.write(`ack ${i}\n`);
    if (storage.shouldSnapshot(index))
      await storage.saveSnapshot(index, new Uint8Array(Uint32Array.from(applied).buffer));
  }
}
await Promise.all(Array.from({ length: 16 }, appender));
await storage.close();
