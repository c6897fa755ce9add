/**
 * The MVCC store's request and response shapes. They follow etcd's protobuf messages
 * (api/etcdserverpb/rpc.proto, api/mvccpb/kv.proto) with the field names that
 * `@grpc/proto-loader` produces with `keepCase: false` (camelCase), so the gRPC server can
 * pass decoded requests straight in and encode the responses straight out.
 *
 * - Keys and values are `Uint8Array` (a decoded `Buffer` is one; the store copies what it
 *   keeps, so the caller may reuse its buffers).
 * - int64 fields (revisions, versions, lease IDs, TTLs) are JavaScript numbers. Revisions grow
 *   by one per write, so they stay below 2^53 for any realistic life of a cluster; lease IDs
 *   chosen by the store are below 2^53; an ID given by a client must be a safe integer
 *   (the server should reject others; the store throws `InvalidArgument` for them).
 * - Enum fields accept etcd's numeric wire values, or their names in any of the spellings
 *   proto-loader may produce (`"EQUAL"`, `"Equal"`, `"NOT_EQUAL"`, `"NotEqual"`, ...).
 * - Responses carry `header: { revision }` only; the server adds cluster id, member id and
 *   raft term. Returned `KeyValue` objects are shared with the store: never mutate them.
 */

/** mvccpb.KeyValue. A tombstone (a delete event's kv) has only key and modRevision set. */
export interface KeyValue {
  key: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Uint8Array;
  lease: number;
}

/** mvccpb.Event.EventType: PUT = 0, DELETE = 1. */
export const EventType = { PUT: 0, DELETE: 1 } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** mvccpb.Event. */
export interface Event {
  type: EventType;
  kv: KeyValue;
  prevKv?: KeyValue;
}

/** The store's part of etcdserverpb.ResponseHeader; the server fills the rest. */
export interface ResponseHeader {
  revision: number;
}

export const SortOrder = { NONE: 0, ASCEND: 1, DESCEND: 2 } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];
export const SortTarget = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } as const;
export type SortTarget = (typeof SortTarget)[keyof typeof SortTarget];

/** An enum value as the server may hand it over: the wire number or its name. */
export type EnumInput = number | string;

/**
 * etcdserverpb.RangeRequest. `rangeEnd` empty or absent: the single key `key`;
 * `rangeEnd` = [0]: every key >= `key`; otherwise the half-open interval [key, rangeEnd).
 * `revision` <= 0 reads the current revision.
 */
export interface RangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  limit?: number;
  revision?: number;
  sortOrder?: EnumInput;
  sortTarget?: EnumInput;
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

/** etcdserverpb.RangeResponse. `count` is the number of keys in the range at the read revision, before limit and filters. */
export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

/** etcdserverpb.PutRequest. */
export interface PutRequest {
  key: Uint8Array;
  value?: Uint8Array;
  lease?: number;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

/** etcdserverpb.PutResponse. `header.revision` is the revision of the write. */
export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

/** etcdserverpb.DeleteRangeRequest (range semantics as in RangeRequest). */
export interface DeleteRangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  prevKv?: boolean;
}

/** etcdserverpb.DeleteRangeResponse. */
export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export const CompareResult = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
export type CompareResult = (typeof CompareResult)[keyof typeof CompareResult];
export const CompareTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;
export type CompareTarget = (typeof CompareTarget)[keyof typeof CompareTarget];

/**
 * etcdserverpb.Compare. The operand is the field named by `target` (`version`,
 * `createRevision`, `modRevision`, `value` or `lease`); proto-loader's `targetUnion`
 * (with `oneofs: true`) is accepted and ignored. With `rangeEnd`, every key in the range
 * must satisfy the comparison.
 */
export interface Compare {
  result?: EnumInput;
  target?: EnumInput;
  key: Uint8Array;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Uint8Array;
  lease?: number;
  rangeEnd?: Uint8Array;
  targetUnion?: string;
}

/** etcdserverpb.RequestOp: exactly one of the four fields is set. */
export interface RequestOp {
  requestRange?: RangeRequest | null;
  requestPut?: PutRequest | null;
  requestDeleteRange?: DeleteRangeRequest | null;
  requestTxn?: TxnRequest | null;
  request?: string;
}

/** etcdserverpb.ResponseOp: exactly one of the four fields is set. */
export interface ResponseOp {
  responseRange?: RangeResponse;
  responsePut?: PutResponse;
  responseDeleteRange?: DeleteRangeResponse;
  responseTxn?: TxnResponse;
}

/** etcdserverpb.TxnRequest. */
export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

/** etcdserverpb.TxnResponse. */
export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

/** etcdserverpb.CompactionResponse. */
export interface CompactionResponse {
  header: ResponseHeader;
}

/** etcdserverpb.HashKVResponse (plus the revision the hash covers). */
export interface HashKVResponse {
  header: ResponseHeader;
  hash: number;
  compactRevision: number;
  hashRevision: number;
}

// ---------------------------------------------------------------- leases

/** etcdserverpb.LeaseGrantRequest: `ID` 0 lets the store choose one (deterministically). */
export interface LeaseGrantRequest {
  TTL: number;
  ID?: number;
}
export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
  error: string;
}
export interface LeaseRevokeResponse {
  header: ResponseHeader;
}
export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
}
export interface LeaseTimeToLiveRequest {
  ID: number;
  keys?: boolean;
}
/** `TTL` is the remaining time in whole seconds, truncated toward zero as etcd does (so it goes negative once past the deadline, until the lease is revoked). */
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
  grantedTTL: number;
  keys: Uint8Array[];
}
export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: { ID: number }[];
}

// ---------------------------------------------------------------- watches

/** WatchCreateRequest.FilterType: NOPUT = 0, NODELETE = 1. */
export const WatchFilter = { NOPUT: 0, NODELETE: 1 } as const;
export type WatchFilter = (typeof WatchFilter)[keyof typeof WatchFilter];

/**
 * etcdserverpb.WatchCreateRequest (range semantics as in RangeRequest). `startRevision`
 * <= 0 means "from the next write". `progressNotify`, `watchId` and `fragment` are the
 * server's business and ignored here.
 */
export interface WatchCreateRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  startRevision?: number;
  progressNotify?: boolean;
  filters?: EnumInput[];
  prevKv?: boolean;
  watchId?: number;
  fragment?: boolean;
}

/**
 * What the store has for one watcher: either events (one or more whole revisions, in
 * revision order) or, when the watcher fell below the compacted revision, `compactRevision`
 * with `canceled: true` (the watcher is then gone, as in etcd).
 * `header.revision` is the store's revision when the batch was taken.
 */
export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  events: Event[];
  compactRevision: number;
  canceled: boolean;
}

/** Store construction options; every field has the default named in its comment. */
export interface MvccOptions {
  /** Maximum operations per list (compare, success, failure) in a txn. Default 128 (etcd's --max-txn-ops). */
  maxTxnOps?: number;
  /** Minimum lease TTL in seconds; shorter grants get this. Default 2 (etcd's at 100 ms heartbeat, 1000 ms election). */
  minLeaseTtl?: number;
  /** Caller time units per second, for lease deadlines. Default 1000 (milliseconds). */
  timeUnitsPerSecond?: number;
  /** Seed of the lease ID sequence used when a grant asks the store to choose. Default 0. */
  leaseIdSeed?: number;
  /** Most revisions in one catch-up WatchResponse (etcd's watchBatchMaxRevs). Default 1000. */
  watchBatchMaxRevs?: number;
}
