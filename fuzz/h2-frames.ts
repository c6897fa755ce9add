/**
 * Raw HTTP/2 and gRPC bytes, built by hand so that a fuzz input is exactly the bytes on the wire
 * (RFC 9113 framing, RFC 7541 HPACK with literal fields only, gRPC's 5-byte message prefix).
 * Pure: every function returns bytes; nothing here opens a socket.
 */

/** The client connection preface (RFC 9113 §3.4). */
export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** One frame: 24-bit length, type, flags, 31-bit stream id, payload. `length` overrides the header's length field (a lie). */
export function h2Frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
  length?: number,
): Buffer {
  const b = Buffer.alloc(9 + payload.byteLength);
  const len = length ?? payload.byteLength;
  b[0] = (len >>> 16) & 0xff;
  b[1] = (len >>> 8) & 0xff;
  b[2] = len & 0xff;
  b[3] = type & 0xff;
  b[4] = flags & 0xff;
  b.writeUInt32BE(streamId >>> 0, 5);
  b.set(payload, 9);
  return b;
}

/** HPACK integer with an N-bit prefix (RFC 7541 §5.1); `first` holds the bits above the prefix. */
export function hpackInt(value: number, prefixBits: number, first = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A header block of literal fields without indexing, new names, no Huffman (§6.2.2). */
export function hpackBlock(headers: readonly (readonly [string, string])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name, "latin1");
    const v = Buffer.from(value, "latin1");
    parts.push(Buffer.from([0]), hpackInt(n.length, 7), n, hpackInt(v.length, 7), v);
  }
  return Buffer.concat(parts);
}

/** The request headers of a gRPC call to `path` (e.g. `/etcdserverpb.KV/Range`). */
export function grpcHeaders(path: string): [string, string][] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "localhost"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
  ];
}

/** gRPC's length-prefixed message: [compressed u8][length u32 BE][message]. `length` overrides the prefix. */
export function grpcMessage(msg: Uint8Array, length?: number): Buffer {
  const b = Buffer.alloc(5 + msg.byteLength);
  b.writeUInt32BE((length ?? msg.byteLength) >>> 0, 1);
  b.set(msg, 5);
  return b;
}

/** Preface, an empty SETTINGS and the ACK of the server's SETTINGS: what a client sends first. */
export function connectionStart(): Buffer {
  return Buffer.concat([
    PREFACE,
    h2Frame(FrameType.SETTINGS, 0, 0, new Uint8Array(0)),
    h2Frame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(0)),
  ]);
}

/** HEADERS (+ END_HEADERS) for a gRPC call on `streamId`, with `extra` headers (e.g. grpc-timeout). */
export function callHeaders(streamId: number, path: string, extra: readonly [string, string][] = []): Buffer {
  return h2Frame(FrameType.HEADERS, Flag.END_HEADERS, streamId, hpackBlock([...grpcHeaders(path), ...extra]));
}

/** DATA frames carrying gRPC messages, split at 16 KiB (the default max frame size). */
export function callData(streamId: number, messages: readonly Uint8Array[], endStream: boolean): Buffer {
  const body = Buffer.concat(messages.map((m) => grpcMessage(m)));
  const frames: Buffer[] = [];
  const MAX = 16384;
  for (let off = 0; off < body.length || frames.length === 0; off += MAX) {
    const piece = body.subarray(off, off + MAX);
    const last = off + MAX >= body.length;
    frames.push(h2Frame(FrameType.DATA, last && endStream ? Flag.END_STREAM : 0, streamId, piece));
  }
  return Buffer.concat(frames);
}

/** A whole unary call: HEADERS, then the message with END_STREAM. */
export function unaryCall(streamId: number, path: string, msg: Uint8Array): Buffer {
  return Buffer.concat([callHeaders(streamId, path), callData(streamId, [msg], true)]);
}
