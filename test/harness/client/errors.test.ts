import { describe, expect, it } from "vitest";
import {
  classify,
  classifyStatus,
  CLIENT_ERRORS,
  clientError,
  ETCD_ERRORS,
  GRPC_STATUS,
  GrpcCode,
  outcome,
  TRANSPORT_ERRORS,
} from "../../../harness/client/errors.js";
import { EtcdClientError } from "../../../harness/client/types.js";

/**
 * The expected verdict of every entry, written out independently of the registry so that a
 * change of an entry has to change this table too (a lie in the registry is a false alarm or a
 * missed bug).
 */
const EXPECTED_ETCD: Record<string, [name: string, definite: boolean]> = {
  "etcdserver: key is not provided": ["empty-key", true],
  "etcdserver: key not found": ["key-not-found", true],
  "etcdserver: value is provided": ["value-provided", true],
  "etcdserver: lease is provided": ["lease-provided", true],
  "etcdserver: too many operations in txn request": ["too-many-ops", true],
  "etcdserver: duplicate key given in txn request": ["duplicate-key", true],
  "etcdserver: mvcc: required revision has been compacted": ["compacted", true],
  "etcdserver: mvcc: required revision is a future revision": ["future-revision", true],
  "etcdserver: mvcc: database space exceeded": ["no-space", true],
  "etcdserver: requested lease not found": ["lease-not-found", true],
  "etcdserver: lease already exists": ["lease-exists", true],
  "etcdserver: too large lease TTL": ["lease-ttl-too-large", true],
  "etcdserver: member ID already exist": ["member-exists", true],
  "etcdserver: Peer URLs already exists": ["peer-url-exists", true],
  "etcdserver: re-configuration failed due to not enough started members": [
    "member-not-enough-started",
    true,
  ],
  "etcdserver: given member URLs are invalid": ["member-bad-urls", true],
  "etcdserver: member not found": ["member-not-found", true],
  "etcdserver: can only promote a learner member": ["member-not-learner", true],
  "etcdserver: can only promote a learner member which is in sync with leader": ["learner-not-ready", true],
  "etcdserver: too many learner members in cluster": ["too-many-learners", true],
  "etcdserver: request is too large": ["request-too-large", true],
  "etcdserver: too many requests": ["too-many-requests", true],
  "etcdserver: root user does not exist": ["root-user-not-exist", true],
  "etcdserver: root user does not have root role": ["root-role-not-exist", true],
  "etcdserver: user name already exists": ["user-already-exists", true],
  "etcdserver: user name is empty": ["user-empty", true],
  "etcdserver: user name not found": ["user-not-found", true],
  "etcdserver: role name already exists": ["role-already-exists", true],
  "etcdserver: role name not found": ["role-not-found", true],
  "etcdserver: role name is empty": ["role-empty", true],
  "etcdserver: authentication failed, invalid user ID or password": ["auth-failed", true],
  "etcdserver: permission denied": ["permission-denied", true],
  "etcdserver: role is not granted to the user": ["role-not-granted", true],
  "etcdserver: permission is not granted to the role": ["permission-not-granted", true],
  "etcdserver: authentication is not enabled": ["auth-not-enabled", true],
  "etcdserver: invalid auth token": ["invalid-auth-token", true],
  "etcdserver: invalid auth management": ["invalid-auth-mgmt", true],
  "etcdserver: no leader": ["no-leader", true],
  "etcdserver: not leader": ["not-leader", true],
  "etcdserver: leader changed": ["leader-changed", false],
  "etcdserver: not capable": ["not-capable", true],
  "etcdserver: server stopped": ["server-stopped", false],
  "etcdserver: request timed out": ["request-timeout", false],
  "etcdserver: request timed out, possibly due to previous leader failure": [
    "request-timeout-leader-fail",
    false,
  ],
  "etcdserver: request timed out, possibly due to connection lost": [
    "request-timeout-connection-lost",
    false,
  ],
  "etcdserver: request timed out, leader transfer took too long": ["leader-transfer-timeout", false],
  "etcdserver: unhealthy cluster": ["unhealthy-cluster", true],
  "etcdserver: corrupt cluster": ["corrupt-cluster", true],
  "etcdserver: rpc not supported for learner": ["not-supported-for-learner", true],
  "etcdserver: bad leader transferee": ["bad-leader-transferee", true],
  "etcdserver: request cancelled": ["request-cancelled", false],
  "etcdserver: request timed out, waiting for the applied index took too long": [
    "applied-index-timeout",
    false,
  ],
  "etcdserver: unknown method": ["unknown-method", true],
  "raft proposal dropped": ["proposal-dropped", true],
};

const EXPECTED_CODES: Record<number, [string, boolean]> = {
  1: ["cancelled", false],
  2: ["unknown", false],
  3: ["invalid-argument", true],
  4: ["deadline-exceeded", false],
  5: ["not-found", true],
  6: ["already-exists", true],
  7: ["permission-denied", true],
  8: ["resource-exhausted", true],
  9: ["failed-precondition", true],
  10: ["aborted", true],
  11: ["out-of-range", true],
  12: ["unimplemented", true],
  13: ["internal", false],
  14: ["unavailable", false],
  15: ["data-loss", false],
  16: ["unauthenticated", true],
};

const EXPECTED_TRANSPORT: [code: number, details: string, name: string, definite: boolean][] = [
  [
    14,
    "No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1",
    "unavailable-not-sent",
    true,
  ],
  [14, "Channel closed before call started", "unavailable-not-sent", true],
  [14, "Name resolution failed for target dns:nowhere:1", "unavailable-not-sent", true],
  [14, "Stream refused by server", "unavailable-not-sent", true],
  [14, "Connection dropped", "connection-lost", false],
  [14, "read ECONNRESET", "connection-lost", false],
  [14, "Write error: write EPIPE", "connection-lost", false],
  [13, "Received RST_STREAM with code 2 (Internal server error)", "stream-reset", false],
  [13, "Request message serialization failure: bad", "serialization-failure", true],
  [8, "Received message larger than max (5000 vs. 4000)", "response-too-large", false],
  [8, "Sent message larger than max (5000 vs. 4000)", "request-too-large-local", true],
  [4, "Deadline exceeded after 1.001s", "deadline-exceeded", false],
];

describe("error registry", () => {
  it("has an expected verdict for every etcd error, and every etcd error is in the registry", () => {
    expect(new Set(ETCD_ERRORS.map((e) => e.message))).toEqual(new Set(Object.keys(EXPECTED_ETCD)));
    expect(new Set(ETCD_ERRORS.map((e) => e.name)).size).toBe(ETCD_ERRORS.length); // names unique
  });

  it.each(Object.entries(EXPECTED_ETCD))("%s", (message, [name, definite]) => {
    const entry = ETCD_ERRORS.find((e) => e.message === message)!;
    expect(classifyStatus(entry.code, message)).toEqual({ name, definite });
    // the message decides, whatever code a server (e.g. a third-party one) sends it with
    expect(classifyStatus(GrpcCode.UNKNOWN, message)).toEqual({ name, definite });
    expect(classify({ code: entry.code, details: message, message: `${entry.code} ${message}` })).toEqual({
      name,
      definite,
    });
    expect(entry.why.length).toBeGreaterThan(10);
  });

  it.each(Object.entries(EXPECTED_CODES))(
    "gRPC code %s without a known message",
    (code, [name, definite]) => {
      expect(classifyStatus(Number(code), "something a server said")).toEqual({ name, definite });
    },
  );

  it("covers every gRPC status code but OK", () => {
    expect(GRPC_STATUS.map((e) => e.code).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
  });

  it.each(EXPECTED_TRANSPORT)("transport %s %s", (code, details, name, definite) => {
    expect(classifyStatus(code, details)).toEqual({ name, definite });
  });

  it("every transport entry is exercised above", () => {
    const names = new Set(EXPECTED_TRANSPORT.map((t) => t[2]));
    for (const t of TRANSPORT_ERRORS) expect(names.has(t.name)).toBe(true);
  });

  it("an unknown code is indeterminate", () => {
    expect(classifyStatus(99, "?")).toEqual({ name: "grpc-99", definite: false });
  });

  it("client errors", () => {
    expect(CLIENT_ERRORS.map((e) => [e.name, e.definite])).toEqual([
      ["client-invalid-argument", true],
      ["client-closed", true],
      ["int64-overflow", false],
      ["unexpected-error", false],
    ]);
    expect(() => clientError("nope")).toThrow(/unknown client error/);
    expect(classify(new Error("boom"))).toEqual({ name: "unexpected-error", definite: false });
    expect(classify("boom")).toEqual({ name: "unexpected-error", definite: false });
    expect(classify(null)).toEqual({ name: "unexpected-error", definite: false });
  });

  it("an EtcdClientError keeps its verdict", () => {
    const e = new EtcdClientError({
      kind: "leader-changed",
      definite: false,
      code: 14,
      details: "etcdserver: leader changed",
      method: "KV.Put",
      message: "x",
    });
    expect(classify(e)).toEqual({ name: "leader-changed", definite: false });
  });

  it("outcome: definite → fail; indeterminate → info for writes, fail for reads", () => {
    expect(outcome("write", { name: "x", definite: true })).toBe("fail");
    expect(outcome("read", { name: "x", definite: true })).toBe("fail");
    expect(outcome("write", { name: "x", definite: false })).toBe("info");
    expect(outcome("read", { name: "x", definite: false })).toBe("fail");
  });
});

describe("README error table", () => {
  it("lists every registry entry", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL("../../../harness/client/README.md", import.meta.url), "utf8");
    for (const e of [...ETCD_ERRORS, ...GRPC_STATUS, ...TRANSPORT_ERRORS, ...CLIENT_ERRORS])
      expect(readme).toContain(`\`${e.name}\``);
    for (const e of ETCD_ERRORS) expect(readme).toContain(e.message);
  });
});
