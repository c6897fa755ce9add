/**
 * Inputs of whole gRPC calls on the client port: random bytes as the request of every method
 * (`grpc-random`), and schema-valid requests with extreme values, 2 MiB keys, many ops and deeply
 * nested transactions (`grpc-extreme`). Each call goes on a fresh HTTP/2 connection and its answer
 * is read.
 */
import fc from "fast-check";
import { pbType } from "../harness/client/proto.js";
import { callData, callHeaders, connectionStart } from "./h2-frames.js";
import { chunk, type ConnPlan, type FuzzInput } from "./input.js";
import { grpcMethods, type GrpcMethod } from "./methods.js";
import { encodeAs, messageArb, nestedTxnArb } from "./gen-protobuf.js";

/** One connection that makes one call with `messages` and reads the answer. */
export function callConn(m: GrpcMethod, messages: Uint8Array[], holdMs = 2000, timeout?: string): ConnPlan {
  const extra: [string, string][] = timeout ? [["grpc-timeout", timeout]] : [];
  const body = Buffer.concat([callHeaders(1, m.path, extra), callData(1, messages, true)]);
  return {
    port: "client",
    chunks: [chunk(connectionStart()), chunk(body)],
    read: true,
    holdMs,
    awaitStream: 1,
    close: "end",
  };
}

const methodArb = fc.constantFrom(...grpcMethods());

export const grpcRandomArb: fc.Arbitrary<FuzzInput> = fc
  .tuple(methodArb, fc.uint8Array({ maxLength: 256 }))
  .map(([m, body]) => ({
    class: "grpc-random",
    what: `${m.path} with ${body.length} random bytes`,
    conns: [callConn(m, [body])],
  }));

function describe(o: unknown): string {
  const s = JSON.stringify(o, (_k, v) =>
    v instanceof Uint8Array ? (v.length > 16 ? `<${v.length} bytes>` : Buffer.from(v).toString("hex")) : v,
  );
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** A deadline for the call, some short enough to expire while the server works on it. */
const timeoutArb = fc.option(fc.constantFrom("1n", "1u", "1m", "5m", "100m"), { nil: undefined, freq: 3 });

const extremeCallArb: fc.Arbitrary<FuzzInput> = fc.tuple(methodArb, timeoutArb).chain(([m, timeout]) =>
  fc
    .array(messageArb(pbType(m.requestType)), { minLength: 1, maxLength: m.clientStream ? 4 : 1 })
    .map((msgs) => ({
      class: "grpc-extreme" as const,
      what: `${m.path}${timeout ? ` (grpc-timeout ${timeout})` : ""} ${describe(msgs.length === 1 ? msgs[0] : msgs)}`,
      conns: [
        callConn(
          m,
          msgs.map((o) => encodeAs(m.requestType, o)),
        ),
      ],
    })),
);

const txn = grpcMethods().find((m) => m.path === "/etcdserverpb.KV/Txn")!;

const nestedArb: fc.Arbitrary<FuzzInput> = nestedTxnArb.map(({ levels, bytes }) => ({
  class: "grpc-extreme" as const,
  what: `${txn.path} nested ${levels} deep`,
  conns: [callConn(txn, [bytes])],
}));

export const grpcExtremeArb: fc.Arbitrary<FuzzInput> = fc.oneof(
  { weight: 6, arbitrary: extremeCallArb },
  { weight: 1, arbitrary: nestedArb },
);
