/**
 * The client against a real one-member etcd 3.4 (skipped without etcd on PATH): every operation,
 * and the etcd errors a single member can be made to produce, with their verdicts.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../../harness/client/index.js";
import type { EtcdClient, EtcdClientError, WatchBatch } from "../../../harness/client/index.js";
import { etcd } from "../../support/env.js";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

async function rejection(p: Promise<unknown>): Promise<EtcdClientError> {
  try {
    await p;
  } catch (e) {
    return e as EtcdClientError;
  }
  throw new Error("expected the call to fail");
}

describe.skipIf(!etcd.ok).each(["grpc-js", "http2"] as const)(
  `client (%s transport) against etcd (${etcd.why})`,
  (transport) => {
    let dir: string;
    let child: ChildProcess;
    let c: EtcdClient;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "gauntlet-test-client-"));
      const [cp, pp] = [await freePort(), await freePort()];
      const ep = `127.0.0.1:${cp}`;
      child = spawn(
        "etcd",
        [
          "--name=t1",
          `--data-dir=${join(dir, "data")}`,
          `--listen-client-urls=http://${ep}`,
          `--advertise-client-urls=http://${ep}`,
          `--listen-peer-urls=http://127.0.0.1:${pp}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${pp}`,
          `--initial-cluster=t1=http://127.0.0.1:${pp}`,
        ],
        { stdio: "ignore" },
      );
      c = createClient({ endpoint: ep, timeoutMs: 3000, transport });
      for (let i = 0; ; i++) {
        try {
          await c.status({ timeoutMs: 500 });
          break;
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });

    afterAll(() => {
      c?.close();
      child?.kill("SIGKILL");
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("put / get / delete with revisions and versions", async () => {
      const a = await c.put("reg/a", "1");
      const b = await c.put("reg/a", "2", { prevKv: true });
      expect(b.header.revision).toBe(a.header.revision + 1);
      expect(b.prevKv).toMatchObject({
        key: "reg/a",
        value: "1",
        version: 1,
        modRevision: a.header.revision,
      });
      await c.put("reg/b", "x");
      const g = await c.get("reg/", { prefix: true });
      expect(g.kvs.map((k) => [k.key, k.value])).toEqual([
        ["reg/a", "2"],
        ["reg/b", "x"],
      ]);
      expect(g.kvs[0]).toMatchObject({
        createRevision: a.header.revision,
        modRevision: b.header.revision,
        version: 2,
      });
      expect((await c.get("reg/", { prefix: true, serializable: true, countOnly: true })).count).toBe(2);
      expect((await c.get("reg/", { prefix: true, limit: 1 })).more).toBe(true);
      expect((await c.get("reg/a", { revision: a.header.revision })).kvs[0]!.value).toBe("1");
      const d = await c.delete("reg/", { prefix: true, prevKv: true });
      expect(d.deleted).toBe(2);
      expect(d.prevKvs.map((k) => k.key).sort()).toEqual(["reg/a", "reg/b"]);
    });

    it("cas and general txns", async () => {
      await c.put("cas/k", "0");
      expect((await c.cas("cas/k", "1", "2")).succeeded).toBe(false);
      expect((await c.cas("cas/k", "0", "1")).succeeded).toBe(true);
      const f = await c.cas("cas/k", "0", "9", { readOnFailure: true });
      expect(f.current?.value).toBe("1");
      const t = await c.txn({
        compare: [{ key: "cas/k", target: "version", result: ">", value: 1 }],
        success: [{ put: { key: "cas/other", value: "y" } }, { get: { key: "cas/k" } }],
        failure: [],
      });
      expect(t.succeeded).toBe(true);
      const second = t.responses[1]!;
      expect("get" in second && second.get.kvs[0]!.value).toBe("1");
      const dup = await rejection(
        c.txn({
          compare: [],
          success: [{ put: { key: "d", value: "1" } }, { put: { key: "d", value: "2" } }],
          failure: [],
        }),
      );
      expect([dup.kind, dup.definite]).toEqual(["duplicate-key", true]);
      const many = await rejection(
        c.txn({
          compare: [],
          success: Array.from({ length: 200 }, (_, i) => ({ put: { key: `m${i}`, value: "1" } })),
          failure: [],
        }),
      );
      expect([many.kind, many.definite]).toEqual(["too-many-ops", true]);
    });

    it("leases", async () => {
      const l = await c.leaseGrant(30);
      expect(l.ttl).toBe(30);
      expect(l.id).toMatch(/^\d+$/);
      await c.put("lease/k", "v", { lease: l.id });
      expect((await c.get("lease/k")).kvs[0]!.lease).toBe(l.id);
      expect((await c.leaseKeepAliveOnce(l.id)).ttl).toBe(30);
      const ttl = await c.leaseTimeToLive(l.id, { keys: true });
      expect(ttl.keys).toEqual(["lease/k"]);
      await c.leaseRevoke(l.id);
      expect((await c.get("lease/k")).kvs).toEqual([]);
      const e = await rejection(c.leaseRevoke(l.id));
      expect([e.kind, e.definite]).toEqual(["lease-not-found", true]);
      const p = await rejection(c.put("lease/k2", "v", { lease: l.id }));
      expect([p.kind, p.definite]).toEqual(["lease-not-found", true]);
      expect((await c.leaseKeepAliveOnce(l.id)).ttl).toBeLessThanOrEqual(0);
    });

    it("watch: events with prev kv, and cancellation by compaction", async () => {
      const batches: WatchBatch[] = [];
      const w = await c.watch("watch/", { prefix: true, prevKv: true }, { onEvents: (b) => batches.push(b) });
      expect(w.createdRevision).toBeGreaterThan(0);
      await c.put("watch/a", "1");
      await c.put("watch/a", "2");
      await c.delete("watch/a");
      for (let i = 0; i < 50 && batches.flatMap((b) => b.events).length < 3; i++)
        await new Promise((r) => setTimeout(r, 20));
      const evs = batches.flatMap((b) => b.events);
      expect(evs.map((e) => [e.type, e.kv.value, e.prevKv?.value])).toEqual([
        ["put", "1", undefined],
        ["put", "2", "1"],
        ["delete", "", "2"],
      ]);
      await w.cancel();
      const rev = (await c.put("watch/b", "x")).header.revision;
      await c.compact(rev);
      const ended: { compactRevision?: number }[] = [];
      await c
        .watch(
          "watch/",
          { prefix: true, startRevision: 1 },
          { onEvents: () => {}, onEnd: (r) => ended.push(r) },
        )
        .catch(() => {});
      for (let i = 0; i < 50 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(ended[0]?.compactRevision).toBe(rev);
    });

    it("compaction errors are definite", async () => {
      const rev = (await c.put("comp/k", "1")).header.revision;
      await c.put("comp/k", "2");
      await c.compact(rev + 1);
      const old = await rejection(c.get("comp/k", { revision: rev }));
      expect([old.kind, old.definite]).toEqual(["compacted", true]);
      const again = await rejection(c.compact(rev));
      expect([again.kind, again.definite]).toEqual(["compacted", true]);
      const future = await rejection(c.get("comp/k", { revision: rev + 1000 }));
      expect([future.kind, future.definite]).toEqual(["future-revision", true]);
    });

    it("a request over the size limit is refused definitely", async () => {
      const e = await rejection(c.put("big", "x".repeat(2 * 1024 * 1024)));
      expect(e.definite).toBe(true);
      expect(["request-too-large", "resource-exhausted"]).toContain(e.kind);
    });

    it("maintenance and cluster calls", async () => {
      const s = await c.status();
      expect(s.version).toMatch(/^3\./);
      expect(s.leader).toBe(s.header.memberId);
      expect(s.raftIndex).toBeGreaterThan(0);
      const ml = await c.memberList();
      expect(ml.members).toHaveLength(1);
      expect(ml.members[0]!.id).toBe(s.header.memberId);
      expect(await c.alarmList()).toEqual([]);
      expect(await c.alarmDisarm()).toEqual([]);
      const h = await c.hashKV();
      expect(h.hash).toBeGreaterThan(0);
      await c.defragment();
      await c.moveLeader(s.leader); // to itself: a no-op
      const add = await c.memberAdd(["http://127.0.0.1:1"], { learner: true });
      expect(add.member.isLearner).toBe(true);
      const promote = await rejection(c.memberPromote(add.member.id));
      expect([promote.kind, promote.definite]).toEqual(["learner-not-ready", true]);
      await c.memberRemove(add.member.id);
      const gone = await rejection(c.memberRemove(add.member.id));
      expect([gone.kind, gone.definite]).toEqual(["member-not-found", true]);
    });
  },
);

describe.skipIf(!etcd.ok)(`requireLeader against a member that lost its leader (${etcd.why})`, () => {
  let dir: string;
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const ch of children) ch.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers no-leader at once (definite) instead of a timeout (indeterminate)", async () => {
    dir = mkdtempSync(join(tmpdir(), "gauntlet-test-client-noleader-"));
    const ports = await Promise.all(Array.from({ length: 6 }, freePort));
    const names = ["a", "b", "c"];
    const cluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[2 * i + 1]}`).join(",");
    names.forEach((n, i) => {
      const [cp, pp] = [ports[2 * i], ports[2 * i + 1]];
      children.push(
        spawn(
          "etcd",
          [
            `--name=${n}`,
            `--data-dir=${join(dir, n)}`,
            `--listen-client-urls=http://127.0.0.1:${cp}`,
            `--advertise-client-urls=http://127.0.0.1:${cp}`,
            `--listen-peer-urls=http://127.0.0.1:${pp}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${pp}`,
            `--initial-cluster=${cluster}`,
            "--heartbeat-interval=50",
            "--election-timeout=300",
          ],
          { stdio: "ignore" },
        ),
      );
    });
    const ep = `127.0.0.1:${ports[0]}`;
    const plain = createClient({ endpoint: ep, timeoutMs: 800 });
    const strict = createClient({ endpoint: ep, timeoutMs: 800, requireLeader: true, transport: "http2" });
    try {
      for (let i = 0; ; i++) {
        try {
          await plain.put("ready", "1");
          break;
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      children[1]!.kill("SIGKILL");
      children[2]!.kill("SIGKILL");
      let e: EtcdClientError | undefined;
      for (let i = 0; i < 50; i++) {
        e = await rejection(strict.put("k", "v")).catch(() => undefined);
        if (e?.kind === "no-leader") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect([e?.kind, e?.definite]).toEqual(["no-leader", true]);
      const t0 = Date.now();
      const fast = await rejection(strict.get("k"));
      expect(fast.kind).toBe("no-leader");
      expect(Date.now() - t0).toBeLessThan(500);
      const slow = await rejection(plain.put("k", "v"));
      expect(slow.definite).toBe(false); // without require-leader: a timeout, outcome unknown
    } finally {
      plain.close();
      strict.close();
    }
  });
});
