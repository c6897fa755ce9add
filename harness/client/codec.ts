/**
 * Request builders and response converters between the client's plain types (./types.ts) and
 * the protobufjs message objects of etcd's API.
 */
import { fromId, toId, toNum } from "./proto.js";
import type {
  Compare,
  DeleteOptions,
  DeleteResult,
  KeyValue,
  Member,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResult,
  ValueMode,
} from "./types.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs message objects are untyped */
type Pb = any;

export function bytes(s: string | Uint8Array): Uint8Array {
  return typeof s === "string" ? Buffer.from(s, "utf8") : s;
}

/** The range end that covers every key with prefix `key` (etcd's GetPrefixRangeEnd). */
export function prefixEnd(key: Uint8Array): Uint8Array {
  const end = Uint8Array.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0); // all 0xff: no upper bound
}

/** Key and range end of a request: the empty prefix means every key (etcd's `\0`..`\0`). */
function keyRange(
  key: string,
  o: { prefix?: boolean; rangeEnd?: string },
): { key: Uint8Array; rangeEnd?: Uint8Array } {
  const k = bytes(key);
  if (o.rangeEnd !== undefined)
    return { key: k.length === 0 ? Uint8Array.of(0) : k, rangeEnd: bytes(o.rangeEnd) };
  if (!o.prefix) return { key: k };
  return k.length === 0
    ? { key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0) }
    : { key: k, rangeEnd: prefixEnd(k) };
}

function str(b: Uint8Array | undefined): string {
  if (!b || b.length === 0) return "";
  return Buffer.isBuffer(b)
    ? b.toString("utf8")
    : Buffer.from(b.buffer, b.byteOffset, b.length).toString("utf8");
}

export function header(h: Pb): ResponseHeader {
  return {
    clusterId: toId(h?.clusterId),
    memberId: toId(h?.memberId),
    revision: toNum(h?.revision, "header.revision"),
    raftTerm: toNum(h?.raftTerm, "header.raft_term"),
  };
}

export function kv<V>(k: Pb, mode: ValueMode): KeyValue<V> {
  const value = mode === "string" ? str(k.value) : Uint8Array.from(k.value ?? []);
  return {
    key: str(k.key),
    value: value as V,
    createRevision: toNum(k.createRevision, "kv.create_revision"),
    modRevision: toNum(k.modRevision, "kv.mod_revision"),
    version: toNum(k.version, "kv.version"),
    lease: toId(k.lease),
  };
}

const SORT_ORDER = { none: 0, ascend: 1, descend: 2 } as const;
const SORT_TARGET = { key: 0, version: 1, create: 2, mod: 3, value: 4 } as const;

function int(v: number | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be an integer >= 0, got ${v}`);
  return v;
}

export function rangeRequest(key: string, o: Omit<RangeOptions, "timeoutMs" | "signal">): Pb {
  return {
    ...keyRange(key, o),
    limit: int(o.limit, "limit"),
    revision: int(o.revision, "revision"),
    sortOrder: o.sortOrder ? SORT_ORDER[o.sortOrder] : undefined,
    sortTarget: o.sortTarget ? SORT_TARGET[o.sortTarget] : undefined,
    serializable: o.serializable || undefined,
    keysOnly: o.keysOnly || undefined,
    countOnly: o.countOnly || undefined,
    minModRevision: int(o.minModRevision, "minModRevision"),
    maxModRevision: int(o.maxModRevision, "maxModRevision"),
    minCreateRevision: int(o.minCreateRevision, "minCreateRevision"),
    maxCreateRevision: int(o.maxCreateRevision, "maxCreateRevision"),
  };
}

export function rangeResult<V>(r: Pb, mode: ValueMode): RangeResult<V> {
  return {
    header: header(r.header),
    kvs: (r.kvs ?? []).map((k: Pb) => kv<V>(k, mode)),
    more: !!r.more,
    count: toNum(r.count, "count"),
  };
}

export function putRequest(
  key: string,
  value: string | Uint8Array,
  o: Omit<PutOptions, "timeoutMs" | "signal">,
): Pb {
  return {
    key: bytes(key),
    value: bytes(value),
    lease: o.lease === undefined ? undefined : fromId(o.lease, "put lease"),
    prevKv: o.prevKv || undefined,
    ignoreValue: o.ignoreValue || undefined,
    ignoreLease: o.ignoreLease || undefined,
  };
}

export function putResult<V>(r: Pb, mode: ValueMode): PutResult<V> {
  const out: PutResult<V> = { header: header(r.header) };
  if (r.prevKv) out.prevKv = kv<V>(r.prevKv, mode);
  return out;
}

export function deleteRequest(key: string, o: Omit<DeleteOptions, "timeoutMs" | "signal">): Pb {
  return { ...keyRange(key, o), prevKv: o.prevKv || undefined };
}

export function deleteResult<V>(r: Pb, mode: ValueMode): DeleteResult<V> {
  return {
    header: header(r.header),
    deleted: toNum(r.deleted, "deleted"),
    prevKvs: (r.prevKvs ?? []).map((k: Pb) => kv<V>(k, mode)),
  };
}

const CMP_RESULT = { "=": 0, ">": 1, "<": 2, "!=": 3 } as const;
const CMP_TARGET = { version: 0, create: 1, mod: 2, value: 3, lease: 4 } as const;

function compare(c: Compare): Pb {
  const result = CMP_RESULT[c.result];
  const target = CMP_TARGET[c.target];
  if (result === undefined) throw new RangeError(`txn compare: unknown result ${JSON.stringify(c.result)}`);
  if (target === undefined) throw new RangeError(`txn compare: unknown target ${JSON.stringify(c.target)}`);
  const out: Pb = { key: bytes(c.key), result, target };
  if (c.rangeEnd !== undefined) out.rangeEnd = bytes(c.rangeEnd);
  switch (c.target) {
    case "value":
      if (typeof c.value === "number")
        throw new TypeError("txn compare on value needs a string or Uint8Array");
      out.value = bytes(c.value);
      break;
    case "lease":
      out.lease = fromId(c.value as string | number, "txn compare lease");
      break;
    default: {
      if (typeof c.value !== "number" || !Number.isSafeInteger(c.value))
        throw new TypeError(`txn compare on ${c.target} needs an integer`);
      const field =
        c.target === "version" ? "version" : c.target === "create" ? "createRevision" : "modRevision";
      out[field] = c.value;
    }
  }
  return out;
}

function requestOp(op: RequestOp): Pb {
  if ("get" in op) {
    const { key, ...o } = op.get;
    return { requestRange: rangeRequest(key, o) };
  }
  if ("put" in op) {
    const { key, value, ...o } = op.put;
    return { requestPut: putRequest(key, value, o) };
  }
  if ("delete" in op) {
    const { key, ...o } = op.delete;
    return { requestDeleteRange: deleteRequest(key, o) };
  }
  if ("txn" in op) return { requestTxn: txnRequest(op.txn) };
  throw new TypeError(`txn: unknown request op ${JSON.stringify(op)}`);
}

export function txnRequest(t: TxnRequest): Pb {
  return {
    compare: (t.compare ?? []).map(compare),
    success: (t.success ?? []).map(requestOp),
    failure: (t.failure ?? []).map(requestOp),
  };
}

function responseOp<V>(r: Pb, mode: ValueMode): ResponseOp<V> {
  if (r.responseRange) return { get: rangeResult<V>(r.responseRange, mode) };
  if (r.responsePut) return { put: putResult<V>(r.responsePut, mode) };
  if (r.responseDeleteRange) return { delete: deleteResult<V>(r.responseDeleteRange, mode) };
  if (r.responseTxn) return { txn: txnResult<V>(r.responseTxn, mode) };
  throw new TypeError("txn: empty response op");
}

export function txnResult<V>(r: Pb, mode: ValueMode): TxnResult<V> {
  return {
    header: header(r.header),
    succeeded: !!r.succeeded,
    responses: (r.responses ?? []).map((x: Pb) => responseOp<V>(x, mode)),
  };
}

export function member(m: Pb): Member {
  return {
    id: toId(m.ID),
    name: m.name ?? "",
    peerUrls: m.peerURLs ?? [],
    clientUrls: m.clientURLs ?? [],
    isLearner: !!m.isLearner,
  };
}
