/**
 * A hostile client cannot grow the server's memory or hold its sockets: against a real server
 * process, with raw node:http2 sessions and raw TCP sockets on loopback,
 * - a unary Range that keeps sending messages without ending is answered and reset at once;
 * - a message whose length prefix claims 4 GiB is refused (RESOURCE_EXHAUSTED) and reset at once;
 * - a Watch stream that is never read stops being fed (the server's RSS stays bounded) and,
 *   once read, delivers every event of every watcher in order, without gap or duplicate;
 * - half-open HTTP/2 connections (HEADERS without END_HEADERS, then FIN) leave no CLOSE-WAIT.
 * RSS bounds are generous (the machine is shared); each case grew by hundreds of MiB or more,
 * or kept its sockets, before the server bounded it.
 */
import http2 from "node:http2";
import { connect as netConnect } from "node:net";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HANDSHAKE_TIMEOUT_MS } from "../../../impl/server/listener.js";
import { decode, encode, type } from "../../../impl/server/proto.js";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { FrameType, callHeaders, connectionStart, h2Frame } from "../../../fuzz/h2-frames.js";
import { removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

const MiB = 1024 * 1024;
/** The alternative transport (GAUNTLET_GRPC=grpc-js) words and codes these refusals its own way. */
const grpcJs = process.env.GAUNTLET_GRPC === "grpc-js";

function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

/** TCP sockets of process `pid` in CLOSE-WAIT (kernel state 08), found through its descriptors. */
function closeWaitOf(pid: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  let n = 0;
  for (const file of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === "08" && inodes.has(f[9]!)) n++;
    }
  }
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Unary {
  status: string;
  message: string;
  body: Buffer;
  rstCode: number | undefined;
}

/** One unary call on `session`; resolves when the stream closes. */
function unary(session: http2.ClientHttp2Session, path: string, payload: Buffer, end = true): Promise<Unary> {
  return new Promise((resolve) => {
    const req = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    let status = "";
    let message = "";
    const chunks: Buffer[] = [];
    const take = (h: http2.IncomingHttpHeaders): void => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
    };
    req.on("response", take);
    req.on("trailers", take);
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => {});
    req.on("close", () => resolve({ status, message, body: Buffer.concat(chunks), rstCode: req.rstCode }));
    if (end) req.end(payload);
    else req.write(payload);
  });
}

const put = (s: http2.ClientHttp2Session, key: string, value: Buffer): Promise<Unary> =>
  unary(s, "/etcdserverpb.KV/Put", frame(encode(type("PutRequest"), { key: Buffer.from(key), value })));

const rangeFrame = (): Buffer => frame(encode(type("RangeRequest"), { key: Buffer.from("a") }));

/**
 * Puts keys prefix0..prefix{n-1} with `value`, `batch` at a time on `session`, calling
 * `between` after each batch; returns the revisions of the puts, ascending.
 */
async function putAll(
  session: http2.ClientHttp2Session,
  prefix: string,
  n: number,
  value: Buffer,
  batch: number,
  between: () => void = () => {},
): Promise<number[]> {
  const revisions: number[] = [];
  for (let i = 0; i < n; i += batch) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, (_, j) => put(session, `${prefix}${i + j}`, value)),
    );
    for (const r of answers) {
      expect(r.status).toBe("0");
      const res = decode<{ header?: { revision?: unknown } }>(type("PutResponse"), r.body.subarray(5), true);
      revisions.push(Number(res.header?.revision));
    }
    between();
  }
  return revisions.sort((a, b) => a - b);
}

/** Watch responses decoded as they arrive: per watch id, its events' revisions, and compactions. */
class WatchLog {
  readonly revs = new Map<string, number[]>();
  readonly compacted = new Map<string, number>();
  events = 0;
  /** Responses (events or not) for a watch after its compacted response: must stay 0. */
  afterCompacted = 0;
  constructor(
    private readonly responses: Buffer[],
    private seen: number,
  ) {}
  /** Decodes what arrived since the last call. */
  poll(): this {
    for (; this.seen < this.responses.length; this.seen++) {
      const r = decode<{
        watchId?: unknown;
        canceled?: boolean;
        compactRevision?: unknown;
        events?: { kv?: { modRevision?: unknown } }[];
      }>(type("WatchResponse"), this.responses[this.seen]!, true);
      const id = String(r.watchId ?? "0");
      if (this.compacted.has(id)) this.afterCompacted++;
      let list = this.revs.get(id);
      if (!list) this.revs.set(id, (list = []));
      for (const e of r.events ?? []) {
        list.push(Number(e.kv?.modRevision));
        this.events++;
      }
      if (r.canceled) this.compacted.set(id, Number(r.compactRevision ?? 0));
    }
    return this;
  }
}

/**
 * Opens a Watch stream on `session` with `n` watchers on [prefix, rangeEnd), waits for their
 * "created" responses and stops reading. `responses` collects every response message.
 */
async function pausedWatch(
  session: http2.ClientHttp2Session,
  n: number,
  prefix: string,
  rangeEnd: string,
): Promise<{ watch: http2.ClientHttp2Stream; responses: Buffer[] }> {
  const watch = session.request({
    ":method": "POST",
    ":path": "/etcdserverpb.Watch/Watch",
    "content-type": "application/grpc",
    te: "trailers",
  });
  watch.on("error", () => {});
  const responses: Buffer[] = [];
  let buf = Buffer.alloc(0);
  watch.on("data", (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
      const len = buf.readUInt32BE(1);
      responses.push(buf.subarray(5, 5 + len));
      buf = buf.subarray(5 + len);
    }
  });
  const create = encode(type("WatchRequest"), {
    createRequest: { key: Buffer.from(prefix), rangeEnd: Buffer.from(rangeEnd) },
  });
  watch.write(Buffer.concat(Array.from({ length: n }, () => frame(create))));
  await until("every watcher created", () => responses.length >= n, 20_000);
  watch.pause();
  return { watch, responses };
}

describe.skipIf(!etcdctlCap.ok)(
  `client input is bounded (${etcdctlCap.why}; etcdctl probes readiness)`,
  () => {
    const dir = tempDir("h20-client-");
    let server: Proc;
    let pid: number;
    let session: http2.ClientHttp2Session;
    beforeAll(async () => {
      server = await startServer({ kind: "gauntlet", dataDir: `${dir}/data` });
      pid = server.proc.pid!;
      session = http2.connect(`http://${server.endpoint}`);
      session.on("error", () => {});
    });
    afterAll(async () => {
      session?.destroy();
      await server?.stop();
      removeDir(dir);
      removePrivateBuild();
    });

    const stillAnswers = async (): Promise<void> => {
      const s = http2.connect(`http://${server.endpoint}`);
      s.on("error", () => {});
      try {
        const r = await unary(s, "/etcdserverpb.KV/Range", rangeFrame());
        expect(r.status).toBe("0");
      } finally {
        s.destroy();
      }
    };

    it("stops feeding a Watch stream that is not read, and delivers every event once it is", async () => {
      const watchers = 200;
      const puts = 300;
      const prefix = "w/";
      const { watch, responses } = await pausedWatch(session, watchers, prefix, "w0");

      const writer = http2.connect(`http://${server.endpoint}`);
      writer.on("error", () => {});
      const before = rssOf(pid);
      let peak = before;
      const value = Buffer.alloc(1024, 0x61);
      try {
        await putAll(writer, prefix, puts, value, 25, () => (peak = Math.max(peak, rssOf(pid))));
        await sleep(500);
        peak = Math.max(peak, rssOf(pid));
      } finally {
        writer.destroy();
      }
      expect(peak - before).toBeLessThan(100 * MiB);

      // Now read everything: each watcher gets every put, in revision order, once.
      const log = new WatchLog(responses, responses.length);
      watch.resume();
      await until("every event", () => log.poll().events >= watchers * puts, 60_000);
      await sleep(200);
      expect(log.poll().events).toBe(watchers * puts);
      watch.close();
      expect(log.revs.size).toBe(watchers);
      for (const [id, list] of log.revs) {
        expect(list.length, `watcher ${id}`).toBe(puts);
        for (let i = 1; i < list.length; i++) expect(list[i], `watcher ${id} event ${i}`).toBe(list[0]! + i);
      }
      await stillAnswers();
    }, 120_000);

    it("ends held watchers whose history was compacted meanwhile, as etcd does, after an unbroken prefix", async () => {
      const watchers = 50;
      const puts = 300;
      const prefix = "c/";
      const { watch, responses } = await pausedWatch(session, watchers, prefix, "c0");
      const writer = http2.connect(`http://${server.endpoint}`);
      writer.on("error", () => {});
      let last: number;
      try {
        const value = Buffer.alloc(4096, 0x62);
        last = (await putAll(writer, prefix, puts, value, 25)).at(-1)!;
        const c = await unary(
          writer,
          "/etcdserverpb.KV/Compact",
          frame(encode(type("CompactionRequest"), { revision: last })),
        );
        expect(c.status).toBe("0");
      } finally {
        writer.destroy();
      }
      const log = new WatchLog(responses, watchers);
      watch.resume();
      const settled = (): boolean => {
        let done = 0;
        for (const [id, list] of log.poll().revs) if (log.compacted.has(id) || list.length === puts) done++;
        return done === watchers;
      };
      await until("every watcher complete or compacted", settled, 60_000);
      watch.close();
      expect(log.compacted.size).toBeGreaterThan(0); // the stream was held: most watchers fell behind
      expect(log.afterCompacted).toBe(0);
      const compacted = log.compacted;
      for (const [id, list] of log.revs) {
        if (list.length > 0) expect(list[0], `watcher ${id}: first event`).toBe(last - puts + 1);
        for (let i = 1; i < list.length; i++) expect(list[i], `watcher ${id} event ${i}`).toBe(list[0]! + i);
        if (compacted.has(id)) {
          expect(compacted.get(id), `watcher ${id}`).toBe(last);
          expect(list.length, `watcher ${id}`).toBeLessThan(puts);
        } else expect(list.length, `watcher ${id}`).toBe(puts);
      }
      await stillAnswers();
    }, 120_000);

    it("keeps every watcher's events whole while a slow reader pauses and resumes during writes", async () => {
      const watchers = 100;
      const puts = 400;
      const prefix = "s/";
      const { watch, responses } = await pausedWatch(session, watchers, prefix, "s0");
      const seenFrom = responses.length;
      // The reader alternates 40 ms paused and 10 ms reading, until the writer is done.
      let writing = true;
      const reader = (async () => {
        while (writing) {
          watch.resume();
          await sleep(10);
          watch.pause();
          await sleep(40);
        }
        watch.resume();
      })();
      const writer = http2.connect(`http://${server.endpoint}`);
      writer.on("error", () => {});
      let first: number;
      try {
        const value = Buffer.alloc(1024, 0x63);
        first = (await putAll(writer, prefix, puts, value, 20))[0]!;
      } finally {
        writing = false;
        writer.destroy();
      }
      await reader;
      const log = new WatchLog(responses, seenFrom);
      await until("every event", () => log.poll().events >= watchers * puts, 60_000);
      watch.close();
      expect(log.revs.size).toBe(watchers);
      for (const [id, list] of log.revs) {
        expect(list.length, `watcher ${id}`).toBe(puts);
        for (let i = 0; i < list.length; i++) expect(list[i], `watcher ${id} event ${i}`).toBe(first + i);
      }
    }, 120_000);

    it("answers a unary call that keeps sending messages, and resets it at once", async () => {
      const before = rssOf(pid);
      const req = session.request({
        ":method": "POST",
        ":path": "/etcdserverpb.KV/Range",
        "content-type": "application/grpc",
        te: "trailers",
      });
      req.on("error", () => {});
      let status = "";
      req.on("response", (h) => (status = String(h["grpc-status"] ?? status)));
      req.on("trailers", (h) => (status = String(h["grpc-status"] ?? status)));
      req.resume();
      const closed = new Promise<void>((r) => req.on("close", () => r()));
      const one = rangeFrame();
      const many = Buffer.concat(Array.from({ length: 1024 }, () => one)); // ~10 KiB of messages
      req.write(one);
      await sleep(100);
      // Bounded in count and time: at most 20,000 writes (~200 MiB) within 15 s.
      const started = Date.now();
      let writes = 0;
      let peak = before;
      while (!req.closed && !req.destroyed && writes < 20_000 && Date.now() - started < 15_000) {
        if (!req.write(many))
          await new Promise<void>((r) => req.once("drain", () => r()).once("close", () => r()));
        if (++writes % 200 === 0) peak = Math.max(peak, rssOf(pid));
      }
      await Promise.race([closed, sleep(5_000)]);
      peak = Math.max(peak, rssOf(pid));
      req.destroy();
      // The first message is answered, as etcd answers it (grpc-js refuses the call: UNIMPLEMENTED).
      expect(status).toBe(grpcJs ? "12" : "0");
      // grpc-js answers but reads on without resetting the stream: only its memory is checked.
      if (!grpcJs) {
        expect(writes).toBeLessThan(20_000);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      expect(peak - before).toBeLessThan(100 * MiB);
      await stillAnswers();
    }, 60_000);

    it("survives streams the client cancels as soon as it opens them (HTTP/2 rapid reset)", async () => {
      // Found by gauntlet fuzz (h2-abuse, shrunk to 100 streams): HEADERS and RST_STREAM in one
      // write reach the server's handler after the stream is gone, without its session; the
      // handler threw and the process ended. The frames are built as the fuzzer builds them.
      const frames: Buffer[] = [connectionStart()];
      for (let i = 0; i < 100; i++) {
        const id = 2 * i + 1;
        frames.push(callHeaders(id, "/etcdserverpb.KV/Range"));
        frames.push(h2Frame(FrameType.RST_STREAM, 0, id, Uint8Array.of(0, 0, 0, 8)));
      }
      const [host, port] = server.endpoint.split(":");
      const sock = netConnect({ host, port: Number(port) });
      sock.on("error", () => {});
      await new Promise<void>((r) => sock.once("connect", () => r()));
      sock.write(Buffer.concat(frames));
      sock.resume();
      await sleep(1000);
      sock.destroy();
      expect(server.proc.exitCode).toBeNull();
      await stillAnswers();
    }, 60_000);

    it("refuses a message whose length prefix claims 4 GiB before buffering it", async () => {
      const before = rssOf(pid);
      for (const path of ["/etcdserverpb.KV/Range", "/etcdserverpb.Watch/Watch"]) {
        const req = session.request({
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
        });
        req.on("error", () => {});
        let status = "";
        let message = "";
        const take = (h: http2.IncomingHttpHeaders): void => {
          if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
          if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
        };
        req.on("response", take);
        req.on("trailers", take);
        req.resume();
        const closed = new Promise<void>((r) => req.on("close", () => r()));
        const head = Buffer.alloc(5);
        head.writeUInt32BE(0xffff_ffff, 1);
        req.write(head);
        // Keep sending the "body" until the server resets the stream (bounded: 200 MiB, 15 s).
        const chunk = Buffer.alloc(64 * 1024, 7);
        const started = Date.now();
        let sent = 0;
        while (!req.closed && !req.destroyed && sent < 200 * MiB && Date.now() - started < 15_000) {
          if (!req.write(chunk))
            await new Promise<void>((r) => req.once("drain", () => r()).once("close", () => r()));
          sent += chunk.length;
        }
        await Promise.race([closed, sleep(5_000)]);
        req.destroy();
        expect(status, path).toBe("8");
        expect(message, path).toMatch(
          grpcJs ? /larger than max/i : /^grpc: received message larger than max \(4294967295 vs\. \d+\)$/,
        );
        if (!grpcJs) {
          expect(sent, path).toBeLessThan(100 * MiB);
          expect(Date.now() - started, path).toBeLessThan(10_000);
        }
      }
      expect(rssOf(pid) - before).toBeLessThan(100 * MiB);
      await stillAnswers();
    }, 60_000);

    it("closes half-open HTTP/2 connections (HEADERS without END_HEADERS, then FIN)", async () => {
      const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
      const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
      // HEADERS on stream 1, flags END_STREAM only (no END_HEADERS): ":method: POST" (indexed 3).
      const headers = Buffer.from([0, 0, 1, 1, 0x01, 0, 0, 0, 1, 0x83]);
      const [host, port] = server.endpoint.split(":");
      const n = 100;
      await Promise.all(
        Array.from(
          { length: n },
          (_, i) =>
            new Promise<void>((resolve) => {
              const s = netConnect({ host: host!, port: Number(port) }, () => {
                // Half of them send SETTINGS with an initial window of 65535 (as grpc-js does),
                // half an empty SETTINGS: the listener decides the two at different points.
                const sset =
                  i % 2 === 0 ? settings : Buffer.from([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0xff, 0xff]);
                if (i % 3 !== 2) s.end(Buffer.concat([preface, sset, headers]));
              });
              s.on("error", () => resolve());
              s.on("close", () => resolve());
              s.resume();
              setTimeout(() => {
                s.destroy();
                resolve();
              }, 2_000);
            }),
        ),
      );
      await until("no CLOSE-WAIT socket left on the server", () => closeWaitOf(pid) === 0, 15_000).catch(
        () => {},
      );
      expect(closeWaitOf(pid)).toBe(0);
      await stillAnswers();
    }, 60_000);

    it("closes a connection that floods its HTTP/2 handshake without a request", async () => {
      const before = rssOf(pid);
      const [host, port] = server.endpoint.split(":");
      const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
      const settingsAck = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);
      const chunk = Buffer.concat(Array.from({ length: 7000 }, () => settingsAck)); // ~62 KiB
      const s = netConnect({ host: host!, port: Number(port) });
      s.on("error", () => {});
      s.resume();
      const closed = new Promise<void>((r) => s.on("close", () => r()));
      await new Promise<void>((r) => s.once("connect", () => r()));
      s.write(Buffer.concat([preface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
      // Bounded: at most 32 MiB within 15 s.
      let sent = 0;
      const started = Date.now();
      while (!s.destroyed && sent < 32 * MiB && Date.now() - started < 15_000) {
        if (!s.write(chunk))
          await Promise.race([new Promise<void>((r) => s.once("drain", () => r())), closed]);
        sent += chunk.length;
      }
      await Promise.race([closed, sleep(5_000)]);
      const wasClosed = s.destroyed;
      s.destroy();
      expect(wasClosed).toBe(true);
      expect(sent).toBeLessThan(16 * MiB);
      expect(rssOf(pid) - before).toBeLessThan(100 * MiB);
      await stillAnswers();
    }, 60_000);

    it("after the handshake timeout, keeps an idle HTTP/2 client and closes a stalled preface", async () => {
      const [host, port] = server.endpoint.split(":");
      const idle = http2.connect(`http://${server.endpoint}`);
      idle.on("error", () => {});
      const stalled = netConnect({ host: host!, port: Number(port) });
      stalled.on("error", () => {});
      stalled.resume();
      const stalledClosed = new Promise<void>((r) => stalled.on("close", () => r()));
      stalled.once("connect", () => stalled.write(Buffer.from("PRI * HTTP/2.0\r\n", "latin1")));
      try {
        await sleep(HANDSHAKE_TIMEOUT_MS + 1_500);
        await Promise.race([stalledClosed, sleep(5_000)]);
        expect(stalled.destroyed).toBe(true);
        expect(idle.closed || idle.destroyed).toBe(false);
        const r = await unary(idle, "/etcdserverpb.KV/Range", rangeFrame());
        expect(r.status).toBe("0");
      } finally {
        idle.destroy();
        stalled.destroy();
      }
    }, 60_000);
  },
);
