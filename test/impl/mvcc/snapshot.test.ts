import { describe, expect, test } from "vitest";
import { MvccStore } from "../../../impl/mvcc/index.js";
import { b, row, s } from "./helpers.js";

function sample(): MvccStore {
  const st = new MvccStore({ leaseIdSeed: 7 });
  const { ID } = st.leaseGrant({ TTL: 30 }, 100);
  st.put({ key: b("a"), value: b("1") });
  st.put({ key: b("a"), value: b("2"), lease: ID });
  st.put({ key: new Uint8Array([0, 255, 7]), value: new Uint8Array([1, 2, 3]) });
  st.deleteRange({ key: b("a") });
  st.put({ key: b("a"), value: b("3"), lease: ID });
  st.put({ key: b("z"), value: b("9") });
  st.compact(4);
  return st;
}

describe("serialize / restore", () => {
  test("a round trip gives the same state, hash, reads, leases and lease ID sequence", () => {
    const a = sample();
    const bytes = a.serialize();
    const c = MvccStore.fromSnapshot(bytes);
    expect(c.sameStateAs(a)).toBe(true);
    expect(c.currentRevision).toBe(a.currentRevision);
    expect(c.compactedRevision).toBe(4);
    expect(c.hashKV()).toEqual(a.hashKV());
    expect(c.range({ key: b("a"), revision: 4 }).kvs.map(row)).toEqual(
      a.range({ key: b("a"), revision: 4 }).kvs.map(row),
    );
    const id = a.leases().leases[0]!.ID;
    expect(c.leaseTimeToLive({ ID: id, keys: true }, 100)).toEqual(
      a.leaseTimeToLive({ ID: id, keys: true }, 100),
    );
    expect(c.leaseGrant({ TTL: 5 }, 0).ID).toBe(a.leaseGrant({ TTL: 5 }, 0).ID);
    // and both go on identically
    expect(c.leaseRevoke(id)).toEqual(a.leaseRevoke(id));
    expect(c.put({ key: b("n"), prevKv: true })).toEqual(a.put({ key: b("n"), prevKv: true }));
    expect(c.sameStateAs(a)).toBe(true);
    expect(c.range({ key: b("a") }).count).toBe(0);
  });

  test("watch replay after restore matches the original's history", () => {
    const a = sample();
    const c = MvccStore.fromSnapshot(a.serialize());
    const replay = (st: MvccStore) => {
      st.watch({ key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]), startRevision: 4, prevKv: true });
      return st
        .takeWatchResponses()
        .flatMap((r) =>
          r.events.map((e) => [e.type, s(e.kv.key), e.kv.modRevision, e.prevKv ? s(e.prevKv.value) : null]),
        );
    };
    const ra = replay(a);
    expect(ra.length).toBeGreaterThan(0);
    expect(replay(c)).toEqual(ra);
  });

  test("malformed bytes are refused with a clear error and change nothing", () => {
    const a = sample();
    const bytes = a.serialize();
    const st = new MvccStore();
    st.put({ key: b("keep") });
    const flipped = bytes.slice();
    flipped[10] = flipped[10]! ^ 1;
    expect(() => st.restore(flipped)).toThrow(/checksum/);
    expect(() => st.restore(bytes.subarray(0, 5))).toThrow(/too short/);
    expect(() => st.restore(new Uint8Array(64))).toThrow(/checksum|magic/);
    expect(st.range({ key: b("keep") }).count).toBe(1);
    expect(st.currentRevision).toBe(2);
  });
});
