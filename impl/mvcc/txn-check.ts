/**
 * The checks etcd's gRPC layer makes before a request is proposed (etcd's v3rpc key.go):
 * keys present, ignore_value/ignore_lease not combined with a value/lease, sort options
 * known, at most `maxTxnOps` operations per txn list (a nested txn gets what is left of the
 * budget), and no key written twice in one txn (`checkIntervals`: a put may not overlap
 * another put or a delete range on the same path; the two branches of a nested txn may
 * put the same key, since only one of them runs).
 */
import { EtcdError } from "./errors.js";
import { enumValue, int } from "./enums.js";
import { rangesIntersect, toKeyRange, toKeyString } from "./bytes.js";
import type { KeyRange } from "./bytes.js";
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from "./types.js";
import { SortOrder, SortTarget } from "./types.js";

function empty(b: Uint8Array | undefined | null): boolean {
  return b === undefined || b === null || b.length === 0;
}

/** Throws InvalidArgument unless each named field is absent or a Uint8Array. */
export function checkBytes(req: object, ...names: string[]): void {
  for (const n of names) {
    const v = (req as Record<string, unknown>)[n];
    if (v !== undefined && v !== null && !(v instanceof Uint8Array))
      throw new EtcdError("InvalidArgument", `${n} must be bytes`);
  }
}

function checkObject(req: unknown, what: string): void {
  if (typeof req !== "object" || req === null)
    throw new EtcdError("InvalidArgument", `${what} must be an object`);
}

export function checkRangeRequest(r: RangeRequest): void {
  checkObject(r, "range request");
  checkBytes(r, "key", "rangeEnd");
  if (empty(r.key)) throw new EtcdError("EmptyKey");
  for (const f of [
    "limit",
    "revision",
    "minModRevision",
    "maxModRevision",
    "minCreateRevision",
    "maxCreateRevision",
  ] as const)
    int(r[f], f);
  try {
    enumValue(r.sortOrder, SortOrder, 0, "sort order");
    enumValue(r.sortTarget, SortTarget, 0, "sort target");
  } catch {
    throw new EtcdError("InvalidSortOption");
  }
}

export function checkPutRequest(r: PutRequest): void {
  checkObject(r, "put request");
  checkBytes(r, "key", "value");
  if (empty(r.key)) throw new EtcdError("EmptyKey");
  if (r.ignoreValue && !empty(r.value)) throw new EtcdError("ValueProvided");
  if (r.ignoreLease && int(r.lease, "lease") !== 0) throw new EtcdError("LeaseProvided");
  int(r.lease, "lease");
}

export function checkDeleteRequest(r: DeleteRangeRequest): void {
  checkObject(r, "delete request");
  checkBytes(r, "key", "rangeEnd");
  if (empty(r.key)) throw new EtcdError("EmptyKey");
}

/** The one request inside a RequestOp, by kind; throws InvalidArgument if none is set. */
export type OpKind =
  | { kind: "range"; req: RangeRequest }
  | { kind: "put"; req: PutRequest }
  | { kind: "delete"; req: DeleteRangeRequest }
  | { kind: "txn"; req: TxnRequest };

export function opKind(op: RequestOp): OpKind {
  checkObject(op, "request op");
  if (op.requestRange) return { kind: "range", req: op.requestRange };
  if (op.requestPut) return { kind: "put", req: op.requestPut };
  if (op.requestDeleteRange) return { kind: "delete", req: op.requestDeleteRange };
  if (op.requestTxn) return { kind: "txn", req: op.requestTxn };
  throw new EtcdError("InvalidArgument", "empty request op in txn");
}

/** etcd's checkTxnRequest: operation counts and keys, recursively. */
export function checkTxnRequest(r: TxnRequest, maxTxnOps: number): void {
  checkObject(r, "txn request");
  const cmp = r.compare ?? [];
  const succ = r.success ?? [];
  const fail = r.failure ?? [];
  for (const [l, what] of [
    [cmp, "compare"],
    [succ, "success"],
    [fail, "failure"],
  ] as const)
    if (!Array.isArray(l)) throw new EtcdError("InvalidArgument", `txn ${what} must be a list`);
  const opc = Math.max(cmp.length, succ.length, fail.length);
  if (opc > maxTxnOps) throw new EtcdError("TooManyOps");
  for (const c of cmp) {
    checkObject(c, "compare");
    checkBytes(c, "key", "rangeEnd", "value");
    if (empty(c.key)) throw new EtcdError("EmptyKey");
    for (const f of ["version", "createRevision", "modRevision", "lease"] as const) int(c[f], f);
  }
  for (const op of [...succ, ...fail]) {
    const o = opKind(op);
    switch (o.kind) {
      case "range":
        checkRangeRequest(o.req);
        break;
      case "put":
        checkPutRequest(o.req);
        break;
      case "delete":
        checkDeleteRequest(o.req);
        break;
      case "txn":
        checkTxnRequest(o.req, maxTxnOps - opc);
        break;
    }
  }
}

interface Intervals {
  puts: Set<string>;
  dels: KeyRange[];
}

function intersectsAny(k: string, dels: readonly KeyRange[]): boolean {
  const p: KeyRange = { start: k, end: undefined };
  for (const d of dels) if (rangesIntersect(p, d)) return true;
  return false;
}

/** etcd's checkIntervals over one list of ops; throws DuplicateKey. */
export function checkIntervals(reqs: readonly RequestOp[]): Intervals {
  const dels: KeyRange[] = [];
  for (const op of reqs) {
    const d = op.requestDeleteRange;
    if (d) dels.push(toKeyRange(d.key, d.rangeEnd));
  }
  const puts = new Set<string>();
  for (const op of reqs) {
    const t = op.requestTxn;
    if (!t) continue;
    const then = checkIntervals(t.success ?? []);
    const els = checkIntervals(t.failure ?? []);
    for (const k of then.puts) {
      if (puts.has(k) || intersectsAny(k, dels)) throw new EtcdError("DuplicateKey");
      puts.add(k);
    }
    for (const k of els.puts) {
      if (puts.has(k) && !then.puts.has(k)) throw new EtcdError("DuplicateKey");
      if (intersectsAny(k, dels)) throw new EtcdError("DuplicateKey");
      puts.add(k);
    }
    dels.push(...then.dels, ...els.dels);
  }
  for (const op of reqs) {
    const p = op.requestPut;
    if (!p) continue;
    const k = toKeyString(p.key);
    if (puts.has(k) || intersectsAny(k, dels)) throw new EtcdError("DuplicateKey");
    puts.add(k);
  }
  return { puts, dels };
}

/** Everything the gRPC layer checks for a Txn, in etcd's order. */
export function checkTxn(r: TxnRequest, maxTxnOps: number): void {
  checkTxnRequest(r, maxTxnOps);
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}
