import { describe, expect, test } from "vitest";
import { MvccStore, EventType } from "../../../impl/mvcc/index.js";
import { b, row, s, thrown, ZERO } from "./helpers.js";

describe("revisions (etcd's main revision, create/mod revision, version)", () => {
  test("a fresh store is at revision 1; each put increments it once", () => {
    const st = new MvccStore();
    expect(st.currentRevision).toBe(1);
    expect(st.put({ key: b("a"), value: b("1") }).header.revision).toBe(2);
    expect(st.put({ key: b("a"), value: b("2") }).header.revision).toBe(3);
    expect(st.put({ key: b("b"), value: b("x") }).header.revision).toBe(4);
    expect(st.range({ key: b("a") }).kvs.map(row)).toEqual([["a", "2", 2, 3, 2, 0]]);
    expect(st.range({ key: b("b") }).kvs.map(row)).toEqual([["b", "x", 4, 4, 1, 0]]);
  });

  test("a delete leaves a tombstone and a re-created key starts a new generation", () => {
    const st = new MvccStore();
    st.put({ key: b("k"), value: b("1") }); // 2
    st.put({ key: b("k"), value: b("2") }); // 3
    const del = st.deleteRange({ key: b("k"), prevKv: true }); // 4
    expect(del.header.revision).toBe(4);
    expect(del.deleted).toBe(1);
    expect(del.prevKvs.map(row)).toEqual([["k", "2", 2, 3, 2, 0]]);
    expect(st.range({ key: b("k") }).count).toBe(0);
    st.put({ key: b("k"), value: b("3") }); // 5
    expect(st.range({ key: b("k") }).kvs.map(row)).toEqual([["k", "3", 5, 5, 1, 0]]);
    // the past is still readable
    expect(st.range({ key: b("k"), revision: 3 }).kvs.map(row)).toEqual([["k", "2", 2, 3, 2, 0]]);
    expect(st.range({ key: b("k"), revision: 4 }).kvs).toEqual([]);
    expect(st.range({ key: b("k"), revision: 1 }).kvs).toEqual([]);
  });

  test("deleting nothing does not make a revision", () => {
    const st = new MvccStore();
    st.put({ key: b("a") });
    const r = st.deleteRange({ key: b("zz") });
    expect(r).toEqual({ header: { revision: 2 }, deleted: 0, prevKvs: [] });
    expect(st.currentRevision).toBe(2);
  });

  test("delete over a range removes keys in key order with sub-revisions in one revision", () => {
    const st = new MvccStore();
    for (const k of ["a", "b", "c", "d"]) st.put({ key: b(k), value: b(k) });
    const w = st.watch({ key: b("a"), rangeEnd: ZERO });
    const r = st.deleteRange({ key: b("b"), rangeEnd: b("d") });
    expect(r.deleted).toBe(2);
    expect(r.header.revision).toBe(6);
    const resp = st.takeWatchResponses();
    expect(resp).toHaveLength(1);
    expect(resp[0]!.watchId).toBe(w);
    expect(resp[0]!.events.map((e) => [e.type, s(e.kv.key), e.kv.modRevision])).toEqual([
      [EventType.DELETE, "b", 6],
      [EventType.DELETE, "c", 6],
    ]);
  });
});

describe("range", () => {
  function fill(): MvccStore {
    const st = new MvccStore();
    st.put({ key: b("foo"), value: b("3") }); // 2
    st.put({ key: b("foo/a"), value: b("1") }); // 3
    st.put({ key: b("foo/b"), value: b("2") }); // 4
    st.put({ key: b("foo/a"), value: b("0") }); // 5
    st.put({ key: b("fop"), value: b("9") }); // 6
    st.put({ key: new Uint8Array([0xff, 1]), value: b("hi") }); // 7
    return st;
  }

  test("prefix form [key, key+1) and from-key form rangeEnd = \\0, in byte order", () => {
    const st = fill();
    expect(st.range({ key: b("foo/"), rangeEnd: b("foo0") }).kvs.map((kv) => s(kv.key))).toEqual([
      "foo/a",
      "foo/b",
    ]);
    const all = st.range({ key: ZERO, rangeEnd: ZERO });
    expect(all.count).toBe(5);
    expect(all.kvs.map((kv) => Array.from(kv.key))).toEqual([
      ...["foo", "foo/a", "foo/b", "fop"].map((k) => Array.from(b(k))),
      [0xff, 1],
    ]);
    expect(
      st
        .range({ key: b("foo/b"), rangeEnd: ZERO })
        .kvs.map((kv) => s(kv.key))
        .slice(0, 2),
    ).toEqual(["foo/b", "fop"]);
    // an inverted range is empty
    expect(st.range({ key: b("z"), rangeEnd: b("a") }).count).toBe(0);
  });

  test("limit sets more; count is always the full count", () => {
    const st = fill();
    const r = st.range({ key: b("f"), rangeEnd: b("g"), limit: 2 });
    expect(r.kvs.map((kv) => s(kv.key))).toEqual(["foo", "foo/a"]);
    expect(r.more).toBe(true);
    expect(r.count).toBe(4);
    const r2 = st.range({ key: b("f"), rangeEnd: b("g"), limit: 4 });
    expect(r2.more).toBe(false);
    expect(r2.kvs).toHaveLength(4);
  });

  test("count_only and keys_only", () => {
    const st = fill();
    expect(st.range({ key: b("f"), rangeEnd: b("g"), countOnly: true })).toEqual({
      header: { revision: 7 },
      kvs: [],
      more: false,
      count: 4,
    });
    const k = st.range({ key: b("foo"), keysOnly: true });
    expect(k.kvs.map(row)).toEqual([["foo", "", 2, 2, 1, 0]]);
    // keys_only does not damage the stored value
    expect(st.range({ key: b("foo") }).kvs.map(row)).toEqual([["foo", "3", 2, 2, 1, 0]]);
  });

  test("sort by every target, both orders; a non-key target with order NONE sorts ascending", () => {
    const st = fill();
    const keys = (sortTarget: string, sortOrder: string) =>
      st.range({ key: b("f"), rangeEnd: b("g"), sortTarget, sortOrder }).kvs.map((kv) => s(kv.key));
    expect(keys("KEY", "DESCEND")).toEqual(["fop", "foo/b", "foo/a", "foo"]);
    expect(keys("VALUE", "ASCEND")).toEqual(["foo/a", "foo/b", "foo", "fop"]);
    expect(keys("VALUE", "NONE")).toEqual(["foo/a", "foo/b", "foo", "fop"]);
    expect(keys("VERSION", "DESCEND")).toEqual(["foo/a", "foo", "foo/b", "fop"]);
    expect(keys("CREATE", "DESCEND")).toEqual(["fop", "foo/b", "foo/a", "foo"]);
    expect(keys("MOD", "ASCEND")).toEqual(["foo", "foo/b", "foo/a", "fop"]);
    // numeric enums work too, and an unknown one is etcd's invalid sort option
    expect(
      st.range({ key: b("f"), rangeEnd: b("g"), sortTarget: 3, sortOrder: 2 }).kvs.map((kv) => s(kv.key)),
    ).toEqual(["fop", "foo/a", "foo/b", "foo"]);
    expect(thrown(() => st.range({ key: b("f"), sortTarget: 9 }))?.message).toBe(
      "etcdserver: invalid sort option",
    );
  });

  test("sort then limit: the limit applies after sorting", () => {
    const st = fill();
    const r = st.range({ key: b("f"), rangeEnd: b("g"), sortTarget: "MOD", sortOrder: "DESCEND", limit: 1 });
    expect(r.kvs.map((kv) => s(kv.key))).toEqual(["fop"]);
    expect(r.more).toBe(true);
    expect(r.count).toBe(4);
  });

  test("min/max mod/create revision filters prune kvs but not count", () => {
    const st = fill();
    const q = (extra: object) => st.range({ key: b("f"), rangeEnd: b("g"), ...extra });
    expect(q({ minModRevision: 5 }).kvs.map((kv) => s(kv.key))).toEqual(["foo/a", "fop"]);
    expect(q({ maxModRevision: 4 }).kvs.map((kv) => s(kv.key))).toEqual(["foo", "foo/b"]);
    expect(q({ minCreateRevision: 3, maxCreateRevision: 4 }).kvs.map((kv) => s(kv.key))).toEqual([
      "foo/a",
      "foo/b",
    ]);
    expect(q({ minModRevision: 5 }).count).toBe(4);
    const lim = q({ minModRevision: 3, limit: 1 });
    expect(lim.kvs.map((kv) => s(kv.key))).toEqual(["foo/a"]);
    expect(lim.more).toBe(true);
  });

  test("reads in the past; future and compacted revisions fail with etcd's errors", () => {
    const st = fill();
    expect(st.range({ key: b("foo/a"), revision: 4 }).kvs.map(row)).toEqual([["foo/a", "1", 3, 3, 1, 0]]);
    expect(st.range({ key: b("f"), rangeEnd: b("g"), revision: 3 }).count).toBe(2);
    expect(st.range({ key: b("foo"), revision: 4 }).header.revision).toBe(7);
    expect(thrown(() => st.range({ key: b("foo"), revision: 8 }))).toEqual({
      name: "FutureRev",
      message: "etcdserver: mvcc: required revision is a future revision",
      code: 11,
    });
    st.compact(5);
    expect(thrown(() => st.range({ key: b("foo"), revision: 4 }))).toEqual({
      name: "Compacted",
      message: "etcdserver: mvcc: required revision has been compacted",
      code: 11,
    });
    expect(st.range({ key: b("foo/a"), revision: 5 }).kvs.map(row)).toEqual([["foo/a", "0", 3, 5, 2, 0]]);
    expect(st.range({ key: b("foo"), revision: 5 }).kvs.map(row)).toEqual([["foo", "3", 2, 2, 1, 0]]);
  });

  test("an empty key is etcd's 'key is not provided'", () => {
    const st = new MvccStore();
    for (const f of [
      () => st.range({ key: new Uint8Array(0) }),
      () => st.put({ key: new Uint8Array(0), value: b("x") }),
      () => st.deleteRange({ key: new Uint8Array(0) }),
    ])
      expect(thrown(f)).toEqual({ name: "EmptyKey", message: "etcdserver: key is not provided", code: 3 });
  });
});

describe("put", () => {
  test("prev_kv returns the previous kv only when asked and only if there was one", () => {
    const st = new MvccStore();
    expect(st.put({ key: b("a"), value: b("1"), prevKv: true })).toEqual({ header: { revision: 2 } });
    expect(st.put({ key: b("a"), value: b("2") })).toEqual({ header: { revision: 3 } });
    expect(row(st.put({ key: b("a"), value: b("3"), prevKv: true }).prevKv!)).toEqual(["a", "2", 2, 3, 2, 0]);
  });

  test("ignore_value and ignore_lease keep the old value/lease; on a missing key: 'key not found'", () => {
    const st = new MvccStore();
    const { ID } = st.leaseGrant({ TTL: 10, ID: 7 }, 0);
    st.put({ key: b("a"), value: b("v"), lease: ID });
    st.put({ key: b("a"), ignoreValue: true, lease: ID });
    expect(st.range({ key: b("a") }).kvs.map(row)).toEqual([["a", "v", 2, 3, 2, 7]]);
    st.put({ key: b("a"), value: b("w"), ignoreLease: true });
    expect(st.range({ key: b("a") }).kvs.map(row)).toEqual([["a", "w", 2, 4, 3, 7]]);
    expect(thrown(() => st.put({ key: b("nope"), ignoreValue: true }))).toEqual({
      name: "KeyNotFound",
      message: "etcdserver: key not found",
      code: 3,
    });
    expect(thrown(() => st.put({ key: b("nope"), value: b("x"), ignoreLease: true }))?.name).toBe(
      "KeyNotFound",
    );
    expect(thrown(() => st.put({ key: b("a"), value: b("x"), ignoreValue: true }))?.message).toBe(
      "etcdserver: value is provided",
    );
    expect(thrown(() => st.put({ key: b("a"), lease: 7, ignoreLease: true }))?.message).toBe(
      "etcdserver: lease is provided",
    );
    expect(st.currentRevision).toBe(4);
  });

  test("the store copies keys and values: the caller may reuse its buffers", () => {
    const st = new MvccStore();
    const k = b("key");
    const v = b("value");
    st.put({ key: k, value: v });
    k[0] = 0x41;
    v[0] = 0x41;
    expect(st.range({ key: b("key") }).kvs.map(row)).toEqual([["key", "value", 2, 2, 1, 0]]);
  });
});
