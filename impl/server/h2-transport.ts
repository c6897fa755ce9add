/**
 * A lean gRPC transport on node:http2, for the etcd v3 services: unary calls, server streams
 * and bidirectional streams, with the gRPC wire protocol done here (5-byte length-prefixed
 * messages, `content-type: application/grpc`, `grpc-status` / `grpc-message` trailers,
 * trailers-only error responses). It does what @grpc/grpc-js's server does for these services
 * at about a third of the CPU per call (measured: ~60-100 µs vs ~185-345 µs per unary call on
 * this machine); `GAUNTLET_GRPC=grpc-js` switches back to grpc-js.
 *
 * Not supported (none of etcdctl, clientv3 or the etcd3 npm client use them by default):
 * message compression (a compressed message gets UNIMPLEMENTED), TLS.
 */
import http2 from "node:http2";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { status as Status } from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { Errors, toGrpcError } from "./errors.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { decode, encode, root, STRING_LONGS, wireSize } from "./proto.js";
import type { Core } from "./services.js";
import type { StreamCall } from "./stream-call.js";

const codeName = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k])) as Record<number, string>;
const toCamel = (s: string): string => s[0]!.toLowerCase() + s.slice(1);

interface Method {
  service: string;
  name: string;
  req: protobuf.Type;
  res: protobuf.Type;
  stringLongs: boolean;
  kind: "unary" | "server-stream" | "bidi" | "unsupported";
  unary?: Core["unary"][string][string];
  checkSize: boolean;
}

/** Percent-encodes a grpc-message value (grpc's rule: bytes outside 0x20-0x7E, and '%'). */
function grpcMessage(s: string): string {
  return Buffer.from(s, "utf8").reduce(
    (out, b) =>
      out +
      (b >= 0x20 && b <= 0x7e && b !== 0x25
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`),
    "",
  );
}

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

/** Bytes of incomplete request messages one connection may hold, across its streams. */
export const SESSION_BUFFER_BYTES = 64 * 1024 * 1024;
/** Concurrent streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
export const MAX_STREAMS_PER_CONNECTION = 4096;
/** How long a unary call may stay open after its request message before it is reset. */
export const UNARY_END_GRACE_MS = 2000;

const grpcError = (code: number, message: string): Error =>
  Object.assign(new Error(message), { grpcCode: code });

/**
 * Splits a gRPC request byte stream into messages. A message's length prefix is checked
 * before any of its body is kept; the incomplete message's bytes are charged to the
 * connection's `budget`. After an error it keeps nothing.
 */
class Deframer {
  private chunks: Buffer[] = [];
  private length = 0;
  private failed = false;
  constructor(
    private readonly maxBytes: number,
    private readonly budget: { used: number },
  ) {}
  /** Returns the complete messages; throws an error status for compression, an oversized message or an exhausted budget. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) return [];
    try {
      return this.take(chunk);
    } catch (err) {
      this.release();
      this.failed = true;
      throw err;
    }
  }
  private take(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.chunks.push(chunk);
    this.length += chunk.length;
    this.budget.used += chunk.length;
    for (;;) {
      if (this.length < 5) break;
      const head = this.chunks[0]!.length >= 5 ? this.chunks[0]! : this.flat();
      if (head[0] !== 0)
        throw grpcError(Status.UNIMPLEMENTED, "gauntlet: compressed messages are not supported");
      const len = head.readUInt32BE(1);
      if (len > this.maxBytes)
        throw grpcError(
          Status.RESOURCE_EXHAUSTED,
          `grpc: received message larger than max (${len} vs. ${this.maxBytes})`,
        );
      if (this.length < 5 + len) break;
      const all = this.flat();
      out.push(all.subarray(5, 5 + len));
      const rest = all.subarray(5 + len);
      this.budget.used -= 5 + len;
      this.chunks = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
    }
    if (this.budget.used > SESSION_BUFFER_BYTES)
      throw grpcError(
        Status.RESOURCE_EXHAUSTED,
        `gauntlet: more than ${SESSION_BUFFER_BYTES} bytes of incomplete requests on this connection`,
      );
    return out;
  }
  private flat(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0]!;
  }
  /** Gives the incomplete message's bytes back to the connection (the stream is gone). */
  release(): void {
    this.budget.used -= this.length;
    this.chunks = [];
    this.length = 0;
  }
  get pending(): number {
    return this.length;
  }
}

/**
 * Ends a stream whose client keeps sending after it was answered: as grpc-go, a RST_STREAM
 * with NO_ERROR follows the status. Only done once data arrives after the answer (or a grace
 * period passes), so that the answer itself is not cut off while it waits for the client's
 * flow-control window.
 */
function resetAfterResponse(stream: http2.ServerHttp2Stream): void {
  if (stream.destroyed || stream.closed) return;
  stream.close(http2.constants.NGHTTP2_NO_ERROR);
}

function statusOf(err: unknown): { code: number; message: string } {
  const d = err as { code?: unknown; details?: unknown };
  if (d && typeof d.code === "number" && typeof d.details === "string")
    return { code: d.code, message: d.details };
  const c = (err as { grpcCode?: number }).grpcCode;
  if (typeof c === "number" && !(err as { etcdName?: string }).etcdName)
    return { code: c, message: (err as Error).message };
  const g = toGrpcError(err);
  return { code: g.code, message: g.details };
}

/**
 * A streaming call over one HTTP/2 stream, in the shape the core expects (stream-call.ts).
 * While the client does not take what is written (write() returned false), its requests are
 * not read either: HTTP/2 flow control then stops it from sending more.
 */
class H2Call extends EventEmitter implements StreamCall {
  private started = false;
  /** The status was sent: the call is over. */
  finished = false;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    private readonly res: protobuf.Type,
  ) {
    super();
    stream.on("drain", () => {
      stream.resume();
      this.emit("drain");
    });
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  }

  write(message: object): boolean {
    if (this.finished || this.stream.destroyed || this.stream.closed) return false;
    this.start();
    const ok = this.stream.write(frame(encode(this.res, message)));
    if (!ok) this.stream.pause();
    return ok;
  }

  end(): void {
    this.finish(Status.OK, "");
  }

  destroy(err?: Error): void {
    const s = err ? statusOf(err) : { code: Status.CANCELLED, message: "cancelled" };
    this.finish(s.code, s.message);
  }

  finish(code: number, message: string): void {
    if (this.finished) return;
    this.finished = true;
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    const trailers: http2.OutgoingHttpHeaders = { "grpc-status": String(code) };
    if (message) trailers["grpc-message"] = grpcMessage(message);
    // Whatever the client still sends is read and dropped: data after this resets the stream.
    stream.resume();
    if (!this.started) {
      this.started = true;
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", ...trailers },
        { endStream: true },
      );
      return;
    }
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    stream.end();
  }
}

/** An HTTP/2 server speaking gRPC for `core`; hand it connections with `emit("connection", socket)`. */
export function createH2Server(
  core: Core,
  metrics: Metrics,
  log: Logger,
  maxMessageBytes: number,
): http2.Http2Server & { connection(socket: Socket): void } {
  const methods = new Map<string, Method>();
  for (const service of ["KV", "Watch", "Lease", "Maintenance", "Cluster", "Auth"]) {
    const svc = root.lookupService(`etcdserverpb.${service}`);
    for (const m of Object.values(svc.methods)) {
      const path = `${service}.${m.name}`;
      const kind =
        path === "Watch.Watch" || path === "Lease.LeaseKeepAlive"
          ? "bidi"
          : path === "Maintenance.Snapshot"
            ? "server-stream"
            : m.requestStream || m.responseStream
              ? "unsupported"
              : "unary";
      methods.set(`/etcdserverpb.${service}/${m.name}`, {
        service,
        name: m.name,
        req: m.resolvedRequestType!,
        res: m.resolvedResponseType!,
        stringLongs: STRING_LONGS.has(`${service}/${m.name}`),
        kind,
        unary: core.unary[service]?.[toCamel(m.name)],
        checkSize: core.writes.has(path),
      });
    }
  }

  const server = http2.createServer({
    maxSessionMemory: 64,
    settings: { maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION },
  });
  /** Bytes of incomplete request messages per connection (see SESSION_BUFFER_BYTES). */
  const budgets = new WeakMap<http2.Http2Session, { used: number }>();
  server.on("sessionError", () => {});
  server.on("session", (session) => {
    session.on("error", () => {});
    budgets.set(session, { used: 0 });
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const path = String(headers[":path"] ?? "");
    const m = methods.get(path);
    const trailersOnly = (code: number, message: string): void => {
      if (stream.destroyed || stream.closed) return;
      stream.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": String(code),
          "grpc-message": grpcMessage(message),
        },
        { endStream: true },
      );
    };
    if (!m || m.kind === "unsupported") {
      stream.resume();
      trailersOnly(
        Status.UNIMPLEMENTED,
        m ? `gauntlet: ${m.service}.${m.name} is not supported by this server` : `unknown method ${path}`,
      );
      return;
    }
    // A stream the client reset before this handler ran (HEADERS and RST_STREAM together:
    // "rapid reset") is already detached from its session: nothing to answer.
    const session = stream.session;
    if (!session || stream.destroyed) return;
    let budget = budgets.get(session);
    if (!budget) budgets.set(session, (budget = { used: 0 }));
    const deframer = new Deframer(maxMessageBytes, budget);
    stream.on("close", () => deframer.release());
    if (m.kind === "unary") {
      // As grpc-go: the call is answered as soon as its one message is in; bytes after it are
      // dropped unread and the stream reset once answered; a client that sent its message but
      // does not half-close is reset UNARY_END_GRACE_MS after the answer.
      const t0 = performance.now();
      let state: "reading" | "answering" | "answered" = "reading";
      let extra = false;
      let grace: NodeJS.Timeout | undefined;
      stream.on("close", () => clearTimeout(grace));
      const answered = (): void => {
        state = "answered";
        if (stream.destroyed || stream.closed || stream.readableEnded) return;
        if (extra) resetAfterResponse(stream);
        else grace = setTimeout(() => resetAfterResponse(stream), UNARY_END_GRACE_MS);
      };
      const done = (err: unknown, res?: object): void => {
        const seconds = (performance.now() - t0) / 1000;
        if (stream.destroyed || stream.closed) {
          metrics.rpc(m.service, m.name, "unary", "CANCELLED", seconds);
          return;
        }
        if (err === null) {
          let body: Buffer;
          try {
            body = encode(m.res, res!);
          } catch (e) {
            log.warn("encoding a response failed", { method: path, error: e });
            trailersOnly(Status.INTERNAL, "gauntlet: could not encode the response");
            answered();
            return;
          }
          metrics.rpc(m.service, m.name, "unary", "OK", seconds);
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.once("wantTrailers", () => {
            stream.sendTrailers({ "grpc-status": "0" });
            answered();
          });
          stream.end(frame(body));
          return;
        }
        const s = statusOf(err);
        if (s.code === Status.UNKNOWN) log.warn("request failed", { method: path, error: err });
        metrics.rpc(m.service, m.name, "unary", codeName[s.code] ?? String(s.code), seconds);
        trailersOnly(s.code, s.message);
        answered();
      };
      const serve = (message: Buffer): void => {
        try {
          let req: object;
          try {
            req = decode<object>(m.req, message, m.stringLongs);
          } catch {
            throw grpcError(Status.INTERNAL, "Error deserializing request");
          }
          if (m.checkSize && wireSize(req) > core.maxRequestBytes) throw Errors.requestTooLarge();
          if (!m.unary) throw Errors.unimplemented(`${m.service}.${m.name}`);
          const out = m.unary(req) as object | Promise<object>;
          if (out instanceof Promise)
            out.then(
              (r) => done(null, r),
              (e: unknown) => done(e),
            );
          else done(null, out);
        } catch (e) {
          done(e);
        }
      };
      stream.on("data", (chunk: Buffer) => {
        if (state !== "reading") {
          extra = true;
          if (state === "answered") resetAfterResponse(stream);
          return;
        }
        let messages: Buffer[];
        try {
          messages = deframer.push(chunk);
        } catch (err) {
          state = "answering";
          done(err);
          return;
        }
        if (messages.length === 0) return;
        state = "answering";
        if (messages.length > 1 || deframer.pending !== 0) {
          extra = true;
          done(
            grpcError(
              Status.INTERNAL,
              `grpc: expected one request message, got ${messages.length}${deframer.pending ? " and a partial one" : ""}`,
            ),
          );
          return;
        }
        serve(messages[0]!);
      });
      stream.on("end", () => {
        if (state !== "reading") return;
        state = "answering";
        done(
          grpcError(
            Status.INTERNAL,
            `grpc: expected one request message, got 0${deframer.pending ? " and a partial one" : ""}`,
          ),
        );
      });
      return;
    }
    // Streams.
    const call = new H2Call(stream, m.res);
    stream.on("close", () => {
      call.emit("cancelled");
      call.emit("close");
    });
    stream.on("data", (chunk: Buffer) => {
      if (call.finished) {
        resetAfterResponse(stream);
        return;
      }
      let msgs: Buffer[];
      try {
        msgs = deframer.push(chunk);
      } catch (err) {
        call.destroy(err as Error);
        return;
      }
      for (const b of msgs) {
        let req: object;
        try {
          req = decode<object>(m.req, b, m.stringLongs);
        } catch {
          call.destroy(grpcError(Status.INTERNAL, "Error deserializing request"));
          return;
        }
        call.emit("data", req);
      }
    });
    stream.on("end", () => call.emit("end"));
    try {
      if (m.kind === "server-stream") {
        // The request comes first; the core starts streaming once it has it.
        let started = false;
        call.on("data", () => {
          if (started) return;
          started = true;
          core.snapshot(call);
        });
      } else if (path === "/etcdserverpb.Watch/Watch") core.watch(call);
      else core.leaseKeepAlive(call);
    } catch (err) {
      log.warn("stream failed", { method: path, error: err });
      call.destroy(err as Error);
    }
  });
  return Object.assign(server, { connection: (socket: Socket) => void server.emit("connection", socket) });
}
