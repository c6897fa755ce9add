/**
 * The store against a naive reference model that keeps a full copy of the key space for
 * every revision: random sequences of puts, deletes, txns, lease grants/revokes,
 * compactions, ranges at any revision, watches and snapshot round trips must give the same
 * answers, and every watcher must receive exactly the model's events (revision order, no
 * gap, no duplicate). fast-check prints the seed and the shrunk sequence on failure.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { MvccStore, isEtcdError } from "../../../impl/mvcc/index.js";
import type { KeyValue, RequestOp, WatchResponse } from "../../../impl/mvcc/index.js";

// ---------------------------------------------------------------- the model

interface MKV {
  key: string;
  value: string;
  create: number;
  mod: number;
  version: number;
  lease: number;
}
interface MEvent {
  type: 0 | 1;
  key: string;
  value: string;
  mod: number;
  prev: MKV | undefined;
}
type MRange = { key: string; end: string | null | undefined };

const inRange = (k: string, r: MRange) =>
  r.end === undefined ? k === r.key : k >= r.key && (r.end === null || k < r.end);

class Model {
  states: Map<string, MKV>[] = [new Map(), new Map()]; // index = revision
  events: MEvent[][] = [[], []];
  rev = 1;
  compacted = 0;
  leases = new Set<number>();

  cur(): Map<string, MKV> {
    return this.states[this.rev]!;
  }
  keysIn(st: Map<string, MKV>, r: MRange): string[] {
    return [...st.keys()].filter((k) => inRange(k, r)).sort();
  }
  commit(next: Map<string, MKV>, evs: MEvent[]): void {
    if (evs.length === 0) return;
    this.rev++;
    this.states[this.rev] = next;
    this.events[this.rev] = evs;
  }
  putInto(st: Map<string, MKV>, evs: MEvent[], key: string, value: string, lease: number): MKV | undefined {
    const prev = st.get(key);
    const main = this.rev + 1;
    const kv = {
      key,
      value,
      create: prev ? prev.create : main,
      mod: main,
      version: prev ? prev.version + 1 : 1,
      lease,
    };
    st.set(key, kv);
    evs.push({ type: 0, key, value, mod: main, prev });
    return prev;
  }
  delInto(st: Map<string, MKV>, evs: MEvent[], r: MRange): MKV[] {
    const prevs = this.keysIn(st, r).map((k) => st.get(k)!);
    for (const p of prevs) {
      st.delete(p.key);
      evs.push({ type: 1, key: p.key, value: "", mod: this.rev + 1, prev: p });
    }
    return prevs;
  }
}

// ---------------------------------------------------------------- operations

const KEYS = ["a", "ab", "b", "b\u0000", "c", "\u00ff", "\u0000"];
const bytes = (k: string) => Uint8Array.from(k, (c) => c.charCodeAt(0));
const str = (u: Uint8Array) => String.fromCharCode(...u);
const enc = (r: MRange) => ({
  key: bytes(r.key),
  rangeEnd: r.end === undefined ? undefined : r.end === null ? new Uint8Array([0]) : bytes(r.end),
});

const arbKey = fc.constantFrom(...KEYS);
// a range_end of the single byte 0 always means "every key from `key` on" (etcd's from-key form)
const arbRange: fc.Arbitrary<MRange> = fc
  .record({ key: arbKey, end: fc.oneof(fc.constant(undefined), fc.constant(null), arbKey) })
  .map((r) => (r.end === "\u0000" ? { key: r.key, end: null } : r));
const arbVal = fc.constantFrom("", "0", "1", "xyz");
const arbLease = fc.constantFrom(0, 0, 1, 2);

type SubOp =
  { t: "put"; key: string; value: string; lease: number } | { t: "del"; r: MRange } | { t: "get"; r: MRange };
const arbSub: fc.Arbitrary<SubOp> = fc.oneof(
  fc.record({ t: fc.constant("put" as const), key: arbKey, value: arbVal, lease: arbLease }),
  fc.record({ t: fc.constant("del" as const), r: arbRange }),
  fc.record({ t: fc.constant("get" as const), r: arbRange }),
);

type Op =
  | { t: "put"; key: string; value: string; lease: number; prevKv: boolean }
  | { t: "del"; r: MRange; prevKv: boolean }
  | { t: "txn"; key: string; version: number; then: SubOp[]; els: SubOp[] }
  | { t: "range"; r: MRange; back: number; limit: number }
  | { t: "compact"; back: number }
  | { t: "grant"; id: number }
  | { t: "revoke"; id: number }
  | {
      t: "watch";
      r: MRange;
      back: number;
      fromCompacted: boolean;
      prevKv: boolean;
      noPut: boolean;
      noDelete: boolean;
    }
  | { t: "restoreSelf" };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("put" as const),
      key: arbKey,
      value: arbVal,
      lease: arbLease,
      prevKv: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("del" as const), r: arbRange, prevKv: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("txn" as const),
      key: arbKey,
      version: fc.nat(3),
      then: fc.array(arbSub, { maxLength: 4 }),
      els: fc.array(arbSub, { maxLength: 4 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("range" as const),
      r: arbRange,
      back: fc.integer({ min: -1, max: 8 }),
      limit: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("compact" as const), back: fc.integer({ min: -1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("grant" as const), id: fc.constantFrom(1, 2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("revoke" as const), id: fc.constantFrom(1, 2) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("watch" as const),
      r: arbRange,
      back: fc.integer({ min: -1, max: 10 }),
      fromCompacted: fc.boolean(),
      prevKv: fc.boolean(),
      noPut: fc.boolean(),
      noDelete: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "restoreSelf" as const }) },
);

const mrow = (kv: MKV) => [kv.key, kv.value, kv.create, kv.mod, kv.version, kv.lease];
const srow = (kv: KeyValue) => [
  str(kv.key),
  str(kv.value),
  kv.createRevision,
  kv.modRevision,
  kv.version,
  kv.lease,
];

function errName(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (isEtcdError(e)) return e.etcdName;
    throw e;
  }
}

/** etcd's duplicate-key rule for one flat list of ops. */
function duplicate(ops: SubOp[]): boolean {
  const puts = ops.filter((o) => o.t === "put").map((o) => o.key);
  const dels = ops.filter((o) => o.t === "del").map((o) => o.r);
  const emptyRange = (r: MRange) => r.end !== undefined && r.end !== null && r.end <= r.key;
  return (
    new Set(puts).size !== puts.length || puts.some((k) => dels.some((r) => !emptyRange(r) && inRange(k, r)))
  );
}

interface WatchRec {
  id: number;
  r: MRange;
  start: number;
  compactedAtCreate: number;
  prevKv: boolean;
  noPut: boolean;
  noDelete: boolean;
  got: WatchResponse[];
}

function run(ops: Op[], batch: number): void {
  const st = new MvccStore({ watchBatchMaxRevs: batch });
  const m = new Model();
  const watchers = new Map<number, WatchRec>();
  const drain = () => {
    let guard = 0;
    do {
      for (const r of st.takeWatchResponses()) watchers.get(r.watchId)!.got.push(r);
      if (++guard > 10_000) throw new Error("watch responses never drain");
    } while (st.hasPendingWatch());
  };
  for (const op of ops) {
    switch (op.t) {
      case "put": {
        const want = op.lease !== 0 && !m.leases.has(op.lease) ? "LeaseNotFound" : undefined;
        let resp: ReturnType<MvccStore["put"]> | undefined;
        expect(
          errName(
            () =>
              (resp = st.put({
                key: bytes(op.key),
                value: bytes(op.value),
                lease: op.lease,
                prevKv: op.prevKv,
              })),
          ),
        ).toBe(want);
        if (want) break;
        const next = new Map(m.cur());
        const evs: MEvent[] = [];
        const prev = m.putInto(next, evs, op.key, op.value, op.lease);
        m.commit(next, evs);
        expect(resp!.header.revision).toBe(m.rev);
        expect(resp!.prevKv ? srow(resp!.prevKv) : null).toEqual(op.prevKv && prev ? mrow(prev) : null);
        break;
      }
      case "del": {
        const resp = st.deleteRange({ ...enc(op.r), prevKv: op.prevKv });
        const next = new Map(m.cur());
        const evs: MEvent[] = [];
        const prevs = m.delInto(next, evs, op.r);
        m.commit(next, evs);
        expect(resp.deleted).toBe(prevs.length);
        expect(resp.header.revision).toBe(m.rev);
        expect(resp.prevKvs.map(srow)).toEqual(op.prevKv ? prevs.map(mrow) : []);
        break;
      }
      case "txn": {
        const cur = m.cur();
        const ok = (cur.get(op.key)?.version ?? 0) === op.version;
        const branch = ok ? op.then : op.els;
        const toReq = (o: SubOp): RequestOp =>
          o.t === "put"
            ? { requestPut: { key: bytes(o.key), value: bytes(o.value), lease: o.lease, prevKv: true } }
            : o.t === "del"
              ? { requestDeleteRange: { ...enc(o.r), prevKv: true } }
              : { requestRange: enc(o.r) };
        let want: string | undefined;
        if (duplicate(op.then) || duplicate(op.els)) want = "DuplicateKey";
        else if (branch.some((o) => o.t === "put" && o.lease !== 0 && !m.leases.has(o.lease)))
          want = "LeaseNotFound";
        const before = st.hashKV().hash;
        let resp: ReturnType<MvccStore["txn"]> | undefined;
        expect(
          errName(
            () =>
              (resp = st.txn({
                compare: [{ key: bytes(op.key), target: "VERSION", result: "EQUAL", version: op.version }],
                success: op.then.map(toReq),
                failure: op.els.map(toReq),
              })),
          ),
        ).toBe(want);
        if (want) {
          expect(st.hashKV().hash).toBe(before);
          expect(st.currentRevision).toBe(m.rev);
          break;
        }
        expect(resp!.succeeded).toBe(ok);
        const next = new Map(cur);
        const evs: MEvent[] = [];
        branch.forEach((o, i) => {
          const r = resp!.responses[i]!;
          if (o.t === "put") {
            const prev = m.putInto(next, evs, o.key, o.value, o.lease);
            expect(r.responsePut!.prevKv ? srow(r.responsePut!.prevKv) : null).toEqual(
              prev ? mrow(prev) : null,
            );
          } else if (o.t === "del") {
            const prevs = m.delInto(next, evs, o.r);
            expect(r.responseDeleteRange!.prevKvs.map(srow)).toEqual(prevs.map(mrow));
          } else {
            const ks = m.keysIn(next, o.r);
            expect(r.responseRange!.kvs.map(srow)).toEqual(ks.map((k) => mrow(next.get(k)!)));
          }
        });
        m.commit(next, evs);
        expect(resp!.header.revision).toBe(m.rev);
        break;
      }
      case "range": {
        const rev = op.back < 0 ? 0 : m.rev - op.back;
        const want = rev > m.rev ? "FutureRev" : rev > 0 && rev < m.compacted ? "Compacted" : undefined;
        let resp: ReturnType<MvccStore["range"]> | undefined;
        expect(errName(() => (resp = st.range({ ...enc(op.r), revision: rev, limit: op.limit })))).toBe(want);
        if (want) break;
        const state = m.states[rev > 0 ? rev : m.rev]!;
        const ks = m.keysIn(state, op.r);
        const shown = op.limit > 0 ? ks.slice(0, op.limit) : ks;
        expect(resp!.count).toBe(ks.length);
        expect(resp!.more).toBe(shown.length < ks.length);
        expect(resp!.kvs.map(srow)).toEqual(shown.map((k) => mrow(state.get(k)!)));
        expect(resp!.header.revision).toBe(m.rev);
        break;
      }
      case "compact": {
        const c = m.rev - op.back;
        const want = c <= m.compacted ? "Compacted" : c > m.rev ? "FutureRev" : undefined;
        expect(errName(() => st.compact(c))).toBe(want);
        if (!want) m.compacted = c;
        break;
      }
      case "grant": {
        const want = m.leases.has(op.id) ? "LeaseExist" : undefined;
        expect(errName(() => st.leaseGrant({ ID: op.id, TTL: 10 }, 0))).toBe(want);
        m.leases.add(op.id);
        break;
      }
      case "revoke": {
        const want = m.leases.has(op.id) ? undefined : "LeaseNotFound";
        expect(errName(() => st.leaseRevoke(op.id))).toBe(want);
        if (want) break;
        m.leases.delete(op.id);
        const next = new Map(m.cur());
        const evs: MEvent[] = [];
        for (const k of [...next.keys()].sort())
          if (next.get(k)!.lease === op.id) m.delInto(next, evs, { key: k, end: undefined });
        m.commit(next, evs);
        expect(st.currentRevision).toBe(m.rev);
        break;
      }
      case "watch": {
        const start =
          op.fromCompacted && m.compacted > 0
            ? m.compacted
            : op.back < 0
              ? 0
              : Math.max(1, m.rev + 1 - op.back);
        const filters = [...(op.noPut ? ["NOPUT"] : []), ...(op.noDelete ? ["NODELETE"] : [])];
        const id = st.watch({ ...enc(op.r), startRevision: start, prevKv: op.prevKv, filters });
        watchers.set(id, {
          id,
          r: op.r,
          start: start > 0 ? start : m.rev + 1,
          compactedAtCreate: m.compacted,
          prevKv: op.prevKv,
          noPut: op.noPut,
          noDelete: op.noDelete,
          got: [],
        });
        break;
      }
      case "restoreSelf": {
        const h = st.hashKV().hash;
        st.restore(st.serialize());
        expect(st.hashKV().hash).toBe(h);
        break;
      }
    }
    drain();
  }
  // every watcher got exactly the model's events
  for (const w of watchers.values()) {
    if (w.start < w.compactedAtCreate) {
      expect(w.got).toEqual([
        {
          header: { revision: expect.any(Number) },
          watchId: w.id,
          events: [],
          compactRevision: w.compactedAtCreate,
          canceled: true,
        },
      ]);
      continue;
    }
    const want: unknown[] = [];
    for (let rev = w.start; rev <= m.rev; rev++) {
      const atCompact = rev === w.compactedAtCreate;
      for (const e of m.events[rev] ?? []) {
        if (!inRange(e.key, w.r) || (e.type === 0 ? w.noPut : w.noDelete)) continue;
        if (atCompact && e.type === 1) continue; // the compacted revision keeps puts only, as etcd's index does
        const prev = w.prevKv && !atCompact && e.prev ? e.prev.value : null;
        want.push([e.type, e.key, e.value, e.mod, prev]);
      }
    }
    const got = w.got.flatMap((r) => {
      expect(r.canceled).toBe(false);
      return r.events.map((e) => [
        e.type,
        str(e.kv.key),
        str(e.kv.value),
        e.kv.modRevision,
        e.prevKv ? str(e.prevKv.value) : null,
      ]);
    });
    expect(got).toEqual(want);
  }
  // snapshot round trip: same state, same hash at every readable revision, same future
  const copy = MvccStore.fromSnapshot(st.serialize());
  expect(copy.sameStateAs(st)).toBe(true);
  for (let rev = Math.max(1, m.compacted); rev <= m.rev; rev++)
    expect(copy.hashKV(rev)).toEqual(st.hashKV(rev));
  expect(copy.put({ key: bytes("a"), value: bytes("end"), prevKv: true })).toEqual(
    st.put({ key: bytes("a"), value: bytes("end"), prevKv: true }),
  );
  expect(copy.sameStateAs(st)).toBe(true);
}

describe("MvccStore vs a naive model", () => {
  test("random operation sequences (watch batches of 1000 revisions)", () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 40 }), (ops) => run(ops, 1000)),
      { numRuns: 300 },
    );
  });

  test("random operation sequences (watch batches of 1 revision)", () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 40 }), (ops) => run(ops, 1)),
      { numRuns: 150 },
    );
  });
});
