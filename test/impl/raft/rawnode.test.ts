import { describe, it, expect } from "vitest";
import { RawNode, MemoryStorage, SeededRand, Role, EntryType } from "../../../impl/raft/index.js";
import type { Ready } from "../../../impl/raft/index.js";

function persistAndApply(storage: MemoryStorage, rd: Ready, applied: string[]): void {
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
  for (const e of rd.committedEntries)
    if (e.type === EntryType.Normal) applied.push(new TextDecoder().decode(e.data));
}

describe("RawNode", () => {
  it("a single node elects itself, commits and applies proposals, and survives a restart", () => {
    const storage = new MemoryStorage();
    let node = new RawNode({ id: 1, storage, rand: new SeededRand(1) });
    node.bootstrap([1]);
    const applied: string[] = [];
    const drain = () => {
      while (node.hasReady()) {
        const rd = node.ready();
        persistAndApply(storage, rd, applied);
        expect(rd.messages).toEqual([]);
        node.advance(rd);
      }
    };
    drain();
    expect(node.propose(new TextEncoder().encode("lost"))).toBe("dropped"); // no leader yet
    for (let i = 0; i < 20 && node.status().role !== Role.Leader; i++) {
      node.tick();
      drain();
    }
    expect(node.status().role).toBe(Role.Leader);
    expect(node.propose(new TextEncoder().encode("a"))).toBe("ok");
    expect(node.propose(new TextEncoder().encode("b"))).toBe("ok");
    drain();
    expect(applied).toEqual(["a", "b"]);
    const st = node.status();
    expect(st.commit).toBe(st.lastIndex);
    expect(st.applied).toBe(st.commit);
    expect(st.progress?.get(1)?.match).toBe(st.lastIndex);

    // Restart from storage: term, vote and log survive; the state machine is replayed.
    const term = st.term;
    node = new RawNode({ id: 1, storage, rand: new SeededRand(2) });
    const replayed: string[] = [];
    const rd = node.ready();
    persistAndApply(storage, rd, replayed);
    node.advance(rd);
    expect(replayed).toEqual(["a", "b"]);
    expect(node.status().term).toBe(term);
    expect(node.status().role).toBe(Role.Follower);
  });

  it("ReadIndex on a single-voter leader is answered at once at the commit index", () => {
    const storage = new MemoryStorage();
    const node = new RawNode({ id: 1, storage, rand: new SeededRand(1) });
    node.bootstrap([1]);
    const drain = () => {
      const out: Ready[] = [];
      while (node.hasReady()) {
        const rd = node.ready();
        persistAndApply(storage, rd, []);
        node.advance(rd);
        out.push(rd);
      }
      return out;
    };
    drain();
    node.campaign();
    drain();
    node.readIndex(new Uint8Array([42]));
    const rs = drain().flatMap((r) => r.readStates);
    expect(rs).toHaveLength(1);
    expect(rs[0]!.index).toBe(node.status().commit);
    expect(Array.from(rs[0]!.requestCtx)).toEqual([42]);
  });

  it("rejects bad configuration and misuse with clear errors", () => {
    const storage = new MemoryStorage();
    expect(() => new RawNode({ id: 0, storage, rand: new SeededRand(1) })).toThrow(/id must be a positive/);
    expect(
      () => new RawNode({ id: 1, storage, rand: new SeededRand(1), electionTick: 1, heartbeatTick: 1 }),
    ).toThrow(/electionTick must be greater/);
    const node = new RawNode({ id: 1, storage, rand: new SeededRand(1) });
    node.bootstrap([1]);
    const rd = node.ready();
    persistAndApply(storage, rd, []);
    node.advance(rd);
    expect(() => new RawNode({ id: 1, storage, rand: new SeededRand(1) }).bootstrap([1])).toThrow(
      /nonempty storage/,
    );
  });
});
