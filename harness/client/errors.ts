/**
 * The error registry: every gRPC status and every etcd error maps to `{ name, definite }`.
 *
 * `definite: true` means the request certainly had no effect, so the operation is `fail`.
 * `definite: false` (indeterminate) means it may have taken effect, now or later: a write is then
 * `info` (open until the end of time for the checkers) and a read is `fail` (a read that did not
 * return has no effect on state). See ARCHITECTURE.md, "Client outcomes". A lie here is how a
 * harness produces false alarms (calling an applied write failed) or misses bugs (calling a
 * failed write unknown hides lost updates only in the safe direction, so when in doubt an entry
 * is indeterminate).
 *
 * Matching order in {@link classify}: an etcd message (exact text of etcd's
 * api/v3rpc/rpctypes/error.go, plus a few raw Go errors that reach clients) wins; then the
 * transport details that tell whether grpc-js ever sent the request; then the bare gRPC code.
 *
 * ```ts
 * try { await client.put(k, v); record("ok"); }
 * catch (e) { const c = classify(e); record(outcome("write", c), { error: c.name }); }
 * ```
 */

/** gRPC status codes (numeric values from the gRPC spec). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export interface Classified {
  /** Stable kebab-case name, recorded as the op's `error`. */
  name: string;
  /** true: the request certainly had no effect. */
  definite: boolean;
}

export interface RegistryEntry extends Classified {
  /** Why this entry is (in)definite. */
  why: string;
}

/** An etcd server error, matched by its exact message (gRPC status details). */
export interface EtcdErrorEntry extends RegistryEntry {
  message: string;
  /** The gRPC code etcd sends it with. */
  code: number;
}

const BEFORE = "rejected by validation before the request is proposed to Raft";
const APPLY = "the entry is rejected atomically when applied, so it changes nothing";

/** etcd's server-side errors (etcd 3.4 rpctypes, plus raw errors that reach clients). */
export const ETCD_ERRORS: readonly EtcdErrorEntry[] = [
  // KV argument errors: checked in the gRPC layer (v3rpc/key.go checks) before proposing.
  { message: "etcdserver: key is not provided", code: 3, name: "empty-key", definite: true, why: BEFORE },
  {
    message: "etcdserver: key not found",
    code: 3,
    name: "key-not-found",
    definite: true,
    why: `ignore_value/ignore_lease on a missing key: ${APPLY}`,
  },
  { message: "etcdserver: value is provided", code: 3, name: "value-provided", definite: true, why: BEFORE },
  { message: "etcdserver: lease is provided", code: 3, name: "lease-provided", definite: true, why: BEFORE },
  {
    message: "etcdserver: too many operations in txn request",
    code: 3,
    name: "too-many-ops",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: duplicate key given in txn request",
    code: 3,
    name: "duplicate-key",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: mvcc: required revision has been compacted",
    code: 11,
    name: "compacted",
    definite: true,
    why: "a range at a compacted revision reads nothing; a compaction at or below the compacted revision is rejected on apply without effect",
  },
  {
    message: "etcdserver: mvcc: required revision is a future revision",
    code: 11,
    name: "future-revision",
    definite: true,
    why: "a range/compaction beyond the current revision is refused without effect",
  },
  {
    message: "etcdserver: mvcc: database space exceeded",
    code: 8,
    name: "no-space",
    definite: true,
    why: "the quota check refuses the write before proposing, and with the NOSPACE alarm raised the capped applier rejects it on apply: no effect either way",
  },
  // Leases.
  {
    message: "etcdserver: requested lease not found",
    code: 5,
    name: "lease-not-found",
    definite: true,
    why: `a put/revoke/keepalive naming an unknown lease: ${APPLY}`,
  },
  { message: "etcdserver: lease already exists", code: 9, name: "lease-exists", definite: true, why: APPLY },
  {
    message: "etcdserver: too large lease TTL",
    code: 11,
    name: "lease-ttl-too-large",
    definite: true,
    why: BEFORE,
  },
  // Membership: validated against the current membership before the conf change is proposed.
  {
    message: "etcdserver: member ID already exist",
    code: 9,
    name: "member-exists",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: Peer URLs already exists",
    code: 9,
    name: "peer-url-exists",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: re-configuration failed due to not enough started members",
    code: 9,
    name: "member-not-enough-started",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: given member URLs are invalid",
    code: 3,
    name: "member-bad-urls",
    definite: true,
    why: BEFORE,
  },
  { message: "etcdserver: member not found", code: 5, name: "member-not-found", definite: true, why: BEFORE },
  {
    message: "etcdserver: can only promote a learner member",
    code: 9,
    name: "member-not-learner",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: can only promote a learner member which is in sync with leader",
    code: 9,
    name: "learner-not-ready",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: too many learner members in cluster",
    code: 9,
    name: "too-many-learners",
    definite: true,
    why: BEFORE,
  },
  // Size and load.
  {
    message: "etcdserver: request is too large",
    code: 3,
    name: "request-too-large",
    definite: true,
    why: "checked against --max-request-bytes before proposing",
  },
  {
    message: "etcdserver: too many requests",
    code: 8,
    name: "too-many-requests",
    definite: true,
    why: "refused before proposing when the applied index lags the committed index by too much",
  },
  // Auth: checked before proposing, or by the auth applier on apply (atomic, no effect).
  {
    message: "etcdserver: root user does not exist",
    code: 9,
    name: "root-user-not-exist",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: root user does not have root role",
    code: 9,
    name: "root-role-not-exist",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: user name already exists",
    code: 9,
    name: "user-already-exists",
    definite: true,
    why: APPLY,
  },
  { message: "etcdserver: user name is empty", code: 3, name: "user-empty", definite: true, why: BEFORE },
  { message: "etcdserver: user name not found", code: 9, name: "user-not-found", definite: true, why: APPLY },
  {
    message: "etcdserver: role name already exists",
    code: 9,
    name: "role-already-exists",
    definite: true,
    why: APPLY,
  },
  { message: "etcdserver: role name not found", code: 9, name: "role-not-found", definite: true, why: APPLY },
  { message: "etcdserver: role name is empty", code: 3, name: "role-empty", definite: true, why: BEFORE },
  {
    message: "etcdserver: authentication failed, invalid user ID or password",
    code: 3,
    name: "auth-failed",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: permission denied",
    code: 7,
    name: "permission-denied",
    definite: true,
    why: APPLY,
  },
  {
    message: "etcdserver: role is not granted to the user",
    code: 9,
    name: "role-not-granted",
    definite: true,
    why: APPLY,
  },
  {
    message: "etcdserver: permission is not granted to the role",
    code: 9,
    name: "permission-not-granted",
    definite: true,
    why: APPLY,
  },
  {
    message: "etcdserver: authentication is not enabled",
    code: 9,
    name: "auth-not-enabled",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: invalid auth token",
    code: 16,
    name: "invalid-auth-token",
    definite: true,
    why: "the token is checked before the request is proposed and again on apply",
  },
  {
    message: "etcdserver: invalid auth management",
    code: 3,
    name: "invalid-auth-mgmt",
    definite: true,
    why: BEFORE,
  },
  // Leadership and availability.
  {
    message: "etcdserver: no leader",
    code: 14,
    name: "no-leader",
    definite: true,
    why: "returned by the gRPC interceptor (require-leader metadata) and by waitLeader before anything is proposed; a follower without a leader never appends the proposal",
  },
  {
    message: "etcdserver: not leader",
    code: 9,
    name: "not-leader",
    definite: true,
    why: "leader-only admin calls (MoveLeader) refused up front",
  },
  {
    message: "etcdserver: leader changed",
    code: 14,
    name: "leader-changed",
    definite: false,
    why: "the leader changed while the request was in flight; a proposal already appended on the old leader may still be committed by the new one",
  },
  {
    message: "etcdserver: not capable",
    code: 14,
    name: "not-capable",
    definite: true,
    why: "the cluster version lacks the feature: refused before proposing",
  },
  {
    message: "etcdserver: server stopped",
    code: 14,
    name: "server-stopped",
    definite: false,
    why: "the server stopped while waiting for the proposal's result; it may have been appended and will be applied after restart",
  },
  {
    message: "etcdserver: request timed out",
    code: 14,
    name: "request-timeout",
    definite: false,
    why: "the proposal was appended but not seen applied in time; it may still commit",
  },
  {
    message: "etcdserver: request timed out, possibly due to previous leader failure",
    code: 14,
    name: "request-timeout-leader-fail",
    definite: false,
    why: "as request-timeout: appended, outcome unknown",
  },
  {
    message: "etcdserver: request timed out, possibly due to connection lost",
    code: 14,
    name: "request-timeout-connection-lost",
    definite: false,
    why: "as request-timeout: appended, outcome unknown",
  },
  {
    message: "etcdserver: request timed out, leader transfer took too long",
    code: 14,
    name: "leader-transfer-timeout",
    definite: false,
    why: "the transfer may still complete",
  },
  {
    message: "etcdserver: unhealthy cluster",
    code: 14,
    name: "unhealthy-cluster",
    definite: true,
    why: "strict reconfiguration check refuses a member change before proposing",
  },
  {
    message: "etcdserver: corrupt cluster",
    code: 15,
    name: "corrupt-cluster",
    definite: true,
    why: "with the CORRUPT alarm raised the capped applier rejects every write on apply",
  },
  {
    message: "etcdserver: rpc not supported for learner",
    code: 14,
    name: "not-supported-for-learner",
    definite: true,
    why: "a learner refuses the call before doing anything",
  },
  {
    message: "etcdserver: bad leader transferee",
    code: 9,
    name: "bad-leader-transferee",
    definite: true,
    why: BEFORE,
  },
  {
    message: "etcdserver: request cancelled",
    code: 1,
    name: "request-cancelled",
    definite: false,
    why: "the request context was cancelled after it may have been proposed",
  },
  {
    message: "etcdserver: request timed out, waiting for the applied index took too long",
    code: 14,
    name: "applied-index-timeout",
    definite: false,
    why: "etcd 3.5: timed out waiting for the apply loop; treated as unknown like every timeout",
  },
  {
    message: "etcdserver: unknown method",
    code: 2,
    name: "unknown-method",
    definite: true,
    why: "the server has no such request type: nothing done",
  },
  {
    message: "raft proposal dropped",
    code: 2,
    name: "proposal-dropped",
    definite: true,
    why: "raft refused to append the proposal (no leader / leader transfer): never in the log",
  },
];

/** Fallback per gRPC status code, when neither an etcd message nor transport details match. */
export const GRPC_STATUS: readonly (RegistryEntry & { code: number })[] = [
  {
    code: 1,
    name: "cancelled",
    definite: false,
    why: "cancelled after it may have been sent (client abort, server shutdown, stream reset)",
  },
  { code: 2, name: "unknown", definite: false, why: "unknown error: cannot tell whether it was applied" },
  {
    code: 3,
    name: "invalid-argument",
    definite: true,
    why: "the server refuses malformed requests before acting",
  },
  {
    code: 4,
    name: "deadline-exceeded",
    definite: false,
    why: "the deadline passed after the request may have been sent and applied",
  },
  { code: 5, name: "not-found", definite: true, why: "nothing to act on" },
  { code: 6, name: "already-exists", definite: true, why: "refused because its target exists" },
  { code: 7, name: "permission-denied", definite: true, why: "refused by authorization" },
  {
    code: 8,
    name: "resource-exhausted",
    definite: true,
    why: "refused for lack of quota/resources before acting",
  },
  {
    code: 9,
    name: "failed-precondition",
    definite: true,
    why: "refused: the system is not in the state the call needs",
  },
  {
    code: 10,
    name: "aborted",
    definite: true,
    why: "gRPC semantics: aborted by a concurrency conflict, not applied",
  },
  { code: 11, name: "out-of-range", definite: true, why: "refused: argument beyond the valid range" },
  { code: 12, name: "unimplemented", definite: true, why: "the server does not implement the method" },
  {
    code: 13,
    name: "internal",
    definite: false,
    why: "stream reset / protocol error after the request may have been sent",
  },
  {
    code: 14,
    name: "unavailable",
    definite: false,
    why: "connection lost after the request may have been sent",
  },
  { code: 15, name: "data-loss", definite: false, why: "unrecoverable data loss: effect unknown" },
  { code: 16, name: "unauthenticated", definite: true, why: "refused before acting: no valid credentials" },
];

/** Transport errors recognised from grpc-js's status details: whether the request left the client. */
export const TRANSPORT_ERRORS: readonly (RegistryEntry & { code: number; pattern: RegExp })[] = [
  {
    code: 14,
    pattern:
      /^No connection established|^Channel closed before call started|^Name resolution failed|^Stream refused by server/,
    name: "unavailable-not-sent",
    definite: true,
    why: "grpc-js had no connection (or the server refused the HTTP/2 stream, which HTTP/2 guarantees is unprocessed): the request was never sent",
  },
  {
    code: 14,
    pattern: /^Connection dropped|ECONNRESET|ETIMEDOUT|^Write error|^Write failed/,
    name: "connection-lost",
    definite: false,
    why: "the connection broke while the request was in flight",
  },
  {
    code: 13,
    pattern: /^Received RST_STREAM/,
    name: "stream-reset",
    definite: false,
    why: "the stream was reset after the request may have been processed",
  },
  {
    code: 13,
    pattern: /^Request message serialization failure/,
    name: "serialization-failure",
    definite: true,
    why: "the request could not be encoded, so it was never sent",
  },
  {
    code: 8,
    pattern: /^Received message larger than max/,
    name: "response-too-large",
    definite: false,
    why: "the server executed the request; only its response was refused",
  },
  {
    code: 8,
    pattern: /^Sent message larger than max|^Attempted to send message with a size larger than/,
    name: "request-too-large-local",
    definite: true,
    why: "refused by the client before sending",
  },
  {
    code: 4,
    pattern: /.*/,
    name: "deadline-exceeded",
    definite: false,
    why: "the deadline passed after the request may have been sent and applied",
  },
];

/** Errors raised by this client itself before any request (bad arguments, int64 overflow of a response). */
export const CLIENT_ERRORS: readonly RegistryEntry[] = [
  {
    name: "client-invalid-argument",
    definite: true,
    why: "the client refused the arguments before sending anything",
  },
  { name: "client-closed", definite: true, why: "the client was closed before the call: nothing sent" },
  {
    name: "int64-overflow",
    definite: false,
    why: "the request was executed but a number in the response exceeds 2^53",
  },
  {
    name: "unexpected-error",
    definite: false,
    why: "a non-gRPC error at an unknown point: assume it may have been applied",
  },
];

const byMessage = new Map(ETCD_ERRORS.map((e) => [e.message, e]));
const byCode = new Map(GRPC_STATUS.map((e) => [e.code, e]));
const clientByName = new Map(CLIENT_ERRORS.map((e) => [e.name, e]));

function entry(e: RegistryEntry): Classified {
  return { name: e.name, definite: e.definite };
}

/**
 * Classifies any error thrown by a client call: an `EtcdClientError`, a raw grpc-js
 * `ServiceError` (`code`, `details`), or anything else (indeterminate `unexpected-error`).
 */
export function classify(error: unknown): Classified {
  if (typeof error !== "object" || error === null) return entry(clientByName.get("unexpected-error")!);
  const e = error as {
    kind?: unknown;
    definite?: unknown;
    code?: unknown;
    details?: unknown;
    message?: unknown;
  };
  // Already classified (EtcdClientError carries its verdict).
  if (typeof e.kind === "string" && typeof e.definite === "boolean")
    return { name: e.kind, definite: e.definite };
  const code = typeof e.code === "number" ? e.code : undefined;
  const details = typeof e.details === "string" ? e.details : typeof e.message === "string" ? e.message : "";
  if (code === undefined) return entry(clientByName.get("unexpected-error")!);
  return classifyStatus(code, details);
}

/** Classifies a gRPC status (code + details). */
export function classifyStatus(code: number, details: string): Classified {
  const etcd = byMessage.get(details.trim());
  if (etcd) return entry(etcd);
  for (const t of TRANSPORT_ERRORS) if (t.code === code && t.pattern.test(details)) return entry(t);
  const g = byCode.get(code);
  if (g) return entry(g);
  return { name: `grpc-${code}`, definite: false };
}

/** The registry entry for a client-side error name (throws on an unknown name: a programming error). */
export function clientError(name: string): Classified {
  const e = clientByName.get(name);
  if (!e) throw new Error(`clientError: unknown client error name ${JSON.stringify(name)}`);
  return entry(e);
}

/**
 * What an error makes of an operation: definite → `fail`; indeterminate → `info` for a write
 * (it may have happened) and `fail` for a read (a read that did not return changed nothing).
 */
export function outcome(kind: "read" | "write", c: Classified): "fail" | "info" {
  if (c.definite) return "fail";
  return kind === "read" ? "fail" : "info";
}
