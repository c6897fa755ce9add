/**
 * Rewrites an invalid HTTP/2 `:authority` before nghttp2 sees it.
 *
 * etcdctl 3.4 (grpc-go) dials the client URLs from MemberList for `endpoint status|health|hashkv
 * --cluster` as `passthrough:///http://host:port` and so sends `:authority: http://host:port`.
 * Go's HTTP/2 server (real etcd) accepts it; nghttp2 inside Node answers RST_STREAM
 * PROTOCOL_ERROR (nghttp2_check_authority refuses '/'), and Node has no option to turn the
 * check off. So the client→server byte stream of such connections is parsed here: the 24-byte
 * preface, then frames; HEADERS (+ CONTINUATION) header blocks are decoded just enough to find
 * `:authority` literals, and an invalid value is replaced by a plain literal of the fixed value
 * (`http://127.0.0.1:2379/x` → `127.0.0.1:2379`). Everything else passes through untouched.
 *
 * HPACK dynamic tables stay consistent: the replacement keeps the representation type, so when
 * the client's encoder inserts (":authority", "http://h:p") the server's decoder inserts
 * (":authority", "h:p") at the same moment, smaller than the encoder's entry and every other
 * entry equal. Each table holds the longest run of newest entries whose sizes sum to at most
 * the (shared) maximum; with decoder sizes ≤ encoder sizes, the decoder's run is at least as
 * long: it evicts no earlier than the encoder, so every entry the encoder may still reference
 * is in the decoder's table at the same position counted from the newest, and an indexed
 * reference to the rewritten entry resolves to the fixed value.
 * Not handled: a literal whose name is a dynamic-table reference to an earlier `:authority`
 * entry (grpc-go and nghttp2 name `:authority` by the static index 1) — passed through.
 *
 * Cost: wrapping a socket makes Node run HTTP/2 over a JS stream (JSStreamSocket), so the
 * listener wraps only connections whose first request needs it (`handshake`, listener.ts).
 */
import { Duplex } from "node:stream";
import type { Socket } from "node:net";

// RFC 7541 Appendix B: code lengths of symbols 0..256 (EOS). The code is canonical (codes of
// one length are consecutive in symbol order, each length starting after the shorter ones), so
// the lengths determine the codes; tests check known codes and RFC 7541 C.4 vectors.
// prettier-ignore
const HUFFMAN_LENGTHS = [
  13,23,28,28,28,28,28,28,28,24,30,28,28,30,28,28,28,28,28,28,28,28,30,28,28,28,28,28,28,28,28,28,
  6,10,10,12,13,6,8,11,10,10,8,11,8,6,6,6,5,5,5,6,6,6,6,6,6,6,7,8,15,6,12,10,
  13,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,8,7,8,13,19,13,14,6,
  15,5,6,5,6,5,6,6,6,5,7,7,6,6,6,5,6,7,6,5,5,6,7,7,7,7,7,15,11,14,13,28,
  20,22,20,20,22,22,22,23,22,23,23,23,23,23,24,23,24,24,22,23,24,23,23,23,23,21,22,23,22,23,23,24,
  22,21,20,22,22,23,23,21,23,22,22,24,21,22,23,23,21,21,22,21,23,22,23,23,20,22,22,22,23,22,22,23,
  26,26,20,19,22,23,22,25,26,26,26,27,27,26,24,25,19,21,26,27,27,26,27,24,21,21,26,26,28,27,27,27,
  20,24,20,21,22,21,21,23,22,22,25,25,24,24,26,23,26,27,26,26,27,27,27,27,27,28,27,27,27,27,27,26,
  30,
];

/** Canonical decoding tables: per length, the first code, the count and the offset into `sorted`. */
const huff = (() => {
  const sorted = HUFFMAN_LENGTHS.map((_, s) => s).sort(
    (a, b) => HUFFMAN_LENGTHS[a]! - HUFFMAN_LENGTHS[b]! || a - b,
  );
  const first = new Array<number>(31).fill(0);
  const count = new Array<number>(31).fill(0);
  const offset = new Array<number>(31).fill(0);
  const codes = new Array<number>(257).fill(0);
  let code = 0;
  let len = HUFFMAN_LENGTHS[sorted[0]!]!;
  sorted.forEach((s, i) => {
    const l = HUFFMAN_LENGTHS[s]!;
    if (l !== len) {
      code *= 2 ** (l - len);
      len = l;
    }
    if (count[l] === 0) {
      first[l] = code;
      offset[l] = i;
    }
    count[l]!++;
    codes[s] = code;
    code++;
  });
  return { sorted, first, count, offset, codes };
})();

/** The Huffman code of a symbol (0..256), for tests. */
export function huffmanCode(symbol: number): { code: number; bits: number } {
  return { code: huff.codes[symbol]!, bits: HUFFMAN_LENGTHS[symbol]! };
}

/** Decodes a Huffman-coded HPACK string; throws on EOS, an over-long or a non-1 padding. */
export function huffmanDecode(data: Uint8Array): Buffer {
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      if (
        len >= 5 &&
        huff.count[len]! > 0 &&
        code - huff.first[len]! < huff.count[len]! &&
        code >= huff.first[len]!
      ) {
        const sym = huff.sorted[huff.offset[len]! + code - huff.first[len]!]!;
        if (sym === 256) throw new Error("hpack: EOS in a Huffman string");
        out.push(sym);
        code = 0;
        len = 0;
      } else if (len > 30) throw new Error("hpack: invalid Huffman code");
    }
  }
  if (len > 7 || code !== 2 ** len - 1) throw new Error("hpack: invalid Huffman padding");
  return Buffer.from(out);
}

/** nghttp2_check_authority's alphabet (RFC 3986 authority characters). */
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%[\]]*$/;

/** The valid authority for `value`, or undefined when it is valid already or cannot be fixed. */
export function fixAuthority(value: string): string | undefined {
  if (AUTHORITY.test(value)) return undefined;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value);
  const rest = scheme ? value.slice(scheme[0].length) : value;
  const fixed = rest.replace(/[/?#].*$/s, "");
  return fixed !== "" && AUTHORITY.test(fixed) ? fixed : undefined;
}

function readInt(b: Buffer, pos: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = b[pos]! & max;
  pos++;
  if (value < max) return { value, next: pos };
  let m = 0;
  for (;;) {
    if (pos >= b.length) throw new Error("hpack: truncated integer");
    const byte = b[pos++]!;
    value += (byte & 0x7f) * 2 ** m;
    m += 7;
    if ((byte & 0x80) === 0) return { value, next: pos };
    if (m > 28) throw new Error("hpack: integer too large");
  }
}

function writeInt(first: number, prefixBits: number, value: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function readString(b: Buffer, pos: number): { value: Buffer; next: number } {
  if (pos >= b.length) throw new Error("hpack: truncated string");
  const huffman = (b[pos]! & 0x80) !== 0;
  const { value: len, next } = readInt(b, pos, 7);
  if (next + len > b.length) throw new Error("hpack: truncated string");
  const raw = b.subarray(next, next + len);
  return { value: huffman ? huffmanDecode(raw) : raw, next: next + len };
}

/**
 * Rewrites the invalid `:authority` literals of one HPACK header block; returns undefined when
 * nothing changes (or the block cannot be parsed: nghttp2 then judges it as sent).
 */
export function rewriteHeaderBlock(block: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let copied = 0;
  let pos = 0;
  try {
    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        pos = readInt(block, pos, 7).next; // indexed field
        continue;
      }
      if ((b & 0xe0) === 0x20) {
        pos = readInt(block, pos, 5).next; // dynamic table size update
        continue;
      }
      const prefix = (b & 0xc0) === 0x40 ? 6 : 4; // incremental indexing, else without / never indexed
      const { value: index, next } = readInt(block, pos, prefix);
      pos = next;
      let isAuthority = index === 1;
      let nameEnd = pos;
      if (index === 0) {
        const name = readString(block, pos);
        isAuthority = name.value.toString("latin1") === ":authority";
        nameEnd = name.next;
      }
      const value = readString(block, nameEnd);
      pos = value.next;
      if (!isAuthority) continue;
      const fixed = fixAuthority(value.value.toString("latin1"));
      if (fixed === undefined) continue;
      const v = Buffer.from(fixed, "latin1");
      parts.push(block.subarray(copied, nameEnd), Buffer.from(writeInt(0, 7, v.length)), v);
      copied = pos;
    }
  } catch {
    return undefined;
  }
  if (parts.length === 0) return undefined;
  parts.push(block.subarray(copied));
  return Buffer.concat(parts);
}

const PREFACE = 24;
const HEADERS = 1;
const CONTINUATION = 9;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
/** The largest frame we emit: SETTINGS_MAX_FRAME_SIZE's initial value, which Node keeps. */
const MAX_FRAME = 16384;

function frameHeader(length: number, type: number, flags: number, stream: number): Buffer {
  const h = Buffer.allocUnsafe(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return h;
}

/**
 * The client→server byte stream rewriter: push chunks in, get the bytes to hand on. Frames
 * other than HEADERS/CONTINUATION pass through as they arrive; a header block is held until
 * END_HEADERS, then emitted unchanged or, when rewritten, as HEADERS (priority kept, padding
 * dropped) plus CONTINUATIONs of at most 16384 bytes.
 */
export class AuthorityRewriter {
  private prefaceLeft = PREFACE;
  private buf: Buffer = Buffer.alloc(0);
  /** Payload bytes of a pass-through frame still to come. */
  private passLeft = 0;
  /** The HEADERS frame (and CONTINUATIONs) of an unfinished header block. */
  private held: Buffer[] = [];
  private heldBlock: Buffer[] = [];
  private heldPriority: Buffer | undefined;
  private heldFlags = 0;
  private heldStream = 0;
  /** How many header blocks were rewritten (for tests and logs). */
  rewritten = 0;

  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let data = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = Buffer.alloc(0);
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, data.length);
      out.push(data.subarray(0, n));
      this.prefaceLeft -= n;
      data = data.subarray(n);
    }
    while (data.length > 0) {
      if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, data.length);
        out.push(data.subarray(0, n));
        this.passLeft -= n;
        data = data.subarray(n);
        continue;
      }
      if (data.length < 9) break;
      const length = data.readUIntBE(0, 3);
      const type = data[3]!;
      const inBlock = this.held.length > 0;
      if (type !== HEADERS && !(type === CONTINUATION && inBlock)) {
        if (inBlock) {
          // Not a CONTINUATION where one must come: a connection error nghttp2 reports itself.
          out.push(...this.held);
          this.held = [];
          this.heldBlock = [];
        }
        out.push(data.subarray(0, 9));
        this.passLeft = length;
        data = data.subarray(9);
        continue;
      }
      if (data.length < 9 + length) break;
      const frame = data.subarray(0, 9 + length);
      data = data.subarray(9 + length);
      this.onHeaderFrame(frame, out);
    }
    if (data.length > 0) this.buf = Buffer.from(data);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private onHeaderFrame(frame: Buffer, out: Buffer[]): void {
    const type = frame[3]!;
    const flags = frame[4]!;
    let payload = frame.subarray(9);
    if (type === HEADERS) {
      this.heldFlags = flags;
      this.heldStream = frame.readUInt32BE(5) & 0x7fffffff;
      let pad = 0;
      if (flags & PADDED) {
        pad = payload[0] ?? 0;
        payload = payload.subarray(1);
      }
      this.heldPriority = undefined;
      if (flags & PRIORITY) {
        this.heldPriority = payload.subarray(0, 5);
        payload = payload.subarray(5);
      }
      if (pad > payload.length) {
        out.push(frame); // PROTOCOL_ERROR for nghttp2 to report
        return;
      }
      payload = payload.subarray(0, payload.length - pad);
    }
    this.held.push(frame);
    this.heldBlock.push(payload);
    if (!(flags & END_HEADERS)) return;
    const block = this.heldBlock.length === 1 ? this.heldBlock[0]! : Buffer.concat(this.heldBlock);
    const fixed = rewriteHeaderBlock(block);
    if (fixed === undefined) out.push(...this.held);
    else {
      this.rewritten++;
      const prio = this.heldPriority;
      const firstRoom = MAX_FRAME - (prio ? 5 : 0);
      let rest = fixed;
      const head = rest.subarray(0, firstRoom);
      rest = rest.subarray(head.length);
      const hFlags = (this.heldFlags & ~PADDED & ~END_HEADERS) | (rest.length === 0 ? END_HEADERS : 0);
      out.push(frameHeader(head.length + (prio ? 5 : 0), HEADERS, hFlags, this.heldStream));
      if (prio) out.push(prio);
      out.push(head);
      while (rest.length > 0) {
        const part = rest.subarray(0, MAX_FRAME);
        rest = rest.subarray(part.length);
        out.push(
          frameHeader(part.length, CONTINUATION, rest.length === 0 ? END_HEADERS : 0, this.heldStream),
          part,
        );
      }
    }
    this.held = [];
    this.heldBlock = [];
  }
}

/** An empty server SETTINGS frame (all defaults), which the listener may send before nghttp2's. */
export const EMPTY_SETTINGS = Buffer.from("000000040000000000", "hex");

export type Handshake =
  { kind: "more" } | { kind: "send-settings" } | { kind: "decide"; rewrite: boolean; head: Buffer };

/**
 * Decides from a connection's first bytes `head` whether it must go through the rewriter,
 * without ever passing a bad `:authority` to nghttp2 and without wrapping clients that do not
 * need it (a wrapped connection costs ~20-65 % more server CPU per request, impl/server/README.md):
 *
 * - The first complete HEADERS block decides: rewrite iff it holds an invalid `:authority`.
 *   Node's http2 client sends preface, SETTINGS and a queued request at once.
 * - grpc-js states SETTINGS_INITIAL_WINDOW_SIZE = 65535 in its first SETTINGS (grpc-go never
 *   sends a default value, Go's net/http2 sends 4 MiB): native at once.
 * - Otherwise (grpc-go waits for the server's SETTINGS before its first HEADERS; an idle Node
 *   client waits for nothing) the listener answers `send-settings`: it sends EMPTY_SETTINGS
 *   itself (`settingsSent`), and then waits for the client's ACK of it — which is removed from
 *   the bytes handed on, so nghttp2 (whose own SETTINGS follow, legal in HTTP/2) sees one ACK
 *   for its one SETTINGS — and for the first HEADERS (or any frame other than SETTINGS,
 *   WINDOW_UPDATE, PRIORITY: then the rewriter, which is always correct).
 *
 * `force` (the listener's handshake timer ran out: an idle client) decides native for a
 * connection that has sent its first SETTINGS — and acknowledged ours if it was sent — so an
 * idle client lives on in the HTTP/2 session, as on etcd; otherwise it stays "more".
 */
export function handshake(head: Buffer, settingsSent: boolean, force = false): Handshake {
  if (head.length < PREFACE + 9) return { kind: "more" };
  let ack: number | undefined;
  let headers: boolean | undefined; // undefined: no complete header block yet
  let other = false;
  let nghttp2 = false;
  let p = PREFACE;
  let blockParts: Buffer[] = [];
  let complete = true;
  let first = true;
  while (p < head.length) {
    if (head.length < p + 9) {
      complete = false;
      break;
    }
    const length = head.readUIntBE(p, 3);
    const type = head[p + 3]!;
    const flags = head[p + 4]!;
    if (head.length < p + 9 + length) {
      complete = false;
      break;
    }
    const payload = head.subarray(p + 9, p + 9 + length);
    if (first) {
      first = false;
      if (type !== 4) return { kind: "decide", rewrite: false, head }; // not HTTP/2: nghttp2 says so
      for (let q = 0; q + 6 <= payload.length; q += 6)
        if (payload.readUInt16BE(q) === 4 && payload.readUInt32BE(q + 2) === 65535) nghttp2 = true;
    } else if (type === 4 && flags & 1 && ack === undefined) ack = p;
    else if (type === HEADERS || type === CONTINUATION) {
      let block = payload;
      if (type === HEADERS) {
        let pad = 0;
        if (flags & PADDED) {
          pad = block[0] ?? 0;
          block = block.subarray(1);
        }
        if (flags & PRIORITY) block = block.subarray(5);
        block = block.subarray(0, Math.max(0, block.length - pad));
        blockParts = [];
      }
      blockParts.push(block);
      if (flags & END_HEADERS && headers === undefined)
        headers = rewriteHeaderBlock(Buffer.concat(blockParts)) !== undefined;
    } else if (type !== 4 && type !== 8 && type !== 2) other = true;
    p += 9 + length;
  }
  if (first) return { kind: "more" };
  const strip = (): Buffer =>
    ack === undefined ? head : Buffer.concat([head.subarray(0, ack), head.subarray(ack + 9)]);
  if (!settingsSent) {
    if (headers !== undefined) return { kind: "decide", rewrite: headers, head };
    if (other) return { kind: "decide", rewrite: true, head };
    if (nghttp2 || force) return { kind: "decide", rewrite: false, head };
    return complete ? { kind: "send-settings" } : { kind: "more" };
  }
  if (ack === undefined) return { kind: "more" };
  if (headers === undefined && !other)
    return force ? { kind: "decide", rewrite: false, head: strip() } : { kind: "more" };
  return { kind: "decide", rewrite: headers ?? true, head: strip() };
}

/**
 * A Duplex over `socket` whose readable side is the rewritten client stream; writes go to the
 * socket unchanged. `socket` must be paused, with anything already read unshifted into it.
 */
export function rewritingSocket(socket: Socket): Duplex {
  const rw = new AuthorityRewriter();
  const duplex: Duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    const out = rw.push(chunk);
    if (out.length > 0 && !duplex.push(out)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("close", () => duplex.destroy());
  socket.on("error", (e) => duplex.destroy(e));
  // What http2 / grpc-js may ask of a net.Socket.
  Object.assign(duplex, {
    setNoDelay: () => duplex,
    setKeepAlive: () => duplex,
    setTimeout: (ms: number, cb?: () => void) => {
      socket.setTimeout(ms, cb);
      return duplex;
    },
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    remoteFamily: socket.remoteFamily,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    rewriter: rw,
  });
  return duplex;
}
