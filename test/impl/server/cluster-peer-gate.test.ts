/**
 * The peer port's pure rules: frame reading (frames.ts: a header is judged before its body is
 * buffered; frames survive any split into chunks) and what a connection may send (peer-gate.ts:
 * hello, cluster ID, sender standing, frame limits).
 *
 *   GAUNTLET_FC_SEED=123 npx vitest run test/impl/server/cluster-peer-gate.test.ts   (replay a seed)
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { FrameReader } from "../../../impl/server/cluster/frames.js";
import {
  parseHello,
  peerFrameLimits,
  refuseHello,
  refuseMessage,
} from "../../../impl/server/cluster/peer-gate.js";
import { MessageType, type Message } from "../../../impl/raft/index.js";
import { frame } from "../../../impl/server/cluster/transport.js";
import { bareMessage } from "./peer-messages.js";

const seed = Number(process.env.GAUNTLET_FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`cluster-peer-gate: fast-check seed ${seed} (GAUNTLET_FC_SEED=${seed} to replay)`);

interface Seen {
  frames: { kind: number; body: string }[];
  checks: { len: number; kind: number; type: number | undefined }[];
  refused: string[];
}

function reader(limit = 1 << 20): { r: FrameReader; seen: Seen } {
  const seen: Seen = { frames: [], checks: [], refused: [] };
  const r = new FrameReader({
    check: (len, kind, type) => {
      seen.checks.push({ len, kind, type });
      return len > limit ? `too long: ${len}` : undefined;
    },
    frame: (kind, body) => {
      seen.frames.push({ kind, body: body.toString("hex") });
      return true;
    },
    refuse: (reason) => seen.refused.push(reason),
  });
  return { r, seen };
}

describe("FrameReader", () => {
  it("hands out the same frames however the stream is cut into chunks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.nat(5), body: fc.uint8Array({ minLength: 0, maxLength: 40 }) }), {
          maxLength: 8,
        }),
        fc.array(fc.nat(60), { maxLength: 20 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map((f) => frame(f.kind, f.body)));
          const { r, seen } = reader();
          let off = 0;
          for (const c of cuts) {
            r.push(stream.subarray(off, Math.min(stream.length, off + c)));
            off = Math.min(stream.length, off + c);
          }
          r.push(stream.subarray(off));
          expect(seen.refused).toEqual([]);
          expect(seen.frames).toEqual(
            frames.map((f) => ({ kind: f.kind, body: Buffer.from(f.body).toString("hex") })),
          );
          expect(r.buffered).toBe(0);
        },
      ),
      { seed },
    );
  });

  it("judges a header before its body arrives, and buffers nothing of a refused frame", () => {
    const { r, seen } = reader(1000);
    const head = Buffer.alloc(6);
    head.writeUInt32LE(1 << 30, 0);
    head[4] = 0;
    r.push(head.subarray(0, 5));
    expect(seen.checks).toEqual([]); // a Raft message's type byte is not in yet
    r.push(head.subarray(5));
    expect(seen.checks).toEqual([{ len: 1 << 30, kind: 0, type: 0 }]);
    expect(seen.refused).toEqual([`too long: ${1 << 30}`]);
    r.push(Buffer.alloc(1 << 16));
    expect(r.buffered).toBe(0);
    expect(seen.frames).toEqual([]);
  });

  it("refuses an empty frame and stops at once when the sink says so", () => {
    const { r, seen } = reader();
    r.push(Buffer.from([0, 0, 0, 0, 1]));
    expect(seen.refused).toEqual(["empty frame"]);
    const stop = new FrameReader({
      check: () => undefined,
      frame: () => false,
      refuse: () => {},
    });
    stop.push(Buffer.concat([frame(1, Buffer.from("a")), frame(1, Buffer.from("b"))]));
    expect(stop.buffered).toBe(0);
  });
});

const msg = (type: number, from: number, to: number): Message => bareMessage(type, from, to);

describe("peer gate", () => {
  it("parses a hello and refuses malformed ones", () => {
    const ok = { id: 7, url: "http://127.0.0.1:2380", cluster: "abc123" };
    expect(parseHello(Buffer.from(JSON.stringify(ok)))).toEqual(ok);
    for (const bad of [
      "not json",
      "null",
      JSON.stringify({ ...ok, id: 0 }),
      JSON.stringify({ ...ok, id: 2 ** 53 }),
      JSON.stringify({ ...ok, id: "7" }),
      JSON.stringify({ ...ok, url: "not a url" }),
      JSON.stringify({ ...ok, url: "unix:/tmp/x" }),
      JSON.stringify({ ...ok, url: "http://127.0.0.1" }),
      JSON.stringify({ ...ok, url: `http://x/${"a".repeat(2000)}` }),
      JSON.stringify({ ...ok, cluster: undefined }),
      JSON.stringify({ ...ok, cluster: "XYZ" }),
    ])
      expect(typeof parseHello(Buffer.from(bad))).toBe("string");
  });

  it("refuses another cluster, this member's own id and a removed member", () => {
    const h = { id: 7, url: "http://127.0.0.1:1", cluster: "abc" };
    expect(refuseHello(h, 1, "abc", "member")).toBeUndefined();
    expect(refuseHello(h, 1, "abc", "unknown")).toBeUndefined();
    expect(refuseHello(h, 1, "def", "member")).toMatch(
      /another cluster \(its cluster ID abc, this one's def\)/,
    );
    expect(refuseHello(h, 7, "abc", "member")).toMatch(/own raft id/);
    expect(refuseHello(h, 1, "abc", "removed")).toMatch(/removed/);
  });

  it("steps what a member sends; from an unknown id only a leader's or candidate's messages", () => {
    for (const t of [MessageType.Prop, MessageType.App, MessageType.AppResp, MessageType.ReadIndex])
      expect(refuseMessage(msg(t, 7, 1), 7, 1, "member")).toBeUndefined();
    expect(refuseMessage(msg(MessageType.App, 8, 1), 7, 1, "member")).toMatch(
      /from raft id 8 on the connection of 7/,
    );
    expect(refuseMessage(msg(MessageType.App, 7, 2), 7, 1, "member")).toMatch(/addressed to raft id 2/);
    for (const t of [
      MessageType.App,
      MessageType.Heartbeat,
      MessageType.Snap,
      MessageType.Vote,
      MessageType.PreVote,
    ])
      expect(refuseMessage(msg(t, 7, 1), 7, 1, "unknown")).toBeUndefined();
    for (const t of [
      MessageType.Prop,
      MessageType.ReadIndex,
      MessageType.TransferLeader,
      MessageType.AppResp,
    ])
      expect(refuseMessage(msg(t, 7, 1), 7, 1, "unknown")).toMatch(/not in this member's table/);
    expect(refuseMessage(msg(MessageType.App, 7, 1), 7, 1, "removed")).toMatch(/removed/);
  });

  it("derives frame limits from --max-request-bytes and --quota-backend-bytes", () => {
    const d = peerFrameLimits({ maxRequestBytes: 1.5 * 2 ** 20, quotaBackendBytes: 0 });
    expect(d.message).toBe(6 * 2 ** 20);
    expect(d.snapshot).toBe(0xffff_ffff); // 2 × the 2 GiB default quota: capped by the u32 header
    const q = peerFrameLimits({ maxRequestBytes: 1.5 * 2 ** 20, quotaBackendBytes: 64 * 2 ** 20 });
    expect(q.snapshot).toBe(192 * 2 ** 20);
    const big = peerFrameLimits({ maxRequestBytes: 100 * 2 ** 20, quotaBackendBytes: 16 * 2 ** 20 });
    expect(big.snapshot).toBe(big.message); // never below what a message may be
  });
});
