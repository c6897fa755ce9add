/**
 * A compact binary encoding of impl/raft's Message for the peer transport (no JSON): fixed
 * fields as float64 (ids and indexes are safe integers), byte strings length-prefixed.
 *
 *   [type u8][flags u8: 1 reject, 2 has context, 4 has snapshot]
 *   [to][from][term][logTerm][index][commit][rejectHint]          7 × f64
 *   [context: u32 len + bytes]?                                    if flag 2
 *   [entry count u32] { [term f64][index f64][type u8][len u32][data] }*
 *   [snapshot: index f64, term f64, voters u32 + f64*, learners u32 + f64*, len u32, data]?  if flag 4
 */
import type { Entry, EntryType, Message, MessageType, Snapshot } from "../../raft/index.js";
import { noEntries } from "../../raft/index.js";

export function encodedSize(m: Message): number {
  let n = 2 + 7 * 8 + 4;
  if (m.context) n += 4 + m.context.byteLength;
  for (const e of m.entries) n += 8 + 8 + 1 + 4 + e.data.byteLength;
  if (m.snapshot) {
    const cs = m.snapshot.metadata.confState;
    n += 16 + 4 + 8 * cs.voters.length + 4 + 8 * cs.learners.length + 4 + m.snapshot.data.byteLength;
  }
  return n;
}

/** Writes `m` into `buf` at `off`; returns the offset after it. */
export function encodeMessageInto(m: Message, buf: Buffer, off: number): number {
  buf[off++] = m.type;
  buf[off++] = (m.reject ? 1 : 0) | (m.context ? 2 : 0) | (m.snapshot ? 4 : 0);
  for (const v of [m.to, m.from, m.term, m.logTerm, m.index, m.commit, m.rejectHint]) {
    buf.writeDoubleLE(v, off);
    off += 8;
  }
  if (m.context) {
    buf.writeUInt32LE(m.context.byteLength, off);
    buf.set(m.context, off + 4);
    off += 4 + m.context.byteLength;
  }
  buf.writeUInt32LE(m.entries.length, off);
  off += 4;
  for (const e of m.entries) {
    buf.writeDoubleLE(e.term, off);
    buf.writeDoubleLE(e.index, off + 8);
    buf[off + 16] = e.type;
    buf.writeUInt32LE(e.data.byteLength, off + 17);
    buf.set(e.data, off + 21);
    off += 21 + e.data.byteLength;
  }
  if (m.snapshot) {
    const { index, term, confState } = m.snapshot.metadata;
    buf.writeDoubleLE(index, off);
    buf.writeDoubleLE(term, off + 8);
    off += 16;
    for (const ids of [confState.voters, confState.learners]) {
      buf.writeUInt32LE(ids.length, off);
      off += 4;
      for (const id of ids) {
        buf.writeDoubleLE(id, off);
        off += 8;
      }
    }
    buf.writeUInt32LE(m.snapshot.data.byteLength, off);
    buf.set(m.snapshot.data, off + 4);
    off += 4 + m.snapshot.data.byteLength;
  }
  return off;
}

export function encodeMessage(m: Message): Buffer {
  const buf = Buffer.allocUnsafe(encodedSize(m));
  const end = encodeMessageInto(m, buf, 0);
  if (end !== buf.length) throw new Error(`codec: encoded ${end} bytes, expected ${buf.length}`);
  return buf;
}

/** Decodes one message; throws on a malformed buffer. Byte fields are copies (safe to keep). */
export function decodeMessage(buf: Buffer): Message {
  let off = 0;
  const need = (n: number): void => {
    if (off + n > buf.length)
      throw new Error(`codec: message truncated at byte ${off} (${buf.length} bytes)`);
  };
  need(2 + 56 + 4);
  const type = buf[off++]! as MessageType;
  if (type > 18) throw new Error(`codec: unknown message type ${type}`);
  const flags = buf[off++]!;
  const f: number[] = [];
  for (let i = 0; i < 7; i++) {
    f.push(buf.readDoubleLE(off));
    off += 8;
  }
  let context: Uint8Array | undefined;
  if (flags & 2) {
    need(4);
    const n = buf.readUInt32LE(off);
    off += 4;
    need(n);
    context = new Uint8Array(buf.subarray(off, off + n));
    off += n;
  }
  need(4);
  const count = buf.readUInt32LE(off);
  off += 4;
  let entries: Entry[] | readonly Entry[] = noEntries;
  if (count > 0) {
    const list: Entry[] = [];
    for (let i = 0; i < count; i++) {
      need(21);
      const term = buf.readDoubleLE(off);
      const index = buf.readDoubleLE(off + 8);
      const et = buf[off + 16]! as EntryType;
      const n = buf.readUInt32LE(off + 17);
      off += 21;
      need(n);
      list.push({ term, index, type: et, data: new Uint8Array(buf.subarray(off, off + n)) });
      off += n;
    }
    entries = list;
  }
  let snapshot: Snapshot | undefined;
  if (flags & 4) {
    need(16);
    const index = buf.readDoubleLE(off);
    const term = buf.readDoubleLE(off + 8);
    off += 16;
    const lists: number[][] = [];
    for (let k = 0; k < 2; k++) {
      need(4);
      const n = buf.readUInt32LE(off);
      off += 4;
      need(8 * n);
      const ids: number[] = [];
      for (let i = 0; i < n; i++) {
        ids.push(buf.readDoubleLE(off));
        off += 8;
      }
      lists.push(ids);
    }
    need(4);
    const n = buf.readUInt32LE(off);
    off += 4;
    need(n);
    const data = new Uint8Array(buf.subarray(off, off + n));
    off += n;
    snapshot = { metadata: { index, term, confState: { voters: lists[0]!, learners: lists[1]! } }, data };
  }
  if (off !== buf.length) throw new Error(`codec: ${buf.length - off} trailing bytes`);
  return {
    type,
    to: f[0]!,
    from: f[1]!,
    term: f[2]!,
    logTerm: f[3]!,
    index: f[4]!,
    commit: f[5]!,
    reject: (flags & 1) !== 0,
    rejectHint: f[6]!,
    context,
    snapshot,
    entries,
  };
}
