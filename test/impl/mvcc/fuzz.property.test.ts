/**
 * Hostile input: requests whose fields have any type (numbers out of range, strings, nulls,
 * arrays, missing fields) either succeed or throw an EtcdError — never another exception —
 * and leave a store that still serializes, restores and hashes to the same value. Also: two
 * stores fed the same calls answer identically (the determinism contract).
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { MvccStore, isEtcdError } from "../../../impl/mvcc/index.js";

const wild = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(2 ** 53, -(2 ** 63), Number.NaN, Infinity, 1.5),
  fc.constantFrom("", "1", "EQUAL", "NotEqual", "DESCEND", "bogus", "NOPUT"),
  fc.boolean(),
  fc.uint8Array({ maxLength: 3 }),
  fc.constant([0]),
);
const bytesish = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2 }) },
  { weight: 1, arbitrary: wild },
);
const fields = (names: string[]) =>
  fc.record(
    Object.fromEntries(
      names.map((n) => [n, n === "key" || n === "rangeEnd" || n === "value" ? bytesish : wild]),
    ),
    { requiredKeys: [] },
  );

const rangeReq = fields([
  "key",
  "rangeEnd",
  "limit",
  "revision",
  "sortOrder",
  "sortTarget",
  "keysOnly",
  "countOnly",
  "minModRevision",
  "maxCreateRevision",
]);
const putReq = fields(["key", "value", "lease", "prevKv", "ignoreValue", "ignoreLease"]);
const delReq = fields(["key", "rangeEnd", "prevKv"]);
const cmp = fields([
  "key",
  "rangeEnd",
  "target",
  "result",
  "version",
  "createRevision",
  "modRevision",
  "value",
  "lease",
]);
const reqOp = fc.oneof(
  rangeReq.map((r) => ({ requestRange: r })),
  putReq.map((r) => ({ requestPut: r })),
  delReq.map((r) => ({ requestDeleteRange: r })),
  fc.constant({}),
);
const txnReq = fc.record(
  {
    compare: fc.array(cmp, { maxLength: 2 }),
    success: fc.array(reqOp, { maxLength: 3 }),
    failure: fc.array(reqOp, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

type Call = { f: string; arg: unknown; arg2?: unknown };
const call: fc.Arbitrary<Call> = fc.oneof(
  rangeReq.map((arg) => ({ f: "range", arg })),
  putReq.map((arg) => ({ f: "put", arg })),
  delReq.map((arg) => ({ f: "deleteRange", arg })),
  txnReq.map((arg) => ({ f: "txn", arg })),
  wild.map((arg) => ({ f: "compact", arg })),
  wild.map((arg) => ({ f: "hashKV", arg })),
  fc.record({ arg: fields(["ID", "TTL"]), arg2: fc.nat(10_000) }).map((x) => ({ f: "leaseGrant", ...x })),
  wild.map((arg) => ({ f: "leaseRevoke", arg })),
  fc.record({ arg: wild, arg2: fc.nat(10_000) }).map((x) => ({ f: "leaseKeepAlive", ...x })),
  fc
    .record({ arg: fields(["ID", "keys"]), arg2: fc.nat(10_000) })
    .map((x) => ({ f: "leaseTimeToLive", ...x })),
  fields(["key", "rangeEnd", "startRevision", "prevKv", "filters"]).map((arg) => ({ f: "watch", arg })),
);

function apply(st: MvccStore, c: Call): unknown {
  const before = st.serialize();
  try {
    const fn = (st as unknown as Record<string, (a: unknown, b: unknown) => unknown>)[c.f]!;
    const out = fn.call(st, c.arg, c.arg2);
    return { ok: out, watch: st.takeWatchResponses() };
  } catch (e) {
    if (!isEtcdError(e)) throw e;
    // a refused request changed nothing
    expect(Array.from(st.serialize())).toEqual(Array.from(before));
    return { err: e.etcdName, message: e.message };
  }
}

describe("hostile requests", () => {
  test("only EtcdErrors; the store stays consistent; two stores answer identically", () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 30 }), (calls) => {
        const a = new MvccStore();
        const b = new MvccStore();
        for (const c of calls) expect(JSON.stringify(apply(a, c))).toBe(JSON.stringify(apply(b, c)));
        const copy = MvccStore.fromSnapshot(a.serialize());
        expect(copy.sameStateAs(a)).toBe(true);
        expect(copy.hashKV()).toEqual(a.hashKV());
        expect(a.sameStateAs(b)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
