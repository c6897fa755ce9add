/**
 * The lean gRPC transport at the protocol level (raw HTTP/2 requests): unknown methods,
 * compressed or oversized messages and malformed unary bodies get gRPC error statuses, and a
 * well-formed call gets the response frame and `grpc-status: 0`.
 */
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode, type } from "../../../impl/server/proto.js";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { removeDir, removePrivateBuild, startServer, tempDir, type Proc } from "./support.js";

function frame(body: Buffer, compressed = 0): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out[0] = compressed;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

interface Answer {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function call(endpoint: string, path: string, payload: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://${endpoint}`);
    client.on("error", reject);
    const req = client.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on("response", (h) => (headers = h));
    req.on("trailers", (t) => (trailers = t));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      client.close();
      resolve({ headers, trailers, body: Buffer.concat(chunks) });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

const status = (a: Answer): string => String(a.trailers["grpc-status"] ?? a.headers["grpc-status"]);

describe.skipIf(!etcdctlCap.ok)(`lean gRPC transport (${etcdctlCap.why}; etcdctl probes readiness)`, () => {
  const dir = tempDir("h5-h2-");
  let server: Proc;
  beforeAll(async () => {
    server = await startServer({
      kind: "gauntlet",
      dataDir: `${dir}/data`,
      extra: ["--max-request-bytes", "1024"],
    });
  });
  afterAll(async () => {
    await server?.stop();
    removeDir(dir);
    removePrivateBuild();
  });

  const range = (): Buffer => encode(type("RangeRequest"), { key: Buffer.from("a") });

  it("answers a well-formed call with one framed response and grpc-status 0", async () => {
    const a = await call(server.endpoint, "/etcdserverpb.KV/Range", frame(range()));
    expect(a.headers[":status"]).toBe(200);
    expect(a.headers["content-type"]).toBe("application/grpc");
    expect(status(a)).toBe("0");
    expect(a.body[0]).toBe(0);
    expect(a.body.readUInt32BE(1)).toBe(a.body.length - 5);
  });

  it("refuses unknown methods, compression, oversized and malformed messages with gRPC statuses", async () => {
    expect(status(await call(server.endpoint, "/etcdserverpb.KV/Nope", frame(range())))).toBe("12");
    expect(status(await call(server.endpoint, "/etcdserverpb.Auth/UserAdd", frame(Buffer.alloc(0))))).toBe(
      "12",
    );
    expect(status(await call(server.endpoint, "/etcdserverpb.KV/Range", frame(range(), 1)))).toBe("12");
    const big = await call(
      server.endpoint,
      "/etcdserverpb.KV/Put",
      frame(Buffer.alloc(1024 + 512 * 1024 + 1)),
    );
    expect(status(big)).toBe("8");
    expect(decodeURIComponent(String(big.headers["grpc-message"] ?? big.trailers["grpc-message"]))).toMatch(
      /larger than max/,
    );
    expect(
      status(
        await call(
          server.endpoint,
          "/etcdserverpb.KV/Range",
          Buffer.concat([frame(range()), frame(range())]),
        ),
      ),
    ).toBe("13");
    expect(status(await call(server.endpoint, "/etcdserverpb.KV/Range", frame(range()).subarray(0, 4)))).toBe(
      "13",
    );
    expect(
      status(await call(server.endpoint, "/etcdserverpb.KV/Range", frame(Buffer.from([0xff, 0xff, 0xff])))),
    ).toBe("13");
    // Still serving.
    expect(status(await call(server.endpoint, "/etcdserverpb.KV/Range", frame(range())))).toBe("0");
  });
});
