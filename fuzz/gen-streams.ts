/**
 * Inputs that abuse time and numbers rather than bytes: streams whose reader never reads
 * (`slow-stream`: a Watch with many watchers while puts flow, a Snapshot never consumed, a
 * request trickled one byte at a time) and connection floods (`flood`: many idle connections,
 * many open streams on one connection, TCP connections that never speak).
 */
import fc from "fast-check";
import { callData, callHeaders, connectionStart, unaryCall } from "./h2-frames.js";
import { chunk, type FuzzInput } from "./input.js";
import { encodeAs } from "./gen-protobuf.js";

const WATCH = "/etcdserverpb.Watch/Watch";
const PUT = "/etcdserverpb.KV/Put";
const RANGE = "/etcdserverpb.KV/Range";
const SNAPSHOT = "/etcdserverpb.Maintenance/Snapshot";
const PREFIX = "fuzz/w/";

/** Watchers on PREFIX that are never read, then `puts` puts of `size` bytes under PREFIX. */
export function unreadWatch(watchers: number, puts: number, size: number, holdMs: number): FuzzInput {
  const create = encodeAs("WatchRequest", {
    createRequest: { key: Buffer.from(PREFIX), rangeEnd: Buffer.from("fuzz/w0") },
  });
  const value = Buffer.alloc(size, 0x76);
  const putCalls: Buffer[] = [];
  for (let i = 0; i < puts; i++)
    putCalls.push(
      unaryCall(2 * i + 1, PUT, encodeAs("PutRequest", { key: Buffer.from(`${PREFIX}${i % 100}`), value })),
    );
  return {
    class: "slow-stream",
    what: `Watch stream with ${watchers} watchers never read, ${puts} puts of ${size} bytes`,
    conns: [
      {
        port: "client",
        chunks: [
          chunk(connectionStart()),
          chunk(callHeaders(1, WATCH)),
          chunk(callData(1, Array(watchers).fill(create), false)),
        ],
        read: false,
        holdMs: 1500,
        close: "destroy",
      },
      {
        port: "client",
        startMs: 300,
        chunks: [chunk(connectionStart()), chunk(Buffer.concat(putCalls))],
        read: true,
        holdMs,
        close: "end",
      },
    ],
  };
}

export const slowStreamArb: fc.Arbitrary<FuzzInput> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 1, max: 4096 }),
    )
    .map(([w, p, s]) => unreadWatch(w, p, s, 1000)),
  fc.integer({ min: 500, max: 3000 }).map((holdMs) => ({
    class: "slow-stream" as const,
    what: `Snapshot stream never read, held ${holdMs} ms`,
    conns: [
      {
        port: "client" as const,
        chunks: [chunk(connectionStart()), chunk(unaryCall(1, SNAPSHOT, new Uint8Array(0)))],
        read: false,
        holdMs,
        close: "destroy" as const,
      },
    ],
  })),
  fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 20, max: 200 })).map(([copies, gapMs]) => {
    const call = unaryCall(1, RANGE, encodeAs("RangeRequest", { key: Buffer.from("fuzz/slow") }));
    const head = Buffer.concat([connectionStart(), call.subarray(0, call.length - 8)]);
    return {
      class: "slow-stream" as const,
      what: `${copies} connections trickling a Range call's last 8 bytes, one per ${gapMs} ms`,
      conns: [
        {
          port: "client" as const,
          copies,
          chunks: [
            chunk(head),
            ...[...call.subarray(call.length - 8)].map((b) => chunk(Uint8Array.of(b), 1, gapMs)),
          ],
          read: true,
          holdMs: 200,
          close: "end" as const,
        },
      ],
    };
  }),
);

export const floodArb: fc.Arbitrary<FuzzInput> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 10, max: 300 }),
      fc.integer({ min: 200, max: 2000 }),
      fc.constantFrom("end", "destroy"),
    )
    .map(([copies, holdMs, close]) => ({
      class: "flood" as const,
      what: `${copies} idle HTTP/2 connections held ${holdMs} ms, then ${close}`,
      conns: [
        { port: "client" as const, copies, chunks: [chunk(connectionStart())], read: true, holdMs, close },
      ],
    })),
  fc
    .tuple(fc.integer({ min: 10, max: 300 }), fc.integer({ min: 200, max: 2000 }))
    .map(([copies, holdMs]) => ({
      class: "flood" as const,
      what: `${copies} TCP connections that never send a byte, held ${holdMs} ms`,
      conns: [{ port: "client" as const, copies, chunks: [], read: true, holdMs, close: "end" as const }],
    })),
  fc.integer({ min: 100, max: 3000 }).map((n) => {
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) frames.push(callHeaders(2 * i + 1, RANGE));
    return {
      class: "flood" as const,
      what: `${n} streams opened on one connection and never sent a message`,
      conns: [
        {
          port: "client" as const,
          chunks: [chunk(connectionStart()), chunk(Buffer.concat(frames))],
          read: true,
          holdMs: 1000,
          close: "end" as const,
        },
      ],
    };
  }),
);
