/**
 * The write commands that go through the log, and their encoding as log entry data: one tag
 * byte, then the etcd request message in protobuf (the client's own bytes when it sent exactly
 * this request). Replay decodes them with the same code, so a restart applies exactly what was
 * acknowledged. Reads never go through the log.
 */
import type protobuf from "protobufjs";
import type * as mvcc from "../mvcc/index.js";
import { decode, encode, type, wireBytes } from "./proto.js";
import type { AlarmRequest } from "./pb.js";

export const CommandKind = {
  put: 1,
  deleteRange: 2,
  txn: 3,
  compact: 4,
  leaseGrant: 5,
  leaseRevoke: 6,
  alarm: 7,
} as const;
export type CommandKind = keyof typeof CommandKind;

const messageType: Record<CommandKind, string> = {
  put: "PutRequest",
  deleteRange: "DeleteRangeRequest",
  txn: "TxnRequest",
  compact: "CompactionRequest",
  leaseGrant: "LeaseGrantRequest",
  leaseRevoke: "LeaseRevokeRequest",
  alarm: "AlarmRequest",
};

const byTag = new Map<number, CommandKind>(
  Object.entries(CommandKind).map(([k, v]) => [v, k as CommandKind]),
);
const types = new Map<CommandKind, protobuf.Type>();
function typeOf(kind: CommandKind): protobuf.Type {
  let t = types.get(kind);
  if (!t) types.set(kind, (t = type(messageType[kind])));
  return t;
}

/** A write command: its kind and the decoded request (camelCase, as proto.ts decodes). */
export type Command =
  | { kind: "put"; request: mvcc.PutRequest }
  | { kind: "deleteRange"; request: mvcc.DeleteRangeRequest }
  | { kind: "txn"; request: mvcc.TxnRequest }
  | { kind: "compact"; request: { revision: number; physical?: boolean } }
  | { kind: "leaseGrant"; request: { ID: number; TTL: number } }
  | { kind: "leaseRevoke"; request: { ID: number } }
  | { kind: "alarm"; request: AlarmRequest };

/**
 * Log entry bytes for a command. `reuseWire`: the request is exactly what the client sent, so
 * its wire bytes are reused (no re-encoding).
 */
export function encodeCommand(cmd: Command, reuseWire: boolean): Uint8Array {
  const raw = reuseWire ? wireBytes(cmd.request) : undefined;
  const body = raw ?? encode(typeOf(cmd.kind), cmd.request);
  const out = Buffer.allocUnsafe(1 + body.length);
  out[0] = CommandKind[cmd.kind];
  body.copy(out, 1);
  return out;
}

/** Decodes log entry bytes. Throws on an unknown tag or a malformed message. */
export function decodeCommand(data: Uint8Array): Command {
  const kind = byTag.get(data[0] ?? 0);
  if (!kind) throw new Error(`unknown command tag ${data[0]}`);
  const body = Buffer.from(data.buffer, data.byteOffset + 1, data.byteLength - 1);
  // The tag names the message type the body decodes as, so the pair is a Command.
  return { kind, request: decode<object>(typeOf(kind), body, kind === "alarm") } as Command;
}
