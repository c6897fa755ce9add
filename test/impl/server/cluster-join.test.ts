/**
 * The cluster ID of a member that joined later (`etcdctl member add`, then
 * `--initial-cluster-state existing`): as etcd, it asks the running members for the cluster and
 * adopts its ID, so every member's response headers and `endpoint status` show the same
 * cluster ID, also after the new member restarts from its data dir; with no member to ask it
 * refuses to start with a clear error.
 */
import { rmSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { etcdctl, removePrivateBuild } from "./support.js";
import { get, makeCluster, waitForLeader, type Cluster } from "./cluster-support.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});
afterAll(() => removePrivateBuild());

/** The cluster IDs each running member reports: `endpoint status` and `member list` headers. */
async function clusterIds(c: Cluster): Promise<string[]> {
  const out: string[] = [];
  for (const m of c.members.filter((x) => x.proc)) {
    const st = await etcdctl(m.endpoint, ["endpoint", "status", "-w", "json", "--command-timeout=3s"]);
    expect(st.code, st.stderr).toBe(0);
    // Big IDs lose precision in JSON.parse: compare the digits as printed.
    out.push(/"cluster_id":(\d+)/.exec(st.stdout)?.[1] ?? "none");
    const ml = await etcdctl(m.endpoint, ["member", "list", "-w", "json", "--command-timeout=3s"]);
    expect(ml.code, ml.stderr).toBe(0);
    out.push(/"cluster_id":(\d+)/.exec(ml.stdout)?.[1] ?? "none");
  }
  return out;
}

async function waitFor(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!etcdctlCap.ok)(
  `a member joined with --initial-cluster-state existing (${etcdctlCap.why})`,
  () => {
    it("adopts the cluster's ID (headers and endpoint status equal on every member), also after a restart", async () => {
      const c = await makeCluster(3);
      cluster = c;
      await Promise.all(c.members.map((m) => c.start(m)));
      await waitForLeader(c);
      const before = new Set(await clusterIds(c));
      expect(before.size).toBe(1);
      await etcdctl(c.members[0]!.endpoint, ["put", "before-add", "1"]);
      const extra = await c.addSpec("infra4");
      const add = await etcdctl(c.endpoints(), [
        "member",
        "add",
        "infra4",
        `--peer-urls=http://127.0.0.1:${extra.peerPort}`,
      ]);
      expect(add.code, add.stderr).toBe(0);
      // The new member's --initial-cluster lists the four members (what `member add` prints); its
      // own derivation from that list would give another cluster ID.
      await c.start(extra, "existing");
      await waitFor("the new member to serve", async () => {
        try {
          return (await get(extra.endpoint, "before-add", true)) === "1";
        } catch {
          return false;
        }
      });
      expect(extra.out).toMatch(/joining an existing cluster/);
      const ids = await clusterIds(c);
      expect(ids).toHaveLength(8);
      expect(new Set(ids), ids.join(" ")).toEqual(before);
      const expected = ids[0]!;
      // Restart the new member from its data dir: the cluster ID comes from its WAL.
      await c.kill(extra);
      await c.start(extra, "existing");
      await waitForLeader(c);
      await waitFor("the restarted member to serve", async () => {
        try {
          return (await get(extra.endpoint, "before-add", true)) === "1";
        } catch {
          return false;
        }
      });
      expect(extra.out).not.toMatch(/joining an existing cluster/);
      const again = await clusterIds(c);
      expect(new Set(again)).toEqual(new Set([expected]));
    }, 60_000);

    it("a member removed, wiped and added back with the same peer URL gets a new ID and stays up", async () => {
      const c = await makeCluster(3);
      cluster = c;
      await Promise.all(c.members.map((m) => c.start(m)));
      await waitForLeader(c);
      const m = c.members[2]!;
      const peer = `http://127.0.0.1:${m.peerPort}`;
      const idOf = async (): Promise<string | undefined> => {
        const l = await etcdctl(c.members[0]!.endpoint, ["member", "list", "--command-timeout=3s"]);
        expect(l.code, l.stderr).toBe(0);
        return l.stdout
          .split("\n")
          .find((x) => x.includes(peer))
          ?.split(",")[0];
      };
      const oldId = (await idOf())!;
      expect(oldId).toMatch(/^[0-9a-f]+$/);
      const rm = await etcdctl(c.members[0]!.endpoint, ["member", "remove", oldId]);
      expect(rm.code, rm.stderr).toBe(0);
      await Promise.race([m.exited, new Promise((r) => setTimeout(r, 5000))]);
      await c.kill(m);
      rmSync(m.dataDir, { recursive: true, force: true });
      await etcdctl(c.members[0]!.endpoint, ["put", "after-remove", "1"]);
      const add = await etcdctl(c.members[0]!.endpoint, ["member", "add", m.name, `--peer-urls=${peer}`]);
      expect(add.code, add.stderr).toBe(0);
      const newId = (await idOf())!;
      expect(newId).not.toBe(oldId);
      await c.start(m, "existing");
      await waitFor("the re-added member to serve", async () => {
        try {
          return (await get(m.endpoint, "after-remove", true)) === "1";
        } catch {
          return false;
        }
      });
      // Under its old ID it would replay its own removal from the leader's log and stop.
      await new Promise((r) => setTimeout(r, 1500));
      expect(m.proc, m.out.slice(-2000)).toBeDefined();
      expect(m.out).not.toMatch(/removed from the cluster/);
      expect((await waitForLeader(c)).length).toBe(3);
    }, 60_000);

    it("refuses to start with a clear error when no member of --initial-cluster answers", async () => {
      const c = await makeCluster(3);
      cluster = c;
      const m = c.members[0]!;
      await c.start(m, "existing"); // the other two are not running
      const exited = await Promise.race([
        m.exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
      ]);
      expect(exited, m.out.slice(-2000)).toBe(true);
      expect(m.out).toMatch(/could not get the cluster from any peer in --initial-cluster/);
      expect(m.out).toMatch(new RegExp(`127\\.0\\.0\\.1:${c.members[1]!.peerPort}`));
    }, 30_000);
  },
);
