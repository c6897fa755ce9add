import { describe, expect, test } from "vitest";
import { MvccStore } from "../../../impl/mvcc/index.js";
import { b, row, thrown, ZERO } from "./helpers.js";

describe("compact", () => {
  test("at or below the compacted revision: 'compacted'; above the current one: 'future revision'", () => {
    const st = new MvccStore();
    st.put({ key: b("a") }); // 2
    st.put({ key: b("a") }); // 3
    expect(thrown(() => st.compact(4))).toEqual({
      name: "FutureRev",
      message: "etcdserver: mvcc: required revision is a future revision",
      code: 11,
    });
    expect(st.compact(2)).toEqual({ header: { revision: 3 } });
    expect(st.compactedRevision).toBe(2);
    expect(thrown(() => st.compact(2))).toEqual({
      name: "Compacted",
      message: "etcdserver: mvcc: required revision has been compacted",
      code: 11,
    });
    expect(thrown(() => st.compact(1))?.name).toBe("Compacted");
    expect(st.compact(3).header.revision).toBe(3);
    expect(st.currentRevision).toBe(3);
  });

  test("keeps the latest revision of each key at or below the compaction point; drops deleted keys", () => {
    const st = new MvccStore();
    st.put({ key: b("a"), value: b("1") }); // 2
    st.put({ key: b("b"), value: b("1") }); // 3
    st.put({ key: b("a"), value: b("2") }); // 4
    st.deleteRange({ key: b("b") }); // 5
    st.put({ key: b("a"), value: b("3") }); // 6
    st.compact(5);
    expect(st.range({ key: b("a"), revision: 5 }).kvs.map(row)).toEqual([["a", "2", 2, 4, 2, 0]]);
    expect(st.range({ key: b("a"), rangeEnd: ZERO, revision: 5 }).count).toBe(1);
    expect(st.range({ key: b("a") }).kvs.map(row)).toEqual([["a", "3", 2, 6, 3, 0]]);
    // b's generation ended before the compaction point: a re-created b starts afresh
    st.put({ key: b("b"), value: b("x") }); // 7
    expect(st.range({ key: b("b") }).kvs.map(row)).toEqual([["b", "x", 7, 7, 1, 0]]);
  });
});

describe("hashKV", () => {
  test("equal stores give equal hashes; a different history gives a different one", () => {
    const mk = (v: string) => {
      const st = new MvccStore();
      st.put({ key: b("a"), value: b("1") });
      st.put({ key: b("b"), value: b(v) });
      return st;
    };
    expect(mk("x").hashKV().hash).toBe(mk("x").hashKV().hash);
    expect(mk("x").hashKV().hash).not.toBe(mk("y").hashKV().hash);
    // the hash at a past revision ignores later writes
    const st = mk("x");
    const h2 = st.hashKV(2);
    st.put({ key: b("c") });
    expect(st.hashKV(2).hash).toBe(h2.hash);
    expect(st.hashKV(2).hashRevision).toBe(2);
    expect(st.hashKV().hashRevision).toBe(4);
    expect(thrown(() => st.hashKV(5))?.name).toBe("FutureRev");
    st.compact(3);
    expect(thrown(() => st.hashKV(2))?.name).toBe("Compacted");
    expect(st.hashKV().compactRevision).toBe(3);
  });
});
