/**
 * The harness's etcd v3 client: public types.
 *
 * Plain data in, plain data out. Revisions, versions and counts are JavaScript numbers (an int64
 * beyond 2^53 is an error, never a silent rounding); member, lease and cluster IDs are decimal
 * strings (uint64/int64 IDs routinely exceed 2^53). Keys are strings (UTF-8); values are strings
 * or Uint8Array, per {@link ClientOptions.values}.
 *
 * Every call has a deadline and is sent exactly once: no gRPC retry policy, no transparent retry,
 * no retry loop here. A failed call rejects with an {@link EtcdClientError}, whose `name` and
 * `definite` come from the error registry (./errors.ts): the caller turns that into `fail` or
 * `info` with `outcome()`.
 */

/** Value representation for a client. */
export type ValueMode = "string" | "bytes";

export interface ClientOptions {
  /** `host:port` of the member this client talks to (no scheme). Required. */
  endpoint: string;
  /** Default deadline of each request in ms. Default 5000. */
  timeoutMs?: number;
  /** How values are returned: `"string"` (UTF-8 decoded, default) or `"bytes"` (Uint8Array). */
  values?: ValueMode;
  /**
   * Share the TCP connection with other clients of the same endpoint (grpc-js's global
   * subchannel pool). Default false: each client has its own connection, so clients are
   * independent (a connection reset hits one client, as with separate processes).
   */
  sharedConnection?: boolean;
  /** Deadline of the initial connection wait in `connect()`, ms. Default = timeoutMs. */
  connectTimeoutMs?: number;
  /**
   * Transport of unary calls: `"grpc-js"` (default) or `"http2"`, a lean gRPC transport on
   * node:http2 (./http2-transport.ts) that costs much less CPU per request; errors classify the
   * same. Streams (watch, lease keep-alive) always use grpc-js.
   */
  transport?: "grpc-js" | "http2";
  /**
   * Send etcd's require-leader metadata (`hasleader: true`) with every call and stream: a member
   * without a leader then answers `no-leader` at once (definite) instead of letting the request
   * wait for its deadline (indeterminate), and cancels watches when it loses its leader.
   * Default false.
   */
  requireLeader?: boolean;
}

/** Per-call options (all calls accept them). */
export interface CallOptions {
  /** Deadline of this call in ms; default the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Abort the call (becomes a CANCELLED error: indeterminate for writes). */
  signal?: AbortSignal;
}

export interface ResponseHeader {
  clusterId: string;
  memberId: string;
  /** The store revision when the request was applied. */
  revision: number;
  raftTerm: number;
}

export interface KeyValue<V = string> {
  key: string;
  value: V;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Lease ID as a decimal string; "0" when none. */
  lease: string;
}

export interface RangeOptions extends CallOptions {
  /** Serializable (possibly stale, served locally) instead of linearizable. Default false. */
  serializable?: boolean;
  /** Read at this revision (0 or absent = latest). */
  revision?: number;
  /** At most this many keys (0 or absent = no limit). */
  limit?: number;
  /** Every key with `key` as prefix. */
  prefix?: boolean;
  /** Explicit range end (exclusive); overrides `prefix`. `"\0"` = all keys >= key. */
  rangeEnd?: string;
  keysOnly?: boolean;
  countOnly?: boolean;
  sortOrder?: "none" | "ascend" | "descend";
  sortTarget?: "key" | "version" | "create" | "mod" | "value";
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResult<V = string> {
  header: ResponseHeader;
  kvs: KeyValue<V>[];
  more: boolean;
  count: number;
}

export interface PutOptions extends CallOptions {
  /** Return the previous key-value pair. */
  prevKv?: boolean;
  /** Attach to this lease (decimal string or number). */
  lease?: string | number;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResult<V = string> {
  header: ResponseHeader;
  prevKv?: KeyValue<V>;
}

export interface DeleteOptions extends CallOptions {
  prefix?: boolean;
  rangeEnd?: string;
  prevKv?: boolean;
}

export interface DeleteResult<V = string> {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue<V>[];
}

/** One comparison of a Txn. */
export interface Compare {
  key: string;
  /** What to compare: the value, the version, the create or mod revision, or the lease. */
  target: "value" | "version" | "create" | "mod" | "lease";
  result: "=" | "!=" | ">" | "<";
  /** A string/Uint8Array for `value`; a number for version/create/mod; lease ID for `lease`. */
  value: string | Uint8Array | number;
  /** Compare over a range (etcd 3.3+). */
  rangeEnd?: string;
}

/** One operation inside a Txn branch. */
export type RequestOp =
  | { get: { key: string } & Omit<RangeOptions, keyof CallOptions> }
  | { put: { key: string; value: string | Uint8Array } & Omit<PutOptions, keyof CallOptions> }
  | { delete: { key: string } & Omit<DeleteOptions, keyof CallOptions> }
  | { txn: TxnRequest };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export type ResponseOp<V = string> =
  { get: RangeResult<V> } | { put: PutResult<V> } | { delete: DeleteResult<V> } | { txn: TxnResult<V> };

export interface TxnResult<V = string> {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp<V>[];
}

export interface CasOptions extends CallOptions {
  /** Also return the current value when the comparison fails (a Range in the failure branch). */
  readOnFailure?: boolean;
}

export interface CasResult<V = string> {
  header: ResponseHeader;
  succeeded: boolean;
  /** With `readOnFailure`, the key's current pair on failure (undefined if absent). */
  current?: KeyValue<V>;
}

export interface LeaseGrantResult {
  header: ResponseHeader;
  id: string;
  ttl: number;
}

export interface LeaseKeepAliveResult {
  header: ResponseHeader;
  id: string;
  /** Remaining TTL in seconds; 0 or less means the lease had expired / was not found. */
  ttl: number;
}

export interface LeaseTimeToLiveResult {
  header: ResponseHeader;
  id: string;
  ttl: number;
  grantedTtl: number;
  keys: string[];
}

export interface WatchOptions {
  /** Watch every key with `key` as prefix. */
  prefix?: boolean;
  rangeEnd?: string;
  /** Start at this revision (absent = from now). */
  startRevision?: number;
  prevKv?: boolean;
  progressNotify?: boolean;
  /** Filter out these event types. */
  noPut?: boolean;
  noDelete?: boolean;
  /** Deadline for the watch to be created (ms); default the client's timeoutMs. */
  timeoutMs?: number;
}

export interface WatchEvent<V = string> {
  type: "put" | "delete";
  kv: KeyValue<V>;
  prevKv?: KeyValue<V>;
}

/** One response on a watch stream: a batch of events (possibly empty: a progress notification). */
export interface WatchBatch<V = string> {
  header: ResponseHeader;
  events: WatchEvent<V>[];
}

export interface WatchHandlers<V = string> {
  onEvents(batch: WatchBatch<V>): void;
  /**
   * The watch ended without `cancel()`: server cancel (e.g. compacted: `compactRevision` set),
   * stream error (an EtcdClientError) or end of stream. Called at most once.
   */
  onEnd?(reason: { error?: EtcdClientErrorLike; compactRevision?: number; cancelReason?: string }): void;
}

export interface Watch {
  /** The server's watch ID. */
  readonly id: string;
  /** The revision the watch was created at (from the created response header). */
  readonly createdRevision: number;
  /** Cancel the watch and close its stream. Idempotent. */
  cancel(): Promise<void>;
}

export interface StatusResult {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: string;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}

export interface Member {
  id: string;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface MemberListResult {
  header: ResponseHeader;
  members: Member[];
}

export interface MemberAddResult {
  header: ResponseHeader;
  member: Member;
  members: Member[];
}

export type AlarmType = "NONE" | "NOSPACE" | "CORRUPT";

export interface Alarm {
  memberId: string;
  alarm: AlarmType;
}

export interface HashKVResult {
  header: ResponseHeader;
  hash: number;
  compactRevision: number;
}

/** What `EtcdClientError` carries; also the shape `classify()` accepts. */
export interface EtcdClientErrorLike {
  /** gRPC status code, when the error came from gRPC. */
  code?: number;
  /** gRPC status details / etcd error message, or the error message. */
  details?: string;
  message: string;
}

/**
 * The harness client. One instance = one connection to one endpoint (unless `sharedConnection`).
 * Every method sends one request (or opens one stream) with a deadline, never retries, and
 * rejects with an {@link EtcdClientError}.
 */
export interface EtcdClient<V = string> {
  readonly endpoint: string;
  /** Wait until the connection is ready (optional: calls connect lazily). */
  connect(opts?: CallOptions): Promise<void>;

  get(key: string, opts?: RangeOptions): Promise<RangeResult<V>>;
  put(key: string, value: string | Uint8Array, opts?: PutOptions): Promise<PutResult<V>>;
  delete(key: string, opts?: DeleteOptions): Promise<DeleteResult<V>>;
  txn(req: TxnRequest, opts?: CallOptions): Promise<TxnResult<V>>;
  /** Compare-and-set on the value: `if value(key) == from then put(key, to)`. */
  cas(
    key: string,
    from: string | Uint8Array,
    to: string | Uint8Array,
    opts?: CasOptions,
  ): Promise<CasResult<V>>;
  compact(revision: number, opts?: CallOptions & { physical?: boolean }): Promise<{ header: ResponseHeader }>;

  leaseGrant(ttlSeconds: number, opts?: CallOptions & { id?: string | number }): Promise<LeaseGrantResult>;
  leaseRevoke(id: string | number, opts?: CallOptions): Promise<{ header: ResponseHeader }>;
  /** One keep-alive round trip on the client's LeaseKeepAlive stream (opened lazily). */
  leaseKeepAliveOnce(id: string | number, opts?: CallOptions): Promise<LeaseKeepAliveResult>;
  leaseTimeToLive(
    id: string | number,
    opts?: CallOptions & { keys?: boolean },
  ): Promise<LeaseTimeToLiveResult>;

  /** Open a watch on its own stream; resolves when the server confirms creation. */
  watch(key: string, opts: WatchOptions, handlers: WatchHandlers<V>): Promise<Watch>;

  status(opts?: CallOptions): Promise<StatusResult>;
  memberList(opts?: CallOptions & { linearizable?: boolean }): Promise<MemberListResult>;
  memberAdd(peerUrls: string[], opts?: CallOptions & { learner?: boolean }): Promise<MemberAddResult>;
  memberRemove(id: string, opts?: CallOptions): Promise<MemberListResult>;
  memberPromote(id: string, opts?: CallOptions): Promise<MemberListResult>;
  alarmList(opts?: CallOptions): Promise<Alarm[]>;
  /** Disarm an alarm (memberId "0" and alarm NONE/absent = all alarms). */
  alarmDisarm(alarm?: Partial<Alarm>, opts?: CallOptions): Promise<Alarm[]>;
  defragment(opts?: CallOptions): Promise<{ header: ResponseHeader }>;
  moveLeader(targetId: string, opts?: CallOptions): Promise<{ header: ResponseHeader }>;
  hashKV(revision?: number, opts?: CallOptions): Promise<HashKVResult>;

  /** Close the connection; in-flight calls fail with CANCELLED. Idempotent. */
  close(): void;
}

/** Error every client call rejects with: the gRPC status plus the registry's verdict. */
export class EtcdClientError extends Error implements EtcdClientErrorLike {
  /** Registry name, e.g. `leader-changed`, `deadline-exceeded`, `unavailable-not-sent`. */
  readonly kind: string;
  /** true: the request certainly had no effect. */
  readonly definite: boolean;
  readonly code?: number;
  readonly details?: string;
  /** The RPC, e.g. `KV.Put`. */
  readonly method: string;
  constructor(fields: {
    kind: string;
    definite: boolean;
    code?: number;
    details?: string;
    method: string;
    message: string;
  }) {
    super(fields.message);
    this.name = "EtcdClientError";
    this.kind = fields.kind;
    this.definite = fields.definite;
    this.code = fields.code;
    this.details = fields.details;
    this.method = fields.method;
  }
}
