/**
 * A member restarted behind a membership change catches up even when the leader is a member
 * added while it was down (found by the whole-server simulation, seed 279): its member table
 * (--initial-cluster + its older state) does not have the new member, so it learns the
 * leader's peer URL from the hello that opens the leader's connection (as etcd's AddRemote);
 * before, it dropped every answer to the leader and stayed behind forever.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { etcdctl, removePrivateBuild } from "./support.js";
import { get, makeCluster, status, waitForLeader, type Cluster } from "./cluster-support.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});
afterAll(() => removePrivateBuild());

describe.skipIf(!etcdctlCap.ok)(`rejoin behind a membership change (${etcdctlCap.why})`, () => {
  it("a member down while another is added and made leader catches up when it restarts", async () => {
    const c = await makeCluster(3);
    cluster = c;
    await Promise.all(c.members.map((m) => c.start(m)));
    await waitForLeader(c);
    const [m1, m2, m3] = c.members as [(typeof c.members)[0], (typeof c.members)[0], (typeof c.members)[0]];
    expect((await etcdctl(m1.endpoint, ["put", "k1", "1"])).code).toBe(0);
    await c.kill(m3);
    const extra = await c.addSpec("infra4");
    // Generous deadlines: killing m3 may have started an election, and CI runs other clusters
    // beside this one (etcdctl's default 5 s ran out there once).
    const add = await etcdctl(
      `${m1.endpoint},${m2.endpoint}`,
      ["member", "add", "infra4", `--peer-urls=http://127.0.0.1:${extra.peerPort}`, "--command-timeout=20s"],
      { timeoutMs: 25_000 },
    );
    expect(add.code, add.stderr).toBe(0);
    const id =
      /Member\s+([0-9a-f]+) added/.exec(add.stdout)?.[1] ??
      expect.fail(`member add: ${add.stdout} ${add.stderr}`);
    await c.start(extra, "existing");
    // Make the new member the leader.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const st = await waitForLeader(c);
      const leader = st.find((s) => s.isLeader)!;
      if (leader.endpoint === extra.endpoint) break;
      await etcdctl(leader.endpoint, ["move-leader", id]);
      if (Date.now() > deadline) expect.fail("could not move the leader to the new member");
      await new Promise((r) => setTimeout(r, 300));
    }
    expect((await status(extra.endpoint))?.isLeader).toBe(true);
    expect(
      (await etcdctl(m1.endpoint, ["put", "k2", "2", "--command-timeout=15s"], { timeoutMs: 20_000 })).code,
    ).toBe(0);
    await c.start(m3);
    const until = Date.now() + 15_000;
    let seen: string | undefined;
    while (Date.now() < until) {
      seen = await get(m3.endpoint, "k2", true).catch(() => undefined);
      if (seen === "2") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen, `member 3 did not catch up:\n${m3.out.slice(-3000)}`).toBe("2");
  }, 90_000);
});
