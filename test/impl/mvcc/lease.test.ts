import { describe, expect, test } from "vitest";
import { MvccStore, MAX_LEASE_TTL } from "../../../impl/mvcc/index.js";
import { b, s, thrown } from "./helpers.js";

describe("leases", () => {
  test("grant with a given ID; TTL raised to the minimum; duplicate ID and huge TTL refused", () => {
    const st = new MvccStore();
    expect(st.leaseGrant({ ID: 42, TTL: 10 }, 0)).toEqual({
      header: { revision: 1 },
      ID: 42,
      TTL: 10,
      error: "",
    });
    expect(st.leaseGrant({ ID: 43, TTL: 1 }, 0).TTL).toBe(2);
    expect(thrown(() => st.leaseGrant({ ID: 42, TTL: 10 }, 0))).toEqual({
      name: "LeaseExist",
      message: "etcdserver: lease already exists",
      code: 9,
    });
    expect(thrown(() => st.leaseGrant({ ID: 44, TTL: MAX_LEASE_TTL + 1 }, 0))).toEqual({
      name: "LeaseTTLTooLarge",
      message: "etcdserver: too large lease TTL",
      code: 11,
    });
    expect(st.leases().leases).toEqual([{ ID: 42 }, { ID: 43 }]);
  });

  test("chosen IDs are deterministic per seed, positive, below 2^53 and distinct", () => {
    const ids = (seed: number) => {
      const st = new MvccStore({ leaseIdSeed: seed });
      return Array.from({ length: 50 }, () => st.leaseGrant({ TTL: 5 }, 0).ID);
    };
    const a = ids(1);
    expect(ids(1)).toEqual(a);
    expect(ids(2)).not.toEqual(a);
    expect(new Set(a).size).toBe(50);
    for (const id of a) expect(id > 0 && Number.isSafeInteger(id)).toBe(true);
  });

  test("put with a missing lease: 'requested lease not found' (NOT_FOUND)", () => {
    const st = new MvccStore();
    expect(thrown(() => st.put({ key: b("a"), lease: 9 }))).toEqual({
      name: "LeaseNotFound",
      message: "etcdserver: requested lease not found",
      code: 5,
    });
    expect(st.currentRevision).toBe(1);
  });

  test("revoke deletes every attached key in one revision; keys moved to another lease or deleted are not attached", () => {
    const st = new MvccStore();
    st.leaseGrant({ ID: 1, TTL: 10 }, 0);
    st.leaseGrant({ ID: 2, TTL: 10 }, 0);
    st.put({ key: b("c"), lease: 1 }); // 2
    st.put({ key: b("a"), lease: 1 }); // 3
    st.put({ key: b("b"), lease: 1 }); // 4
    st.put({ key: b("b"), lease: 2 }); // 5 moves b to lease 2
    st.put({ key: b("d"), lease: 1 }); // 6
    st.deleteRange({ key: b("d") }); // 7
    expect(st.leaseTimeToLive({ ID: 1, keys: true }, 0).keys.map(s)).toEqual(["a", "c"]);
    const w = st.watch({ key: b("a"), rangeEnd: b("z") });
    expect(st.leaseRevoke(1)).toEqual({ header: { revision: 8 } });
    const ev = st.takeWatchResponses();
    expect(ev.map((r) => [r.watchId, r.header.revision, r.events.map((e) => [e.type, s(e.kv.key)])])).toEqual(
      [
        [
          w,
          8,
          [
            [1, "a"],
            [1, "c"],
          ],
        ],
      ],
    );
    expect(st.range({ key: b("a"), rangeEnd: b("z") }).kvs.map((kv) => s(kv.key))).toEqual(["b"]);
    expect(thrown(() => st.leaseRevoke(1))?.name).toBe("LeaseNotFound");
    expect(st.leases().leases).toEqual([{ ID: 2 }]);
    // revoking a lease without keys makes no revision
    st.leaseGrant({ ID: 3, TTL: 10 }, 0);
    st.leaseRevoke(3);
    expect(st.currentRevision).toBe(8);
  });

  test("keep-alive, time-to-live and expiry in caller time units", () => {
    const st = new MvccStore({ timeUnitsPerSecond: 1000 });
    st.leaseGrant({ ID: 1, TTL: 10 }, 1000);
    st.leaseGrant({ ID: 2, TTL: 5 }, 1000);
    expect(st.leaseTimeToLive({ ID: 1 }, 4500)).toEqual({
      header: { revision: 1 },
      ID: 1,
      TTL: 6,
      grantedTTL: 10,
      keys: [],
    });
    expect(st.expiredLeases(5999)).toEqual([]);
    expect(st.expiredLeases(6000)).toEqual([2]);
    expect(st.expiredLeases(20000)).toEqual([2, 1]);
    expect(st.leaseKeepAlive(1, 9000)).toEqual({ header: { revision: 1 }, ID: 1, TTL: 10 });
    expect(st.leaseTimeToLive({ ID: 1 }, 9000).TTL).toBe(10);
    expect(st.expiredLeases(12000)).toEqual([2]);
    // past its deadline a lease cannot be kept alive (it awaits its revoke)
    expect(thrown(() => st.leaseKeepAlive(2, 7000))?.name).toBe("LeaseNotFound");
    expect(st.leaseTimeToLive({ ID: 2 }, 6500).TTL).toBe(0);
    expect(st.leaseTimeToLive({ ID: 2 }, 7000).TTL).toBe(-1);
    expect(thrown(() => st.leaseTimeToLive({ ID: 77 }, 0))?.name).toBe("LeaseNotFound");
    st.leasePromote(50_000);
    expect(st.expiredLeases(55_000)).toEqual([2]);
    expect(st.leaseTimeToLive({ ID: 1 }, 50_000).TTL).toBe(10);
  });
});
