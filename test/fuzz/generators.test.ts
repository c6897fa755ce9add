import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { pbType } from "../../harness/client/proto.js";
import { generateInput, inputArb, inputSeed } from "../../fuzz/arbitrary.js";
import { callData, connectionStart, FrameType, h2Frame, hpackInt, PREFACE } from "../../fuzz/h2-frames.js";
import { H2StreamEnd } from "../../fuzz/h2-watch.js";
import { INPUT_CLASSES, inputBytes, type InputClass } from "../../fuzz/input.js";
import { MAX_ENCODED_BYTES, encodeAs, nestedTxnBytes } from "../../fuzz/gen-protobuf.js";
import { raftChunk, sideChunk } from "../../fuzz/gen-peer.js";
import { grpcMethods, SKIPPED_METHODS } from "../../fuzz/methods.js";
import { encodeRaftMessage, peerFrame } from "../../fuzz/peer-frames.js";
import { parseRss } from "../../fuzz/probe.js";
import { crashLines } from "../../fuzz/observe.js";
import { chunkBytes } from "../../fuzz/send.js";
import { raftIdOf } from "../../fuzz/server.js";

describe("fuzz generators", () => {
  it("a seed and an index always give the same input, and different indexes differ", () => {
    const arb = inputArb([...INPUT_CLASSES]);
    const a = JSON.stringify(generateInput(arb, 99, 5));
    expect(JSON.stringify(generateInput(arb, 99, 5))).toBe(a);
    const others = new Set([0, 1, 2, 3, 4].map((i) => JSON.stringify(generateInput(arb, 99, i))));
    expect(others.has(a)).toBe(false);
  });

  it("fast-check's first run from an input's seed is that input (what the shrinker starts from)", async () => {
    const arb = inputArb(["peer", "grpc-extreme"]);
    for (const i of [0, 1, 2]) {
      let seen: string | undefined;
      await fc.check(
        fc.asyncProperty(arb, async (x) => {
          seen ??= JSON.stringify(x);
          return true;
        }),
        { seed: inputSeed(3, i), numRuns: 1 },
      );
      expect(seen).toBe(JSON.stringify(generateInput(arb, 3, i)));
    }
  });

  it("every class generates plain JSON inputs of bounded size", () => {
    for (const c of INPUT_CLASSES) {
      const arb = inputArb([c as InputClass]);
      for (let i = 0; i < 15; i++) {
        const x = generateInput(arb, 1, i);
        expect(x.class).toBe(c);
        expect(JSON.parse(JSON.stringify(x))).toEqual(x);
        expect(inputBytes(x)).toBeLessThan(300 * 2 ** 20);
        for (const conn of x.conns) expect(conn.port).toBe(c === "peer" ? "peer" : "client");
      }
    }
  });

  it("encodes a message whose shared copies multiply past memory by halving its repeated fields (the fuzzer hung, 2.8 GB, on one)", () => {
    // 2,000 ops each holding a Txn of 2,000 puts of 1 KiB: 4 GB encoded, built from three objects.
    const put = { requestPut: { key: new Uint8Array(1024), value: new Uint8Array(16) } };
    const inner = { requestTxn: { success: Array(2000).fill(put) } };
    const bytes = encodeAs("TxnRequest", { success: Array(2000).fill(inner) });
    expect(bytes.byteLength).toBeLessThanOrEqual(MAX_ENCODED_BYTES);
    expect(bytes.byteLength).toBeGreaterThan(MAX_ENCODED_BYTES / 8);
    const decoded = pbType("TxnRequest").decode(bytes) as unknown as { success: unknown[] };
    expect(decoded.success.length).toBeGreaterThan(0);
  });

  it("never calls the methods that stop a correct server from serving", () => {
    const paths = grpcMethods().map((m) => m.path);
    expect(paths).toContain("/etcdserverpb.KV/Txn");
    expect(paths).toContain("/etcdserverpb.Watch/Watch");
    for (const p of SKIPPED_METHODS) expect(paths).not.toContain(p);
  });
});

describe("HTTP/2 bytes", () => {
  it("frames have a 9-byte header with length, type, flags and stream id", () => {
    const f = h2Frame(FrameType.DATA, 1, 3, Uint8Array.of(1, 2, 3));
    expect([...f.subarray(0, 9)]).toEqual([0, 0, 3, 0, 1, 0, 0, 0, 3]);
    expect(h2Frame(0, 0, 1, new Uint8Array(0), 0xffffff).subarray(0, 3).toString("hex")).toBe("ffffff");
    expect(connectionStart().subarray(0, PREFACE.length).equals(PREFACE)).toBe(true);
  });

  it("HPACK integers follow RFC 7541's examples", () => {
    expect([...hpackInt(10, 5)]).toEqual([10]);
    expect([...hpackInt(1337, 5)]).toEqual([31, 154, 10]);
  });

  it("a gRPC message over 16 KiB is split into DATA frames, END_STREAM on the last", () => {
    const buf = callData(1, [new Uint8Array(20000)], true);
    expect(buf[3]).toBe(FrameType.DATA);
    expect(buf[4]).toBe(0);
    const second = 9 + 16384;
    expect(buf[second + 4]).toBe(1);
    expect((buf[second]! << 16) | (buf[second + 1]! << 8) | buf[second + 2]!).toBe(20005 - 16384);
  });

  it("sees the end of a stream, in whatever pieces the bytes come", () => {
    const bytes = Buffer.concat([h2Frame(4, 0, 0, new Uint8Array(6)), h2Frame(1, 5, 1, Uint8Array.of(0x88))]);
    const w = new H2StreamEnd(1);
    for (const b of bytes) w.push(Buffer.from([b]));
    expect(w.ended).toBe(true);
    const other = new H2StreamEnd(3);
    other.push(bytes);
    expect(other.ended).toBe(false);
  });

  it("a Txn nested 30 deep decodes as such (the encoder has no recursion limit, unlike protobufjs)", () => {
    const bytes = nestedTxnBytes(30, { requestRange: { key: Buffer.from("k") } });
    let t = pbType("TxnRequest").decode(bytes) as unknown as {
      success: { requestTxn?: unknown; requestRange?: { key: Uint8Array } }[];
    };
    let depth = 1;
    while (t.success[0]!.requestTxn) {
      t = t.success[0]!.requestTxn as typeof t;
      depth++;
    }
    expect(depth).toBe(30);
    expect(nestedTxnBytes(5000, {}).length).toBeGreaterThan(5000);
    expect(Buffer.from(t.success[0]!.requestRange!.key).toString()).toBe("k");
  });
});

describe("peer frames", () => {
  const msg = {
    type: 8,
    term: Infinity,
    logTerm: NaN,
    index: 2 ** 53 + 2,
    commit: -1,
    rejectHint: 0,
    reject: true,
    entries: [{ term: 1, index: 2, type: 0, data: Uint8Array.of(9) }],
  };

  it("frame = u32 LE length of kind and payload, kind, payload; the length can lie", () => {
    const f = peerFrame(0, Uint8Array.of(7, 7));
    expect([...f]).toEqual([3, 0, 0, 0, 0, 7, 7]);
    expect(peerFrame(0, new Uint8Array(0), 2 ** 30).readUInt32LE(0)).toBe(2 ** 30);
  });

  it("Raft messages carry float64 fields at the documented offsets, member IDs patched in at send time", () => {
    const c = raftChunk({ ...msg, to: { member: 1 }, from: 12345 });
    const b = chunkBytes(c, [111, 222, 333]);
    expect(b.readUInt32LE(0)).toBe(b.length - 4);
    expect(b[5]).toBe(8);
    expect(b[6]).toBe(1); // reject, no context, no snapshot
    expect(b.readDoubleLE(7)).toBe(222);
    expect(b.readDoubleLE(15)).toBe(12345);
    expect(b.readDoubleLE(23)).toBe(Infinity);
    expect(Number.isNaN(b.readDoubleLE(31))).toBe(true);
    expect(b.readDoubleLE(39)).toBe(2 ** 53 + 2);
    expect(b.subarray(5).equals(encodeRaftMessage({ ...msg, to: 222, from: 12345 }))).toBe(true);
  });

  it("side messages name a member by its ID, written into valid JSON", () => {
    const b = chunkBytes(sideChunk(2, { t: "removed" }), [1, 2, 4503599627370497]);
    expect(JSON.parse(b.subarray(5).toString())).toEqual({ from: 4503599627370497, body: { t: "removed" } });
  });

  it("a member's Raft id is the top 53 bits of its 64-bit ID", () => {
    expect(raftIdOf("18446744073709551615")).toBe(2 ** 53 - 1);
    expect(raftIdOf("2047")).toBe(1);
  });
});

describe("probe", () => {
  it("reads anonymous RSS, else VmRSS, from /proc/<pid>/status", () => {
    expect(parseRss("VmRSS:\t  2048 kB\nRssAnon:\t  1024 kB\n")).toBe(1024 * 1024);
    expect(parseRss("VmRSS:\t  2048 kB\n")).toBe(2048 * 1024);
    expect(parseRss("nothing")).toBeUndefined();
  });
});

describe("crash log lines", () => {
  it("start at a Go panic when there is one, else are the log's last lines", () => {
    const log = [
      "a",
      "b",
      "panic: runtime error: invalid memory address",
      "[signal SIGSEGV: x]",
      "goroutine 1",
    ].join("\n");
    expect(crashLines(log).split("\n")[0]).toBe("panic: runtime error: invalid memory address");
    expect(crashLines("x\ny")).toBe("x\ny");
  });
});
