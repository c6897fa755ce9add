/**
 * fast-check arbitraries for etcd's protobuf messages, built from the schema: every field
 * optional, integers drawn from the extremes (0, ±1, 2^31, 2^32, 2^53 + 1, ±2^63) as well as small
 * values, byte fields empty, short, or up to 2 MiB, enums in and out of range, repeated fields
 * short or very long, and Txn requests nested deep. Values are protobufjs-ready objects.
 */
import fc from "fast-check";
import protobuf from "protobufjs";
import { pbType } from "../harness/client/proto.js";

type Obj = Record<string, unknown>;

const INT64_EXTREMES = [
  "0",
  "1",
  "-1",
  "2",
  "2147483647",
  "2147483648",
  "4294967295",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "9223372036854775807",
  "-9223372036854775808",
  "-9007199254740993",
];
const INT32_EXTREMES = [0, 1, -1, 2147483647, -2147483648];
const UINT32_EXTREMES = [0, 1, 2147483647, 4294967295];

export const int64Arb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INT64_EXTREMES) },
  { weight: 2, arbitrary: fc.integer({ min: -1, max: 1000 }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
);

/** Sizes of the big byte fields: around the default request limit (1.5 MiB) and 2 MiB. */
const BIG_SIZES = [65536, 1 << 20, 1_572_864, 1_572_865, 2 << 20];

export const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom(Uint8Array.of(), Uint8Array.of(0), Uint8Array.of(0xff)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...BIG_SIZES), fc.integer({ min: 0, max: 255 }))
      .map(([n, b]) => new Uint8Array(n).fill(b)),
  },
);

function scalarArb(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return int64Arb;
    case "int32":
    case "sint32":
    case "sfixed32":
      return fc.oneof(fc.constantFrom(...INT32_EXTREMES), fc.integer({ min: -1, max: 100 }));
    case "uint32":
    case "fixed32":
      return fc.oneof(fc.constantFrom(...UINT32_EXTREMES), fc.integer({ min: 0, max: 100 }));
    case "bool":
      return fc.boolean();
    case "bytes":
      return bytesArb;
    case "string":
      return fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("", "root", "\u0000", "a".repeat(4096)));
    case "double":
    case "float":
      return fc.double();
    default:
      throw new Error(`gen-protobuf: no generator for scalar type ${type}`);
  }
}

const memo = new Map<string, fc.Arbitrary<Obj>>();

/** A message of `type` with nesting up to `depth` more levels (deeper fields are left out). */
export function messageArb(type: protobuf.Type, depth = 3): fc.Arbitrary<Obj> {
  const key = `${type.fullName}@${depth}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fieldsArray) {
    f.resolve();
    let one: fc.Arbitrary<unknown>;
    if (f.resolvedType instanceof protobuf.Type) {
      if (depth <= 0) continue;
      one = messageArb(f.resolvedType, depth - 1);
    } else if (f.resolvedType instanceof protobuf.Enum) {
      one = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...Object.values(f.resolvedType.values)) },
        { weight: 1, arbitrary: fc.integer({ min: -2, max: 1000 }) },
      );
    } else one = scalarArb(f.type);
    model[f.name] = f.repeated
      ? fc.oneof(
          { weight: 8, arbitrary: fc.array(one, { maxLength: 3 }) },
          // Many copies of one element: "many ops" without generating each.
          {
            weight: 1,
            arbitrary: fc.tuple(one, fc.integer({ min: 64, max: 2000 })).map(([v, n]) => Array(n).fill(v)),
          },
        )
      : one;
  }
  const arb = fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Obj>;
  memo.set(key, arb);
  return arb;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/**
 * An encoded TxnRequest nested `levels` deep through `success[0].requestTxn` around the
 * innermost op. Written by hand: protobufjs refuses to encode beyond its recursion limit, and
 * the wire format has none (TxnRequest.success = 2, RequestOp.request_txn = 4). The length
 * prefixes are computed inside out and everything is copied once.
 */
export function nestedTxnBytes(levels: number, inner: Obj): Uint8Array {
  const core: Uint8Array = pbType("TxnRequest")
    .encode({ success: [inner] })
    .finish();
  const heads: Buffer[] = [];
  let size = core.byteLength;
  for (let i = 1; i < levels; i++)
    for (const field of [4, 2]) {
      const h = Buffer.concat([varint((field << 3) | 2), varint(size)]);
      heads.push(h);
      size += h.length;
    }
  return Buffer.concat([...heads.reverse(), core]);
}

export const nestedTxnArb: fc.Arbitrary<{ levels: number; bytes: Uint8Array }> = fc
  .tuple(fc.integer({ min: 2, max: 5000 }), messageArb(pbType("RequestOp"), 1))
  .map(([levels, inner]) => ({ levels, bytes: nestedTxnBytes(levels, inner) }));

/** Encodes a generated object as `typeName` (etcdserverpb). */
/**
 * The largest message the fuzzer encodes: well past the server's request limit (1.5 MiB plus
 * gRPC overhead by default), small enough to build in a moment. Without it, repeated fields of
 * shared copies multiply — 2,000 ops each holding a Txn of 2,000 more, each with a 2 MiB key —
 * into an encoding that neither fits in memory nor finishes (the fuzzer hung, 2.8 GB, in
 * protobufjs's writer).
 */
export const MAX_ENCODED_BYTES = 8 * 1024 * 1024;

/** A lower bound on `v`'s encoded size, counted only until it passes `limit` (each element ≥ 2 bytes). */
function sizeAtLeast(v: unknown, limit: number): number {
  let n = 0;
  const walk = (x: unknown): void => {
    if (n > limit) return;
    if (x instanceof Uint8Array) n += 2 + x.byteLength;
    else if (typeof x === "string") n += 2 + x.length;
    else if (Array.isArray(x)) for (const e of x) walk(e);
    else if (x !== null && typeof x === "object") {
      n += 2;
      for (const e of Object.values(x)) walk(e);
    } else n += 2;
  };
  walk(v);
  return n;
}

/** `v` with every repeated field (at any depth) cut to half its length. */
function halved(v: unknown): unknown {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.slice(0, Math.floor(v.length / 2)).map(halved);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, halved(e)]));
  return v;
}

/** Encodes `o` as `typeName`, its repeated fields halved until it fits MAX_ENCODED_BYTES. */
export function encodeAs(typeName: string, o: Obj): Uint8Array {
  let v: unknown = o;
  for (let i = 0; i < 32 && sizeAtLeast(v, MAX_ENCODED_BYTES) > MAX_ENCODED_BYTES; i++) v = halved(v);
  return pbType(typeName)
    .encode(v as Obj)
    .finish();
}
