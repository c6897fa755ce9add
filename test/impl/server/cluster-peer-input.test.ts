/**
 * Hostile input on the peer port of real `gauntlet server` members, over raw TCP on loopback:
 * a heartbeat whose term is not an unsigned safe integer, a forged "removed" notice, a frame
 * header announcing 1 GiB, a hello from another cluster. Each member stays up, refuses the
 * connection with a warning naming the peer, does not buffer what it was announced, and the
 * cluster keeps serving writes.
 */
import net from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { etcdctl, removePrivateBuild } from "./support.js";
import { makeCluster, waitForLeader, type Cluster, type ClusterMember } from "./cluster-support.js";
import { encodeMessage } from "../../../impl/server/cluster/codec.js";
import { FRAME_HELLO, frame } from "../../../impl/server/cluster/transport.js";
import { bareMessage } from "./peer-messages.js";
import { MessageType } from "../../../impl/raft/index.js";

const FRAME_SIDE = 1;

interface Ids {
  raftId: number;
  clusterId: string;
}

/** This member's raft id and the cluster ID, from its "ready to serve" log line. */
function idsOf(m: ClusterMember): Ids {
  const line = m.out.split("\n").find((l) => l.includes("ready to serve client requests")) ?? "";
  const raftId = Number(/"raftId":(\d+)/.exec(line)?.[1]);
  const clusterId = /"clusterID":"([0-9a-f]+)"/.exec(line)?.[1] ?? "";
  if (!raftId || !clusterId) throw new Error(`no ids in the log of ${m.name}:\n${m.out}`);
  return { raftId, clusterId };
}

const hello = (id: number, clusterId: string, port: number): Buffer =>
  frame(
    FRAME_HELLO,
    Buffer.from(JSON.stringify({ id, url: `http://127.0.0.1:${port}`, cluster: clusterId })),
  );

/** A well-framed heartbeat (67 bytes) from `from` to `to` whose term is `term`. */
function heartbeat(from: number, to: number, term: number): Buffer {
  const body = encodeMessage(bareMessage(MessageType.Heartbeat, from, to));
  body.writeDoubleLE(term, 2 + 16);
  return frame(0, body);
}

/**
 * Connects to a peer port, writes `head`, then streams up to `streamBytes` of zeros (in 1 MiB
 * writes, within 10 s) until the member closes the connection. Resolves with whether it
 * closed and how much was written before.
 */
function send(port: number, head: Buffer, streamBytes = 0): Promise<{ closed: boolean; written: number }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    let closed = false;
    let written = 0;
    const until = Date.now() + 10_000;
    const finish = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({ closed, written });
    };
    const timer = setTimeout(finish, streamBytes > 0 ? 12_000 : 1500);
    s.on("error", () => {});
    s.on("close", () => {
      closed = true;
      finish();
    });
    s.on("connect", () => {
      s.write(head);
      if (streamBytes === 0) return;
      const chunk = Buffer.alloc(1 << 20);
      const pump = (): void => {
        while (!closed && written < streamBytes && Date.now() < until) {
          written += chunk.length;
          if (!s.write(chunk)) {
            s.once("drain", pump);
            return;
          }
        }
        if (!closed) setTimeout(finish, 1000);
      };
      pump();
    });
  });
}

/** Waits (up to 5 s) for the member's output to match: its log lines arrive through a pipe. */
async function logged(m: ClusterMember, re: RegExp): Promise<void> {
  const until = Date.now() + 5000;
  while (!re.test(m.out) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  expect(m.out).toMatch(re);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) / 1024;
}

let c: Cluster;
let ids: Ids[];

async function stillServing(key: string): Promise<void> {
  for (const m of c.members) expect(m.proc, `${m.name} exited:\n${m.out.slice(-3000)}`).toBeDefined();
  await waitForLeader(c);
  for (const m of c.members) {
    const put = await etcdctl(m.endpoint, ["put", key, m.name, "--command-timeout=10s"], {
      timeoutMs: 15_000,
    });
    expect(put.code, `put via ${m.name}: ${put.stderr}\n${m.out.slice(-3000)}`).toBe(0);
  }
}

describe.skipIf(!etcdctlCap.ok)(`the peer port refuses hostile input (${etcdctlCap.why})`, () => {
  beforeAll(async () => {
    // A 64 MiB quota bounds a snapshot frame to 192 MiB: below the 1 GiB announced below.
    c = await makeCluster(3, [
      "--heartbeat-interval",
      "50",
      "--election-timeout",
      "500",
      "--quota-backend-bytes",
      String(64 << 20),
    ]);
    await Promise.all(c.members.map((m) => c.start(m)));
    await waitForLeader(c);
    ids = c.members.map(idsOf);
  }, 60_000);
  afterAll(async () => {
    await c?.destroy();
    removePrivateBuild();
  });

  it("a heartbeat with term Infinity, NaN or 2^53+2 is refused; every member stays up", async () => {
    for (const term of [Infinity, NaN, 2 ** 53 + 2]) {
      for (const [i, m] of c.members.entries()) {
        const other = ids[(i + 1) % ids.length]!;
        // Bare (no hello first, as the attack was found), and after a hello as another member.
        const hb = heartbeat(other.raftId, ids[i]!.raftId, term);
        expect(hb.length).toBe(67);
        const bare = await send(m.peerPort, hb);
        const helloed = await send(m.peerPort, Buffer.concat([hello(other.raftId, other.clusterId, 1), hb]));
        expect(bare.closed && helloed.closed).toBe(true);
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    await stillServing("after-bad-term");
    for (const m of c.members) {
      await logged(m, /peer connection refused: frame kind 0 before the hello/);
      await logged(
        m,
        /peer connection refused: malformed Raft message: codec: term is not an unsigned safe integer/,
      );
    }
  }, 90_000);

  it("a forged 'removed' notice naming a member does not stop it", async () => {
    const [target, sender] = [c.members[1]!, ids[0]!];
    const notice = frame(
      FRAME_SIDE,
      Buffer.from(JSON.stringify({ from: sender.raftId, body: { t: "removed" } })),
    );
    await send(target.peerPort, notice);
    await send(target.peerPort, Buffer.concat([hello(sender.raftId, sender.clusterId, 1), notice]));
    await new Promise((r) => setTimeout(r, 1500));
    expect(target.out).not.toMatch(/removed from the cluster: stopping/);
    await logged(target, /a peer says this member was removed: ignored/);
    await stillServing("after-forged-removed");
  }, 60_000);

  it("a hello from another cluster is refused with the two cluster IDs named", async () => {
    const [target, sender] = [c.members[2]!, ids[0]!];
    const other = sender.clusterId === "1" ? "2" : "1";
    const r = await send(target.peerPort, hello(sender.raftId, other, 1));
    expect(r.closed).toBe(true);
    await logged(
      target,
      new RegExp(`another cluster \\(its cluster ID ${other}, this one's ${sender.clusterId}\\)`),
    );
  }, 30_000);

  it("a frame header announcing 1 GiB closes the connection before its body is buffered", async () => {
    const m = c.members[0]!;
    const pid = m.proc!.pid!;
    const before = rssMiB(pid);
    const sender = ids[1]!;
    const header = (kind: number, type?: number): Buffer => {
      const h = Buffer.alloc(type === undefined ? 5 : 6);
      h.writeUInt32LE(1 << 30, 0);
      h[4] = kind;
      if (type !== undefined) h[5] = type;
      return h;
    };
    const helloed = (h: Buffer): Buffer => Buffer.concat([hello(sender.raftId, sender.clusterId, 1), h]);
    const attempts = [
      header(0, MessageType.Snap), // bare
      helloed(header(0, MessageType.App)), // a message far above any the server sends
      helloed(header(FRAME_SIDE)),
      helloed(header(0, MessageType.Snap)), // a snapshot above the quota's bound, from a member
    ];
    for (const head of attempts) {
      const r = await send(m.peerPort, head, 256 << 20);
      expect(r.closed, `connection not closed after ${r.written} bytes`).toBe(true);
      expect(r.written).toBeLessThan(64 << 20);
    }
    const after = rssMiB(pid);
    console.log(`1 GiB announcements: RSS of ${m.name} ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
    expect(after - before, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`).toBeLessThan(100);
    await logged(m, /peer connection refused: snapshot of 1073741824 bytes \(limit 201326592\)/);
    await stillServing("after-1GiB");
  }, 120_000);

  it("a connection that never says who it is is closed after 10 s", async () => {
    const m = c.members[0]!;
    const t0 = Date.now();
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port: m.peerPort });
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 20_000);
      s.on("error", () => {});
      s.on("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(9_000);
    await logged(m, /peer connection refused: no hello within 10 s/);
  }, 30_000);

  it("a member genuinely removed still stops: it applies its own removal", async () => {
    const st = await waitForLeader(c);
    const follower = c.members.find((m) => !st.find((s) => s.endpoint === m.endpoint)!.isLeader)!;
    const list = await etcdctl(c.members[0]!.endpoint, ["member", "list"]);
    const id = list.stdout
      .split("\n")
      .find((l) => l.includes(`:${follower.peerPort}`))
      ?.split(",")[0];
    expect(id, list.stdout).toMatch(/^[0-9a-f]+$/);
    const others = c.members.filter((m) => m !== follower);
    const rm = await etcdctl(others.map((m) => m.endpoint).join(","), ["member", "remove", id!]);
    expect(rm.code, rm.stderr).toBe(0);
    await Promise.race([follower.exited, new Promise((r) => setTimeout(r, 15_000))]);
    expect(follower.proc, follower.out.slice(-3000)).toBeUndefined();
    expect(follower.out).toMatch(/this member was removed from the cluster: stopping/);
    c.members = others;
    await stillServing("after-remove");
  }, 60_000);
});
