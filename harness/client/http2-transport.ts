/**
 * A lean gRPC unary transport straight on node:http2, without grpc-js's channel, interceptor
 * and filter stack (which costs most of grpc-js's ~200 µs of CPU per request). One HTTP/2
 * session per client (reopened after it closes), one stream per call, `grpc-timeout` plus a
 * local timer as the deadline, the status from the trailers. Failures are reported as gRPC
 * statuses with the same details grpc-js uses, so the error registry classifies them the same
 * way: a call on a session that never connected is `No connection established` (never sent,
 * definite); a stream the server refused is `Stream refused by server` (definite); anything lost
 * after the session connected is `Connection dropped` (indeterminate).
 */
import * as http2 from "node:http2";

export interface GrpcStatus {
  code: number;
  details: string;
}

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;

interface Session {
  s: http2.ClientHttp2Session;
  connected: boolean;
  error?: Error;
}

function httpStatusCode(status: number): number {
  // As grpc-js maps a non-200 HTTP status (subchannel-call.ts).
  if (status === 400) return 13;
  if (status === 401) return 16;
  if (status === 403) return 7;
  if (status === 404) return 12;
  if (status === 429 || status === 502 || status === 503 || status === 504) return 14;
  return 2;
}

export class Http2Transport {
  private session: Session | undefined;
  private closed = false;

  /** `headers`: extra request headers (gRPC metadata) sent with every call. */
  constructor(
    readonly endpoint: string,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  private open(): Session {
    if (this.session && !this.session.s.closed && !this.session.s.destroyed) return this.session;
    const s = http2.connect(`http://${this.endpoint}`, { peerMaxConcurrentStreams: 1000 });
    const sess: Session = { s, connected: false };
    s.on("connect", () => {
      sess.connected = true;
    });
    s.on("error", (e) => {
      sess.error = e;
    });
    s.on("close", () => {
      if (this.session === sess) this.session = undefined;
    });
    s.on("goaway", () => {
      if (this.session === sess) this.session = undefined;
    });
    this.session = sess;
    return sess;
  }

  /** Resolves once the session is connected; rejects with UNAVAILABLE after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void> {
    if (this.closed)
      return Promise.reject({ code: 14, details: "Channel closed before call started" } satisfies GrpcStatus);
    const sess = this.open();
    if (sess.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject({
            code: 14,
            details: `No connection established within ${timeoutMs} ms`,
          } satisfies GrpcStatus),
        timeoutMs,
      );
      sess.s.once("connect", () => {
        clearTimeout(t);
        resolve();
      });
      sess.s.once("error", (e) => {
        clearTimeout(t);
        reject({
          code: 14,
          details: `No connection established. Last error: ${e.message}`,
        } satisfies GrpcStatus);
      });
    });
  }

  /** One unary call: `msg` is the encoded request; resolves with the encoded response message. */
  unary(path: string, msg: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closed)
        return reject({ code: 14, details: "Channel closed before call started" } satisfies GrpcStatus);
      const sess = this.open();
      let settled = false;
      const finish = (err: GrpcStatus | undefined, res?: Buffer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve(res!);
      };
      /** A failure without a gRPC status: was anything sent? */
      const lost = (why: string): GrpcStatus =>
        sess.connected
          ? { code: 14, details: `Connection dropped (${why})` }
          : { code: 14, details: `No connection established. Last error: ${sess.error?.message ?? why}` };
      let req: http2.ClientHttp2Stream;
      try {
        req = sess.s.request({
          ...this.headers,
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": `${Math.max(1, Math.ceil(timeoutMs))}m`,
        });
      } catch (e) {
        return finish(lost((e as Error).message));
      }
      const timer = setTimeout(() => {
        finish({ code: 4, details: `Deadline exceeded after ${timeoutMs} ms` });
        req.close(NGHTTP2_CANCEL);
      }, timeoutMs);
      const onAbort = (): void => {
        finish({ code: 1, details: "Cancelled on client" });
        req.close(NGHTTP2_CANCEL);
      };
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
      }
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let details = "";
      let httpStatus = 200;
      req.on("response", (h) => {
        httpStatus = Number(h[":status"] ?? 200);
        if (h["grpc-status"] !== undefined) {
          status = String(h["grpc-status"]);
          details = h["grpc-message"] === undefined ? "" : decodeURIComponent(String(h["grpc-message"]));
        }
      });
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("trailers", (t) => {
        status = String(t["grpc-status"]);
        details = t["grpc-message"] === undefined ? "" : decodeURIComponent(String(t["grpc-message"]));
      });
      req.on("error", () => {
        // reported on close, where the outcome is known
      });
      req.on("close", () => {
        if (status === undefined) {
          if (req.rstCode === NGHTTP2_REFUSED_STREAM)
            return finish({ code: 14, details: "Stream refused by server" });
          if (httpStatus !== 200)
            return finish({
              code: httpStatusCode(httpStatus),
              details: `Received HTTP status code ${httpStatus}`,
            });
          return finish(
            lost(req.rstCode ? `stream reset with code ${req.rstCode}` : "stream closed without a status"),
          );
        }
        if (status !== "0") return finish({ code: Number(status), details });
        const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (buf.length < 5 || buf[0] !== 0)
          return finish({ code: 13, details: "Received a malformed or compressed message" });
        const len = buf.readUInt32BE(1);
        if (buf.length < 5 + len) return finish({ code: 13, details: "Received a truncated message" });
        finish(undefined, buf.subarray(5, 5 + len));
      });
      const frame = Buffer.allocUnsafe(5 + msg.length);
      frame[0] = 0;
      frame.writeUInt32BE(msg.length, 1);
      frame.set(msg, 5);
      req.end(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.session?.s.destroy();
    this.session = undefined;
  }
}
