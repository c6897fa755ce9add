/**
 * Lean unary gRPC transports for the benchmark: requests are ready Buffers (./requests.ts) and
 * responses are not decoded (a status is all the load needs), so the client spends its CPU on
 * the wire, not on message objects.
 *
 * - `http2`: gRPC framed straight on node:http2 (nghttp2 in C++), one session per connection,
 *   `grpc-timeout` as the deadline, status from the trailers; reconnects on the next call
 *   after the session dies. About 2-3x less CPU per request than grpc-js here (docs/bench.md).
 * - `grpc-js`: `Client.makeUnaryRequest` with identity (de)serializers, each channel on its own
 *   TCP connection (`grpc.use_local_subchannel_pool`).
 */
import * as http2 from "node:http2";
import * as grpc from "@grpc/grpc-js";

export interface CallError {
  code: number;
  details: string;
}

/** `done(null)` on status OK, else the gRPC status. Never throws. */
export type Done = (err: CallError | null) => void;

export interface UnaryTransport {
  call(path: string, msg: Buffer, timeoutMs: number, done: Done): void;
  close(): void;
}

export type TransportName = "http2" | "grpc-js";
export const TRANSPORTS: readonly TransportName[] = ["http2", "grpc-js"];

const UNAVAILABLE = 14;

/** gRPC message framing: 1 byte "not compressed", 4 bytes length, the message. */
export function frame(msg: Buffer): Buffer {
  const f = Buffer.allocUnsafe(5 + msg.length);
  f[0] = 0;
  f.writeUInt32BE(msg.length, 1);
  msg.copy(f, 5);
  return f;
}

function decodeMessage(v: unknown): string {
  if (v === undefined) return "";
  const s = String(v);
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class Http2Transport implements UnaryTransport {
  private session: http2.ClientHttp2Session | undefined;
  private closed = false;
  private readonly headers = new Map<string, http2.OutgoingHttpHeaders>();
  /** Framed requests by message identity (requests are cached, so frames can be too). */
  private readonly frames = new WeakMap<Buffer, Buffer>();

  constructor(readonly endpoint: string) {}

  private connect(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const s = http2.connect(`http://${this.endpoint}`, { settings: { enablePush: false } });
    s.on("error", () => {
      /* surfaced per call as UNAVAILABLE */
    });
    s.on("close", () => {
      if (this.session === s) this.session = undefined;
    });
    s.setMaxListeners(0);
    this.session = s;
    return s;
  }

  private headersFor(path: string, timeoutMs: number): http2.OutgoingHttpHeaders {
    const k = `${path} ${timeoutMs}`;
    let h = this.headers.get(k);
    if (!h) {
      h = {
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": `${Math.max(1, Math.round(timeoutMs))}m`,
      };
      this.headers.set(k, h);
    }
    return h;
  }

  call(path: string, msg: Buffer, timeoutMs: number, done: Done): void {
    if (this.closed) return done({ code: UNAVAILABLE, details: "Channel closed before call started" });
    let req: http2.ClientHttp2Stream;
    try {
      req = this.connect().request(this.headersFor(path, timeoutMs));
    } catch (e) {
      this.session?.destroy();
      this.session = undefined;
      return done({ code: UNAVAILABLE, details: e instanceof Error ? e.message : String(e) });
    }
    let status: number | undefined;
    let details = "";
    let finished = false;
    const finish = (err: CallError | null): void => {
      if (finished) return;
      finished = true;
      done(err);
    };
    req.on("response", (h) => {
      const s = h["grpc-status"];
      if (s !== undefined) {
        status = Number(s);
        details = decodeMessage(h["grpc-message"]);
      }
    });
    req.on("trailers", (t) => {
      status = Number(t["grpc-status"]);
      details = decodeMessage(t["grpc-message"]);
    });
    req.on("error", (e: Error) => finish({ code: UNAVAILABLE, details: e.message }));
    req.on("close", () => {
      if (status === undefined) finish({ code: UNAVAILABLE, details: "Connection dropped" });
      else if (status !== 0) finish({ code: status, details });
      else finish(null);
    });
    req.resume();
    let f = this.frames.get(msg);
    if (!f) {
      f = frame(msg);
      this.frames.set(msg, f);
    }
    req.end(f);
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session?.destroy();
  }
}

const identity = (b: Buffer): Buffer => b;

export class GrpcJsTransport implements UnaryTransport {
  private readonly client: grpc.Client;
  constructor(readonly endpoint: string) {
    this.client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
      "grpc.enable_retries": 0,
      "grpc.max_receive_message_length": -1,
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
    });
  }
  call(path: string, msg: Buffer, timeoutMs: number, done: Done): void {
    this.client.makeUnaryRequest(
      path,
      identity,
      identity,
      msg,
      { deadline: Date.now() + timeoutMs },
      (err) => {
        if (!err) done(null);
        else done({ code: err.code ?? 2, details: err.details ?? err.message });
      },
    );
  }
  close(): void {
    this.client.close();
  }
}

export function makeTransport(name: TransportName, endpoint: string): UnaryTransport {
  return name === "grpc-js" ? new GrpcJsTransport(endpoint) : new Http2Transport(endpoint);
}
