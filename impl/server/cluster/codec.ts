/**
 * A compact binary encoding of impl/raft's Message for the peer transport (no JSON): fixed
 * fields as float64 (ids and indexes are safe integers), byte strings length-prefixed. The
 * decoder validates everything a peer could get wrong (see decodeMessage): nothing it returns
 * can make the Raft core or the storage under it fail on a number.
 *
 *   [type u8][flags u8: 1 reject, 2 has context, 4 has snapshot]
 *   [to][from][term][logTerm][index][commit][rejectHint]          7 × f64
 *   [context: u32 len + bytes]?                                    if flag 2
 *   [entry count u32] { [term f64][index f64][type u8][len u32][data] }*
 *   [snapshot: index f64, term f64, voters u32 + f64*, learners u32 + f64*, len u32, data]?  if flag 4
 */
import type { Entry, Message, Snapshot } from "../../raft/index.js";
import { EntryType, MessageType, noEntries } from "../../raft/index.js";

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

/** A peer sent bytes that are not a valid Raft message: the frame is refused, never stepped. */
export class PeerDecodeError extends Error {
  constructor(message: string) {
    super(`codec: ${message}`);
    this.name = "PeerDecodeError";
  }
}

/** Message types that cross the network (the local ones — Hup, Beat, … — never do). */
const NETWORK_TYPES: ReadonlySet<number> = new Set([
  MessageType.Prop,
  MessageType.App,
  MessageType.AppResp,
  MessageType.Vote,
  MessageType.VoteResp,
  MessageType.Snap,
  MessageType.Heartbeat,
  MessageType.HeartbeatResp,
  MessageType.TransferLeader,
  MessageType.TimeoutNow,
  MessageType.ReadIndex,
  MessageType.ReadIndexResp,
  MessageType.PreVote,
  MessageType.PreVoteResp,
]);
const ENTRY_TYPES: ReadonlySet<number> = new Set([EntryType.Normal, EntryType.ConfChange, EntryType.Empty]);
const KNOWN_FLAGS = 1 | 2 | 4;
/** Bytes of one entry's fixed part: term, index, type, data length. */
const ENTRY_HEAD = 21;

/**
 * Decodes one message, refusing (PeerDecodeError) anything the Raft core could not have sent:
 * an unknown or local message type, unknown flags, a number that is not an unsigned safe
 * integer (NaN, ±Infinity, fractions, negatives, ≥ 2^53), a zero node id, a count the buffer
 * cannot hold, trailing bytes, and a MsgApp whose entries do not follow `index` one by one with
 * terms that never decrease nor pass the message's term. Byte fields are copies (safe to keep).
 */
export function decodeMessage(buf: Buffer): Message {
  let off = 0;
  const need = (n: number, what: string): void => {
    if (off + n > buf.length)
      throw new PeerDecodeError(`message truncated at byte ${off} (${buf.length} bytes): ${what}`);
  };
  const num = (what: string): number => {
    need(8, what);
    const v = buf.readDoubleLE(off);
    off += 8;
    if (!Number.isSafeInteger(v) || v < 0)
      throw new PeerDecodeError(`${what} is not an unsigned safe integer: ${v}`);
    return v;
  };
  const nodeId = (what: string): number => {
    const v = num(what);
    if (v === 0) throw new PeerDecodeError(`${what} is 0 (no node)`);
    return v;
  };
  const count = (what: string, unit: number): number => {
    need(4, what);
    const n = buf.readUInt32LE(off);
    off += 4;
    if (n * unit > buf.length - off)
      throw new PeerDecodeError(`${what} ${n} does not fit the ${buf.length - off} bytes left`);
    return n;
  };
  const bytes = (what: string): Uint8Array => {
    const n = count(what, 1);
    const b = new Uint8Array(buf.subarray(off, off + n));
    off += n;
    return b;
  };

  need(2, "header");
  const type = buf[off++]!;
  if (!NETWORK_TYPES.has(type)) throw new PeerDecodeError(`unknown message type ${type}`);
  const flags = buf[off++]!;
  if (flags & ~KNOWN_FLAGS) throw new PeerDecodeError(`unknown flags 0x${flags.toString(16)}`);
  const to = nodeId("to");
  const from = nodeId("from");
  const term = num("term");
  const logTerm = num("logTerm");
  const index = num("index");
  const commit = num("commit");
  const rejectHint = num("rejectHint");
  const context = flags & 2 ? bytes("context length") : undefined;
  const n = count("entry count", ENTRY_HEAD);
  let entries: Entry[] | readonly Entry[] = noEntries;
  if (n > 0) {
    const list: Entry[] = [];
    for (let i = 0; i < n; i++) {
      const et = num(`entry ${i} term`);
      const ei = num(`entry ${i} index`);
      need(1, `entry ${i} type`);
      const t = buf[off++]!;
      if (!ENTRY_TYPES.has(t)) throw new PeerDecodeError(`entry ${i} has unknown type ${t}`);
      list.push({ term: et, index: ei, type: t as EntryType, data: bytes(`entry ${i} length`) });
    }
    entries = list;
  }
  let snapshot: Snapshot | undefined;
  if (flags & 4) {
    const sIndex = num("snapshot index");
    const sTerm = num("snapshot term");
    const ids = (what: string): number[] => {
      const k = count(what, 8);
      const out: number[] = [];
      for (let i = 0; i < k; i++) out.push(nodeId(`${what} ${i}`));
      return out;
    };
    const voters = ids("voters");
    const learners = ids("learners");
    const data = bytes("snapshot length");
    snapshot = { metadata: { index: sIndex, term: sTerm, confState: { voters, learners } }, data };
  }
  if (off !== buf.length) throw new PeerDecodeError(`${buf.length - off} trailing bytes`);
  const m: Message = {
    type: type as MessageType,
    to,
    from,
    term,
    logTerm,
    index,
    commit,
    reject: (flags & 1) !== 0,
    rejectHint,
    context,
    snapshot,
    entries,
  };
  checkShape(m);
  return m;
}

/** What holds of every message the core sends, beyond each number being valid. */
function checkShape(m: Message): void {
  if ((m.snapshot !== undefined) !== (m.type === MessageType.Snap))
    throw new PeerDecodeError(
      m.snapshot ? "a snapshot on a message that is not MsgSnap" : "MsgSnap without a snapshot",
    );
  if (m.type !== MessageType.App) return;
  if (m.logTerm > m.term) throw new PeerDecodeError(`MsgApp logTerm ${m.logTerm} above its term ${m.term}`);
  let prev = m.logTerm;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i]!;
    if (e.index !== m.index + 1 + i)
      throw new PeerDecodeError(`MsgApp entry ${i} has index ${e.index}, expected ${m.index + 1 + i}`);
    if (e.term < prev || e.term > m.term)
      throw new PeerDecodeError(`MsgApp entry ${i} has term ${e.term} outside [${prev}, ${m.term}]`);
    prev = e.term;
  }
}
