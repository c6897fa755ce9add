/**
 * The process killed by crash.test.ts: a single-voter Raft member's storage loop, as the
 * server's RaftLoop drives RaftDiskStorage. 16 concurrent appenders each queue a record `i`
 * (u32); one saver persists everything queued as one Ready (the entries and a hard state) with
 * `save`, prints "ack <i>" on stdout for each record only after that save resolved, and every
 * <snapshot-count> entries makes a snapshot of the toy state (the applied values in index order)
 * with `createSnapshot`. Bounded: stops by itself after 20 s or 200,000 appends.
 */
import { RaftDiskStorage } from "../../../impl/storage/raft-storage.js";
import type { Entry } from "../../../impl/raft/types.js";
import { entriesAfter } from "./helpers.js";

const [dataDir, snapshotCount, io] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: crash-child <data-dir> <snapshot-count> [async|sync]");
const every = Number(snapshotCount ?? 1000);
const { storage, recovered } = await RaftDiskStorage.open({
  dataDir,
  segmentBytes: 64 * 1024,
  catchUpEntries: 100,
  io: io === "sync" ? "sync" : "async",
});
const applied: number[] = recovered.snapshot
  ? Array.from(new Uint32Array(Uint8Array.from(recovered.snapshot.data).buffer))
  : [];
const snapIndex = recovered.snapshot?.metadata.index ?? 0;
for (const e of entriesAfter(storage.memory, snapIndex)) applied.push(Buffer.from(e.data).readUInt32LE(0));
let next = applied.length ? Math.max(...applied) + 1 : 0;
let lastSnap = snapIndex;
const deadline = Date.now() + 20_000;
const live = () => next < 200_000 && Date.now() < deadline;

/** Records queued by the appenders and not yet saved, each with the resolver of its ack. */
let queue: { value: number; done: () => void }[] = [];
let wake: (() => void) | undefined;

async function appender(): Promise<void> {
  while (live()) {
    const value = next++;
    await new Promise<void>((done) => {
      queue.push({ value, done });
      wake?.();
    });
    process.stdout.write(`ack ${value}\n`);
  }
}

async function saver(): Promise<void> {
  while (live() || queue.length) {
    if (!queue.length) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
      wake = undefined;
      continue;
    }
    const batch = queue;
    queue = [];
    const last = storage.memory.lastIndex();
    const entries: Entry[] = batch.map((q, k) => {
      const b = Buffer.alloc(4 + 60);
      b.writeUInt32LE(q.value, 0);
      return { index: last + 1 + k, term: 1, type: 0 as Entry["type"], data: b };
    });
    await storage.save({ entries, hardState: { term: 1, vote: 1, commit: last } });
    for (const q of batch) applied.push(q.value);
    const index = storage.memory.lastIndex();
    if (applied.length !== index) throw new Error(`applied ${applied.length} but index ${index}`);
    for (const q of batch) q.done();
    if (index - lastSnap >= every) {
      const snap = await storage.createSnapshot(
        index,
        { voters: [1], learners: [] },
        new Uint8Array(Uint32Array.from(applied).buffer),
      );
      if (typeof snap !== "object") throw new Error(`createSnapshot(${index}): ${snap}`);
      lastSnap = index;
    }
  }
}

await Promise.all([saver(), ...Array.from({ length: 16 }, appender)]);
await storage.close();
