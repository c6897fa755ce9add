/**
 * The etcd v3 API's protobuf definitions (rpc.proto, kv.proto, auth.proto as shipped by the
 * `etcd3` npm package), loaded with protobufjs, and gRPC service definitions built from them
 * for @grpc/grpc-js.
 *
 * Requests are decoded to plain objects with camelCase field names (what impl/mvcc takes),
 * int64 fields as numbers, enums as numbers, bytes as Buffers and every field present. Methods
 * whose int64 fields may use all 64 bits (member IDs; a lease ID a client picks) are decoded
 * with int64 as decimal strings instead (`STRING_LONGS`), so the handler can check them.
 * Each decoded request remembers its wire form (`wireSize`, `wireBytes`), for the
 * `--max-request-bytes` check and for the write-ahead log. Responses are plain objects encoded
 * without a `fromObject` pass: int64 fields may be numbers, decimal strings or Longs, never
 * bigints.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";
import type { ServiceDefinition, MethodDefinition } from "@grpc/grpc-js";

const protoDir = join(dirname(createRequire(import.meta.url).resolve("etcd3/package.json")), "proto");

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target.replace(/^.*\//, ""));
  root.loadSync("rpc.proto", { keepCase: false });
  root.resolveAll();
  return root;
}

export const root = loadRoot();

export function type(name: string): protobuf.Type {
  return root.lookupType(name.includes(".") ? name : `etcdserverpb.${name}`);
}

const numberLongs: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: true,
  oneofs: true,
};
const stringLongs: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
};

/** Methods decoded with int64 fields as decimal strings. */
export const STRING_LONGS = new Set([
  "Lease/LeaseGrant",
  "Maintenance/Alarm",
  "Cluster/MemberRemove",
  "Cluster/MemberUpdate",
  "Cluster/MemberPromote",
  "Maintenance/MoveLeader",
]);

const sizes = new WeakMap<object, number>();

/** The byte size of the wire form a request was decoded from (0 if unknown). */
export function wireSize(request: object): number {
  return sizes.get(request) ?? 0;
}

const raws = new WeakMap<object, Buffer>();

/** The wire form a request was decoded from. */
export function wireBytes(request: object): Buffer | undefined {
  return raws.get(request);
}

/** Decodes bytes of message type `t` into a plain object (see the module comment). */
export function decode<T>(t: protobuf.Type, buf: Uint8Array, longsAsStrings = false): T {
  const obj = t.toObject(t.decode(buf), longsAsStrings ? stringLongs : numberLongs) as object;
  sizes.set(obj, buf.length);
  if (Buffer.isBuffer(buf)) raws.set(obj, buf);
  return obj as T;
}

export function encode(t: protobuf.Type, obj: object): Buffer {
  const out = t.encode(obj as protobuf.Message).finish();
  return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** A @grpc/grpc-js service definition for `etcdserverpb.<service>`. */
export function serviceDefinition(service: string): ServiceDefinition {
  const svc = root.lookupService(`etcdserverpb.${service}`);
  const def: Record<string, MethodDefinition<object, object>> = {};
  for (const m of Object.values(svc.methods)) {
    const req = m.resolvedRequestType!;
    const strings = STRING_LONGS.has(`${service}/${m.name}`);
    const res = m.resolvedResponseType!;
    def[m.name] = {
      path: `/etcdserverpb.${service}/${m.name}`,
      requestStream: !!m.requestStream,
      responseStream: !!m.responseStream,
      requestSerialize: (v: object) => encode(req, v),
      requestDeserialize: (b: Buffer) => decode<object>(req, b, strings),
      responseSerialize: (v: object) => encode(res, v),
      responseDeserialize: (b: Buffer) => decode<object>(res, b),
      originalName: m.name,
    };
  }
  return def as ServiceDefinition;
}
