/**
 * Durability: concurrent puts, SIGKILL in the middle, restart on the same data dir: every
 * acknowledged write is there, with its value and revision.
 */
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "./grpc-client.js";
import { freePort, removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";
import { etcdctl as etcdctlCap } from "../../support/env.js";

describe.skipIf(!etcdctlCap.ok)(`kill -9 under load (${etcdctlCap.why}; etcdctl probes readiness)`, () => {
  const dir = tempDir("h5-kill9-");
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop("SIGKILL")));
    removeDir(dir);
    removePrivateBuild();
  });

  it("loses no acknowledged write", async () => {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const opts = {
      kind: "gauntlet" as const,
      dataDir: `${dir}/data`,
      clientPort,
      peerPort,
      extra: ["--snapshot-count", "300"],
    };
    const first = await startServer(opts);
    procs.push(first);
    const c = connect(first.endpoint);
    const acked = new Map<string, { value: string; revision: number }>();
    let stop = false;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const key = `k-${w}-${i}`;
        const value = `v-${w}-${i}-${"x".repeat(i % 50)}`;
        try {
          const res = await c.kv("Put", { key: Buffer.from(key), value: Buffer.from(value) }, 2000);
          acked.set(key, { value, revision: Number((res.header as { revision: string | number }).revision) });
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 1500));
    first.proc.kill("SIGKILL");
    stop = true;
    await Promise.all(writers);
    c.close();
    expect(acked.size).toBeGreaterThan(100);

    const second = await startServer(opts);
    procs.push(second);
    const c2 = connect(second.endpoint);
    const res = await c2.kv(
      "Range",
      { key: Buffer.from("k-"), rangeEnd: Buffer.from("k."), limit: 0 },
      10_000,
    );
    const kvs = res.kvs as { key: Buffer; value: Buffer; modRevision: string | number }[];
    const found = new Map(kvs.map((kv) => [kv.key.toString(), kv]));
    const missing: string[] = [];
    for (const [key, { value, revision }] of acked) {
      const kv = found.get(key);
      if (!kv || kv.value.toString() !== value || Number(kv.modRevision) !== revision) missing.push(key);
    }
    expect(missing).toEqual([]);
    // Revisions continue after the recovered ones.
    const put = await c2.kv("Put", { key: Buffer.from("after"), value: Buffer.from("restart") });
    expect(Number((put.header as { revision: number }).revision)).toBeGreaterThan(
      Math.max(...[...acked.values()].map((a) => a.revision)),
    );
    c2.close();
    expect(second.logs()).toMatch(/opened raft storage.*"lastIndex":[1-9]/);
    // With --snapshot-count 300, a run this long has taken a snapshot: recovery used it.
    if (acked.size > 700) expect(first.logs()).toMatch(/saved a raft snapshot/);
  }, 60_000);
});
