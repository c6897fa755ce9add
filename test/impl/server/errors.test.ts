/**
 * etcd's errors over gRPC: status codes and exact messages, the request size limit, the space
 * quota with its NOSPACE alarm (reads keep working, disarm + compact + defrag recovers), and
 * /health and /metrics on the client port.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { connect, type EtcdGrpc } from "./grpc-client.js";
import { removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

const b = (s: string): Buffer => Buffer.from(s);

async function grpcError(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: number; details: string };
    return { code: err.code, details: err.details };
  }
  throw new Error("expected the call to fail");
}

describe.skipIf(!etcdctlCap.ok)(`etcd errors over gRPC (${etcdctlCap.why}; etcdctl probes readiness)`, () => {
  const dir = tempDir("h5-errors-");
  let server: Proc;
  let c: EtcdGrpc;
  beforeAll(async () => {
    server = await startServer({
      kind: "gauntlet",
      dataDir: `${dir}/data`,
      extra: ["--max-request-bytes", "4096", "--quota-backend-bytes", "200000"],
    });
    c = connect(server.endpoint);
  });
  afterAll(async () => {
    c?.close();
    await server?.stop();
    removeDir(dir);
    removePrivateBuild();
  });

  it("answers bad requests with etcd's codes and messages", async () => {
    expect(await grpcError(c.kv("Put", { key: b(""), value: b("x") }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "etcdserver: key is not provided",
    });
    expect(await grpcError(c.kv("Range", { key: b("") }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "etcdserver: key is not provided",
    });
    expect(await grpcError(c.kv("Put", { key: b("big"), value: Buffer.alloc(5000) }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "etcdserver: request is too large",
    });
    expect(await grpcError(c.kv("Range", { key: b("a"), revision: 1_000_000 }))).toEqual({
      code: status.OUT_OF_RANGE,
      details: "etcdserver: mvcc: required revision is a future revision",
    });
    expect(await grpcError(c.kv("Put", { key: b("a"), value: b("x"), lease: 42 }))).toEqual({
      code: status.NOT_FOUND,
      details: "etcdserver: requested lease not found",
    });
    expect(await grpcError(c.lease("LeaseRevoke", { ID: 42 }))).toEqual({
      code: status.NOT_FOUND,
      details: "etcdserver: requested lease not found",
    });
    expect(await grpcError(c.lease("LeaseGrant", { TTL: 9_000_000_001 }))).toEqual({
      code: status.OUT_OF_RANGE,
      details: "etcdserver: too large lease TTL",
    });
    const dup = {
      success: [
        { requestPut: { key: b("d"), value: b("1") } },
        { requestPut: { key: b("d"), value: b("2") } },
      ],
    };
    expect(await grpcError(c.kv("Txn", dup))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "etcdserver: duplicate key given in txn request",
    });
    const many = { success: Array.from({ length: 129 }, (_, i) => ({ requestRange: { key: b(`k${i}`) } })) };
    expect(await grpcError(c.kv("Txn", many))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "etcdserver: too many operations in txn request",
    });
    for (let i = 0; i < 3; i++) await c.kv("Put", { key: b("a"), value: b(`v${i}`) });
    const rev = Number(
      ((await c.kv("Range", { key: b("a") })) as { header: { revision: number } }).header.revision,
    );
    await c.kv("Compact", { revision: rev - 1 });
    expect(await grpcError(c.kv("Range", { key: b("a"), revision: rev - 2 }))).toEqual({
      code: status.OUT_OF_RANGE,
      details: "etcdserver: mvcc: required revision has been compacted",
    });
    expect(await grpcError(c.kv("Compact", { revision: rev - 2 }))).toEqual({
      code: status.OUT_OF_RANGE,
      details: "etcdserver: mvcc: required revision has been compacted",
    });
  });

  it("raises NOSPACE over the quota, keeps serving reads, and recovers after disarm + compact + defrag", async () => {
    const value = Buffer.alloc(3000, "q");
    let i = 0;
    let err: { code: number; details: string } | undefined;
    for (; i < 200 && !err; i++) {
      try {
        await c.kv("Put", { key: b(`q${i % 5}`), value });
      } catch (e) {
        err = e as { code: number; details: string };
      }
    }
    expect(err).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: "etcdserver: mvcc: database space exceeded",
    });
    const alarms = (await c.maintenance("Alarm", { action: 0 })) as { alarms: { alarm: number }[] };
    expect(alarms.alarms.map((a) => a.alarm)).toEqual([1]);
    const st = (await c.maintenance("Status", {})) as { errors: string[]; dbSize: string };
    expect(st.errors.join()).toMatch(/NOSPACE/);
    // Reads and deletes still work; writes that add data do not.
    expect(((await c.kv("Range", { key: b("q0") })) as { count: number }).count).toBe(1);
    expect(await grpcError(c.kv("Put", { key: b("small"), value: b("x") }))).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    const health = await fetch(`http://${server.endpoint}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ health: "false" });
    // Free space as with etcd: compact, defragment, disarm.
    const rev = Number(
      ((await c.kv("Range", { key: b("q0") })) as { header: { revision: number } }).header.revision,
    );
    await c.kv("Compact", { revision: rev });
    await c.maintenance("Defragment", {});
    // (memberID 0: this member; the test client decodes int64 as numbers, too coarse for an ID.)
    await c.maintenance("Alarm", { action: 2, memberID: 0, alarm: 1 });
    expect(((await c.maintenance("Alarm", { action: 0 })) as { alarms: unknown[] }).alarms).toEqual([]);
    await c.kv("Put", { key: b("small"), value: b("x") });
    expect(await (await fetch(`http://${server.endpoint}/health`)).json()).toEqual({ health: "true" });
  });

  it("serves /metrics with request counts, fsync latency, db size and watchers", async () => {
    const text = await (await fetch(`http://${server.endpoint}/metrics`)).text();
    expect(text).toMatch(
      /grpc_server_handled_total\{grpc_code="OK",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"\} [1-9]/,
    );
    expect(text).toMatch(/grpc_server_handled_total\{grpc_code="RESOURCE_EXHAUSTED",grpc_method="Put"/);
    expect(text).toMatch(/etcd_disk_wal_fsync_duration_seconds_count [1-9]/);
    expect(text).toMatch(/etcd_mvcc_db_total_size_in_bytes [1-9]/);
    expect(text).toMatch(/etcd_debugging_mvcc_watcher_total 0/);
    expect((await fetch(`http://${server.endpoint}/nope`)).status).toBe(404);
  });
});
