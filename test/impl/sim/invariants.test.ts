import { describe, it, expect } from "vitest";
import { Invariants, simulate, ChainApp } from "../../../impl/sim/index.js";
import { RawNode, MemoryStorage, SeededRand, EntryType } from "../../../impl/raft/index.js";
import type { Entry } from "../../../impl/raft/index.js";

const e = (index: number, term: number, byte: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array([byte]),
});

function raftWithLog(entries: Entry[]) {
  const storage = new MemoryStorage();
  storage.append(entries);
  return new RawNode({ id: 1, storage, rand: new SeededRand(1) }).raft;
}

describe("invariant checks detect planted violations", () => {
  it("election safety: two leaders in one term", () => {
    const inv = new Invariants();
    inv.onLeader(1, 3, raftWithLog([]));
    inv.onLeader(1, 3, raftWithLog([])); // the same leader again is fine
    expect(inv.violations).toEqual([]);
    inv.onLeader(2, 3, raftWithLog([]));
    expect(inv.violations.map((v) => v.kind)).toEqual(["election-safety"]);
  });

  it("log matching: same index and term, different entry or different predecessor", () => {
    const inv = new Invariants();
    inv.onPersistEntries(1, [e(1, 1, 1), e(2, 1, 2)], 0);
    inv.onPersistEntries(2, [e(1, 1, 1), e(2, 1, 2)], 0);
    expect(inv.violations).toEqual([]);
    inv.onPersistEntries(3, [e(2, 1, 9)], 1);
    inv.onPersistEntries(4, [e(3, 2, 1)], 1);
    inv.onPersistEntries(5, [e(3, 2, 1)], 2);
    expect(inv.violations.map((v) => v.kind)).toEqual(["log-matching", "log-matching"]);
  });

  it("leader completeness: a leader missing a committed entry", () => {
    const inv = new Invariants();
    inv.onPersistCommit(1, 3, raftWithLog([e(1, 1, 1), e(2, 1, 2), e(3, 2, 3)]));
    inv.onLeader(2, 3, raftWithLog([e(1, 1, 1), e(2, 1, 2)]));
    inv.onLeader(3, 4, raftWithLog([e(1, 1, 1), e(2, 1, 2), e(3, 3, 3)]));
    expect(inv.violations.map((v) => v.kind)).toEqual(["leader-completeness", "leader-completeness"]);
  });

  it("state machine safety and stale reads", () => {
    const inv = new Invariants();
    inv.onApply(1, 5, 111);
    inv.onApply(2, 5, 111);
    inv.onRestore(3, 5, 111);
    expect(inv.violations).toEqual([]);
    inv.onApply(4, 5, 222);
    inv.onPersistCommit(1, 2, raftWithLog([e(1, 1, 1), e(2, 1, 2)]));
    inv.onReadStart(7);
    inv.onReadState(1, 7, { index: 2, requestCtx: new Uint8Array() });
    inv.onReadState(1, 7, { index: 1, requestCtx: new Uint8Array() });
    expect(inv.violations.map((v) => v.kind)).toEqual(["state-machine-safety", "stale-read"]);
  });

  it("committed prefix: a stored entry at a committed index with another term", () => {
    const inv = new Invariants();
    inv.onPersistCommit(1, 2, raftWithLog([e(1, 1, 1), e(2, 1, 2)]));
    inv.committedPrefixCheck(2, [e(1, 1, 1), e(2, 1, 2), e(3, 2, 3)], 3);
    expect(inv.violations).toEqual([]);
    inv.committedPrefixCheck(3, [e(1, 1, 1), e(2, 3, 2)], 2);
    expect(inv.violations.map((v) => v.kind)).toEqual(["state-machine-safety"]);
  });

  it("the simulator catches a node whose state machine diverges", () => {
    class Corrupt extends ChainApp {
      override apply(entry: Entry): void {
        super.apply(entry);
        if (entry.index === 40) this.chain ^= 1;
      }
    }
    const r = simulate({
      seed: 3,
      nodes: 3,
      ticks: 60,
      schedule: [],
      app: (id) => (id === 2 ? new Corrupt() : new ChainApp()),
    });
    expect(r.violations.some((v) => v.kind === "state-machine-safety")).toBe(true);
  });

  it("applications receive custom payloads and ReadIndex answers", () => {
    const seen = new Set<string>();
    let reads = 0;
    class Recorder extends ChainApp {
      override apply(entry: Entry): void {
        super.apply(entry);
        if (entry.type === EntryType.Normal && entry.data[0] === 0x7b)
          seen.add(new TextDecoder().decode(entry.data));
      }
      read(): void {
        reads++;
      }
    }
    const r = simulate({
      seed: 8,
      nodes: 3,
      ticks: 60,
      schedule: [],
      app: () => new Recorder(),
      payload: (seq) => new TextEncoder().encode(JSON.stringify({ put: seq })),
    });
    expect(r.violations).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].every((s) => /^\{"put":\d+\}$/.test(s))).toBe(true);
    expect(reads).toBe(r.readsAnswered);
    expect(reads).toBeGreaterThan(0);
  });

  it("liveness: a cluster that cannot recover is reported", () => {
    // No election can finish within 3 ticks of the start (the election timeout is 10 ticks).
    const r = simulate({ seed: 5, nodes: 3, ticks: 0, livenessTicks: 3, schedule: [] });
    expect(r.violations.map((v) => v.kind)).toEqual(["liveness"]);
  });
});
