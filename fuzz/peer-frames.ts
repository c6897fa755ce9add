/**
 * Frames for the reference server's peer port, written from its documented wire format (not
 * imported from impl/, so the fuzzer tests what the server does rather than sharing its code):
 *
 *   frame:   [u32 LE length of kind + payload][u8 kind][payload]
 *            kind 0 Raft message, 1 JSON side message `{from, body}`, 2 cluster query,
 *            4 hello JSON `{id, url}`
 *   message: [type u8][flags u8: 1 reject, 2 has context, 4 has snapshot]
 *            [to][from][term][logTerm][index][commit][rejectHint]   7 × f64 LE
 *            [context: u32 len + bytes]?   [entry count u32] { [term f64][index f64][type u8][len u32][data] }*
 *            [snapshot: index f64, term f64, voters u32 + f64*, learners u32 + f64*, len u32, data]?
 * Numbers are float64 so that a fuzz input can carry NaN, Infinity, negatives and integers
 * beyond 2^53: exactly what a hostile peer could send.
 */

export const PeerKind = { RAFT: 0, SIDE: 1, CLUSTER_QUERY: 2, HELLO: 4 } as const;

export interface RaftEntry {
  term: number;
  index: number;
  type: number;
  data: Uint8Array;
}

export interface RaftMessage {
  type: number;
  to: number;
  from: number;
  term: number;
  logTerm: number;
  index: number;
  commit: number;
  rejectHint: number;
  reject: boolean;
  context?: Uint8Array;
  entries: RaftEntry[];
  snapshot?: { index: number; term: number; voters: number[]; learners: number[]; data: Uint8Array };
}

/** Raft message type numbers that travel between peers (MsgApp 3 … MsgPreVoteResp 18). */
export const RAFT_TYPES = {
  App: 3,
  AppResp: 4,
  Vote: 5,
  VoteResp: 6,
  Snap: 7,
  Heartbeat: 8,
  HeartbeatResp: 9,
  TimeoutNow: 14,
  ReadIndex: 15,
  ReadIndexResp: 16,
  PreVote: 17,
  PreVoteResp: 18,
} as const;

/** `[u32 LE len][kind][payload]`; `length` overrides the length field (announce more than is sent). */
export function peerFrame(kind: number, payload: Uint8Array, length?: number): Buffer {
  const b = Buffer.alloc(5 + payload.byteLength);
  b.writeUInt32LE((length ?? 1 + payload.byteLength) >>> 0, 0);
  b[4] = kind & 0xff;
  b.set(payload, 5);
  return b;
}

function f64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v, 0);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}

export function encodeRaftMessage(m: RaftMessage): Buffer {
  const parts: Buffer[] = [
    Buffer.from([m.type & 0xff, (m.reject ? 1 : 0) | (m.context ? 2 : 0) | (m.snapshot ? 4 : 0)]),
    ...[m.to, m.from, m.term, m.logTerm, m.index, m.commit, m.rejectHint].map(f64),
  ];
  if (m.context) parts.push(u32(m.context.byteLength), Buffer.from(m.context));
  parts.push(u32(m.entries.length));
  for (const e of m.entries)
    parts.push(
      f64(e.term),
      f64(e.index),
      Buffer.from([e.type & 0xff]),
      u32(e.data.byteLength),
      Buffer.from(e.data),
    );
  if (m.snapshot) {
    const s = m.snapshot;
    parts.push(f64(s.index), f64(s.term), u32(s.voters.length), ...s.voters.map(f64));
    parts.push(u32(s.learners.length), ...s.learners.map(f64), u32(s.data.byteLength), Buffer.from(s.data));
  }
  return Buffer.concat(parts);
}

/** A side message frame (kind 1), e.g. `{ t: "removed" }` from a member. */
export function sideFrame(from: number, body: unknown): Buffer {
  return peerFrame(PeerKind.SIDE, Buffer.from(JSON.stringify({ from, body })));
}

/** A hello frame (kind 4): "I am member `id`, reachable at `url`". */
export function helloFrame(id: number, url: string): Buffer {
  return peerFrame(PeerKind.HELLO, Buffer.from(JSON.stringify({ id, url })));
}
