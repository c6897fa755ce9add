/**
 * An experimental minimal gRPC unary transport straight on node:http2 (no grpc-js channel,
 * interceptor and filter stack): one HTTP/2 session, one stream per call, `grpc-timeout` as
 * the deadline, status from the trailers. Used by bench:client to measure how much of the
 * client's CPU per request is grpc-js itself. Not used by the harness (yet).
 */
import * as http2 from "node:http2";

export interface RawStatus {
  code: number;
  details: string;
}

export class RawGrpcSession {
  private readonly session: http2.ClientHttp2Session;

  constructor(endpoint: string) {
    this.session = http2.connect(`http://${endpoint}`);
    this.session.on("error", () => {
      // surfaced per call
    });
  }

  /** One unary call: `msg` is the encoded request; resolves with the encoded response. */
  unary(path: string, msg: Uint8Array, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = this.session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": `${Math.max(1, Math.round(timeoutMs))}m`,
      });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let details = "";
      req.on("response", (h) => {
        if (h["grpc-status"] !== undefined) {
          status = String(h["grpc-status"]);
          details = decodeURIComponent(String(h["grpc-message"] ?? ""));
        }
      });
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("trailers", (t) => {
        status = String(t["grpc-status"]);
        details = decodeURIComponent(String(t["grpc-message"] ?? ""));
      });
      req.on("error", (e: Error) => reject({ code: 14, details: e.message } satisfies RawStatus));
      req.on("close", () => {
        if (status === undefined)
          return reject({ code: 14, details: "Connection dropped" } satisfies RawStatus);
        if (status !== "0") return reject({ code: Number(status), details } satisfies RawStatus);
        const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const len = buf.readUInt32BE(1);
        resolve(buf.subarray(5, 5 + len));
      });
      const frame = Buffer.allocUnsafe(5 + msg.length);
      frame[0] = 0;
      frame.writeUInt32BE(msg.length, 1);
      frame.set(msg, 5);
      req.end(frame);
    });
  }

  close(): void {
    this.session.close();
  }
}
