/**
 * The simulated disk's crash model (impl/server/cluster/sim/disk.ts): writes reach the Raft
 * core's MemoryStorage only when they complete; a power loss keeps only what was synced
 * (`mustSync` writes and snapshots sync everything before them), a kill -9 keeps what was
 * written; writes in flight at a crash are lost; a full disk fails writes with NoSpaceError and
 * changes nothing.
 */
import { describe, expect, it } from "vitest";
import { SimDisk } from "../../../../../impl/server/cluster/sim/disk.js";
import { NodeClock, Scheduler, SimEnv } from "../../../../../impl/server/cluster/sim/scheduler.js";
import { EntryType, SeededRand, type Entry } from "../../../../../impl/raft/index.js";
import { NoSpaceError } from "../../../../../impl/storage/index.js";

const ent = (index: number, term = 1): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array([index]),
});

function setup() {
  const sched = new Scheduler();
  const clock = new NodeClock(sched);
  const disk = new SimDisk(sched, new SeededRand(1), { minMs: 1, maxMs: 2, catchUpEntries: 0 });
  const env = new SimEnv(sched, clock, 7);
  return { sched, clock, disk, env, h: disk.open(env) };
}

describe("SimDisk", () => {
  it("a write reaches memory when it completes; a power loss keeps only what was synced", async () => {
    const { sched, disk, env, h } = setup();
    const saved = h.save({
      entries: [ent(1), ent(2)],
      hardState: { term: 1, vote: 1, commit: 0 },
      mustSync: true,
    });
    expect(h.memory.lastIndex()).toBe(0);
    await sched.run(10);
    await saved;
    expect(h.memory.lastIndex()).toBe(2);
    // Only the commit index changes: written, not synced.
    const p2 = h.save({ hardState: { term: 1, vote: 1, commit: 2 }, mustSync: false });
    await sched.run(20);
    await p2;
    env.kill();
    disk.crash(true);
    const env2 = new SimEnv(sched, new NodeClock(sched), 8);
    const after = disk.open(env2);
    expect(after.memory.lastIndex()).toBe(2);
    expect(after.memory.initialState().hardState.commit).toBe(0);
  });

  it("a kill -9 keeps what was written, and loses writes still in flight", async () => {
    const { sched, disk, env, h } = setup();
    void h.save({ entries: [ent(1)], hardState: { term: 1, vote: 1, commit: 1 }, mustSync: false });
    await sched.run(10);
    let done = false;
    void h.save({ entries: [ent(2)], mustSync: true }).then(() => (done = true));
    env.kill();
    disk.crash(false);
    await sched.run(30);
    expect(done).toBe(false);
    const after = disk.open(new SimEnv(sched, new NodeClock(sched), 9));
    expect(after.memory.lastIndex()).toBe(1);
    expect(after.memory.initialState().hardState.commit).toBe(1);
  });

  it("a snapshot syncs and compacts; restart starts from it", async () => {
    const { sched, disk, env, h } = setup();
    const p = h.save({
      entries: [ent(1), ent(2), ent(3)],
      hardState: { term: 1, vote: 1, commit: 3 },
      mustSync: false,
    });
    await sched.run(10);
    await p;
    const s = h.createSnapshot(2, { voters: [1], learners: [] }, new Uint8Array([42]));
    await sched.run(20);
    expect(typeof (await s)).toBe("object");
    env.kill();
    disk.crash(true);
    const after = disk.open(new SimEnv(sched, new NodeClock(sched), 9));
    expect(after.recoveredSnapshot?.metadata.index).toBe(2);
    expect(after.memory.lastIndex()).toBe(3);
    expect(after.memory.firstIndex()).toBe(3);
  });

  it("a full disk fails writes with NoSpaceError and changes nothing", async () => {
    const { sched, disk, h } = setup();
    disk.full = true;
    const p = h.save({ entries: [ent(1)], hardState: { term: 1, vote: 1, commit: 0 }, mustSync: true });
    const caught = p.catch((e: unknown) => e);
    await sched.run(10);
    expect(await caught).toBeInstanceOf(NoSpaceError);
    expect(h.memory.lastIndex()).toBe(0);
    disk.full = false;
    const q = h.save({ entries: [ent(1)], mustSync: true });
    await sched.run(20);
    await q;
    expect(h.memory.lastIndex()).toBe(1);
  });
});
