/**
 * MvccStore: etcd's revisioned key space as a pure, deterministic state machine.
 *
 * Every method is synchronous and depends only on the store's state and its arguments (time
 * enters as a `now` argument in caller units), so applying the same sequence of calls on every
 * member gives the same state and the same responses. A method that throws an `EtcdError`
 * has changed nothing.
 *
 * Revisions: a fresh store is at revision 1 (as etcd); every put, every delete that removes
 * something, every txn with at least one such write and every lease revoke that deletes keys
 * increments it once; the writes inside one revision get sub-revisions 0, 1, 2, ...
 *
 * Layout: `keys` maps each key (as a binary string, see bytes.ts) to its history, a list of
 * entries (main, sub, kv or null for a tombstone) in revision order, so a key re-created after
 * a delete starts a new generation (version 1, new createRevision); `index` keeps the keys in
 * byte order for range scans; `log` holds the events of every revision from the compacted one
 * on, for watchers catching up. Compaction at c drops, per key, every entry below c except the
 * latest one at or below c (and that one too if it is a tombstone), as etcd's keyIndex does.
 */
import { EtcdError, MAX_LEASE_TTL } from "./errors.js";
import { bytesEqual, compareBytes, copyBytes, toKeyRange, toKeyString } from "./bytes.js";
import type { KeyRange } from "./bytes.js";
import { SortedKeys } from "./sorted-keys.js";
import { crc32c } from "./crc32c.js";
import { Reader, Writer } from "./codec.js";
import { enumValue, int } from "./enums.js";
import { LeaseTable } from "./lease.js";
import { WatchIndex } from "./watch.js";
import type { LogEvent, LogView } from "./watch.js";
import {
  checkBytes,
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxn,
  opKind,
} from "./txn-check.js";
import { CompareResult, CompareTarget, EventType, SortOrder, SortTarget, WatchFilter } from "./types.js";
import type {
  Compare,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  KeyValue,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MvccOptions,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "./types.js";

/** One revision of one key; `kv === null` is a tombstone. */
interface Entry {
  readonly main: number;
  readonly sub: number;
  readonly kv: KeyValue | null;
}

interface KeyRecord {
  readonly bytes: Uint8Array;
  entries: Entry[];
}

/** Which branch each (nested) txn takes, evaluated on the state before the txn. */
interface TxnPath {
  succeeded: boolean;
  children: TxnPath[];
}

const EMPTY = new Uint8Array(0);
const SNAPSHOT_MAGIC = [0x47, 0x4d, 0x56, 0x43]; // "GMVC"
const SNAPSHOT_VERSION = 1;

function resolveOptions(o: MvccOptions): Required<MvccOptions> {
  const r: Required<MvccOptions> = {
    maxTxnOps: o.maxTxnOps ?? 128,
    minLeaseTtl: o.minLeaseTtl ?? 2,
    timeUnitsPerSecond: o.timeUnitsPerSecond ?? 1000,
    leaseIdSeed: o.leaseIdSeed ?? 0,
    watchBatchMaxRevs: o.watchBatchMaxRevs ?? 1000,
  };
  for (const [k, v] of Object.entries(r)) {
    const mayBeZero = k === "leaseIdSeed" || k === "minLeaseTtl";
    if (!Number.isFinite(v) || v < 0 || (v === 0 && !mayBeZero))
      throw new Error(
        `new MvccStore: option ${k} must be a ${mayBeZero ? "non-negative" : "positive"} number, got ${v}`,
      );
  }
  return r;
}

export class MvccStore implements LogView {
  private rev = 1;
  private compactRev = 0;
  private keys = new Map<string, KeyRecord>();
  private index = new SortedKeys<KeyRecord>();
  /** log[i] holds the events of revision logStart + i. */
  private log: LogEvent[][] = [];
  private logStart = 2;
  private leaseTable: LeaseTable;
  private readonly watches: WatchIndex;
  private readonly opts: Required<MvccOptions>;
  /** Events of the write in progress (null outside a write). */
  private writing: LogEvent[] | null = null;

  constructor(options: MvccOptions = {}) {
    this.opts = resolveOptions(options);
    this.leaseTable = new LeaseTable(this.opts.leaseIdSeed);
    this.watches = new WatchIndex(this.opts.watchBatchMaxRevs);
  }

  /** The store's revision: that of the last write (1 for a fresh store). */
  get currentRevision(): number {
    return this.rev;
  }
  /** The revision of the last compaction (0 if none): reads below it fail. */
  get compactedRevision(): number {
    return this.compactRev;
  }
  /** Number of keys with a live value now. */
  get keyCount(): number {
    let n = 0;
    for (const rec of this.keys.values()) if (rec.entries[rec.entries.length - 1]!.kv) n++;
    return n;
  }

  /** LogView for the watch index. */
  eventsAt(rev: number): readonly LogEvent[] | undefined {
    return this.log[rev - this.logStart];
  }

  // ------------------------------------------------------------ reading

  /** The kv of `rec` visible at revision `rev`, or null. */
  private static visible(rec: KeyRecord, rev: number): KeyValue | null {
    const e = rec.entries;
    const last = e[e.length - 1]!;
    if (last.main <= rev) return last.kv;
    let lo = 0;
    let hi = e.length - 1; // e[hi].main > rev
    if (e[0]!.main > rev) return null;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]!.main <= rev) lo = mid;
      else hi = mid;
    }
    return e[lo]!.kv;
  }

  private latest(k: string): KeyValue | null {
    const rec = this.keys.get(k);
    return rec ? rec.entries[rec.entries.length - 1]!.kv : null;
  }

  /** Calls f for each key in r with a kv visible at rev, in key order, until f returns false. */
  private scan(r: KeyRange, rev: number, f: (kv: KeyValue, k: string) => boolean | void): void {
    if (r.end === undefined) {
      const rec = this.keys.get(r.start);
      const kv = rec ? MvccStore.visible(rec, rev) : null;
      if (kv) f(kv, r.start);
      return;
    }
    if (r.end !== null && r.end <= r.start) return;
    this.index.scan(r.start, r.end, (k, rec) => {
      const kv = MvccStore.visible(rec, rev);
      return kv ? f(kv, k) : true;
    });
  }

  /** The revision a range reads and its errors: `curRev` is the store's revision as this read sees it. */
  private readRev(requested: number, curRev: number): number {
    if (requested <= 0) return curRev;
    if (requested > curRev) throw new EtcdError("FutureRev");
    if (requested < this.compactRev) throw new EtcdError("Compacted");
    return requested;
  }

  /** etcd's applierV3backend.Range, read at `curRev` (the current revision, or that of a txn in progress). */
  private doRange(req: RangeRequest, curRev: number): RangeResponse {
    const rev = this.readRev(int(req.revision, "revision"), curRev);
    const r = toKeyRange(req.key, req.rangeEnd);
    const reqOrder = enumValue(req.sortOrder, SortOrder, SortOrder.NONE, "sort order");
    const target = enumValue(req.sortTarget, SortTarget, SortTarget.KEY, "sort target");
    const limit = Math.max(0, int(req.limit, "limit"));
    const minMod = int(req.minModRevision, "min_mod_revision");
    const maxMod = int(req.maxModRevision, "max_mod_revision");
    const minCreate = int(req.minCreateRevision, "min_create_revision");
    const maxCreate = int(req.maxCreateRevision, "max_create_revision");
    const fetchAll =
      reqOrder !== SortOrder.NONE || minMod !== 0 || maxMod !== 0 || minCreate !== 0 || maxCreate !== 0;
    const fetch = fetchAll || limit === 0 ? Infinity : limit + 1;
    const countOnly = req.countOnly === true;
    let count = 0;
    let kvs: KeyValue[] = [];
    this.scan(r, rev, (kv) => {
      count++;
      if (!countOnly && kvs.length < fetch) kvs.push(kv);
    });
    if (maxMod !== 0) kvs = kvs.filter((kv) => kv.modRevision <= maxMod);
    if (minMod !== 0) kvs = kvs.filter((kv) => kv.modRevision >= minMod);
    if (maxCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision <= maxCreate);
    if (minCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision >= minCreate);
    const order = target !== SortTarget.KEY && reqOrder === SortOrder.NONE ? SortOrder.ASCEND : reqOrder;
    if (order !== SortOrder.NONE) {
      const cmp = MvccStore.sortComparator(target);
      if (order === SortOrder.DESCEND) kvs.sort((a, b) => cmp(b, a));
      else if (target !== SortTarget.KEY) kvs.sort(cmp);
    }
    let more = false;
    if (limit > 0 && kvs.length > limit) {
      kvs = kvs.slice(0, limit);
      more = true;
    }
    if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY }));
    return { header: { revision: curRev }, kvs, more, count };
  }

  private static sortComparator(target: number): (a: KeyValue, b: KeyValue) => number {
    switch (target) {
      case SortTarget.VERSION:
        return (a, b) => a.version - b.version;
      case SortTarget.CREATE:
        return (a, b) => a.createRevision - b.createRevision;
      case SortTarget.MOD:
        return (a, b) => a.modRevision - b.modRevision;
      case SortTarget.VALUE:
        return (a, b) => compareBytes(a.value, b.value);
      default:
        return (a, b) => compareBytes(a.key, b.key);
    }
  }

  /** etcd Range. Throws EmptyKey, InvalidSortOption, Compacted, FutureRev. */
  range(req: RangeRequest): RangeResponse {
    checkRangeRequest(req);
    return this.doRange(req, this.rev);
  }

  /** The latest live kv of a key, or undefined. */
  get(key: Uint8Array): KeyValue | undefined {
    return this.latest(toKeyString(key)) ?? undefined;
  }

  // ------------------------------------------------------------ writing

  private begin(): LogEvent[] {
    if (this.writing) throw new Error("MvccStore: nested write (a bug)");
    return (this.writing = []);
  }

  /**
   * Runs the mutations of one write between begin and commit. Every refusal is checked before
   * this point, so `f` cannot fail on input; should it throw anyway, that is a bug, reported as
   * a plain Error (never an EtcdError, which promises that nothing changed).
   */
  private write<T>(f: () => T): T {
    this.begin();
    let out: T;
    try {
      out = f();
    } catch (e) {
      this.writing = null;
      throw new Error(
        `MvccStore: a write failed halfway (a bug): ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    this.commit();
    return out;
  }

  /** Ends the write: one new revision if anything changed, then the watchers hear of it. */
  private commit(): void {
    const evs = this.writing!;
    this.writing = null;
    if (evs.length === 0) return;
    this.rev++;
    this.log.push(evs);
    this.watches.notify(this.rev, evs);
  }

  /** The revision the write in progress sees as current (for reads and headers inside a txn). */
  private get writeViewRev(): number {
    return this.writing && this.writing.length > 0 ? this.rev + 1 : this.rev;
  }

  private doPut(req: PutRequest): KeyValue | undefined {
    const evs = this.writing!;
    const main = this.rev + 1;
    const k = toKeyString(req.key);
    let rec = this.keys.get(k);
    const prev = (rec && rec.entries[rec.entries.length - 1]!.kv) ?? undefined;
    const value = req.ignoreValue && prev ? prev.value : copyBytes(req.value);
    const lease = req.ignoreLease && prev ? prev.lease : int(req.lease, "lease");
    if (!rec) {
      rec = { bytes: copyBytes(req.key), entries: [] };
      this.keys.set(k, rec);
      this.index.set(k, rec);
    }
    const kv: KeyValue = {
      key: rec.bytes,
      createRevision: prev ? prev.createRevision : main,
      modRevision: main,
      version: prev ? prev.version + 1 : 1,
      value,
      lease,
    };
    rec.entries.push({ main, sub: evs.length, kv });
    if (prev && prev.lease !== lease) this.leaseTable.detach(prev.lease, k);
    this.leaseTable.attach(lease, k);
    evs.push({ type: EventType.PUT, kv, prevKv: prev, k, sub: evs.length });
    return prev;
  }

  private deleteKey(k: string, rec: KeyRecord, prev: KeyValue): void {
    const evs = this.writing!;
    const main = this.rev + 1;
    rec.entries.push({ main, sub: evs.length, kv: null });
    this.leaseTable.detach(prev.lease, k);
    const tomb: KeyValue = {
      key: rec.bytes,
      createRevision: 0,
      modRevision: main,
      version: 0,
      value: EMPTY,
      lease: 0,
    };
    evs.push({ type: EventType.DELETE, kv: tomb, prevKv: prev, k, sub: evs.length });
  }

  private doDelete(r: KeyRange): KeyValue[] {
    const victims: [string, KeyValue][] = [];
    this.scan(r, Infinity, (kv, k) => {
      victims.push([k, kv]);
    });
    for (const [k, kv] of victims) this.deleteKey(k, this.keys.get(k)!, kv);
    return victims.map((v) => v[1]);
  }

  /** Apply-time checks of a put (etcd's checkRequestPut): the key for ignore_*, the lease. */
  private checkPut(req: PutRequest): void {
    if ((req.ignoreValue || req.ignoreLease) && !this.latest(toKeyString(req.key)))
      throw new EtcdError("KeyNotFound");
    const lease = int(req.lease, "lease");
    if (lease !== 0 && !this.leaseTable.get(lease)) throw new EtcdError("LeaseNotFound");
  }

  /** etcd Put. Throws EmptyKey, ValueProvided, LeaseProvided, LeaseNotFound, KeyNotFound (ignoreValue/ignoreLease on a missing key). */
  put(req: PutRequest): PutResponse {
    checkPutRequest(req);
    const lease = int(req.lease, "lease");
    if (lease !== 0 && !this.leaseTable.get(lease)) throw new EtcdError("LeaseNotFound");
    this.checkPut(req);
    const prev = this.write(() => this.doPut(req));
    return req.prevKv && prev
      ? { header: { revision: this.rev }, prevKv: prev }
      : { header: { revision: this.rev } };
  }

  /** etcd DeleteRange: no new revision when nothing is deleted. Throws EmptyKey. */
  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    checkDeleteRequest(req);
    const prevs = this.write(() => this.doDelete(toKeyRange(req.key, req.rangeEnd)));
    return { header: { revision: this.rev }, deleted: prevs.length, prevKvs: req.prevKv ? prevs : [] };
  }

  // ------------------------------------------------------------ txn

  private compareHolds(c: Compare): boolean {
    const target = enumValue(c.target, CompareTarget, CompareTarget.VERSION, "compare target");
    const result = enumValue(c.result, CompareResult, CompareResult.EQUAL, "compare result");
    const kvs: KeyValue[] = [];
    this.scan(toKeyRange(c.key, c.rangeEnd), this.rev, (kv) => {
      kvs.push(kv);
    });
    if (kvs.length === 0) {
      if (target === CompareTarget.VALUE) return false;
      kvs.push({ key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0 });
    }
    for (const kv of kvs) {
      let d: number;
      switch (target) {
        case CompareTarget.VALUE:
          d = compareBytes(kv.value, c.value ?? EMPTY);
          break;
        case CompareTarget.CREATE:
          d = Math.sign(kv.createRevision - int(c.createRevision, "create_revision"));
          break;
        case CompareTarget.MOD:
          d = Math.sign(kv.modRevision - int(c.modRevision, "mod_revision"));
          break;
        case CompareTarget.LEASE:
          d = Math.sign(kv.lease - int(c.lease, "lease"));
          break;
        default:
          d = Math.sign(kv.version - int(c.version, "version"));
      }
      const ok =
        result === CompareResult.EQUAL
          ? d === 0
          : result === CompareResult.NOT_EQUAL
            ? d !== 0
            : result === CompareResult.GREATER
              ? d > 0
              : d < 0;
      if (!ok) return false;
    }
    return true;
  }

  private txnPath(req: TxnRequest): TxnPath {
    const succeeded = (req.compare ?? []).every((c) => this.compareHolds(c));
    const children: TxnPath[] = [];
    for (const op of (succeeded ? req.success : req.failure) ?? [])
      if (op.requestTxn) children.push(this.txnPath(op.requestTxn));
    return { succeeded, children };
  }

  private checkPathOps(req: TxnRequest, path: TxnPath, f: (op: ReturnType<typeof opKind>) => void): void {
    let child = 0;
    for (const op of (path.succeeded ? req.success : req.failure) ?? []) {
      const o = opKind(op);
      if (o.kind === "txn") this.checkPathOps(o.req, path.children[child++]!, f);
      else f(o);
    }
  }

  private applyTxn(req: TxnRequest, path: TxnPath): TxnResponse {
    const responses: ResponseOp[] = [];
    let child = 0;
    for (const op of (path.succeeded ? req.success : req.failure) ?? []) {
      const o = opKind(op);
      switch (o.kind) {
        case "range":
          responses.push({ responseRange: this.doRange(o.req, this.writeViewRev) });
          break;
        case "put": {
          const prev = this.doPut(o.req);
          const header = { revision: this.rev + 1 };
          responses.push({ responsePut: o.req.prevKv && prev ? { header, prevKv: prev } : { header } });
          break;
        }
        case "delete": {
          const prevs = this.doDelete(toKeyRange(o.req.key, o.req.rangeEnd));
          responses.push({
            responseDeleteRange: {
              header: { revision: this.writeViewRev },
              deleted: prevs.length,
              prevKvs: o.req.prevKv ? prevs : [],
            },
          });
          break;
        }
        case "txn": {
          const nested = this.applyTxn(o.req, path.children[child++]!);
          nested.header.revision = 0; // etcd leaves nested txn headers empty
          responses.push({ responseTxn: nested });
          break;
        }
      }
    }
    return { header: { revision: 0 }, succeeded: path.succeeded, responses };
  }

  /**
   * etcd Txn: compares (all on the state before the txn, nested ones too) pick a branch; its
   * ops run in order, reads seeing earlier writes; all writes share one new revision (none if
   * nothing changed). Throws TooManyOps, EmptyKey, DuplicateKey, ValueProvided, LeaseProvided,
   * KeyNotFound, LeaseNotFound, Compacted, FutureRev — before changing anything.
   */
  txn(req: TxnRequest): TxnResponse {
    checkTxn(req, this.opts.maxTxnOps);
    const path = this.txnPath(req);
    this.checkPathOps(req, path, (o) => {
      if (o.kind === "put") this.checkPut(o.req);
    });
    this.checkPathOps(req, path, (o) => {
      if (o.kind === "range") this.readRev(int(o.req.revision, "revision"), this.rev);
    });
    const resp = this.write(() => this.applyTxn(req, path));
    resp.header.revision = this.rev;
    return resp;
  }

  // ------------------------------------------------------------ compaction and hash

  /** etcd Compact: throws Compacted if revision <= compactedRevision, FutureRev if > currentRevision. */
  compact(revision: number): CompactionResponse {
    const c = int(revision, "revision");
    if (c <= this.compactRev) throw new EtcdError("Compacted");
    if (c > this.rev) throw new EtcdError("FutureRev");
    for (const [k, rec] of this.keys) {
      const e = rec.entries;
      if (e[0]!.main > c) continue;
      let lo = 0;
      let hi = e.length; // find last index with main <= c
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (e[mid]!.main <= c) lo = mid;
        else hi = mid;
      }
      const keepFrom = e[lo]!.kv === null ? lo + 1 : lo;
      if (keepFrom === 0) continue;
      if (keepFrom >= e.length) {
        this.keys.delete(k);
        this.index.delete(k);
      } else rec.entries = e.slice(keepFrom);
    }
    if (c > this.logStart) {
      this.log.splice(0, c - this.logStart);
      this.logStart = c;
    }
    const atC = this.log[c - this.logStart];
    if (c >= this.logStart && atC) {
      this.log[c - this.logStart] = atC
        .filter((e) => e.type === EventType.PUT)
        .map((e) => ({ ...e, prevKv: undefined }));
    }
    this.compactRev = c;
    return { header: { revision: this.rev } };
  }

  /**
   * A CRC-32C over every kept key revision at or below `revision` (0: current), in key then
   * revision order: equal stores give equal hashes. Throws Compacted / FutureRev.
   */
  hashKV(revision = 0): HashKVResponse {
    const asked = int(revision, "revision");
    const r = asked > 0 ? asked : this.rev;
    if (r > this.rev) throw new EtcdError("FutureRev");
    if (r < this.compactRev) throw new EtcdError("Compacted");
    const scratch = new Uint8Array(48);
    const dv = new DataView(scratch.buffer);
    let crc = 0;
    // per kept revision: f64 key length, key, f64 main, sub, then createRevision, version,
    // lease, value length and the value, or -1 for a tombstone (all f64 little endian)
    this.index.scan("", null, (_k, rec) => {
      for (const e of rec.entries) {
        if (e.main > r) break;
        dv.setFloat64(0, rec.bytes.length, true);
        crc = crc32c(scratch.subarray(0, 8), crc);
        crc = crc32c(rec.bytes, crc);
        dv.setFloat64(0, e.main, true);
        dv.setFloat64(8, e.sub, true);
        if (e.kv) {
          dv.setFloat64(16, e.kv.createRevision, true);
          dv.setFloat64(24, e.kv.version, true);
          dv.setFloat64(32, e.kv.lease, true);
          dv.setFloat64(40, e.kv.value.length, true);
          crc = crc32c(scratch, crc);
          crc = crc32c(e.kv.value, crc);
        } else {
          dv.setFloat64(16, -1, true);
          crc = crc32c(scratch.subarray(0, 24), crc);
        }
      }
    });
    return { header: { revision: this.rev }, hash: crc, compactRevision: this.compactRev, hashRevision: r };
  }

  // ------------------------------------------------------------ leases

  /** etcd LeaseGrant; the deadline is now + TTL (caller units). Throws LeaseExist, LeaseTTLTooLarge. */
  leaseGrant(req: LeaseGrantRequest, now: number): LeaseGrantResponse {
    const ttlAsked = int(req.TTL, "TTL");
    if (ttlAsked > MAX_LEASE_TTL) throw new EtcdError("LeaseTTLTooLarge");
    let id = int(req.ID, "ID");
    if (id !== 0 && this.leaseTable.get(id)) throw new EtcdError("LeaseExist");
    if (id === 0) id = this.leaseTable.chooseId();
    const ttl = Math.max(ttlAsked, this.opts.minLeaseTtl);
    this.leaseTable.add(id, ttl, now + ttl * this.opts.timeUnitsPerSecond);
    return { header: { revision: this.rev }, ID: id, TTL: ttl, error: "" };
  }

  /** etcd LeaseRevoke: deletes every attached key (in key order) in one revision. Throws LeaseNotFound. */
  leaseRevoke(id: number): LeaseRevokeResponse {
    const l = this.leaseTable.get(int(id, "ID"));
    if (!l) throw new EtcdError("LeaseNotFound");
    const ks = [...l.keys].sort();
    this.write(() => {
      for (const k of ks) {
        const rec = this.keys.get(k)!;
        this.deleteKey(k, rec, rec.entries[rec.entries.length - 1]!.kv!);
      }
    });
    this.leaseTable.byId.delete(l.id);
    return { header: { revision: this.rev } };
  }

  /** etcd LeaseKeepAlive: deadline = now + granted TTL. Throws LeaseNotFound, also for a lease past its deadline (awaiting revoke). */
  leaseKeepAlive(id: number, now: number): LeaseKeepAliveResponse {
    const l = this.leaseTable.get(int(id, "ID"));
    if (!l || l.deadline <= now) throw new EtcdError("LeaseNotFound");
    l.deadline = now + l.ttl * this.opts.timeUnitsPerSecond;
    return { header: { revision: this.rev }, ID: l.id, TTL: l.ttl };
  }

  /**
   * etcd LeaseTimeToLive: remaining whole seconds (truncated toward zero, as etcd: negative once past the deadline), granted TTL, keys if asked.
   * Throws LeaseNotFound (etcd's gRPC server answers that with TTL -1 rather than an error).
   */
  leaseTimeToLive(req: LeaseTimeToLiveRequest, now: number): LeaseTimeToLiveResponse {
    const l = this.leaseTable.get(int(req.ID, "ID"));
    if (!l) throw new EtcdError("LeaseNotFound");
    const remaining = Math.trunc((l.deadline - now) / this.opts.timeUnitsPerSecond) || 0; // etcd: int64(Remaining().Seconds())
    const keys = req.keys ? [...l.keys].sort().map((k) => this.keys.get(k)!.bytes) : [];
    return { header: { revision: this.rev }, ID: l.id, TTL: remaining, grantedTTL: l.ttl, keys };
  }

  /** etcd LeaseLeases, IDs ascending. */
  leases(): LeaseLeasesResponse {
    return { header: { revision: this.rev }, leases: this.leaseTable.ids().map((ID) => ({ ID })) };
  }

  /** IDs of leases whose deadline is <= now, earliest first: the server proposes their revokes. */
  expiredLeases(now: number): number[] {
    return this.leaseTable.expired(now);
  }

  /** Resets every lease's deadline to now + its TTL (etcd's lessor Promote: a new leader, a restart). */
  leasePromote(now: number): void {
    for (const l of this.leaseTable.byId.values()) l.deadline = now + l.ttl * this.opts.timeUnitsPerSecond;
  }

  // ------------------------------------------------------------ watches

  /**
   * Registers a watcher and returns its id (store-wide, from 1; the server maps its stream
   * watch IDs to these). Events from `startRevision` on (past ones from history; <= 0: from
   * the next write) become available through `takeWatchResponses()`. A start below the
   * compacted revision yields one response with `compactRevision` and `canceled: true`, after
   * which the watcher is gone. Throws InvalidArgument for an unknown filter.
   */
  watch(req: WatchCreateRequest): number {
    if (typeof req !== "object" || req === null)
      throw new EtcdError("InvalidArgument", "watch request must be an object");
    checkBytes(req, "key", "rangeEnd");
    const start = int(req.startRevision, "start_revision");
    const fs = req.filters ?? [];
    if (!Array.isArray(fs)) throw new EtcdError("InvalidArgument", "watch filters must be a list");
    const filters = fs.map((f) => enumValue(f, WatchFilter, 0, "watch filter"));
    return this.watches.add(
      {
        range: toKeyRange(req.key ?? EMPTY, req.rangeEnd),
        startRev: start > 0 ? start : this.rev + 1,
        prevKv: req.prevKv === true,
        noPut: filters.includes(WatchFilter.NOPUT),
        noDelete: filters.includes(WatchFilter.NODELETE),
      },
      this,
    );
  }

  /** Removes a watcher; false if it did not exist. */
  cancelWatch(id: number): boolean {
    return this.watches.cancel(id);
  }

  /**
   * Drains what is pending for every watcher (or only `ids`): live writes come one revision
   * per response, catch-up from history at most `watchBatchMaxRevs` revisions per response.
   * Call after every write and after `watch`; while `hasPendingWatch()` is true, some watcher
   * is still catching up. Responses are ordered by watcher id, then revision.
   */
  takeWatchResponses(ids?: readonly number[]): WatchResponse[] {
    return this.watches.take(this, ids);
  }

  /**
   * Holds a watcher whose consumer cannot take more (a client that does not read): nothing is
   * produced or kept for it until `releaseWatch`, after which it catches up from history
   * (from its first undelivered revision, or `fromRev` if earlier: a response taken but not
   * delivered). A compaction meanwhile ends it with `compactRevision`, as for any watcher
   * catching up. False if there is no such watcher.
   */
  holdWatch(id: number, fromRev?: number): boolean {
    return this.watches.hold(id, fromRev);
  }

  /** Releases a held watcher; its catch-up comes through `takeWatchResponses`. */
  releaseWatch(id: number): boolean {
    return this.watches.release(id);
  }

  /** True when some watcher has something to take. */
  hasPendingWatch(): boolean {
    return this.watches.hasPending();
  }

  /** True when the watcher exists and has received everything up to the current revision (a progress notification may then be sent). */
  watchSynced(id: number): boolean {
    return this.watches.isSynced(id);
  }

  /**
   * A progress notification for a watcher (no events, `header.revision` = the current
   * revision), or undefined while it is not synced — etcd sends progress only to watchers that
   * have everything up to the current revision, so a client never reads a revision it has not
   * seen all events below.
   */
  watchProgress(id: number): WatchResponse | undefined {
    if (!this.watches.isSynced(id)) return undefined;
    return { header: { revision: this.rev }, watchId: id, events: [], compactRevision: 0, canceled: false };
  }

  /** Number of registered watchers. */
  get watcherCount(): number {
    return this.watches.size;
  }

  // ------------------------------------------------------------ snapshots

  /**
   * The whole replicated state as bytes: revisions, every kept key revision, leases (with
   * their deadlines) and the lease ID sequence; watchers are not part of it. Layout:
   * "GMVC", version, then varints/float64s (codec.ts), then a CRC-32C of all before it.
   */
  serialize(): Uint8Array {
    const w = new Writer();
    w.raw(Uint8Array.from(SNAPSHOT_MAGIC));
    w.u8(SNAPSHOT_VERSION);
    w.uint(this.rev);
    w.uint(this.compactRev);
    w.f64(this.leaseTable.seed);
    w.uint(this.leaseTable.seq);
    w.uint(this.index.size);
    this.index.scan("", null, (_k, rec) => {
      w.bytes(rec.bytes);
      w.uint(rec.entries.length);
      for (const e of rec.entries) {
        w.uint(e.main);
        w.uint(e.sub);
        if (e.kv) {
          w.u8(1);
          w.uint(e.kv.createRevision);
          w.uint(e.kv.version);
          w.f64(e.kv.lease);
          w.bytes(e.kv.value);
        } else w.u8(0);
      }
    });
    const ids = this.leaseTable.ids();
    w.uint(ids.length);
    for (const id of ids) {
      const l = this.leaseTable.get(id)!;
      w.f64(id);
      w.f64(l.ttl);
      w.f64(l.deadline);
    }
    const body = w.finish();
    const out = new Uint8Array(body.length + 4);
    out.set(body);
    new DataView(out.buffer).setUint32(body.length, crc32c(body), true);
    return out;
  }

  /**
   * Replaces the state with a serialized one. Watchers stay: each catches up from the
   * revision it had reached (or gets a compacted response). Throws Error naming the problem
   * on malformed bytes, and then changes nothing.
   */
  restore(bytes: Uint8Array): void {
    if (this.writing) throw new Error("MvccStore.restore: inside a write");
    if (bytes.length < SNAPSHOT_MAGIC.length + 5) throw new Error("MvccStore.restore: snapshot too short");
    // one private copy; keys and values restored are views into it (cheaper than one small
    // buffer each, at the price of keeping it alive while any of them is)
    const body = bytes.slice(0, bytes.length - 4);
    const want = new DataView(bytes.buffer, bytes.byteOffset + body.length, 4).getUint32(0, true);
    if (crc32c(body) !== want) throw new Error("MvccStore.restore: snapshot checksum mismatch");
    const r = new Reader(body);
    for (const m of SNAPSHOT_MAGIC)
      if (r.u8() !== m) throw new Error("MvccStore.restore: not an MVCC snapshot (bad magic)");
    const version = r.u8();
    if (version !== SNAPSHOT_VERSION)
      throw new Error(`MvccStore.restore: unsupported snapshot version ${version}`);
    const rev = r.uint();
    const compactRev = r.uint();
    const leases = new LeaseTable(r.f64());
    leases.seq = r.uint();
    const keys = new Map<string, KeyRecord>();
    const sortedKeys: string[] = [];
    const sortedRecs: KeyRecord[] = [];
    const nKeys = r.uint();
    const logStart = Math.max(2, compactRev);
    const log: LogEvent[][] = [];
    for (let x = logStart; x <= rev; x++) log.push([]);
    let prevKey: string | undefined;
    for (let i = 0; i < nKeys; i++) {
      const kb = r.bytes();
      const k = toKeyString(kb);
      if (prevKey !== undefined && k <= prevKey) throw new Error("MvccStore.restore: keys out of order");
      prevKey = k;
      const n = r.uint();
      if (n === 0) throw new Error("MvccStore.restore: key without revisions");
      const rec: KeyRecord = { bytes: kb, entries: [] };
      let prev: KeyValue | null = null;
      for (let j = 0; j < n; j++) {
        const main = r.uint();
        const sub = r.uint();
        if (main > rev || (rec.entries.length > 0 && main <= rec.entries[rec.entries.length - 1]!.main))
          throw new Error("MvccStore.restore: key revisions out of order");
        let kv: KeyValue | null = null;
        if (r.u8() === 1) {
          const createRevision = r.uint();
          const version = r.uint();
          const lease = r.f64();
          // same property order as doPut's literal: one hidden class for every KeyValue
          kv = { key: kb, createRevision, modRevision: main, version, value: r.bytes(), lease };
        }
        rec.entries.push({ main, sub, kv });
        if (main >= logStart) {
          const prevKv = main === compactRev || prev === null ? undefined : prev;
          const ev: LogEvent = kv
            ? { type: EventType.PUT, kv, prevKv, k, sub }
            : {
                type: EventType.DELETE,
                kv: { key: kb, createRevision: 0, modRevision: main, version: 0, value: EMPTY, lease: 0 },
                prevKv,
                k,
                sub,
              };
          log[main - logStart]!.push(ev);
        }
        prev = kv;
      }
      keys.set(k, rec);
      sortedKeys.push(k);
      sortedRecs.push(rec);
    }
    const index = SortedKeys.fromSorted(sortedKeys, sortedRecs);
    const nLeases = r.uint();
    for (let i = 0; i < nLeases; i++) leases.add(r.f64(), r.f64(), r.f64());
    if (!r.done) throw new Error("MvccStore.restore: trailing bytes");
    for (const [k, rec] of keys) {
      const kv = rec.entries[rec.entries.length - 1]!.kv;
      if (kv && kv.lease !== 0) leases.attach(kv.lease, k);
    }
    for (const evs of log) if (evs.length > 1) evs.sort((a, b) => a.sub - b.sub);
    // commit
    const oldRev = this.rev;
    this.rev = rev;
    this.compactRev = compactRev;
    this.keys = keys;
    this.index = index;
    this.log = log;
    this.logStart = logStart;
    // the restored seed and sequence win over the leaseIdSeed option
    this.leaseTable = leases;
    this.watches.desyncAll(oldRev);
  }

  /** A new store from serialized bytes. */
  static fromSnapshot(bytes: Uint8Array, options: MvccOptions = {}): MvccStore {
    const s = new MvccStore(options);
    s.restore(bytes);
    return s;
  }

  /** Deep structural equality of the replicated state (for tests and audits). */
  sameStateAs(other: MvccStore): boolean {
    const a = this.serialize();
    const b = other.serialize();
    return bytesEqual(a, b);
  }
}
