/**
 * `gauntlet bench` end to end (the command's implementation, in this process, with the load in
 * this thread: worker threads load dist/, which tests do not depend on): against a real etcd
 * and against the reference server (a private build, see test/impl/server/support.ts), 2 s each.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { benchFromArgv } from "../../bench/command.js";
import type { BenchReport } from "../../bench/types.js";
import type { BenchArgv } from "../../bench/argv.js";
import { docker, etcd, etcdctl } from "../support/env.js";
import { etcdctl as ctl, removePrivateBuild, startServer, type Proc } from "../impl/server/support.js";

const dir = mkdtempSync(join(tmpdir(), "gauntlet-bench-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function args(o: Partial<BenchArgv>): BenchArgv {
  return {
    op: "put",
    clients: 4,
    workers: 0,
    duration: 2,
    rate: 0,
    warmup: 0.2,
    "key-size": 8,
    "val-size": 8,
    "key-space-size": 1000,
    "sequential-keys": false,
    consistency: "l",
    "keys-only": false,
    limit: 0,
    "rw-ratio": 1,
    "watch-streams": 2,
    "watchers-per-stream": 2,
    "watch-put-rate": 50,
    timeout: 5,
    transport: "http2",
    repeat: 1,
    "allow-remote": false,
    server: "reference",
    nodes: 1,
    provider: "local",
    "etcd-binary": "etcd",
    results: join(dir, "results"),
    "health-timeout": 20,
    "keep-images": false,
    plots: false,
    ...o,
  };
}

async function bench(
  o: Partial<BenchArgv>,
): Promise<{ code: number; out: string; err: string; report?: BenchReport }> {
  const json = join(dir, `r-${Math.random().toString(36).slice(2)}.json`);
  const out: string[] = [];
  const err: string[] = [];
  const so = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const se = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  const ce = vi.spyOn(console, "error").mockImplementation((s) => void err.push(String(s)));
  let code: number;
  try {
    code = await benchFromArgv(args({ json, ...o }));
  } finally {
    so.mockRestore();
    se.mockRestore();
    ce.mockRestore();
  }
  let report: BenchReport | undefined;
  try {
    report = JSON.parse(readFileSync(json, "utf8")) as BenchReport;
  } catch {
    /* no report */
  }
  return { code, out: out.join(""), err: err.join(""), report };
}

function expectShape(r: BenchReport, op: string): void {
  for (const k of [
    "op",
    "clients",
    "duration_s",
    "ops",
    "errors",
    "throughput",
    "latency_ms",
    "mode",
    "samples",
    "cpu",
    "env",
  ])
    expect(r).toHaveProperty(k);
  expect(r.op).toBe(op);
  expect(r.ops).toBeGreaterThan(0);
  expect(r.errors).toBe(0);
  expect(r.latency_ms.p50).toBeGreaterThan(0);
  expect(r.latency_ms.p99).toBeGreaterThanOrEqual(r.latency_ms.p50);
  expect(r.latency_ms.max).toBeGreaterThanOrEqual(r.latency_ms.p999);
  expect(r.samples.length).toBeGreaterThanOrEqual(1);
  expect(r.cpu.client.us_per_op).toBeGreaterThan(0);
  expect(r.env.node).toBe(process.version);
}

describe("gauntlet bench: flag errors", () => {
  it("refuses --duration with --total, a too-small key size, bad numbers and remote endpoints (exit 3)", async () => {
    expect((await bench({ duration: 2, total: 10, endpoints: "127.0.0.1:1" })).err).toMatch(
      /--duration or --total/,
    );
    expect((await bench({ "key-size": 3, "key-space-size": 100000 })).err).toMatch(/too small/);
    expect((await bench({ clients: 0 })).code).toBe(3);
    expect((await bench({ endpoints: "10.1.2.3:2379" })).err).toMatch(/outside this machine/);
  });
});

describe.skipIf(docker.ok)(`gauntlet bench --provider docker without an engine (${docker.why})`, () => {
  it("says there is no engine (exit 3)", async () => {
    const d = await bench({ provider: "docker", duration: 1 });
    expect(d.code).toBe(3);
    expect(d.err).toMatch(/no Docker engine/);
  });
});

describe.skipIf(!etcd.ok || !etcdctl.ok)(
  `gauntlet bench against etcd (${etcd.ok ? etcd.why : etcd.why})`,
  () => {
    let server: Proc;
    beforeAll(async () => {
      server = await startServer({ kind: "etcd", dataDir: join(dir, "etcd") });
    });
    afterAll(async () => {
      await server?.stop("SIGKILL");
    });

    it("put --endpoints for 2 s: a complete report, server CPU from the listening process", async () => {
      const r = await bench({ op: "put", endpoints: server.endpoint });
      expect(r.code).toBe(0);
      expectShape(r.report!, "put");
      expect(r.report!.mode).toBe("closed");
      expect(r.report!.env.server_version).toMatch(/^3\.4/);
      expect(r.report!.cpu.servers.map((s) => s.pid)).toEqual([server.proc.pid]);
      expect(r.out).toMatch(/latency ms: p50/);
      // the keys really were written
      const got = await ctl(server.endpoint, ["get", "0", ":", "--keys-only", "--limit", "1"]);
      expect(got.stdout.trim()).toMatch(/^\d{8}$/);
    });

    it("range (serializable, limit), txn-mixed, open loop, --total", async () => {
      const range = await bench({
        op: "range",
        endpoints: server.endpoint,
        consistency: "s",
        limit: 5,
        duration: 1,
      });
      expectShape(range.report!, "range");
      const mixed = await bench({ op: "txn-mixed", endpoints: server.endpoint, duration: 1 });
      expectShape(mixed.report!, "txn-mixed");
      const open = await bench({ op: "put", endpoints: server.endpoint, rate: 100, duration: 1 });
      expect(open.report!.mode).toBe("open");
      expect(open.report!.ops).toBeGreaterThan(50);
      expect(open.report!.ops).toBeLessThan(130);
      const total = await bench({
        op: "txn-put",
        endpoints: server.endpoint,
        duration: undefined,
        total: 200,
      });
      expect(total.report!.ops).toBe(200);
    });

    it("watch: every put reaches every watcher; lease-keepalive", async () => {
      const w = await bench({ op: "watch", endpoints: server.endpoint, duration: 1.5 });
      expect(w.err).not.toMatch(/gauntlet bench:/);
      expect(w.code).toBe(0);
      expect(w.report!.watch!.puts).toBeGreaterThan(30);
      expect(w.report!.watch!.events).toBeGreaterThan(0.9 * w.report!.watch!.expected_events);
      const l = await bench({ op: "lease-keepalive", endpoints: server.endpoint, duration: 1 });
      expectShape(l.report!, "lease-keepalive");
    });
  },
);

describe.skipIf(!etcdctl.ok)(`gauntlet bench against the reference server (${etcdctl.why})`, () => {
  let server: Proc;
  beforeAll(async () => {
    server = await startServer({ kind: "gauntlet", dataDir: join(dir, "ref") });
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    removePrivateBuild();
  });

  it("put --endpoints for 2 s", async () => {
    const r = await bench({ op: "put", endpoints: server.endpoint });
    expect(r.code).toBe(0);
    expectShape(r.report!, "put");
    expect(r.report!.cpu.servers.map((s) => s.pid)).toEqual([server.proc.pid]);
  });
});
