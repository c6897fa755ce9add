/**
 * The client against a real grpc-js server (in this process) that answers with every status,
 * hangs, or dies mid-request: the error each produces and its verdict, and that nothing is
 * retried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeEtcd } from "../../../harness/client/bench/fake-etcd.js";
import type { FakeEtcd } from "../../../harness/client/bench/fake-etcd.js";
import { classify, ETCD_ERRORS, GRPC_STATUS, outcome } from "../../../harness/client/errors.js";
import { createClient } from "../../../harness/client/index.js";
import type { EtcdClient } from "../../../harness/client/index.js";
import { EtcdClientError } from "../../../harness/client/types.js";

let fake: FakeEtcd;
const clients: EtcdClient<unknown>[] = [];
let transport: "grpc-js" | "http2" = "grpc-js";
function client(timeoutMs = 2000, port = fake.port): EtcdClient {
  const c = createClient({ endpoint: `127.0.0.1:${port}`, timeoutMs, transport });
  clients.push(c as EtcdClient<unknown>);
  return c;
}

/** Errors to answer with, by key: `err/<code>/<details>`; `hang/...` never answers. */
beforeAll(async () => {
  fake = await startFakeEtcd({
    hook(_method, req) {
      const key = Buffer.from(req.key ?? req.compare?.[0]?.key ?? []).toString();
      if (key.startsWith("hang/")) return "hang";
      const m = /^err\/(\d+)\/(.*)$/s.exec(key);
      return m ? { code: Number(m[1]), details: m[2]! } : undefined;
    },
  });
});
afterEach(() => {
  while (clients.length) clients.pop()!.close();
});
afterAll(async () => {
  fake.server.forceShutdown();
});

async function failure(p: Promise<unknown>): Promise<EtcdClientError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EtcdClientError);
    return e as EtcdClientError;
  }
  throw new Error("expected the call to fail");
}

describe.each(["grpc-js", "http2"] as const)("client (%s transport) against a grpc-js server", (t) => {
  beforeAll(() => {
    transport = t;
  });

  it("round-trips put / get / cas / delete with revisions as numbers", async () => {
    const c = client();
    const p1 = await c.put("k", "v1");
    const p2 = await c.put("k", "v2", { prevKv: true });
    expect(p2.header.revision).toBe(p1.header.revision + 1);
    expect(p2.prevKv?.value).toBe("v1");
    const g = await c.get("k");
    expect(g.kvs).toEqual([
      {
        key: "k",
        value: "v2",
        createRevision: p1.header.revision,
        modRevision: p2.header.revision,
        version: 2,
        lease: "0",
      },
    ]);
    expect((await c.cas("k", "v1", "v3")).succeeded).toBe(false);
    expect((await c.cas("k", "v2", "v3")).succeeded).toBe(true);
    expect((await c.cas("k", "zz", "v4", { readOnFailure: true })).current?.value).toBe("v3");
    expect((await c.delete("k")).deleted).toBe(1);
    expect((await c.get("k")).kvs).toEqual([]);
  });

  it("returns bytes when asked", async () => {
    const c = createClient({ endpoint: `127.0.0.1:${fake.port}`, values: "bytes", transport });
    clients.push(c as EtcdClient<unknown>);
    await c.put("b", Uint8Array.of(0, 255, 7));
    const v = (await c.get("b")).kvs[0]!.value;
    expect(v).toBeInstanceOf(Uint8Array);
    expect([...v]).toEqual([0, 255, 7]);
  });

  it.each(ETCD_ERRORS.map((e) => [e.message, e] as const))(
    "etcd error %s arrives with its verdict and is not retried",
    async (_m, entry) => {
      const c = client();
      const key = `err/${entry.code}/${entry.message}`;
      const before = fake.calls.get("Put") ?? 0;
      const e = await failure(c.put(key, "x"));
      expect(e.kind).toBe(entry.name);
      expect(e.definite).toBe(entry.definite);
      expect(e.code).toBe(entry.code);
      expect(classify(e)).toEqual({ name: entry.name, definite: entry.definite });
      expect(fake.calls.get("Put")! - before).toBe(1);
    },
  );

  it.each(GRPC_STATUS.map((g) => [g.code, g] as const))(
    "gRPC status %i from the server",
    async (_code, entry) => {
      const c = client();
      const e = await failure(c.get(`err/${entry.code}/plain server error`));
      expect(e.kind).toBe(entry.name);
      expect(e.definite).toBe(entry.definite);
    },
  );

  it("a deadline hit is indeterminate: a write becomes info, a read fail", async () => {
    const c = client(150);
    const before = fake.calls.get("Put") ?? 0;
    const e = await failure(c.put("hang/1", "x"));
    expect(e.kind).toBe("deadline-exceeded");
    expect(e.definite).toBe(false);
    expect(outcome("write", classify(e))).toBe("info");
    expect(outcome("read", classify(e))).toBe("fail");
    expect(fake.calls.get("Put")! - before).toBe(1); // sent once, not retried
    const r = await failure(c.get("hang/2", { timeoutMs: 50 }));
    expect(r.kind).toBe("deadline-exceeded");
  });

  it("an abort is indeterminate (cancelled)", async () => {
    const c = client();
    const ac = new AbortController();
    const p = c.put("hang/3", "x", { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const e = await failure(p);
    expect(e.kind).toBe("cancelled");
    expect(e.definite).toBe(false);
  });

  it("a refused connection is definite: nothing was sent", async () => {
    const gone = await startFakeEtcd();
    const port = gone.port;
    gone.server.forceShutdown();
    const c = client(1000, port);
    const e = await failure(c.put("k", "v"));
    expect(e.kind).toBe("unavailable-not-sent");
    expect(e.definite).toBe(true);
  });

  it("a server killed mid-request gives an indeterminate error", async () => {
    const victim = await startFakeEtcd({ hook: () => "hang" });
    const c = client(5000, victim.port);
    const p = failure(c.put("k", "v"));
    for (let i = 0; i < 100 && !victim.calls.get("Put"); i++) await new Promise((r) => setTimeout(r, 10));
    expect(victim.calls.get("Put")).toBe(1);
    victim.server.forceShutdown();
    const e = await p;
    expect(e.definite).toBe(false);
    expect(["connection-lost", "cancelled", "stream-reset", "unavailable", "internal"]).toContain(e.kind);
    expect(outcome("write", classify(e))).toBe("info");
  });

  it("each client has its own connection unless shared", async () => {
    const before = fake.peers.size;
    await Promise.all([client().put("p", "1"), client().put("p", "2"), client().put("p", "3")]);
    expect(fake.peers.size - before).toBe(3);
  });

  it("sends require-leader metadata only when asked", async () => {
    const plain = client();
    await plain.get("md/1");
    expect(fake.hasLeader[fake.hasLeader.length - 1]).toBeUndefined();
    const strict = createClient({ endpoint: `127.0.0.1:${fake.port}`, transport, requireLeader: true });
    clients.push(strict as EtcdClient<unknown>);
    await strict.get("md/2");
    await strict.put("md/2", "x");
    expect(fake.hasLeader.slice(-2)).toEqual(["true", "true"]);
  });

  it("refuses bad arguments before sending anything (definite)", async () => {
    const c = client();
    const before = fake.calls.get("Range") ?? 0;
    const e = await failure(c.get("k", { revision: -1 }));
    expect(e.kind).toBe("client-invalid-argument");
    expect(e.definite).toBe(true);
    expect(fake.calls.get("Range") ?? 0).toBe(before);
    expect(() => createClient({ endpoint: "http://x:1" })).toThrow(/host:port/);
  });

  it("a closed client fails definitely", async () => {
    const c = client();
    c.close();
    const e = await failure(c.put("k", "v"));
    expect(e.kind).toBe("client-closed");
    expect(e.definite).toBe(true);
  });
});
