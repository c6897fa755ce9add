/**
 * One session replayed against the store, with the answers etcd 3.4.x (Debian's etcd-server)
 * gave to the same requests through `etcdctl -w json` on this machine (2026-11-23): the
 * revisions, versions, counts, `more`, errors and the watch at the compacted revision.
 */
import { expect, test } from "vitest";
import { MvccStore, EventType } from "../../../impl/mvcc/index.js";
import { b, row, s, thrown, ZERO } from "./helpers.js";

test("an etcdctl session gives etcd 3.4's answers", () => {
  const st = new MvccStore();
  expect(st.put({ key: b("a"), value: b("1") }).header.revision).toBe(2);
  st.put({ key: b("d"), value: b("1") });
  // printf 'value("a") = "1"\n\nput a 2\ndel d\n\n\n' | etcdctl txn -w json
  const t = st.txn({
    compare: [{ key: b("a"), target: "VALUE", result: "EQUAL", value: b("1") }],
    success: [{ requestPut: { key: b("a"), value: b("2") } }, { requestDeleteRange: { key: b("d") } }],
  });
  expect(t.header.revision).toBe(4);
  expect(t.succeeded).toBe(true);
  expect(t.responses[0]!.responsePut!.header.revision).toBe(4);
  expect(t.responses[1]!.responseDeleteRange!.header.revision).toBe(4);
  expect(t.responses[1]!.responseDeleteRange!.deleted).toBe(1);
  st.put({ key: b("a"), value: b("3") });
  st.compact(4);
  // etcdctl watch --rev=4 --prefix "" --prev-kv: the put of a at 4 (no prev_kv), not the delete of d at 4
  st.watch({ key: ZERO, rangeEnd: ZERO, startRevision: 4, prevKv: true });
  const ev = st.takeWatchResponses().flatMap((r) => r.events);
  expect(ev.map((e) => [e.type, ...row(e.kv), e.prevKv ? row(e.prevKv) : null])).toEqual([
    [EventType.PUT, "a", "2", 2, 4, 2, 0, null],
    [EventType.PUT, "a", "3", 2, 5, 3, 0, ["a", "2", 2, 4, 2, 0]],
  ]);
  // etcdctl lease grant 1 -> "granted with TTL(2s)"
  expect(st.leaseGrant({ TTL: 1 }, 0).TTL).toBe(2);
  // etcdctl watch --rev=2 a -> canceled: required revision has been compacted
  const w = st.watch({ key: b("a"), startRevision: 2 });
  expect(st.takeWatchResponses()).toEqual([
    { header: { revision: 5 }, watchId: w, events: [], compactRevision: 4, canceled: true },
  ]);
  st.put({ key: b("b"), value: b("x") });
  st.put({ key: b("c"), value: b("y") });
  st.put({ key: b("b"), value: b("z") });
  // etcdctl get --prefix "" --limit 1 --sort-by=MODIFY --order=DESCEND
  const g1 = st.range({ key: ZERO, rangeEnd: ZERO, limit: 1, sortTarget: "MOD", sortOrder: "DESCEND" });
  expect([g1.header.revision, g1.kvs.map(row), g1.more, g1.count]).toEqual([
    8,
    [["b", "z", 6, 8, 2, 0]],
    true,
    3,
  ]);
  // etcdctl get --prefix "" --limit 2
  const g2 = st.range({ key: ZERO, rangeEnd: ZERO, limit: 2 });
  expect([g2.kvs.map(row), g2.more, g2.count]).toEqual([
    [
      ["a", "3", 2, 5, 3, 0],
      ["b", "z", 6, 8, 2, 0],
    ],
    true,
    3,
  ]);
  // etcdctl del nothing -> header revision 8, nothing deleted
  expect(st.deleteRange({ key: b("nothing") })).toEqual({ header: { revision: 8 }, deleted: 0, prevKvs: [] });
  expect(thrown(() => st.compact(4))?.message).toBe("etcdserver: mvcc: required revision has been compacted");
  expect(thrown(() => st.compact(100))?.message).toBe(
    "etcdserver: mvcc: required revision is a future revision",
  );
  expect(thrown(() => st.range({ key: b("a"), revision: 100 }))?.message).toBe(
    "etcdserver: mvcc: required revision is a future revision",
  );
  expect(thrown(() => st.range({ key: b("a"), revision: 3 }))?.message).toBe(
    "etcdserver: mvcc: required revision has been compacted",
  );
  const g3 = st.range({ key: b("a"), revision: 4 });
  expect([g3.header.revision, g3.kvs.map(row), g3.count]).toEqual([8, [["a", "2", 2, 4, 2, 0]], 1]);
  // etcdctl get --prefix "" --keys-only
  expect(
    st
      .range({ key: ZERO, rangeEnd: ZERO, keysOnly: true })
      .kvs.map((kv) => [s(kv.key), kv.value.length, kv.version]),
  ).toEqual([
    ["a", 0, 3],
    ["b", 0, 2],
    ["c", 0, 1],
  ]);
});
