import { describe, expect, test } from "vitest";
import { MvccStore } from "../../../impl/mvcc/index.js";
import type { RequestOp, TxnRequest } from "../../../impl/mvcc/index.js";
import { b, row, s, thrown, ZERO } from "./helpers.js";

const put = (k: string, v = "", extra: object = {}): RequestOp => ({
  requestPut: { key: b(k), value: b(v), ...extra },
});
const get = (k: string, extra: object = {}): RequestOp => ({ requestRange: { key: b(k), ...extra } });
const del = (k: string, end?: string | Uint8Array): RequestOp => ({
  requestDeleteRange: { key: b(k), rangeEnd: typeof end === "string" ? b(end) : end },
});
const txn = (t: TxnRequest): RequestOp => ({ requestTxn: t });

describe("txn", () => {
  test("compares on value, version, create, mod and lease with each result", () => {
    const st = new MvccStore();
    st.leaseGrant({ ID: 5, TTL: 100 }, 0);
    st.put({ key: b("k"), value: b("m") }); // 2
    st.put({ key: b("k"), value: b("m"), lease: 5 }); // 3 (version 2)
    const holds = (c: object) => st.txn({ compare: [{ key: b("k"), ...c }] }).succeeded;
    expect(holds({ target: "VALUE", result: "EQUAL", value: b("m") })).toBe(true);
    expect(holds({ target: "VALUE", result: "GREATER", value: b("a") })).toBe(true);
    expect(holds({ target: "VALUE", result: "LESS", value: b("a") })).toBe(false);
    expect(holds({ target: "VALUE", result: "NOT_EQUAL", value: b("m") })).toBe(false);
    expect(holds({ target: "VERSION", result: "EQUAL", version: 2 })).toBe(true);
    expect(holds({ target: "VERSION", result: "LESS", version: 3 })).toBe(true);
    expect(holds({ target: "CREATE", result: "EQUAL", createRevision: 2 })).toBe(true);
    expect(holds({ target: "MOD", result: "GREATER", modRevision: 2 })).toBe(true);
    expect(holds({ target: "MOD", result: "NotEqual", modRevision: 3 })).toBe(false);
    expect(holds({ target: "LEASE", result: "EQUAL", lease: 5 })).toBe(true);
    expect(holds({ target: 4, result: 0, lease: 0 })).toBe(false);
    // a missing key compares as version/create/mod/lease 0; a value compare on it is false
    const missing = (c: object) => st.txn({ compare: [{ key: b("nope"), ...c }] }).succeeded;
    expect(missing({ target: "VERSION", result: "EQUAL", version: 0 })).toBe(true);
    expect(missing({ target: "CREATE", result: "EQUAL", createRevision: 0 })).toBe(true);
    expect(missing({ target: "VALUE", result: "EQUAL", value: new Uint8Array(0) })).toBe(false);
    expect(missing({ target: "VALUE", result: "NOT_EQUAL", value: b("x") })).toBe(false);
    expect(st.currentRevision).toBe(3);
  });

  test("a compare over a range needs every key in it to satisfy it", () => {
    const st = new MvccStore();
    st.put({ key: b("p/a"), value: b("1") });
    st.put({ key: b("p/b"), value: b("1") });
    const c = (v: number) =>
      st.txn({
        compare: [{ key: b("p/"), rangeEnd: b("p0"), target: "VERSION", result: "EQUAL", version: v }],
      }).succeeded;
    expect(c(1)).toBe(true);
    st.put({ key: b("p/b"), value: b("2") });
    expect(c(1)).toBe(false);
    expect(
      st.txn({
        compare: [{ key: b("p/"), rangeEnd: b("p0"), target: "VERSION", result: "GREATER", version: 0 }],
      }).succeeded,
    ).toBe(true);
  });

  test("one revision for the whole txn; sub-revision order; reads see earlier writes", () => {
    const st = new MvccStore();
    st.put({ key: b("a"), value: b("0") }); // 2
    const r = st.txn({
      compare: [{ key: b("a"), target: "VALUE", result: "EQUAL", value: b("0") }],
      success: [
        put("a", "1", { prevKv: true }),
        put("b", "2"),
        get("a", { rangeEnd: ZERO }),
        del("c"),
        del("b2", "b3"),
      ],
      failure: [put("z")],
    });
    expect(r.succeeded).toBe(true);
    expect(r.header.revision).toBe(3);
    expect(st.currentRevision).toBe(3);
    expect(row(r.responses[0]!.responsePut!.prevKv!)).toEqual(["a", "0", 2, 2, 1, 0]);
    expect(r.responses[0]!.responsePut!.header.revision).toBe(3);
    const rr = r.responses[2]!.responseRange!;
    expect(rr.kvs.map(row)).toEqual([
      ["a", "1", 2, 3, 2, 0],
      ["b", "2", 3, 3, 1, 0],
    ]);
    expect(rr.header.revision).toBe(3);
    expect(r.responses[3]!.responseDeleteRange!.deleted).toBe(0);
    expect(st.range({ key: b("z") }).count).toBe(0);
  });

  test("a txn that writes nothing makes no revision; the failure branch runs when a compare fails", () => {
    const st = new MvccStore();
    st.put({ key: b("a"), value: b("0") });
    const r = st.txn({
      compare: [{ key: b("a"), target: "VALUE", result: "EQUAL", value: b("x") }],
      success: [put("s")],
      failure: [get("a")],
    });
    expect(r.succeeded).toBe(false);
    expect(r.header.revision).toBe(2);
    expect(r.responses[0]!.responseRange!.kvs.map((kv) => s(kv.value))).toEqual(["0"]);
    expect(st.txn({}).header.revision).toBe(2);
    expect(st.txn({ success: [del("nothing")] }).header.revision).toBe(2);
  });

  test("nested txns: compares see the state before the outer txn; one revision overall", () => {
    const st = new MvccStore();
    st.put({ key: b("a"), value: b("0") }); // 2
    const r = st.txn({
      success: [
        put("a", "1"),
        txn({
          compare: [{ key: b("a"), target: "VALUE", result: "EQUAL", value: b("0") }],
          success: [put("inner-then")],
          failure: [put("inner-else")],
        }),
      ],
    });
    expect(r.header.revision).toBe(3);
    const nested = r.responses[1]!.responseTxn!;
    expect(nested.succeeded).toBe(true); // saw a = 0, the pre-txn value
    expect(st.range({ key: b("inner-then") }).kvs.map(row)).toEqual([["inner-then", "", 3, 3, 1, 0]]);
    expect(st.range({ key: b("inner-else") }).count).toBe(0);
  });

  test("more than maxTxnOps operations in a list: 'too many operations in txn request'", () => {
    const st = new MvccStore({ maxTxnOps: 3 });
    const ops = (n: number) => Array.from({ length: n }, (_, i) => put(`k${i}`));
    expect(thrown(() => st.txn({ success: ops(4) }))).toEqual({
      name: "TooManyOps",
      message: "etcdserver: too many operations in txn request",
      code: 3,
    });
    expect(st.txn({ success: ops(3), failure: ops(3) }).header.revision).toBe(2);
    // a nested txn gets the budget left over by its parent (etcd: maxTxnOps - opc)
    expect(thrown(() => st.txn({ success: [txn({ success: ops(3) })] }))?.name).toBe("TooManyOps");
    expect(new MvccStore().txn({ success: ops(128) }).header.revision).toBe(2);
    expect(thrown(() => new MvccStore().txn({ success: ops(129) }))?.name).toBe("TooManyOps");
  });

  test("duplicate keys: puts overlapping puts or deletes on one path", () => {
    const st = new MvccStore();
    const dup = (t: TxnRequest) => thrown(() => st.txn(t));
    const err = { name: "DuplicateKey", message: "etcdserver: duplicate key given in txn request", code: 3 };
    expect(dup({ success: [put("a"), put("a")] })).toEqual(err);
    expect(dup({ success: [del("a", "c"), put("b")] })).toEqual(err);
    expect(dup({ success: [put("b"), del("a", ZERO)] })).toEqual(err);
    expect(dup({ success: [put("a"), txn({ success: [put("a")] })] })).toEqual(err);
    expect(dup({ success: [del("a"), txn({ failure: [put("a")] })] })).toEqual(err);
    // allowed: deletes overlapping deletes, the same key in the two branches of one nested txn, and across success/failure
    expect(dup({ success: [del("a", "c"), del("b")] })).toBeUndefined();
    expect(dup({ success: [txn({ success: [put("x")], failure: [put("x")] })] })).toBeUndefined();
    expect(dup({ success: [put("y")], failure: [put("y")] })).toBeUndefined();
    expect(dup({ success: [put("p"), del("q")] })).toBeUndefined();
  });

  test("errors leave the store unchanged: missing lease, ignore_value on a missing key, compacted read", () => {
    const st = new MvccStore();
    st.put({ key: b("a"), value: b("0") });
    st.put({ key: b("a"), value: b("1") });
    st.compact(3);
    const before = st.hashKV().hash;
    expect(thrown(() => st.txn({ success: [put("x"), put("y", "", { lease: 99 })] }))?.name).toBe(
      "LeaseNotFound",
    );
    expect(thrown(() => st.txn({ success: [put("x"), put("y", "", { ignoreValue: true })] }))?.name).toBe(
      "KeyNotFound",
    );
    expect(thrown(() => st.txn({ success: [put("x"), get("a", { revision: 2 })] }))?.name).toBe("Compacted");
    expect(thrown(() => st.txn({ success: [put("x"), get("a", { revision: 4 })] }))?.name).toBe("FutureRev");
    // the errors of the branch not taken do not matter
    expect(
      st.txn({
        compare: [{ key: b("a"), target: "VERSION", result: "EQUAL", version: 2 }],
        failure: [put("y", "", { lease: 99 })],
      }).succeeded,
    ).toBe(true);
    expect(st.currentRevision).toBe(3);
    expect(st.hashKV().hash).toBe(before);
    expect(thrown(() => st.txn({ compare: [{ key: new Uint8Array(0) }] }))?.name).toBe("EmptyKey");
  });
});

describe("txn: bad fields are refused before anything is applied", () => {
  test("a range with a limit that is not an integer, after a put in the same txn", () => {
    const st = new MvccStore();
    const k = b("k");
    expect(
      thrown(() => st.txn({ success: [put("k"), { requestRange: { key: k, limit: Number.NaN } }] }))?.name,
    ).toBe("InvalidArgument");
    expect(st.currentRevision).toBe(1);
    expect(st.range({ key: k }).count).toBe(0);
    expect(st.put({ key: k }).header.revision).toBe(2);
  });
});
