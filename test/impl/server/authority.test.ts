/**
 * The `:authority` repair (impl/server/authority.ts): Huffman decoding against RFC 7541
 * vectors, the HPACK block rewrite for each representation, the frame rewriter (padded,
 * priority, CONTINUATION, split chunks) fed to a real node:http2 server, Node's own (Huffman
 * encoding, dynamic-table indexing) client, the client fingerprint, and etcdctl's
 * `endpoint status|health --cluster` against `gauntlet server`.
 */
import http2 from "node:http2";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthorityRewriter,
  fixAuthority,
  huffmanCode,
  huffmanDecode,
  rewriteHeaderBlock,
  rewritingSocket,
  EMPTY_SETTINGS,
  handshake,
} from "../../../impl/server/authority.js";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { etcdctl, removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ""), "hex");

/** Test-side HPACK encoding helpers. */
function int(first: number, prefix: number, v: number): number[] {
  const max = (1 << prefix) - 1;
  if (v < max) return [first | v];
  const out = [first | max];
  v -= max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  return [...out, v];
}
function huffmanEncode(s: string): Buffer {
  let bits = "";
  for (const b of Buffer.from(s, "latin1")) {
    const { code, bits: n } = huffmanCode(b);
    bits += code.toString(2).padStart(n, "0");
  }
  bits += "1".repeat((8 - (bits.length % 8)) % 8);
  return Buffer.from(bits.match(/.{8}/g)!.map((x) => parseInt(x, 2)));
}
function str(s: string, huffman: boolean): Buffer {
  const raw = huffman ? huffmanEncode(s) : Buffer.from(s, "latin1");
  return Buffer.concat([Buffer.from(int(huffman ? 0x80 : 0, 7, raw.length)), raw]);
}
type Rep = "incremental" | "without" | "never";
const repFirst: Record<Rep, [number, number]> = {
  incremental: [0x40, 6],
  without: [0x00, 4],
  never: [0x10, 4],
};
function literal(rep: Rep, name: number | string, value: string, huffman = false): Buffer {
  const [first, prefix] = repFirst[rep];
  const head =
    typeof name === "number"
      ? Buffer.from(int(first, prefix, name))
      : Buffer.concat([Buffer.from([first]), str(name, huffman)]);
  return Buffer.concat([head, str(value, huffman)]);
}
const indexed = (i: number): Buffer => Buffer.from(int(0x80, 7, i));

/** A minimal HPACK decoder for checking the output (literals only need static names here). */
function literalValues(block: Buffer): Array<{ first: number; value: string }> {
  const out: Array<{ first: number; value: string }> = [];
  let p = 0;
  const readInt = (prefix: number): number => {
    const max = (1 << prefix) - 1;
    let v = block[p]! & max;
    p++;
    if (v < max) return v;
    let m = 0;
    for (;;) {
      const b = block[p++]!;
      v += (b & 0x7f) * 2 ** m;
      m += 7;
      if (!(b & 0x80)) return v;
    }
  };
  const readStr = (): string => {
    const h = (block[p]! & 0x80) !== 0;
    const n = readInt(7);
    const raw = block.subarray(p, p + n);
    p += n;
    return (h ? huffmanDecode(raw) : raw).toString("latin1");
  };
  while (p < block.length) {
    const b = block[p]!;
    if (b & 0x80) readInt(7);
    else if ((b & 0xe0) === 0x20) readInt(5);
    else {
      const idx = readInt((b & 0xc0) === 0x40 ? 6 : 4);
      const name = idx === 0 ? readStr() : idx;
      out.push({ first: b & 0xf0, value: `${name}=${readStr()}` });
    }
  }
  return out;
}

describe("Huffman decoding (RFC 7541 Appendix B)", () => {
  it("derives the table's codes", () => {
    expect(huffmanCode(0)).toEqual({ code: 0x1ff8, bits: 13 });
    expect(huffmanCode(48)).toEqual({ code: 0x0, bits: 5 });
    expect(huffmanCode(47)).toEqual({ code: 0x18, bits: 6 });
    expect(huffmanCode(58)).toEqual({ code: 0x5c, bits: 7 });
    expect(huffmanCode(92)).toEqual({ code: 0x7fff0, bits: 19 });
    expect(huffmanCode(255)).toEqual({ code: 0x3ffffee, bits: 26 });
    expect(huffmanCode(256)).toEqual({ code: 0x3fffffff, bits: 30 });
  });
  it("decodes the RFC 7541 C.4 examples", () => {
    expect(huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff")).toString()).toBe("www.example.com");
    expect(huffmanDecode(hex("a8eb 1064 9cbf")).toString()).toBe("no-cache");
    expect(huffmanDecode(hex("25a8 49e9 5ba9 7d7f")).toString()).toBe("custom-key");
    expect(huffmanDecode(hex("25a8 49e9 5bb8 e8b4 bf")).toString()).toBe("custom-value");
  });
  it("round-trips every byte value", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("latin1");
    expect(huffmanDecode(huffmanEncode(all)).toString("latin1")).toBe(all);
  });
  it("refuses bad padding and EOS", () => {
    expect(() => huffmanDecode(Buffer.from([0x00]))).toThrow(/padding/); // '0' then 000 padding
    expect(() => huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/EOS|padding/);
  });
});

describe("fixAuthority", () => {
  it("strips a scheme and a path, leaves valid authorities alone", () => {
    expect(fixAuthority("http://127.0.0.1:23791")).toBe("127.0.0.1:23791");
    expect(fixAuthority("https://[::1]:2379/v3/x?y")).toBe("[::1]:2379");
    expect(fixAuthority("127.0.0.1:2379")).toBeUndefined();
    expect(fixAuthority("localhost")).toBeUndefined();
    expect(fixAuthority("http://")).toBeUndefined();
  });
});

describe("rewriteHeaderBlock", () => {
  const bad = "http://127.0.0.1:23791";
  const good = "127.0.0.1:23791";
  for (const rep of ["incremental", "without", "never"] as const)
    for (const huffman of [false, true])
      it(`rewrites a ${rep} literal (${huffman ? "Huffman" : "plain"}), static and literal name`, () => {
        const block = Buffer.concat([
          indexed(3), // :method POST
          Buffer.from([0x20]), // dynamic table size update 0
          Buffer.from(int(0x20, 5, 4096)),
          literal(rep, 1, bad, huffman),
          literal(rep, 4, "/etcdserverpb.Maintenance/Status", huffman),
          literal(rep, ":authority", bad, huffman),
          literal("incremental", "user-agent", "grpc-go/1.26.0", huffman),
          indexed(62),
        ]);
        const out = rewriteHeaderBlock(block)!;
        expect(out).toBeDefined();
        const first = repFirst[rep][0];
        expect(literalValues(out)).toEqual([
          { first, value: `1=${good}` },
          { first, value: "4=/etcdserverpb.Maintenance/Status" },
          { first, value: `:authority=${good}` },
          { first: 0x40, value: "user-agent=grpc-go/1.26.0" },
        ]);
        // The untouched representations are byte-identical.
        expect(out.subarray(0, 4)).toEqual(block.subarray(0, 4));
        expect(out.subarray(out.length - 1)).toEqual(indexed(62));
      });
  it("leaves a block with a valid authority (or none) unchanged", () => {
    expect(
      rewriteHeaderBlock(Buffer.concat([indexed(3), literal("incremental", 1, "h:1", true)])),
    ).toBeUndefined();
    expect(rewriteHeaderBlock(Buffer.concat([indexed(3), indexed(62)]))).toBeUndefined();
  });
  it("gives up (undefined) on a truncated block", () => {
    const b = literal("incremental", 1, bad);
    expect(rewriteHeaderBlock(b.subarray(0, b.length - 3))).toBeUndefined();
  });
});

/** An http2 server behind a TCP listener that wraps every connection in the rewriter. */
async function rewritingServer(): Promise<{
  port: number;
  seen: string[];
  close: () => Promise<void>;
}> {
  const seen: string[] = [];
  const h2 = http2.createServer();
  h2.on("stream", (stream, headers) => {
    seen.push(String(headers[":authority"]));
    stream.respond({ ":status": 200 });
    stream.end("ok");
  });
  h2.on("sessionError", () => {});
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.pause();
    h2.emit("connection", rewritingSocket(s));
  });
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  const port = (tcp.address() as { port: number }).port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        tcp.close(() => r());
      }),
  };
}

/** Sends raw client bytes and resolves with the response frames' types once the server answers (or closes). */
function rawClient(port: number, bytes: Buffer[], wantStreams: number): Promise<number[]> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const types: number[] = [];
    let ended = 0;
    const done = (): void => {
      s.destroy();
      resolve(types);
    };
    const timer = setTimeout(done, 3000);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
        const len = buf.readUIntBE(0, 3);
        types.push(buf[3]!);
        if ((buf[3] === 0 || buf[3] === 1) && buf[4]! & 1) ended++;
        if (buf[3] === 3) ended++; // RST_STREAM
        buf = buf.subarray(9 + len);
      }
      if (ended >= wantStreams) {
        clearTimeout(timer);
        done();
      }
    });
    s.on("error", () => {});
    // One byte at a time: exercises every split in the rewriter's parser.
    const all = Buffer.concat(bytes);
    let i = 0;
    const step = (): void => {
      if (i >= all.length || s.destroyed) return;
      s.write(all.subarray(i, i + 7));
      i += 7;
      setImmediate(step);
    };
    step();
  });
}

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

describe("AuthorityRewriter with a real node:http2 server", () => {
  let srv: Awaited<ReturnType<typeof rewritingServer>>;
  beforeAll(async () => {
    srv = await rewritingServer();
  });
  afterAll(() => srv.close());

  const req = (authority: Buffer): Buffer =>
    Buffer.concat([indexed(2), indexed(6), literal("incremental", 4, "/x", true), authority]); // GET http /x

  it("fixes padded + priority HEADERS, CONTINUATION blocks and the indexed reuse", async () => {
    srv.seen.length = 0;
    const a1 = req(literal("incremental", 1, "http://127.0.0.1:23791", true));
    const padded = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 16]), a1, Buffer.alloc(3)]);
    // At 63: its own ":path /x" entry is 62, then the :authority entry stream 1 added.
    const a3 = req(indexed(63));
    const a5 = req(literal("never", 1, "http://127.0.0.1:23791/path", false));
    const types = await rawClient(
      srv.port,
      [
        PREFACE,
        frame(4, 0, 0, Buffer.alloc(0)),
        frame(1, 0x1 | 0x4 | 0x8 | 0x20, 1, padded),
        frame(1, 0x1 | 0x4, 3, a3),
        frame(1, 0x1, 5, a5.subarray(0, 4)),
        frame(9, 0, 5, a5.subarray(4, 9)),
        frame(9, 0x4, 5, a5.subarray(9)),
      ],
      3,
    );
    expect(types).not.toContain(3); // no RST_STREAM
    expect(srv.seen).toEqual(["127.0.0.1:23791", "127.0.0.1:23791", "127.0.0.1:23791"]);
  });

  it("without it, nghttp2 refuses the same bytes (the bug)", async () => {
    const h2 = http2.createServer();
    h2.on("stream", (s) => {
      s.respond({ ":status": 200 });
      s.end();
    });
    const tcp = createServer((s) => void h2.emit("connection", s));
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const port = (tcp.address() as { port: number }).port;
    const types = await rawClient(
      port,
      [
        PREFACE,
        frame(4, 0, 0, Buffer.alloc(0)),
        frame(1, 0x5, 1, req(literal("incremental", 1, "http://h:1", true))),
      ],
      1,
    );
    await new Promise<void>((r) => tcp.close(() => r()));
    expect(types).toContain(3);
  });

  it("serves Node's own client (Huffman, indexed reuse over several requests)", async () => {
    srv.seen.length = 0;
    const c = http2.connect(`http://127.0.0.1:${srv.port}`);
    for (let i = 0; i < 3; i++)
      await new Promise<void>((resolve, reject) => {
        const r = c.request({ ":path": `/r${i}`, ":authority": "http://127.0.0.1:23791/a/b" });
        r.on("response", () => r.resume());
        r.on("end", () => resolve());
        r.on("error", reject);
        r.end();
      });
    c.close();
    expect(srv.seen).toEqual(["127.0.0.1:23791", "127.0.0.1:23791", "127.0.0.1:23791"]);
  });

  it("passes other frames through unchanged", () => {
    const rw = new AuthorityRewriter();
    const input = Buffer.concat([
      PREFACE,
      frame(4, 0, 0, hex("000400ffffff")),
      frame(8, 0, 0, hex("000f0000")),
      frame(1, 0x4, 1, req(literal("incremental", 1, "ok:1"))),
      frame(0, 0x1, 1, Buffer.from("data bytes")),
    ]);
    const out = Buffer.concat([...input].map((b) => rw.push(Buffer.from([b]))));
    expect(out).toEqual(input);
    expect(rw.rewritten).toBe(0);
  });
});

describe("handshake (which connections get the rewriter)", () => {
  const emptySettings = frame(4, 0, 0, Buffer.alloc(0));
  const ack = frame(4, 1, 0, Buffer.alloc(0));
  const winUpdate = frame(8, 0, 0, hex("0000ffff"));
  const headers = (authority: string): Buffer =>
    frame(
      1,
      0x5,
      1,
      Buffer.concat([
        indexed(3),
        indexed(6),
        literal("incremental", 4, "/x"),
        literal("incremental", 1, authority, true),
      ]),
    );
  const kind = (h: ReturnType<typeof handshake>): string =>
    h.kind === "decide" ? (h.rewrite ? "rewrite" : "native") : h.kind;

  it("decides from a request sent with the preface (Node's http2 client)", () => {
    const good = Buffer.concat([PREFACE, emptySettings, headers("127.0.0.1:1")]);
    const bad = Buffer.concat([PREFACE, emptySettings, headers("http://127.0.0.1:1")]);
    expect(kind(handshake(good, false))).toBe("native");
    expect(kind(handshake(bad, false))).toBe("rewrite");
    expect(kind(handshake(bad.subarray(0, bad.length - 2), false))).toBe("more");
    expect(kind(handshake(good.subarray(0, 30), false))).toBe("more");
  });
  it("keeps grpc-js (explicit 65535 window) native at once", () => {
    expect(kind(handshake(Buffer.concat([PREFACE, frame(4, 0, 0, hex("00040000ffff"))]), false))).toBe(
      "native",
    );
  });
  it("grpc-go / idle clients: sends SETTINGS, waits for the ACK and the first request, drops that ACK", () => {
    const pre = Buffer.concat([PREFACE, emptySettings]);
    expect(kind(handshake(pre, false))).toBe("send-settings");
    expect(kind(handshake(Buffer.concat([pre, ack, winUpdate]), true))).toBe("more");
    expect(kind(handshake(Buffer.concat([pre, headers("h:1")]), true))).toBe("more"); // ACK still to come
    const full = Buffer.concat([pre, winUpdate, ack, headers("http://h:1")]);
    const h = handshake(full, true);
    expect(kind(h)).toBe("rewrite");
    expect(h.kind === "decide" && h.head).toEqual(Buffer.concat([pre, winUpdate, headers("http://h:1")]));
    expect(kind(handshake(Buffer.concat([pre, ack, headers("h:1")]), true))).toBe("native");
    expect(EMPTY_SETTINGS).toEqual(emptySettings);
  });
  it("forced (an idle client after the listener's timeout): native once the client did its part, else more", () => {
    const pre = Buffer.concat([PREFACE, emptySettings]);
    const idle = handshake(Buffer.concat([pre, winUpdate, ack]), true, true);
    expect(kind(idle)).toBe("native");
    expect(idle.kind === "decide" && idle.head).toEqual(Buffer.concat([pre, winUpdate]));
    expect(kind(handshake(Buffer.concat([pre, winUpdate]), true, true))).toBe("more"); // our SETTINGS unacknowledged
    expect(kind(handshake(Buffer.concat([pre, winUpdate.subarray(0, 4)]), false, true))).toBe("native");
    expect(kind(handshake(PREFACE.subarray(0, 10), false, true))).toBe("more");
    expect(kind(handshake(PREFACE, false, true))).toBe("more");
  });
});

describe.skipIf(!etcdctlCap.ok)(
  `etcdctl endpoint ... --cluster against gauntlet server (${etcdctlCap.why})`,
  () => {
    let server: Proc;
    const dir = tempDir("gauntlet-authority-");
    beforeAll(async () => {
      server = await startServer({ kind: "gauntlet", dataDir: dir });
    }, 30_000);
    afterAll(async () => {
      await server?.stop();
      removeDir(dir);
      removePrivateBuild();
    });

    it("endpoint status --cluster", async () => {
      const r = await etcdctl(server.endpoint, ["endpoint", "status", "--cluster", "-w", "json"]);
      expect(r.stderr).not.toMatch(/PROTOCOL_ERROR/);
      expect(r.code).toBe(0);
      const rows = JSON.parse(r.stdout) as Array<{ Endpoint: string; Status: { leader: number } }>;
      expect(rows.map((x) => x.Endpoint)).toEqual([`http://${server.endpoint}`]);
    });
    it("serves a Node http2 client that connects first, then sends bad and good authorities", async () => {
      const c = http2.connect(`http://${server.endpoint}`);
      await new Promise<void>((r) => c.once("connect", () => r()));
      await new Promise((r) => setTimeout(r, 50));
      const call = (authority: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const r = c.request({
            ":method": "POST",
            ":path": "/etcdserverpb.Maintenance/Status",
            ":authority": authority,
            "content-type": "application/grpc",
            te: "trailers",
          });
          r.on("trailers", (t) => resolve(String(t["grpc-status"])));
          r.on("error", reject);
          r.resume();
          r.end(Buffer.alloc(5));
        });
      const bad = `http://${server.endpoint}`;
      expect(await call(bad)).toBe("0");
      expect(await call(server.endpoint)).toBe("0");
      expect(await call(bad)).toBe("0");
      expect(await call(`${bad}/other`)).toBe("0");
      c.close();
    });
    it("endpoint health --cluster and hashkv --cluster", async () => {
      const h = await etcdctl(server.endpoint, ["endpoint", "health", "--cluster"]);
      expect(h.code).toBe(0);
      expect(h.stdout + h.stderr).toContain(`http://${server.endpoint} is healthy`);
      const k = await etcdctl(server.endpoint, ["endpoint", "hashkv", "--cluster"]);
      expect(k.code).toBe(0);
      expect(k.stdout).toContain(`http://${server.endpoint}`);
    });
  },
);
