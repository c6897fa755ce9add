import { describe, it, expect } from "vitest";
import { RaftLog } from "../../../impl/raft/log.js";
import { MemoryStorage } from "../../../impl/raft/storage.js";
import { EntryType, emptyBytes } from "../../../impl/raft/types.js";
import type { Entry } from "../../../impl/raft/types.js";

const ent = (index: number, term: number, data = ""): Entry => ({
  index,
  term,
  type: data ? EntryType.Normal : EntryType.Empty,
  data: data ? new TextEncoder().encode(data) : emptyBytes,
});

function logWith(terms: number[]): RaftLog {
  const s = new MemoryStorage();
  s.append(terms.map((t, i) => ent(i + 1, t)));
  return new RaftLog(s);
}

describe("RaftLog", () => {
  it("maybeAppend: consistency check and conflict truncation (§5.3)", () => {
    const log = logWith([1, 1, 2, 2]);
    // Mismatch at the previous entry: refused.
    expect(log.maybeAppend(4, 3, 0, [ent(5, 3)])).toBeUndefined();
    // Matching previous entry, conflicting tail from index 3: replaced.
    expect(log.maybeAppend(2, 1, 3, [ent(3, 3), ent(4, 3)])).toBe(4);
    expect(log.term(3)).toBe(3);
    expect(log.committed).toBe(3);
    // Appending entries we already have changes nothing.
    expect(log.maybeAppend(2, 1, 3, [ent(3, 3)])).toBe(3);
    expect(log.lastIndex()).toBe(4);
  });

  it("refuses to truncate committed entries", () => {
    const log = logWith([1, 1, 2]);
    log.commitTo(3);
    expect(() => log.maybeAppend(1, 1, 3, [ent(2, 5)])).toThrow(/conflicts with committed/);
  });

  it("commits only entries of the current term by counting (§5.4.2)", () => {
    const log = logWith([1, 2, 2]);
    expect(log.maybeCommit(3, 3)).toBe(false);
    expect(log.committed).toBe(0);
    expect(log.maybeCommit(3, 2)).toBe(true);
    expect(log.committed).toBe(3);
  });

  it("findConflictByTerm skips whole terms", () => {
    const log = logWith([1, 1, 2, 2, 2, 4, 4]);
    expect(log.findConflictByTerm(7, 3)).toBe(5);
    expect(log.findConflictByTerm(7, 4)).toBe(7);
    expect(log.findConflictByTerm(7, 0)).toBe(0);
  });

  it("isUpToDate compares last term, then length (§5.4.1)", () => {
    const log = logWith([1, 2, 2]);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  it("unstable entries become stable, committed ones become applicable", () => {
    const log = logWith([1]);
    log.append([ent(2, 1, "a"), ent(3, 1, "b")]);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([2, 3]);
    (log.storage as MemoryStorage).append(log.unstableEntries().slice(0, 1)); // persist entry 2
    log.stableTo(2, 1);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3]);
    log.commitTo(3);
    expect(log.nextEnts().map((e) => e.index)).toEqual([1, 2, 3]);
    log.appliedTo(2);
    expect(log.nextEnts().map((e) => e.index)).toEqual([3]);
    expect(() => log.appliedTo(1)).toThrow(/out of range/);
  });

  it("reads across a compacted prefix report it as compacted", () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
    s.createSnapshot(3, { voters: [1], learners: [] }, emptyBytes);
    s.compact(3);
    const log = new RaftLog(s);
    expect(log.firstIndex()).toBe(4);
    expect(log.term(3)).toBe(2);
    expect(log.term(2)).toBeUndefined();
    expect(log.entries(2, Infinity)).toBeUndefined();
    expect(log.entries(4, Infinity)!.map((e) => e.index)).toEqual([4]);
  });
});
