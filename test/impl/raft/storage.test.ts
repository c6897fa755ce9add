import { describe, it, expect } from "vitest";
import { MemoryStorage, limitSize } from "../../../impl/raft/storage.js";
import { EntryType, emptyBytes } from "../../../impl/raft/types.js";
import type { Entry } from "../../../impl/raft/types.js";

const ent = (index: number, term: number, size = 0): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: size ? new Uint8Array(size) : emptyBytes,
});

describe("MemoryStorage", () => {
  it("append replaces a conflicting suffix and refuses gaps", () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
    s.append([ent(2, 2)]);
    expect(s.lastIndex()).toBe(2);
    expect(s.term(2)).toBe(2);
    expect(() => s.append([ent(5, 2)])).toThrow(/missing log entry/);
  });

  it("snapshots, compaction and typed misses", () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
    expect(() => s.compact(2)).toThrow(/not covered by the snapshot/);
    const snap = s.createSnapshot(3, { voters: [1, 2], learners: [] }, new Uint8Array([7]));
    expect(snap).not.toBe("out-of-date");
    expect(s.createSnapshot(2, { voters: [1], learners: [] }, emptyBytes)).toBe("out-of-date");
    expect(s.compact(3)).toBe("ok");
    expect(s.compact(2)).toBe("compacted");
    expect(s.firstIndex()).toBe(4);
    expect(s.term(3)).toBe(2);
    expect(s.term(2)).toBe("compacted");
    expect(s.term(9)).toBe("unavailable");
    expect(s.entries(2, 4, Infinity)).toBe("compacted");
    expect(s.initialState().confState.voters).toEqual([1, 2]);
  });

  it("applySnapshot replaces the log; an older snapshot is refused", () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1)]);
    s.applySnapshot({
      metadata: { index: 10, term: 3, confState: { voters: [1], learners: [] } },
      data: emptyBytes,
    });
    expect(s.firstIndex()).toBe(11);
    expect(s.lastIndex()).toBe(10);
    expect(s.term(10)).toBe(3);
    expect(() =>
      s.applySnapshot({
        metadata: { index: 5, term: 3, confState: { voters: [1], learners: [] } },
        data: emptyBytes,
      }),
    ).toThrow(/not newer/);
  });

  it("limitSize keeps at least one entry", () => {
    const ents = [ent(1, 1, 100), ent(2, 1, 100), ent(3, 1, 100)];
    expect(limitSize(ents, 1).length).toBe(1);
    expect(limitSize(ents, 240).length).toBe(2);
    expect(limitSize(ents, Infinity).length).toBe(3);
  });
});
