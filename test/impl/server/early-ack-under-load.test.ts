/**
 * The planted bug --unsafe-early-ack must work when clients are busy, since that is when a
 * campaign looks for it: a leader cut off from its followers (here: both SIGSTOPped) while
 * writes are in flight still acknowledges new writes at once. It used to apply early only an
 * entry that directly followed the applied index, which under load — commit trailing the log
 * by the entries in flight — never happened, so the bug lay dormant and campaigns missed it.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { makeCluster, waitForLeader, type Cluster } from "./cluster-support.js";
import { connect } from "./grpc-client.js";
import { etcdctl, removePrivateBuild } from "./support.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  for (const m of cluster?.members ?? []) m.proc?.kill("SIGCONT");
  await cluster?.destroy();
  cluster = undefined;
});
afterAll(() => removePrivateBuild());

describe.skipIf(!etcdctlCap.ok)(`--unsafe-early-ack under load (${etcdctlCap.why})`, () => {
  it("a leader cut off while writes are in flight acknowledges new writes at once", async () => {
    const c = await makeCluster(3, [
      "--heartbeat-interval",
      "100",
      "--election-timeout",
      "2000",
      "--unsafe-early-ack",
    ]);
    cluster = c;
    await Promise.all(c.members.map((m) => c.start(m)));
    const st = await waitForLeader(c);
    const leader0 = st.find((s) => s.isLeader)!;
    const target = st.find((s) => !s.isLeader)!;
    const leader = c.members.find((m) => m.endpoint === target.endpoint)!;
    const followers = c.members.filter((m) => m !== leader);
    const conns = c.members.map((m) => connect(m.endpoint));
    const g = connect(leader.endpoint);
    try {
      // 30 clients over the three members keep entries in flight (commit trails the log)...
      let loading = true;
      const put = (h: typeof g, k: string) =>
        h.kv("Put", { key: Buffer.from(k), value: Buffer.from("v") }, 1500);
      const load = Array.from({ length: 30 }, async (_, i) => {
        for (let j = 0; loading && j < 5000; j++)
          await put(conns[i % 3]!, `load-${i}-${j}`).catch(() => undefined);
      });
      await new Promise((r) => setTimeout(r, 500));
      // ...also while leadership moves: the new leader's term starts under load.
      const mv = await etcdctl(leader0.endpoint, ["move-leader", target.id, "--command-timeout=5s"]);
      expect(mv.code, mv.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      for (const f of followers) f.proc!.kill("SIGSTOP");
      // Well inside the election timeout: the new leader still leads, and with the bug it answers.
      const t0 = Date.now();
      const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => put(g, `cut-${i}`)));
      const ms = Date.now() - t0;
      loading = false;
      const ok = results.filter((r) => r.status === "fulfilled").length;
      expect(ok, `acknowledged ${ok}/16 in ${ms} ms`).toBe(16);
      for (const f of followers) f.proc!.kill("SIGCONT");
      await Promise.all(load);
    } finally {
      g.close();
      for (const h of conns) h.close();
    }
  }, 60_000);
});
