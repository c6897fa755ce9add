/**
 * Replicated `gauntlet server` clusters on loopback, started with etcd's documented 3-member
 * line (etcd replaced by the server): membership and status through etcdctl, writes through
 * every member, kill -9 of the leader under load with no acknowledged write lost, a member
 * that was down past a snapshot catching up, adding and removing a member, HashKV agreement,
 * MoveLeader.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { connect } from "./grpc-client.js";
import { etcdctl, removePrivateBuild } from "./support.js";
import {
  get,
  makeCluster,
  status,
  waitForLeader,
  type Cluster,
  type ClusterMember,
} from "./cluster-support.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});
afterAll(() => removePrivateBuild());

async function startAll(n: number, extra?: string[]): Promise<Cluster> {
  const c = await makeCluster(n, extra);
  cluster = c;
  await Promise.all(c.members.map((m) => c.start(m)));
  await waitForLeader(c);
  return c;
}

/** Every key under `prefix` with its value, as one member sees it (serializable: its own state). */
async function dump(endpoint: string, prefix: string): Promise<Map<string, string>> {
  const c = connect(endpoint);
  try {
    const end = Buffer.from(prefix);
    end[end.length - 1]!++;
    const res = await c.kv("Range", { key: Buffer.from(prefix), rangeEnd: end, serializable: true }, 5000);
    const kvs = (res.kvs ?? []) as { key: Buffer; value: Buffer }[];
    return new Map(kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
  } finally {
    c.close();
  }
}

async function hashes(c: Cluster): Promise<Set<string>> {
  const out = new Set<string>();
  for (const m of c.members.filter((x) => x.proc)) {
    const g = connect(m.endpoint);
    try {
      const r = await g.maintenance("HashKV", { revision: 0 }, 5000);
      out.add(`${String(r.hash)}@${String((r.header as { revision: unknown }).revision)}`);
    } finally {
      g.close();
    }
  }
  return out;
}

/** Waits until every running member applied at least what the leader had committed. */
async function settle(c: Cluster): Promise<void> {
  const st = await waitForLeader(c);
  const target = Math.max(...st.map((s) => s.index));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await Promise.all(c.members.filter((m) => m.proc).map((m) => status(m.endpoint)));
    if (now.every((s) => s && s.applied >= target)) return;
    if (Date.now() > deadline)
      throw new Error(`members did not catch up to ${target}: ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!etcdctlCap.ok)(`3-member cluster (${etcdctlCap.why})`, () => {
  it("member list and status show every member and one leader; writes through every member are visible on all; HashKV agrees", async () => {
    const c = await startAll(3);
    const st = await waitForLeader(c);
    expect(st).toHaveLength(3);
    expect(st.filter((s) => s.isLeader)).toHaveLength(1);
    // member list: all three, with names, peer URLs and (published) client URLs.
    const deadline = Date.now() + 5000;
    let lines: string[];
    for (;;) {
      const r = await etcdctl(c.members[0]!.endpoint, ["member", "list"]);
      expect(r.code).toBe(0);
      lines = r.stdout.trim().split("\n");
      if (lines.every((l) => /http:\/\/127\.0\.0\.1:\d+, false$/.test(l)) || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(lines).toHaveLength(3);
    for (const m of c.members) {
      const line = lines.find((l) => l.includes(`, ${m.name}, `));
      expect(line, lines.join("\n")).toBeDefined();
      expect(line).toContain(`http://127.0.0.1:${m.peerPort}`);
      expect(line).toContain(`http://127.0.0.1:${m.clientPort}`);
    }
    // The member IDs are etcd's (the same flags give the same IDs on etcd).
    expect(new Set(st.map((s) => s.id)).size).toBe(3);

    for (const [i, m] of c.members.entries()) {
      const r = await etcdctl(m.endpoint, ["put", `k${i}`, `v${i}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const m of c.members)
      for (let i = 0; i < 3; i++) expect(await get(m.endpoint, `k${i}`)).toBe(`v${i}`);
    await settle(c);
    expect((await hashes(c)).size).toBe(1);
  }, 60_000);

  it("kill -9 of the leader under load: a new leader, writes continue, every acknowledged write is on all members after it rejoins", async () => {
    const c = await startAll(3);
    const st = await waitForLeader(c);
    const leader = c.members.find((m) => m.endpoint === st.find((s) => s.isLeader)!.endpoint)!;
    const others = c.members.filter((m) => m !== leader);
    const acked = new Map<string, string>();
    let stop = false;
    const clients = c.members.map((m) => connect(m.endpoint));
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop && i < 5000; i++) {
        const key = `w-${w}-${i}`;
        const value = `v${i}`;
        // Spread over members; a writer bound to the dead member keeps failing.
        const cl = clients[w % clients.length]!;
        try {
          await cl.kv("Put", { key: Buffer.from(key), value: Buffer.from(value) }, 3000);
          acked.set(key, value);
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 1000));
    const before = acked.size;
    await c.kill(leader);
    await waitForLeader(c);
    const atFailover = acked.size;
    // Writes continue under the new leader (writers bound to the dead member wait out their deadline).
    const grow = Date.now() + 8000;
    while (acked.size <= atFailover + 20 && Date.now() < grow) await new Promise((r) => setTimeout(r, 100));
    expect(acked.size).toBeGreaterThan(atFailover + 20);
    stop = true;
    await Promise.all(writers);
    for (const cl of clients) cl.close();
    expect(before).toBeGreaterThan(10);

    await c.start(leader);
    await settle(c);
    for (const m of [leader, ...others]) {
      const seen = await dump(m.endpoint, "w-");
      const missing = [...acked].filter(([k, v]) => seen.get(k) !== v).map(([k]) => k);
      expect(missing, `${m.name} misses acknowledged writes`).toEqual([]);
    }
    expect((await hashes(c)).size).toBe(1);
  }, 90_000);

  it("a member that was down past a snapshot catches up from the leader's snapshot", async () => {
    const c = await startAll(3, [
      "--heartbeat-interval",
      "50",
      "--election-timeout",
      "500",
      "--snapshot-count",
      "20",
    ]);
    const st = await waitForLeader(c);
    const follower = c.members.find((m) => m.endpoint === st.find((s) => !s.isLeader)!.endpoint)!;
    await c.kill(follower);
    await waitForLeader(c);
    const live = c.members.find((m) => m.proc)!;
    const g = connect(live.endpoint);
    for (let i = 0; i < 120; i++)
      await g.kv("Put", { key: Buffer.from(`s-${i}`), value: Buffer.from(`${i}`) }, 5000);
    g.close();
    await c.start(follower);
    await settle(c);
    const seen = await dump(follower.endpoint, "s-");
    expect(seen.size).toBe(120);
    expect(follower.out).toMatch(/restored a snapshot from the leader/);
    expect((await hashes(c)).size).toBe(1);
  }, 60_000);

  it("alarms are per member: a member restarted after another raised NOSPACE does not take it as its own", async () => {
    const c = await startAll(3, ["--heartbeat-interval", "50", "--election-timeout", "500"]);
    const [full, other] = c.members as [ClusterMember, ClusterMember];
    const g = connect(full.endpoint);
    const alarms = async (m: ClusterMember): Promise<string> =>
      (await etcdctl(m.endpoint, ["alarm", "list", "--command-timeout=3s"])).stdout.trim();
    try {
      const list = (await etcdctl(full.endpoint, ["member", "list"])).stdout.split("\n");
      const hex = list.find((l) => l.split(", ")[2] === full.name)!.split(", ")[0]!;
      const id = BigInt(`0x${hex}`).toString();
      // As a full disk does: the alarm is raised on `full` and its entry goes through the log.
      await g.maintenance("Alarm", { action: 1 /* ACTIVATE */, memberID: id, alarm: 1 /* NOSPACE */ }, 5000);
    } finally {
      g.close();
    }
    expect(await alarms(full)).toMatch(/alarm:NOSPACE/);
    expect(await alarms(other)).toBe("");
    expect((await etcdctl(other.endpoint, ["put", "per-member", "1", "--command-timeout=3s"])).code).toBe(0);
    await settle(c);
    // Restarted, `other` replays the alarm entry of `full`: not its alarm.
    await c.kill(other);
    await c.start(other);
    await settle(c);
    expect(await alarms(other)).toBe("");
    expect((await etcdctl(other.endpoint, ["put", "per-member", "2", "--command-timeout=3s"])).code).toBe(0);
    // Restarted, `full` replays its own: still raised until disarmed.
    await c.kill(full);
    await c.start(full);
    await settle(c);
    expect(await alarms(full)).toMatch(/alarm:NOSPACE/);
    expect((await etcdctl(full.endpoint, ["alarm", "disarm", "--command-timeout=5s"])).code).toBe(0);
    expect(await alarms(full)).toBe("");
  }, 60_000);

  it("adds a member (--initial-cluster-state existing), moves the leader to it, removes it (it stops); adds and promotes a learner", async () => {
    const c = await startAll(3);
    await etcdctl(c.members[0]!.endpoint, ["put", "before-add", "1"]);
    const extra = await c.addSpec("infra4");
    const add = await etcdctl(c.endpoints(), [
      "member",
      "add",
      "infra4",
      `--peer-urls=http://127.0.0.1:${extra.peerPort}`,
    ]);
    expect(add.code, add.stderr).toBe(0);
    const id =
      /Member\s+([0-9a-f]+) added/.exec(add.stdout)?.[1] ??
      expect.fail(`member add: ${add.stdout} ${add.stderr}`);
    await c.start(extra, "existing");
    await settle(c);
    expect(await get(extra.endpoint, "before-add", true)).toBe("1");
    const list = await etcdctl(c.members[0]!.endpoint, ["member", "list"]);
    expect(list.stdout.trim().split("\n")).toHaveLength(4);
    // MoveLeader to the new member.
    const st = await waitForLeader(c);
    const leaderEp = st.find((s) => s.isLeader)!.endpoint;
    const mv = await etcdctl(leaderEp, ["move-leader", id]);
    expect(mv.code, mv.stderr).toBe(0);
    expect((await status(extra.endpoint))!.isLeader).toBe(true);
    // Remove it: the others carry on, the removed member exits.
    const others = c.members
      .filter((m) => m !== extra)
      .map((m) => m.endpoint)
      .join(",");
    const rm = await etcdctl(others, ["member", "remove", id]);
    expect(rm.code, rm.stderr).toBe(0);
    await Promise.race([extra.exited, new Promise((r) => setTimeout(r, 10_000))]);
    expect(extra.proc).toBeUndefined();
    c.members.pop();
    await waitForLeader(c);
    const put = await etcdctl(c.members[1]!.endpoint, ["put", "after-remove", "1"]);
    expect(put.code, put.stderr).toBe(0);
    expect(
      (await etcdctl(c.members[0]!.endpoint, ["member", "list"])).stdout.trim().split("\n"),
    ).toHaveLength(3);
    // A learner: gets the data, does not vote, then is promoted.
    const learner = await c.addSpec("infra5");
    const addL = await etcdctl(c.endpoints(), [
      "member",
      "add",
      "infra5",
      "--learner",
      `--peer-urls=http://127.0.0.1:${learner.peerPort}`,
    ]);
    expect(addL.code, addL.stderr).toBe(0);
    const lid =
      /Member\s+([0-9a-f]+) added/.exec(addL.stdout)?.[1] ??
      expect.fail(`member add --learner: ${addL.stdout} ${addL.stderr}`);
    await c.start(learner, "existing");
    await settle(c);
    expect(await get(learner.endpoint, "after-remove", true)).toBe("1");
    const isLearner = async (): Promise<string | undefined> =>
      (await etcdctl(c.members[0]!.endpoint, ["member", "list"])).stdout
        .split("\n")
        .find((l) => l.startsWith(lid))
        ?.split(", ")[5];
    expect(await isLearner()).toBe("true");
    const onLearner = await etcdctl(learner.endpoint, ["put", "via-learner", "1"]);
    expect(onLearner.code).not.toBe(0);
    expect(onLearner.stderr).toMatch(/rpc not supported for learner/);
    const pr = await etcdctl(c.members[0]!.endpoint, ["member", "promote", lid]);
    expect(pr.code, pr.stderr).toBe(0);
    expect(await isLearner()).toBe("false");
  }, 90_000);

  it("leases: keep-alives through a follower keep a lease alive past its TTL; without them the leader revokes it on every member", async () => {
    const c = await startAll(3);
    const st = await waitForLeader(c);
    const follower = st.find((s) => !s.isLeader)!.endpoint;
    const grant = await etcdctl(follower, ["lease", "grant", "4"]);
    expect(grant.code, grant.stderr).toBe(0);
    const id = /lease ([0-9a-f]+) granted/.exec(grant.stdout)![1]!;
    expect((await etcdctl(follower, ["put", "leased", "x", `--lease=${id}`])).code).toBe(0);
    // Past the TTL, with keep-alives well inside it even when etcdctl is slow on a busy machine.
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      const ka = await etcdctl(follower, ["lease", "keep-alive", "--once", id]);
      expect(ka.code, ka.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 400));
    }
    for (const m of c.members) expect(await get(m.endpoint, "leased")).toBe("x");
    const ttl = await etcdctl(follower, ["lease", "timetolive", id]);
    expect(ttl.stdout).toMatch(/remaining\([1-4]s\)/);
    // No more keep-alives: revoked by the leader (proposed), gone everywhere.
    const gone = Date.now() + 12_000;
    while (Date.now() < gone && (await get(c.members[0]!.endpoint, "leased")) !== undefined)
      await new Promise((r) => setTimeout(r, 200));
    await settle(c);
    for (const m of c.members) expect(await get(m.endpoint, "leased", true)).toBeUndefined();
  }, 60_000);
});

describe.skipIf(!etcdctlCap.ok)(`5- and 7-member clusters (${etcdctlCap.why})`, () => {
  it.each([5, 7])(
    "%i members survive the loss of a minority (the leader among them) and its return",
    async (n) => {
      const c = await startAll(n);
      const st = await waitForLeader(c);
      expect(st.filter((s) => s.isLeader)).toHaveLength(1);
      const es = await etcdctl(c.members[0]!.endpoint, ["endpoint", "status", "--cluster"]);
      expect(es.code, es.stderr).toBe(0);
      expect(es.stdout.trim().split("\n")).toHaveLength(n);
      expect(es.stdout.split("\n").filter((l) => l.includes(", true, "))).toHaveLength(1); // IS LEADER
      const leader = c.members.find((m) => m.endpoint === st.find((s) => s.isLeader)!.endpoint)!;
      const minority = [leader, ...c.members.filter((m) => m !== leader).slice(0, (n - 1) / 2 - 1)];
      for (let i = 0; i < 20; i++)
        expect((await etcdctl(c.endpoints(), ["put", `f-${i}`, `${i}`])).code).toBe(0);
      for (const m of minority) await c.kill(m);
      await waitForLeader(c);
      for (let i = 20; i < 40; i++) {
        const r = await etcdctl(c.endpoints(), ["put", `f-${i}`, `${i}`]);
        expect(r.code, r.stderr).toBe(0);
      }
      for (const m of minority) await c.start(m);
      await settle(c);
      for (const m of c.members) expect((await dump(m.endpoint, "f-")).size).toBe(40);
      expect((await hashes(c)).size).toBe(1);
    },
    90_000,
  );
});
