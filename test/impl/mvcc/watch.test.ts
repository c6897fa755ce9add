import { describe, expect, test } from "vitest";
import { MvccStore, EventType } from "../../../impl/mvcc/index.js";
import type { WatchResponse } from "../../../impl/mvcc/index.js";
import { b, s, ZERO } from "./helpers.js";

/** [watchId, [type, key, value, modRevision, prevValue?]...] per response */
function view(rs: WatchResponse[]) {
  return rs.map((r) => [
    r.watchId,
    r.events.map((e) =>
      e.prevKv
        ? [e.type, s(e.kv.key), s(e.kv.value), e.kv.modRevision, s(e.prevKv.value)]
        : [e.type, s(e.kv.key), s(e.kv.value), e.kv.modRevision],
    ),
  ]);
}

describe("watch", () => {
  test("a key watcher from now on: one response per revision, its own key only", () => {
    const st = new MvccStore();
    const w = st.watch({ key: b("a") });
    expect(st.watchSynced(w)).toBe(true);
    st.put({ key: b("a"), value: b("1") });
    st.put({ key: b("b"), value: b("1") });
    st.put({ key: b("a"), value: b("2") });
    st.deleteRange({ key: b("a") });
    expect(st.hasPendingWatch()).toBe(true);
    expect(st.watchSynced(w)).toBe(false);
    const rs = st.takeWatchResponses();
    expect(rs.map((r) => r.header.revision)).toEqual([2, 4, 5]);
    expect(view(rs)).toEqual([
      [w, [[EventType.PUT, "a", "1", 2]]],
      [w, [[EventType.PUT, "a", "2", 4]]],
      [w, [[EventType.DELETE, "a", "", 5]]],
    ]);
    expect(st.hasPendingWatch()).toBe(false);
    expect(st.watchSynced(w)).toBe(true);
    expect(st.takeWatchResponses()).toEqual([]);
  });

  test("a txn's events come together in one response, in sub-revision order", () => {
    const st = new MvccStore();
    st.put({ key: b("p/x"), value: b("0") });
    const w = st.watch({ key: b("p/"), rangeEnd: b("p0"), prevKv: true });
    st.txn({
      success: [
        { requestPut: { key: b("p/y"), value: b("1") } },
        { requestDeleteRange: { key: b("p/x") } },
        { requestPut: { key: b("q"), value: b("1") } },
      ],
    });
    expect(view(st.takeWatchResponses())).toEqual([
      [
        w,
        [
          [EventType.PUT, "p/y", "1", 3],
          [EventType.DELETE, "p/x", "", 3, "0"],
        ],
      ],
    ]);
  });

  test("from a past revision: history replayed, then live events, with no gap and no duplicate", () => {
    const st = new MvccStore({ watchBatchMaxRevs: 2 });
    for (let i = 0; i < 5; i++) st.put({ key: b("k"), value: b(String(i)) }); // revs 2..6
    const w = st.watch({ key: b("k"), startRevision: 3, prevKv: true });
    st.put({ key: b("k"), value: b("5") }); // 7, while w is still catching up
    const got: WatchResponse[] = [];
    while (st.hasPendingWatch()) got.push(...st.takeWatchResponses());
    // batches of at most 2 revisions, prev_kv on each
    expect(got.map((r) => r.events.map((e) => e.kv.modRevision))).toEqual([[3, 4], [5, 6], [7]]);
    expect(got.flatMap((r) => r.events.map((e) => s(e.prevKv!.value)))).toEqual(["0", "1", "2", "3", "4"]);
    st.put({ key: b("k"), value: b("6") });
    expect(st.takeWatchResponses().map((r) => r.events.map((e) => e.kv.modRevision))).toEqual([[8]]);
    expect(w).toBe(1);
  });

  test("a start revision in the future waits for it", () => {
    const st = new MvccStore();
    st.watch({ key: b("k"), startRevision: 4 });
    st.put({ key: b("k") }); // 2
    st.put({ key: b("k") }); // 3
    st.put({ key: b("k") }); // 4
    expect(st.takeWatchResponses().flatMap((r) => r.events.map((e) => e.kv.modRevision))).toEqual([4]);
  });

  test("filters: NOPUT and NODELETE; an all-filtered revision sends nothing", () => {
    const st = new MvccStore();
    const noPut = st.watch({ key: b("k"), filters: ["NOPUT"] });
    const noDel = st.watch({ key: b("k"), filters: [1] });
    st.put({ key: b("k") });
    st.deleteRange({ key: b("k") });
    expect(view(st.takeWatchResponses())).toEqual([
      [noPut, [[EventType.DELETE, "k", "", 3]]],
      [noDel, [[EventType.PUT, "k", "", 2]]],
    ]);
  });

  test("a start below the compacted revision: one compacted, canceled response, then the watcher is gone", () => {
    const st = new MvccStore();
    for (let i = 0; i < 4; i++) st.put({ key: b("k") }); // 2..5
    st.compact(4);
    const w = st.watch({ key: b("k"), startRevision: 2 });
    expect(st.takeWatchResponses()).toEqual([
      { header: { revision: 5 }, watchId: w, events: [], compactRevision: 4, canceled: true },
    ]);
    expect(st.watcherCount).toBe(0);
    expect(st.hasPendingWatch()).toBe(false);
    // from the compacted revision itself is allowed (etcd: start < compact fails)
    const w2 = st.watch({ key: b("k"), startRevision: 4 });
    expect(st.takeWatchResponses().map((r) => [r.watchId, r.events.map((e) => e.kv.modRevision)])).toEqual([
      [w2, [4, 5]],
    ]);
  });

  test("a watcher lagging behind a compaction is canceled with the compact revision", () => {
    const st = new MvccStore({ watchBatchMaxRevs: 1 });
    for (let i = 0; i < 4; i++) st.put({ key: b("k") }); // 2..5
    const w = st.watch({ key: b("k"), startRevision: 2 });
    expect(st.takeWatchResponses().map((r) => r.events.map((e) => e.kv.modRevision))).toEqual([[2]]);
    st.compact(5);
    expect(st.takeWatchResponses()).toEqual([
      { header: { revision: 5 }, watchId: w, events: [], compactRevision: 5, canceled: true },
    ]);
  });

  test("cancel stops delivery; take by ids leaves the others pending", () => {
    const st = new MvccStore();
    const a = st.watch({ key: b("k") });
    const c = st.watch({ key: ZERO, rangeEnd: ZERO });
    st.put({ key: b("k") });
    expect(st.takeWatchResponses([c]).map((r) => r.watchId)).toEqual([c]);
    expect(st.cancelWatch(a)).toBe(true);
    expect(st.cancelWatch(a)).toBe(false);
    expect(st.takeWatchResponses()).toEqual([]);
    st.put({ key: b("k") });
    expect(st.takeWatchResponses().map((r) => r.watchId)).toEqual([c]);
  });

  test("watchers survive a restore and catch up from where they were", () => {
    const src = new MvccStore();
    src.put({ key: b("k"), value: b("1") }); // 2
    const st = new MvccStore();
    const w = st.watch({ key: b("k") });
    st.put({ key: b("k"), value: b("1") }); // 2
    expect(st.takeWatchResponses()).toHaveLength(1);
    src.put({ key: b("k"), value: b("2") }); // 3
    src.put({ key: b("j"), value: b("2") }); // 4
    st.restore(src.serialize());
    const rs = st.takeWatchResponses();
    expect(rs.map((r) => [r.watchId, r.events.map((e) => [s(e.kv.value), e.kv.modRevision])])).toEqual([
      [w, [["2", 3]]],
    ]);
    st.put({ key: b("k"), value: b("3") });
    expect(st.takeWatchResponses().flatMap((r) => r.events.map((e) => e.kv.modRevision))).toEqual([5]);
  });
});

describe("watch at the compacted revision (etcd keeps only the puts of that revision, without prev_kv)", () => {
  function compacted(): MvccStore {
    const st = new MvccStore();
    st.put({ key: b("a"), value: b("1") }); // 2
    st.put({ key: b("d"), value: b("1") }); // 3
    st.txn({
      success: [{ requestPut: { key: b("a"), value: b("2") } }, { requestDeleteRange: { key: b("d") } }],
    }); // 4
    st.put({ key: b("a"), value: b("3") }); // 5
    st.compact(4);
    return st;
  }
  const events = (st: MvccStore) => {
    st.watch({ key: ZERO, rangeEnd: ZERO, startRevision: 4, prevKv: true });
    return st
      .takeWatchResponses()
      .flatMap((r) =>
        r.events.map((e) => [e.type, s(e.kv.key), e.kv.modRevision, e.prevKv ? s(e.prevKv.value) : null]),
      );
  };
  const want = [
    [EventType.PUT, "a", 4, null],
    [EventType.PUT, "a", 5, "2"],
  ];

  test("live store", () => {
    expect(events(compacted())).toEqual(want);
  });

  test("after a snapshot round trip", () => {
    expect(events(MvccStore.fromSnapshot(compacted().serialize()))).toEqual(want);
  });

  test("the deleted key's tombstone is gone from the snapshot", () => {
    const st = compacted();
    const fresh = new MvccStore();
    fresh.put({ key: b("a"), value: b("1") });
    fresh.put({ key: b("d"), value: b("1") });
    fresh.txn({
      success: [{ requestPut: { key: b("a"), value: b("2") } }, { requestDeleteRange: { key: b("d") } }],
    });
    fresh.put({ key: b("a"), value: b("3") });
    fresh.compact(3);
    // compacting at 4 removed d entirely; compacting at 3 keeps d's put at 3 and its tombstone at 4
    expect(st.serialize().length).toBeLessThan(fresh.serialize().length);
    expect(st.hashKV(5).hash).not.toBe(fresh.hashKV(5).hash);
  });
});

describe("watch catch-up batches count revisions with events", () => {
  test("revisions without a matching event do not use up a batch", () => {
    const st = new MvccStore({ watchBatchMaxRevs: 1 });
    st.put({ key: b("x") }); // 2
    st.put({ key: b("y") }); // 3
    st.put({ key: b("x") }); // 4
    st.watch({ key: b("y"), startRevision: 2 });
    const first = st.takeWatchResponses();
    expect(first.map((r) => r.events.map((e) => e.kv.modRevision))).toEqual([[3]]);
  });
});

describe("progress notifications", () => {
  test("only for a synced watcher, at the current revision", () => {
    const st = new MvccStore({ watchBatchMaxRevs: 1 });
    st.put({ key: b("k") }); // 2
    st.put({ key: b("k") }); // 3
    const live = st.watch({ key: b("k") });
    const past = st.watch({ key: b("k"), startRevision: 2 });
    expect(st.watchProgress(live)).toEqual({
      header: { revision: 3 },
      watchId: live,
      events: [],
      compactRevision: 0,
      canceled: false,
    });
    expect(st.watchProgress(past)).toBeUndefined();
    st.takeWatchResponses(); // past gets revision 2 only (batches of 1)
    expect(st.watchProgress(past)).toBeUndefined();
    st.takeWatchResponses(); // and now 3
    expect(st.watchProgress(past)?.header.revision).toBe(3);
    st.put({ key: b("k") }); // 4: both have an undelivered event
    expect(st.watchProgress(live)).toBeUndefined();
    st.takeWatchResponses();
    expect(st.watchProgress(live)?.header.revision).toBe(4);
    expect(st.watchProgress(999)).toBeUndefined();
  });

  test("a held watcher keeps nothing, then catches up from its first undelivered revision", () => {
    const st = new MvccStore();
    const w = st.watch({ key: b("k") });
    const other = st.watch({ key: b("k") });
    st.put({ key: b("k"), value: b("1") }); // 2: pending for w when held
    expect(st.holdWatch(w)).toBe(true);
    st.put({ key: b("k"), value: b("2") }); // 3
    st.put({ key: b("x") }); // 4
    st.put({ key: b("k"), value: b("3") }); // 5
    // Only the other watcher is served while w is held.
    expect(new Set(st.takeWatchResponses().map((r) => r.watchId))).toEqual(new Set([other]));
    expect(st.hasPendingWatch()).toBe(false);
    expect(st.watchSynced(w)).toBe(false);
    expect(st.watchProgress(w)).toBeUndefined();
    expect(st.releaseWatch(w)).toBe(true);
    expect(st.releaseWatch(w)).toBe(false);
    expect(st.takeWatchResponses([w]).map((r) => r.events.map((e) => e.kv.modRevision))).toEqual([[2, 3, 5]]);
    expect(st.watchSynced(w)).toBe(true);
    st.put({ key: b("k") }); // 6: live again
    expect(st.takeWatchResponses([w]).map((r) => r.header.revision)).toEqual([6]);
  });

  test("hold with an earlier revision rewinds to it (a response taken but not delivered)", () => {
    const st = new MvccStore();
    const w = st.watch({ key: b("k") });
    st.put({ key: b("k") }); // 2
    st.put({ key: b("k") }); // 3
    const taken = st.takeWatchResponses();
    expect(taken.map((r) => r.header.revision)).toEqual([2, 3]);
    // 2 was written, 3 was not: the consumer holds the watcher from 3.
    st.holdWatch(w);
    st.holdWatch(w, 3);
    st.put({ key: b("k") }); // 4
    st.releaseWatch(w);
    expect(st.takeWatchResponses().map((r) => r.events.map((e) => e.kv.modRevision))).toEqual([[3, 4]]);
  });

  test("a watcher held across a compaction of what it had not received is canceled as etcd does", () => {
    const st = new MvccStore();
    const w = st.watch({ key: b("k") });
    st.put({ key: b("k") }); // 2
    st.holdWatch(w);
    st.put({ key: b("k") }); // 3
    st.compact(3);
    st.releaseWatch(w);
    expect(st.takeWatchResponses()).toEqual([
      { header: { revision: 3 }, watchId: w, events: [], compactRevision: 3, canceled: true },
    ]);
    expect(st.watcherCount).toBe(0);
    expect(st.holdWatch(w)).toBe(false);
  });
});
