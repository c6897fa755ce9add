/**
 * Real PeerTransports on loopback: a snapshot far above the message limit goes through from a
 * member and from an id learned by its hello (in chunks, joined once); a removed id is refused;
 * a Raft message reaches the receiver only from the id its connection's hello named.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MessageType, type Message } from "../../../impl/raft/index.js";
import { PeerTransport, type TransportHandlers } from "../../../impl/server/cluster/transport.js";
import { peerFrameLimits, type Standing } from "../../../impl/server/cluster/peer-gate.js";
import { bareMessage } from "./peer-messages.js";

const CLUSTER = "c1";
const limits = peerFrameLimits({ maxRequestBytes: 1.5 * 2 ** 20, quotaBackendBytes: 64 * 2 ** 20 });
const open: PeerTransport[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

interface End {
  t: PeerTransport;
  got: Message[];
  warnings: string[];
  snapshots: boolean[];
  url: string;
}

async function end(id: number, standing: (id: number) => Standing): Promise<End> {
  const e = { got: [], warnings: [], snapshots: [] } as unknown as End;
  const h: TransportHandlers = {
    onMessage: (m) => e.got.push(m),
    onSide: () => {},
    onUnreachable: () => {},
    onSnapshot: (_id, ok) => e.snapshots.push(ok),
    self: { id, url: "http://127.0.0.1:1", cluster: CLUSTER },
    standing,
    limits,
    log: () => {},
    warn: (msg) => e.warnings.push(msg),
  };
  e.t = new PeerTransport(h);
  open.push(e.t);
  e.url = `http://${await e.t.listen("127.0.0.1", 0)}`;
  return e;
}

const until = async (what: string, ok: () => boolean, ms = 20_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function snapshot(from: number, to: number, bytes: number): Message {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) data[i] = i % 251;
  return {
    ...bareMessage(MessageType.Snap, from, to, 2),
    snapshot: { metadata: { index: 10, term: 2, confState: { voters: [from, to], learners: [] } }, data },
  };
}

describe("PeerTransport", () => {
  it("a 24 MiB snapshot from a member arrives whole, and from an id learned by its hello; a removed id is refused", async () => {
    const big = 24 * 2 ** 20;
    expect(big).toBeGreaterThan(limits.message);
    const recv = await end(2, (id) => (id === 1 ? "member" : id === 4 ? "removed" : "unknown"));
    const member = await end(1, () => "member");
    member.t.addPeer(2, recv.url);
    const m = snapshot(1, 2, big);
    member.t.send([m]);
    await until("the snapshot", () => recv.got.length === 1);
    // Compared as buffers: a deep toEqual over 24 M elements takes minutes.
    expect(Buffer.compare(recv.got[0]!.snapshot!.data, m.snapshot!.data)).toBe(0);
    expect(recv.got[0]!.snapshot!.metadata).toEqual(m.snapshot!.metadata);
    await until("the sender's report", () => member.snapshots.length === 1);
    expect(member.snapshots).toEqual([true]);

    // A member added while the receiver was down, now its leader: not in its table yet.
    const added = await end(3, () => "member");
    added.t.addPeer(2, recv.url);
    added.t.send([snapshot(3, 2, big)]);
    await until("the second snapshot", () => recv.got.length === 2);
    expect(recv.got[1]!.from).toBe(3);

    const removed = await end(4, () => "member");
    removed.t.addPeer(2, recv.url);
    removed.t.send([snapshot(4, 2, big)]);
    await until("the refusal", () => recv.warnings.some((w) => /peer was removed from this cluster/.test(w)));
    expect(recv.got).toHaveLength(2);
  }, 60_000);

  it("a message whose from is not the hello's id is dropped; another cluster's hello is refused", async () => {
    const recv = await end(2, () => "member");
    const a = await end(1, () => "member");
    a.t.addPeer(2, recv.url);
    a.t.send([bareMessage(MessageType.Heartbeat, 1, 2), bareMessage(MessageType.Heartbeat, 5, 2)]);
    await until("the heartbeat", () => recv.got.length === 1);
    expect(recv.got[0]!.from).toBe(1);
    await until("the drop warning", () =>
      recv.warnings.some((w) => /from raft id 5 on the connection of 1/.test(w)),
    );

    const other = new PeerTransport({
      onMessage: () => {},
      onSide: () => {},
      onUnreachable: () => {},
      onSnapshot: () => {},
      self: { id: 7, url: "http://127.0.0.1:1", cluster: "c2" },
      standing: () => "member",
      limits,
      log: () => {},
      warn: () => {},
    });
    open.push(other);
    other.addPeer(2, recv.url);
    other.send([bareMessage(MessageType.Heartbeat, 7, 2)]);
    await until("the refusal", () =>
      recv.warnings.some((w) => /another cluster \(its cluster ID c2, this one's c1\)/.test(w)),
    );
    expect(recv.got).toHaveLength(1);
  }, 30_000);
});
