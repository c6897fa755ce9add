/**
 * The errors the store raises, with etcd's exact text and the gRPC status code etcd sends
 * for each (etcd's api/v3rpc/rpctypes). A store method that throws an `EtcdError` has not
 * changed the store; the server answers the RPC with `{ code: err.grpcCode, details:
 * err.message }`. Anything else thrown is a bug.
 */

/** gRPC status codes (the numeric values of google.rpc.Code). */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** etcd's name for each error (rpctypes.ErrGRPC<name>), its message and its gRPC code. */
export const EtcdErrors = {
  EmptyKey: { code: GrpcCode.INVALID_ARGUMENT, message: "etcdserver: key is not provided" },
  KeyNotFound: { code: GrpcCode.INVALID_ARGUMENT, message: "etcdserver: key not found" },
  ValueProvided: { code: GrpcCode.INVALID_ARGUMENT, message: "etcdserver: value is provided" },
  LeaseProvided: { code: GrpcCode.INVALID_ARGUMENT, message: "etcdserver: lease is provided" },
  TooManyOps: { code: GrpcCode.INVALID_ARGUMENT, message: "etcdserver: too many operations in txn request" },
  DuplicateKey: {
    code: GrpcCode.INVALID_ARGUMENT,
    message: "etcdserver: duplicate key given in txn request",
  },
  Compacted: {
    code: GrpcCode.OUT_OF_RANGE,
    message: "etcdserver: mvcc: required revision has been compacted",
  },
  FutureRev: {
    code: GrpcCode.OUT_OF_RANGE,
    message: "etcdserver: mvcc: required revision is a future revision",
  },
  LeaseNotFound: { code: GrpcCode.NOT_FOUND, message: "etcdserver: requested lease not found" },
  LeaseExist: { code: GrpcCode.FAILED_PRECONDITION, message: "etcdserver: lease already exists" },
  InvalidSortOption: { code: GrpcCode.INVALID_ARGUMENT, message: "etcdserver: invalid sort option" },
  LeaseTTLTooLarge: { code: GrpcCode.OUT_OF_RANGE, message: "etcdserver: too large lease TTL" },
  /** Not an etcd error: a request field the store cannot represent (e.g. an ID beyond 2^53). */
  InvalidArgument: { code: GrpcCode.INVALID_ARGUMENT, message: "etcdserver: invalid argument" },
} as const;
export type EtcdErrorName = keyof typeof EtcdErrors;

/**
 * A request refused as etcd would refuse it: by the store (named by etcd's error name), or by
 * the server around it (`{ code, message }`: no leader, timeouts, membership errors, ...). The
 * one error class of the reference server; the RPC is answered `{ code: grpcCode, details: message }`.
 */
export class EtcdError extends Error {
  readonly grpcCode: number;
  /** etcd's name for a store error; undefined for the server's own. */
  readonly etcdName: EtcdErrorName | undefined;
  constructor(kind: EtcdErrorName | { code: number; message: string }, detail?: string) {
    const spec = typeof kind === "string" ? EtcdErrors[kind] : kind;
    super(detail === undefined ? spec.message : `${spec.message}: ${detail}`);
    this.name = "EtcdError";
    this.grpcCode = spec.code;
    this.etcdName = typeof kind === "string" ? kind : undefined;
  }
}

/** True when `e` is an `EtcdError` (optionally of the given kind). */
export function isEtcdError(e: unknown, name?: EtcdErrorName): e is EtcdError {
  return e instanceof EtcdError && (name === undefined || e.etcdName === name);
}

/** etcd's largest lease TTL in seconds (lease.MaxLeaseTTL). */
export const MAX_LEASE_TTL = 9_000_000_000;
