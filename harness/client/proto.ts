/**
 * The etcd v3 protobuf types (from the .proto files shipped with the `etcd3` package), loaded
 * once with protobufjs, and conversions of int64 fields: revisions/counts to numbers (refusing
 * values beyond 2^53) and IDs to decimal strings.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

export type PbType = protobuf.Type;

let root: protobuf.Root | undefined;

/** The protobufjs root with etcdserverpb, mvccpb and authpb. */
export function etcdRoot(): protobuf.Root {
  if (!root) {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve("etcd3/package.json")), "proto");
    root = new protobuf.Root();
    root.loadSync(join(dir, "rpc.proto"), { keepCase: false });
    root.resolveAll();
  }
  return root;
}

const types = new Map<string, PbType>();

/** A message type by its short name in etcdserverpb (`RangeRequest`) or full name (`mvccpb.KeyValue`). */
export function pbType(name: string): PbType {
  let t = types.get(name);
  if (!t) {
    t = etcdRoot().lookupType(name.includes(".") ? name : `etcdserverpb.${name}`);
    types.set(name, t);
  }
  return t;
}

/** Thrown when an int64 in a response does not fit a JavaScript number exactly. */
export class Int64OverflowError extends Error {
  constructor(
    readonly field: string,
    readonly decimal: string,
  ) {
    super(`${field} = ${decimal} does not fit a JavaScript number exactly (beyond 2^53)`);
    this.name = "Int64OverflowError";
  }
}

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
  toString(): string;
}

/** An int64/uint64 field as a number; throws Int64OverflowError beyond ±2^53. Missing = 0. */
export function toNum(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new Int64OverflowError(field, String(v));
    return v;
  }
  const l = v as LongLike;
  // Fast path: high word 0 (or -1 with the sign bit of low set, for small negatives).
  if (l.high === 0 && l.low >= 0) return l.low;
  const n = l.toNumber();
  if (!Number.isSafeInteger(n)) throw new Int64OverflowError(field, l.toString());
  return n;
}

/** An int64/uint64 ID as a decimal string. Missing = "0". */
export function toId(v: unknown): string {
  if (v === undefined || v === null) return "0";
  return typeof v === "number" ? String(v) : (v as LongLike).toString();
}

/** An ID for a request: decimal string or number → what protobufjs's int64 writer accepts. */
export function fromId(id: string | number, what: string): string | number {
  if (typeof id === "number") {
    if (!Number.isSafeInteger(id))
      throw new RangeError(`${what}: ID ${id} is not a safe integer; pass it as a decimal string`);
    return id;
  }
  if (!/^-?\d+$/.test(id))
    throw new RangeError(`${what}: ID must be a decimal string, got ${JSON.stringify(id)}`);
  return id;
}
