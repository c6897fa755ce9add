import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RaftDiskStorage } from "../../../impl/storage/raft-storage.js";
import type { RaftRecovered } from "../../../impl/storage/raft-storage.js";
import { Snapshotter } from "../../../impl/storage/snap.js";
import { Wal } from "../../../impl/storage/wal.js";
import { WalInconsistentError } from "../../../impl/storage/errors.js";
import { MemoryStorage } from "../../../impl/raft/storage.js";
import { RawNode } from "../../../impl/raft/rawnode.js";
import { SeededRand } from "../../../impl/raft/rand.js";
import { decodeConfChange } from "../../../impl/raft/confchange.js";
import { EntryType, Role } from "../../../impl/raft/types.js";
import type { Entry, Snapshot } from "../../../impl/raft/types.js";
import { dec, enc, entriesAfter, recordingLogger, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

const ent = (index: number, term: number, s = `${index}@${term}`): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: enc(s),
});

function logOf(m: MemoryStorage): string[] {
  const lo = m.firstIndex();
  const hi = m.lastIndex() + 1;
  if (hi <= lo) return [];
  const got = m.entries(lo, hi, Infinity);
  if (typeof got === "string") throw new Error(got);
  return got.map((e) => `${e.index}:${e.term}:${dec(e.data)}`);
}

describe("RaftDiskStorage", () => {
  it("recovers entries, overwrites and hard state after a crash-like reopen (no close)", async () => {
    const dataDir = tempDir();
    let { storage, recovered } = await RaftDiskStorage.open({ dataDir, metadata: enc("member 1") });
    expect(recovered.fresh).toBe(true);
    expect(recovered.lastIndex).toBe(0);
    await storage.save({
      entries: [1, 2, 3, 4, 5].map((i) => ent(i, 1)),
      hardState: { term: 1, vote: 1, commit: 2 },
    });
    await storage.save({
      entries: [ent(4, 2), ent(5, 2), ent(6, 2)],
      hardState: { term: 2, vote: 3, commit: 4 },
    });
    const expected = logOf(storage.memory);
    expect(expected).toEqual(["1:1:1@1", "2:1:2@1", "3:1:3@1", "4:2:4@2", "5:2:5@2", "6:2:6@2"]);
    const crashed = storage; // not closed: everything acknowledged must already be on disk
    ({ storage, recovered } = await RaftDiskStorage.open({ dataDir }));
    expect(dec(recovered.metadata)).toBe("member 1");
    expect(recovered.fresh).toBe(false);
    expect(recovered.hardState).toEqual({ term: 2, vote: 3, commit: 4 });
    expect(storage.memory.initialState().hardState).toEqual({ term: 2, vote: 3, commit: 4 });
    expect(logOf(storage.memory)).toEqual(expected);
    await crashed.close();
    await storage.close();
  });

  it("snapshots with the configuration, compacts memory behind catch-up entries, releases WAL segments", async () => {
    const dataDir = tempDir();
    let { storage } = await RaftDiskStorage.open({ dataDir, segmentBytes: 256, catchUpEntries: 3 });
    for (let i = 1; i <= 40; i++)
      await storage.save({ entries: [ent(i, 1)], hardState: { term: 1, vote: 1, commit: i } });
    const walBefore = readdirSync(join(dataDir, "member", "wal")).length;
    const snap = await storage.createSnapshot(30, { voters: [1, 2, 3], learners: [4] }, enc("state@30"));
    expect(typeof snap).toBe("object");
    expect(storage.memory.firstIndex()).toBe(28);
    expect(readdirSync(join(dataDir, "member", "wal")).length).toBeLessThan(walBefore);
    expect(await storage.createSnapshot(20, { voters: [1], learners: [] }, enc("old"))).toBe("out-of-date");
    await storage.close();
    const reopened = await RaftDiskStorage.open({ dataDir });
    storage = reopened.storage;
    const recovered: RaftRecovered = reopened.recovered;
    expect(recovered.snapshot?.metadata).toEqual({
      index: 30,
      term: 1,
      confState: { voters: [1, 2, 3], learners: [4] },
    });
    expect(dec(recovered.snapshot!.data)).toBe("state@30");
    expect(storage.memory.initialState().confState).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(storage.memory.firstIndex()).toBe(31);
    expect(storage.memory.lastIndex()).toBe(40);
    expect(storage.memory.term(30)).toBe(1);
    await storage.close();
  });

  it("keeps the newest keepSnapshots snapshot files; what a reopen hands back is plain Uint8Arrays", async () => {
    const dataDir = tempDir();
    const { storage } = await RaftDiskStorage.open({ dataDir, segmentBytes: 512, catchUpEntries: 0 });
    for (let i = 1; i <= 40; i++) {
      await storage.save({ entries: [ent(i, 1)], hardState: { term: 1, vote: 1, commit: i } });
      if (i % 10 === 0) await storage.createSnapshot(i, { voters: [1], learners: [] }, enc(`state@${i}`));
    }
    await storage.close();
    const snaps = readdirSync(join(dataDir, "member", "snap")).filter((n) => n.endsWith(".snap"));
    expect(snaps.sort()).toEqual([
      "0000000000000001-000000000000001e.snap",
      "0000000000000001-0000000000000028.snap",
    ]);
    const { storage: again, recovered } = await RaftDiskStorage.open({ dataDir });
    expect(recovered.snapshot?.metadata.index).toBe(40);
    expect(dec(recovered.snapshot!.data)).toBe("state@40");
    await again.save({ entries: [ent(41, 1)], hardState: { term: 1, vote: 1, commit: 41 } });
    await again.close();
    const { storage: third, recovered: r3 } = await RaftDiskStorage.open({ dataDir });
    // slice() of a plain Uint8Array copies exactly its bytes (a Buffer's would share its pool).
    for (const b of [r3.snapshot!.data, entriesAfter(third.memory, 40)[0]!.data]) {
      expect(Buffer.isBuffer(b)).toBe(false);
      expect(b.slice().buffer.byteLength).toBe(b.byteLength);
    }
    await third.close();
  });

  it("refuses with WalInconsistentError a WAL that no longer reaches back to a usable snapshot", async () => {
    const dataDir = tempDir();
    const { storage } = await RaftDiskStorage.open({ dataDir, segmentBytes: 256 });
    for (let i = 1; i <= 40; i++)
      await storage.save({ entries: [ent(i, 1)], hardState: { term: 1, vote: 1, commit: i } });
    await storage.createSnapshot(30, { voters: [1], learners: [] }, enc("state@30"));
    await storage.close();
    rmSync(join(dataDir, "member", "snap"), { recursive: true });
    const err = await RaftDiskStorage.open({ dataDir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WalInconsistentError);
    expect((err as Error).message).toMatch(
      /starts at index \d+ but the newest usable snapshot covers only up to 0/,
    );
  });

  it("a follower installs a leader's snapshot past its log, continues after it, and recovers it", async () => {
    const dataDir = tempDir();
    let { storage } = await RaftDiskStorage.open({ dataDir });
    await storage.save({ entries: [ent(1, 1), ent(2, 1)], hardState: { term: 1, vote: 0, commit: 1 } });
    const leaderSnap: Snapshot = {
      metadata: { index: 100, term: 3, confState: { voters: [1, 2, 3], learners: [] } },
      data: enc("leader state"),
    };
    await storage.save({ snapshot: leaderSnap, hardState: { term: 3, vote: 0, commit: 100 } });
    await storage.save({ entries: [ent(101, 3), ent(102, 3)], hardState: { term: 3, vote: 0, commit: 102 } });
    await storage.close();
    const reopened = await RaftDiskStorage.open({ dataDir });
    storage = reopened.storage;
    const recovered: RaftRecovered = reopened.recovered;
    expect(recovered.snapshot?.metadata.index).toBe(100);
    expect(dec(recovered.snapshot!.data)).toBe("leader state");
    expect(logOf(storage.memory)).toEqual(["101:3:101@3", "102:3:102@3"]);
    expect(recovered.hardState.commit).toBe(102);
    await storage.close();
  });

  it("saves a leader's snapshot while making its own: both complete and the leader's is recovered", async () => {
    // A member that gets its disk back catches up from the leader's snapshot while retrying its
    // own; the prune after its own snapshot used to delete the leader's half-written file.
    const dataDir = tempDir();
    let { storage } = await RaftDiskStorage.open({ dataDir });
    const big = new Uint8Array(8 << 20).fill(3);
    const cs = { voters: [1, 2, 3], learners: [] };
    let base = 0;
    for (let k = 0; k < 6; k++, base += 100) {
      await storage.save({
        entries: Array.from({ length: 10 }, (_, i) => ent(base + i + 1, 3)),
        hardState: { term: 3, vote: 0, commit: base + 10 },
      });
      const leaderSnap: Snapshot = { metadata: { index: base + 100, term: 3, confState: cs }, data: big };
      const received = storage.save({
        snapshot: leaderSnap,
        hardState: { term: 3, vote: 0, commit: base + 100 },
      });
      const own = storage.createSnapshot(base + 10, cs, enc("own"));
      await expect(received).resolves.toBeUndefined();
      await own;
      expect(storage.memory.snapshot().metadata.index).toBe(base + 100);
    }
    await storage.close();
    const reopened = await RaftDiskStorage.open({ dataDir });
    storage = reopened.storage;
    expect(reopened.recovered.snapshot?.metadata.index).toBe(base);
    expect(reopened.recovered.snapshot!.data.byteLength).toBe(big.byteLength);
    expect(readdirSync(join(dataDir, "member", "snap")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    await storage.close();
  });

  it("ignores a snapshot file whose WAL marker never made it (crash between file and marker)", async () => {
    const dataDir = tempDir();
    let { storage } = await RaftDiskStorage.open({ dataDir });
    for (let i = 1; i <= 10; i++)
      await storage.save({ entries: [ent(i, 1)], hardState: { term: 1, vote: 1, commit: i } });
    await storage.createSnapshot(5, { voters: [1], learners: [] }, enc("at 5"));
    await storage.close();
    // An orphan: the file of a snapshot at 8, but no marker in the WAL.
    const { encodeRaftSnapshotData } = await import("../../../impl/storage/raft-storage.js");
    await new Snapshotter(join(dataDir, "member", "snap")).save({
      index: 8,
      term: 1,
      data: encodeRaftSnapshotData({ voters: [1], learners: [] }, enc("at 8")),
    });
    const reopened = await RaftDiskStorage.open({ dataDir });
    storage = reopened.storage;
    const recovered: RaftRecovered = reopened.recovered;
    expect(recovered.snapshot?.metadata.index).toBe(5);
    expect(storage.memory.lastIndex()).toBe(10);
    await storage.close();
  });

  it("raises a commit index a crash left below the snapshot's (marker durable, hard state not)", async () => {
    const dataDir = tempDir();
    let { storage } = await RaftDiskStorage.open({ dataDir });
    await storage.save({ entries: [ent(1, 1)], hardState: { term: 1, vote: 1, commit: 0 } });
    await storage.close();
    const { encodeRaftSnapshotData } = await import("../../../impl/storage/raft-storage.js");
    await new Snapshotter(join(dataDir, "member", "snap")).save({
      index: 50,
      term: 2,
      data: encodeRaftSnapshotData({ voters: [1], learners: [] }, enc("s")),
    });
    const { wal } = await Wal.open({ dir: join(dataDir, "member", "wal") });
    await wal.saveSnapshotMarker({ index: 50, term: 2 });
    await wal.close();
    const log = recordingLogger();
    const reopened = await RaftDiskStorage.open({ dataDir, logger: log });
    storage = reopened.storage;
    const recovered: RaftRecovered = reopened.recovered;
    expect(recovered.hardState.commit).toBe(50);
    expect(log.lines.some((l) => l.level === "warn" && /commit/.test(l.msg))).toBe(true);
    await storage.close();
  });

  it("matches MemoryStorage after any sequence of appends, overwrites and snapshots, then a reopen", async () => {
    type Op = { kind: "append"; back: number; n: number; term: number } | { kind: "snap"; back: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant("append" as const),
        back: fc.nat({ max: 3 }),
        n: fc.integer({ min: 1, max: 4 }),
        term: fc.integer({ min: 0, max: 1 }),
      }),
      fc.record({ kind: fc.constant("snap" as const), back: fc.nat({ max: 4 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const dataDir = tempDir();
        const { storage } = await RaftDiskStorage.open({ dataDir, segmentBytes: 200, catchUpEntries: 0 });
        const ref = new MemoryStorage();
        let term = 1;
        for (const op of ops) {
          const last = ref.lastIndex();
          if (op.kind === "append") {
            term += op.term;
            const from = Math.max(ref.firstIndex(), last + 1 - op.back);
            const ents = Array.from({ length: op.n }, (_, k) => ent(from + k, term));
            ref.append(ents);
            await storage.save({ entries: ents, hardState: { term, vote: 1, commit: ref.firstIndex() - 1 } });
          } else {
            const idx = last - op.back;
            if (idx <= ref.snapshot().metadata.index) continue;
            ref.createSnapshot(idx, { voters: [1], learners: [] }, enc(`s${idx}`));
            ref.compact(idx);
            await storage.createSnapshot(idx, { voters: [1], learners: [] }, enc(`s${idx}`));
          }
        }
        await storage.close();
        const { storage: again, recovered } = await RaftDiskStorage.open({ dataDir });
        expect(recovered.snapshot?.metadata.index ?? 0).toBe(ref.snapshot().metadata.index);
        expect(logOf(again.memory)).toEqual(logOf(ref));
        expect(again.memory.lastIndex()).toBe(ref.lastIndex());
        await again.close();
      }),
      { numRuns: 25 },
    );
  });

  it("drives a real single-member RawNode: commits survive a crash and the member continues", async () => {
    const dataDir = tempDir();
    const applied: string[] = [];
    async function run(node: RawNode, storage: RaftDiskStorage): Promise<void> {
      for (let guard = 0; node.hasReady() && guard < 100; guard++) {
        const rd = node.ready();
        await storage.save(rd); // persist before "sending" (a single member sends nothing)
        for (const e of rd.committedEntries) {
          if (e.type === EntryType.Normal && e.data.length) applied.push(dec(e.data));
          if (e.type === EntryType.ConfChange) node.applyConfChange(decodeConfChange(e.data));
        }
        node.advance(rd);
      }
    }
    let { storage } = await RaftDiskStorage.open({ dataDir });
    let node = new RawNode({ id: 1, storage: storage.memory, rand: new SeededRand(7) });
    node.bootstrap([1]);
    await run(node, storage);
    for (let i = 0; i < 30 && node.raft.role !== Role.Leader; i++) {
      node.tick();
      await run(node, storage);
    }
    expect(node.raft.role).toBe(Role.Leader);
    for (const v of ["a", "b", "c"]) {
      expect(node.propose(enc(v))).toBe("ok");
      await run(node, storage);
    }
    expect(applied).toEqual(["a", "b", "c"]);
    const term = node.raft.term;
    const crashed = storage;
    const reopened = await RaftDiskStorage.open({ dataDir });
    storage = reopened.storage;
    const recovered: RaftRecovered = reopened.recovered;
    expect(recovered.hardState.term).toBe(term);
    applied.length = 0;
    node = new RawNode({ id: 1, storage: storage.memory, rand: new SeededRand(8) });
    await run(node, storage);
    expect(applied).toEqual(["a", "b", "c"]); // re-applied from the durable log
    for (let i = 0; i < 30 && node.raft.role !== Role.Leader; i++) {
      node.tick();
      await run(node, storage);
    }
    expect(node.raft.role).toBe(Role.Leader);
    expect(node.raft.term).toBeGreaterThan(term);
    expect(node.propose(enc("d"))).toBe("ok");
    await run(node, storage);
    expect(applied).toEqual(["a", "b", "c", "d"]);
    await crashed.close();
    await storage.close();
  });
});
