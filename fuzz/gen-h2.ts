/**
 * HTTP/2 framing abuse on the client port (`h2-abuse`): random frames after a good preface,
 * garbage instead of a preface, header blocks never ended (then closed: half-open), endless
 * CONTINUATION, PING and SETTINGS floods, rapid reset, a gRPC message header announcing up to
 * 4 GiB, and a unary call that keeps sending messages without ending its stream.
 */
import fc from "fast-check";
import {
  callHeaders,
  connectionStart,
  Flag,
  FrameType,
  grpcMessage,
  h2Frame,
  hpackBlock,
  grpcHeaders,
} from "./h2-frames.js";
import { chunk, type ConnPlan, type FuzzInput } from "./input.js";
import { encodeAs } from "./gen-protobuf.js";

const RANGE = "/etcdserverpb.KV/Range";
const streamIdArb = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 0x7fffffff, 0xffffffff),
  fc.integer({ min: 0, max: 99 }),
);

const randomFrameArb = fc
  .record({
    type: fc.integer({ min: 0, max: 12 }),
    flags: fc.integer({ min: 0, max: 255 }),
    streamId: streamIdArb,
    payload: fc.uint8Array({ maxLength: 64 }),
    lie: fc.option(fc.integer({ min: 0, max: 0xffffff }), { nil: undefined }),
  })
  .map((f) => h2Frame(f.type, f.flags, f.streamId, f.payload, f.lie));

function conn(what: string, chunks: ConnPlan["chunks"], more: Partial<ConnPlan> = {}): FuzzInput {
  return {
    class: "h2-abuse",
    what,
    conns: [{ port: "client", chunks, read: true, holdMs: 200, close: "end", ...more }],
  };
}

const rangeMsg = encodeAs("RangeRequest", { key: Buffer.from("fuzz/a") });

export const h2AbuseArb: fc.Arbitrary<FuzzInput> = fc.oneof(
  fc
    .array(randomFrameArb, { minLength: 1, maxLength: 8 })
    .map((fs) => conn(`${fs.length} random frames`, [chunk(connectionStart()), chunk(Buffer.concat(fs))])),
  fc
    .uint8Array({ minLength: 1, maxLength: 128 })
    .map((b) => conn(`${b.length} bytes of garbage as the preface`, [chunk(b)])),
  fc
    .integer({ min: 1, max: 100 })
    .map((copies) =>
      conn(
        `${copies} connections: HEADERS without END_HEADERS, then close`,
        [chunk(connectionStart()), chunk(h2Frame(FrameType.HEADERS, 0, 1, hpackBlock(grpcHeaders(RANGE))))],
        { copies, holdMs: 0 },
      ),
    ),
  fc
    .integer({ min: 100, max: 20000 })
    .map((n) =>
      conn(`HEADERS then ${n} CONTINUATION frames without END_HEADERS`, [
        chunk(connectionStart()),
        chunk(h2Frame(FrameType.HEADERS, 0, 1, hpackBlock(grpcHeaders(RANGE)))),
        chunk(h2Frame(FrameType.CONTINUATION, 0, 1, hpackBlock([["x-fuzz", "y".repeat(100)]])), n),
      ]),
    ),
  fc
    .tuple(fc.constantFrom(FrameType.PING, FrameType.SETTINGS), fc.integer({ min: 100, max: 20000 }))
    .map(([type, n]) =>
      conn(`${n} ${type === FrameType.PING ? "PING" : "SETTINGS"} frames`, [
        chunk(connectionStart()),
        chunk(h2Frame(type, 0, 0, new Uint8Array(type === FrameType.PING ? 8 : 0)), n),
      ]),
    ),
  fc.integer({ min: 100, max: 5000 }).map((n) => {
    // Rapid reset: open a stream and cancel it at once, with new stream ids each time.
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const id = 2 * i + 1;
      frames.push(callHeaders(id, RANGE), h2Frame(FrameType.RST_STREAM, 0, id, Uint8Array.of(0, 0, 0, 8)));
    }
    return conn(`rapid reset: ${n} streams opened and cancelled`, [
      chunk(connectionStart()),
      chunk(Buffer.concat(frames)),
    ]);
  }),
  fc
    .tuple(
      fc.constantFrom(0xffffffff, 0x80000000, 0x10000000, 1_572_865),
      fc.integer({ min: 500, max: 3000 }),
    )
    .map(([len, holdMs]) =>
      conn(
        `gRPC message header announcing ${len} bytes, 5 sent, stream left open ${holdMs} ms`,
        [
          chunk(connectionStart()),
          chunk(callHeaders(1, RANGE)),
          chunk(h2Frame(FrameType.DATA, 0, 1, grpcMessage(rangeMsg, len))),
        ],
        { holdMs },
      ),
    ),
  fc
    .tuple(fc.integer({ min: 1000, max: 200000 }), fc.integer({ min: 1, max: 2 }))
    .map(([n, gapMs]) =>
      conn(
        `unary Range call sending ${n} messages without ending its stream`,
        [
          chunk(connectionStart()),
          chunk(callHeaders(1, RANGE)),
          chunk(
            h2Frame(FrameType.DATA, 0, 1, Buffer.concat(Array(64).fill(grpcMessage(rangeMsg)))),
            Math.ceil(n / 64),
            gapMs,
          ),
        ],
        { holdMs: 500 },
      ),
    ),
  fc
    .constant(null)
    .map(() =>
      conn("END_STREAM on a DATA frame of an idle stream", [
        chunk(connectionStart()),
        chunk(h2Frame(FrameType.DATA, Flag.END_STREAM, 5, grpcMessage(rangeMsg))),
      ]),
    ),
);
