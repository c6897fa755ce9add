/**
 * Hostile requests never crash the server: fast-check generates KV, lease, maintenance and
 * watch requests (out-of-range numbers, unknown enum values, empty and binary keys, nested
 * txns) and raw garbage bytes, sends them through a real gRPC client to a real server process,
 * and checks that every answer is a result or a deliberate gRPC error (never UNKNOWN, which is
 * what an unexpected exception becomes), and that the server still answers afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as grpc from "@grpc/grpc-js";
import { serviceDefinition } from "../../../impl/server/proto.js";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { connect, type EtcdGrpc } from "./grpc-client.js";
import { removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

const bytes = fc.oneof(
  fc.constantFrom("", "a", "b", "foo", "\0", "\xff", "a\0").map((s) => Buffer.from(s, "latin1")),
  fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u)),
);
const int64 = fc.oneof(
  fc.integer({ min: -3, max: 40 }),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 - 1, -(2 ** 53)),
  fc.constantFrom("9223372036854775807", "-9223372036854775808", "18446744073709551615"),
);
const enumValue = fc.integer({ min: -2, max: 6 });
const range = fc.record(
  {
    key: bytes,
    rangeEnd: bytes,
    limit: int64,
    revision: int64,
    sortOrder: enumValue,
    sortTarget: enumValue,
    serializable: fc.boolean(),
    keysOnly: fc.boolean(),
    countOnly: fc.boolean(),
    minModRevision: int64,
    maxModRevision: int64,
    minCreateRevision: int64,
    maxCreateRevision: int64,
  },
  { requiredKeys: ["key"] },
);
const put = fc.record(
  {
    key: bytes,
    value: bytes,
    lease: int64,
    prevKv: fc.boolean(),
    ignoreValue: fc.boolean(),
    ignoreLease: fc.boolean(),
  },
  { requiredKeys: ["key"] },
);
const del = fc.record({ key: bytes, rangeEnd: bytes, prevKv: fc.boolean() }, { requiredKeys: ["key"] });
const compare = fc
  .record(
    {
      result: enumValue,
      target: enumValue,
      key: bytes,
      rangeEnd: bytes,
      operand: fc.oneof(
        int64.map((version) => ({ version })),
        int64.map((createRevision) => ({ createRevision })),
        int64.map((modRevision) => ({ modRevision })),
        bytes.map((value) => ({ value })),
        int64.map((lease) => ({ lease })),
      ),
    },
    { requiredKeys: ["key"] },
  )
  .map(({ operand, ...c }) => ({ ...c, ...(operand ?? {}) }));
const { txn } = fc.letrec((tie) => ({
  op: fc.oneof(
    { depthSize: "small" },
    range.map((r) => ({ requestRange: r })),
    put.map((r) => ({ requestPut: r })),
    del.map((r) => ({ requestDeleteRange: r })),
    tie("txn").map((r) => ({ requestTxn: r })),
  ),
  txn: fc.record({
    compare: fc.array(compare, { maxLength: 3 }),
    success: fc.array(tie("op"), { maxLength: 3 }),
    failure: fc.array(tie("op"), { maxLength: 3 }),
  }),
}));

type Req = [service: "kv" | "lease" | "maintenance" | "cluster", method: string, req: object];
const request: fc.Arbitrary<Req> = fc.oneof(
  range.map((r): Req => ["kv", "Range", r]),
  put.map((r): Req => ["kv", "Put", r]),
  del.map((r): Req => ["kv", "DeleteRange", r]),
  txn.map((r): Req => ["kv", "Txn", r as object]),
  fc.record({ revision: int64, physical: fc.boolean() }).map((r): Req => ["kv", "Compact", r]),
  fc.record({ TTL: int64, ID: int64 }).map((r): Req => ["lease", "LeaseGrant", r]),
  fc.record({ ID: int64 }).map((r): Req => ["lease", "LeaseRevoke", r]),
  fc.record({ ID: int64, keys: fc.boolean() }).map((r): Req => ["lease", "LeaseTimeToLive", r]),
  fc.constant<Req>(["lease", "LeaseLeases", {}]),
  fc.record({ revision: int64 }).map((r): Req => ["maintenance", "HashKV", r]),
  fc
    .record({ action: enumValue, memberID: int64, alarm: fc.constantFrom(0, 2, 7) })
    .map((r): Req => ["maintenance", "Alarm", r]),
  fc.constant<Req>(["maintenance", "Status", {}]),
  fc.constant<Req>(["cluster", "MemberList", {}]),
  // An empty peer URL list is refused (a real one would add an unreachable voter: no quorum).
  fc.constant<Req>(["cluster", "MemberAdd", { peerURLs: [] }]),
);

describe.skipIf(!etcdctlCap.ok)(`fuzzed requests (${etcdctlCap.why}; etcdctl probes readiness)`, () => {
  const dir = tempDir("h5-fuzz-");
  let server: Proc;
  let c: EtcdGrpc;
  beforeAll(async () => {
    server = await startServer({
      kind: "gauntlet",
      dataDir: `${dir}/data`,
      extra: ["--snapshot-count", "50"],
    });
    c = connect(server.endpoint);
  });
  afterAll(async () => {
    c?.close();
    await server?.stop();
    removeDir(dir);
    removePrivateBuild();
  });

  it("answers every generated unary request with a result or a deliberate error", async () => {
    const unexpected: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, async ([service, method, req]) => {
        try {
          await c[service](method, req);
        } catch (e) {
          const err = e as grpc.ServiceError;
          if (
            err.code === grpc.status.UNKNOWN ||
            err.code === grpc.status.INTERNAL ||
            err.code === grpc.status.UNAVAILABLE ||
            err.code === grpc.status.DEADLINE_EXCEEDED
          )
            unexpected.push(`${method} ${JSON.stringify(req)} -> ${err.code} ${err.details}`);
        }
        return unexpected.length === 0;
      }),
      { numRuns: 250 },
    );
    expect(unexpected).toEqual([]);
    expect(server.proc.exitCode).toBeNull();
  }, 60_000);

  it("survives garbage bytes on every method and hostile watch streams", async () => {
    for (const service of ["KV", "Lease", "Maintenance", "Cluster"]) {
      const def = Object.fromEntries(
        Object.entries(serviceDefinition(service)).map(([k, m]) => [
          k,
          { ...m, requestSerialize: (b: Buffer) => b },
        ]),
      );
      const Ctor = grpc.makeGenericClientConstructor(def, service);
      const raw = new Ctor(server.endpoint, grpc.credentials.createInsecure()) as unknown as Record<
        string,
        (req: Buffer, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void) => unknown
      >;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            ...Object.keys(def).filter((m) => !def[m]!.requestStream && !def[m]!.responseStream),
          ),
          fc.uint8Array({ maxLength: 40 }),
          async (method, garbage) => {
            const err = await new Promise<grpc.ServiceError | null>((resolve) =>
              raw[method]!(Buffer.from(garbage), { deadline: Date.now() + 5000 }, (e) => resolve(e)),
            );
            return (
              err === null ||
              (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.DEADLINE_EXCEEDED)
            );
          },
        ),
        { numRuns: 60 },
      );
      (raw as unknown as grpc.Client).close();
    }
    const Watch = grpc.makeGenericClientConstructor(serviceDefinition("Watch"), "Watch");
    const w = new Watch(server.endpoint, grpc.credentials.createInsecure()) as unknown as {
      Watch(): grpc.ClientDuplexStream<object, object>;
    };
    const watchRequest = fc.oneof(
      fc
        .record({
          key: bytes,
          rangeEnd: bytes,
          startRevision: int64,
          progressNotify: fc.boolean(),
          filters: fc.array(enumValue, { maxLength: 3 }),
          prevKv: fc.boolean(),
          watchId: int64,
          fragment: fc.boolean(),
        })
        .map((r) => ({ createRequest: r })),
      int64.map((watchId) => ({ cancelRequest: { watchId } })),
      fc.constant({ progressRequest: {} }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(watchRequest, { minLength: 1, maxLength: 8 }), async (reqs) => {
        const stream = w.Watch();
        let responses = 0;
        stream.on("data", () => responses++);
        stream.on("error", () => {});
        for (const r of reqs) stream.write(r);
        await c.kv("Put", { key: Buffer.from("a"), value: Buffer.from("fuzz") });
        await new Promise((r) => setTimeout(r, 20));
        stream.cancel();
        return responses >= 0;
      }),
      { numRuns: 40 },
    );
    (w as unknown as grpc.Client).close();
    // Still alive and serving.
    expect(server.proc.exitCode).toBeNull();
    await c.kv("Put", { key: Buffer.from("alive"), value: Buffer.from("yes") });
    const got = (await c.kv("Range", { key: Buffer.from("alive") })) as { kvs: { value: Buffer }[] };
    expect(got.kvs[0]!.value.toString()).toBe("yes");
  }, 60_000);
});
