/**
 * Keys and pre-encoded requests for the benchmark load. Keys are `keySize` bytes: the key's
 * index in the key space in zero-padded decimal, so every key is distinct and sorts by index.
 * Each request is encoded once with protobufjs (etcd's own .proto files via harness/client) and
 * cached per key, so the hot path sends ready Buffers and never builds message objects.
 */
import { pbType } from "../harness/client/proto.js";
import type { BenchSpec } from "./types.js";

/** Digits needed to write every index of a key space of `n` keys. */
export function digitsFor(n: number): number {
  return Math.max(1, String(Math.max(0, n - 1)).length);
}

/** Throws a RangeError when keys of `keySize` bytes cannot name `keySpaceSize` distinct keys. */
export function checkKeySpace(keySize: number, keySpaceSize: number): void {
  if (!(Number.isInteger(keySpaceSize) && keySpaceSize >= 1))
    throw new RangeError(`--key-space-size must be an integer >= 1, got ${keySpaceSize}`);
  const need = digitsFor(keySpaceSize);
  if (!(Number.isInteger(keySize) && keySize >= need))
    throw new RangeError(
      `--key-size ${keySize} is too small for --key-space-size ${keySpaceSize}: keys need at least ${need} bytes`,
    );
}

/** The key with index `i`: decimal, zero-padded to `keySize` bytes. */
export function keyAt(i: number, keySize: number): Buffer {
  return Buffer.from(String(i).padStart(keySize, "0"), "latin1");
}

/** A range end above every key (keys are decimal digits; ':' follows '9'). */
export const KEY_SPACE_END = Buffer.from(":", "latin1");

/** A small fast seeded generator (xorshift32) of key indexes. */
export function keyPicker(
  seed: number,
  spec: Pick<BenchSpec, "keySpaceSize" | "sequentialKeys">,
  offset = 0,
) {
  let s = (seed ^ 0x9e3779b9 ^ Math.imul(offset + 1, 0x85ebca6b)) >>> 0 || 1;
  let next = offset % spec.keySpaceSize;
  return (): number => {
    if (spec.sequentialKeys) {
      const k = next;
      next = next + 1 === spec.keySpaceSize ? 0 : next + 1;
      return k;
    }
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % spec.keySpaceSize;
  };
}

export const PATHS = {
  put: "/etcdserverpb.KV/Put",
  range: "/etcdserverpb.KV/Range",
  txn: "/etcdserverpb.KV/Txn",
} as const;

function enc(type: string, msg: object): Buffer {
  const t = pbType(type);
  const u = t.encode(t.fromObject(msg)).finish();
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The value every write carries: `valSize` bytes. */
export function benchValue(valSize: number): Buffer {
  return Buffer.alloc(valSize, "v");
}

export type RequestKind = "put" | "range" | "txn-put" | "txn-range";

/** Encodes one request of `kind` for key index `i`. */
export function encodeRequest(kind: RequestKind, i: number, spec: BenchSpec, value: Buffer): Buffer {
  const key = keyAt(i, spec.keySize);
  switch (kind) {
    case "put":
      return enc("PutRequest", { key, value });
    case "range":
      return enc("RangeRequest", rangeFields(key, spec));
    case "txn-put":
      return enc("TxnRequest", { success: [{ requestPut: { key, value } }] });
    case "txn-range":
      return enc("TxnRequest", { success: [{ requestRange: rangeFields(key, spec) }] });
  }
}

function rangeFields(key: Buffer, spec: BenchSpec): object {
  return {
    key,
    rangeEnd: spec.limit > 0 ? KEY_SPACE_END : undefined,
    limit: spec.limit > 0 ? spec.limit : undefined,
    serializable: spec.consistency === "s" || undefined,
    keysOnly: spec.keysOnly || undefined,
  };
}

/** The gRPC method of a request kind. */
export function pathOf(kind: RequestKind): string {
  return kind === "put" ? PATHS.put : kind === "range" ? PATHS.range : PATHS.txn;
}

/**
 * A cache of encoded requests per key index (lazily filled: a run touches the keys it uses).
 */
export class RequestCache {
  private readonly cache: (Buffer | undefined)[] = [];
  private readonly value: Buffer;
  constructor(
    readonly kind: RequestKind,
    private readonly spec: BenchSpec,
  ) {
    this.value = benchValue(spec.valSize);
  }
  get(i: number): Buffer {
    let b = this.cache[i];
    if (b === undefined) {
      b = encodeRequest(this.kind, i, this.spec, this.value);
      this.cache[i] = b;
    }
    return b;
  }
}
