/**
 * etcd's client-facing errors: the gRPC status code and the exact message etcd sends, so
 * clients (etcdctl, clientv3, the etcd3 npm client, Gauntlet's error registry) classify our
 * errors exactly as they classify etcd's.
 */
import { status as Status } from "@grpc/grpc-js";
import { EtcdError, isEtcdError } from "../mvcc/index.js";

export { EtcdError };

/** An error the server raises: etcd's gRPC status code and exact message. */
export const etcdError = (code: Status, message: string): EtcdError => new EtcdError({ code, message });
const e = etcdError;

export const Errors = {
  emptyKey: () => e(Status.INVALID_ARGUMENT, "etcdserver: key is not provided"),
  keyNotFound: () => e(Status.INVALID_ARGUMENT, "etcdserver: key not found"),
  valueProvided: () => e(Status.INVALID_ARGUMENT, "etcdserver: value is provided"),
  leaseProvided: () => e(Status.INVALID_ARGUMENT, "etcdserver: lease is provided"),
  tooManyOps: () => e(Status.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
  duplicateKey: () => e(Status.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
  invalidSortOption: () => e(Status.INVALID_ARGUMENT, "etcdserver: invalid sort option"),
  compacted: () => e(Status.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
  futureRev: () => e(Status.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
  noSpace: () => e(Status.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
  leaseNotFound: () => e(Status.NOT_FOUND, "etcdserver: requested lease not found"),
  leaseExist: () => e(Status.FAILED_PRECONDITION, "etcdserver: lease already exists"),
  leaseTTLTooLarge: () => e(Status.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
  memberNotFound: () => e(Status.NOT_FOUND, "etcdserver: member not found"),
  requestTooLarge: () => e(Status.INVALID_ARGUMENT, "etcdserver: request is too large"),
  noLeader: () => e(Status.UNAVAILABLE, "etcdserver: no leader"),
  notCapable: () => e(Status.UNAVAILABLE, "etcdserver: not capable"),
  stopped: () => e(Status.UNAVAILABLE, "etcdserver: server stopped"),
  timeout: () => e(Status.UNAVAILABLE, "etcdserver: request timed out"),
  corrupt: () => e(Status.DATA_LOSS, "etcdserver: corrupt cluster"),
  authNotEnabled: () => e(Status.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
  unimplemented: (what: string) =>
    e(Status.UNIMPLEMENTED, `gauntlet: ${what} is not supported by this server`),
};

/** Any thrown value as a gRPC error for the client; unknown errors become UNKNOWN with their message. */
export function toGrpcError(err: unknown): { code: Status; details: string; message: string } {
  if (isEtcdError(err)) return { code: err.grpcCode as Status, details: err.message, message: err.message };
  const msg = err instanceof Error ? err.message : String(err);
  return { code: Status.UNKNOWN, details: msg, message: msg };
}
