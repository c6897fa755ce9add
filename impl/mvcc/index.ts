/**
 * impl/mvcc — etcd's revisioned key space, watch index and lease bookkeeping, as a pure
 * deterministic state machine (no I/O, no clock, no randomness). See README.md.
 */
export { MvccStore } from "./store.js";
export { EtcdError, EtcdErrors, GrpcCode, isEtcdError, MAX_LEASE_TTL } from "./errors.js";
export type { EtcdErrorName } from "./errors.js";
export * from "./types.js";
