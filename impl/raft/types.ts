/**
 * The plain data of the Raft core: log entries, messages, hard state, snapshots and
 * configurations. Everything here is immutable once handed out: the core never mutates a
 * message or an entry it received or sent, so a simulator may deliver one object twice
 * (duplication) and a Ready's arrays may be kept by the caller.
 *
 * Node ids are positive integers; `None` (0) means "no node" (no leader, no vote).
 */

/** "No node": no leader known, no vote cast. */
export const None = 0;

/** What an entry carries. */
export const EntryType = {
  /** Application data (a proposal). */
  Normal: 0,
  /** An encoded {@link import("./confchange.js").ConfChange}. */
  ConfChange: 1,
  /** No payload: the leader's first entry of its term, or a refused conf change. */
  Empty: 2,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** The role of a node. */
export const Role = {
  Follower: 0,
  PreCandidate: 1,
  Candidate: 2,
  Leader: 3,
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const roleNames = ["follower", "pre-candidate", "candidate", "leader"] as const;

/** Message types, as in etcd's raftpb (local ones never cross the network). */
export const MessageType = {
  /** local: start an election. */
  Hup: 0,
  /** local: leader sends heartbeats. */
  Beat: 1,
  /** proposal (local on the leader, forwarded by followers). */
  Prop: 2,
  App: 3,
  AppResp: 4,
  Vote: 5,
  VoteResp: 6,
  Snap: 7,
  Heartbeat: 8,
  HeartbeatResp: 9,
  /** local: the transport could not reach `from`. */
  Unreachable: 10,
  /** local: the outcome of sending a snapshot to `from`. */
  SnapStatus: 11,
  /** local: leader checks that a quorum was active during the last election timeout. */
  CheckQuorum: 12,
  /** asks the leader to hand leadership to `from`. */
  TransferLeader: 13,
  /** leader tells the transferee to campaign at once. */
  TimeoutNow: 14,
  ReadIndex: 15,
  ReadIndexResp: 16,
  PreVote: 17,
  PreVoteResp: 18,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const messageTypeNames = [
  "MsgHup",
  "MsgBeat",
  "MsgProp",
  "MsgApp",
  "MsgAppResp",
  "MsgVote",
  "MsgVoteResp",
  "MsgSnap",
  "MsgHeartbeat",
  "MsgHeartbeatResp",
  "MsgUnreachable",
  "MsgSnapStatus",
  "MsgCheckQuorum",
  "MsgTransferLeader",
  "MsgTimeoutNow",
  "MsgReadIndex",
  "MsgReadIndexResp",
  "MsgPreVote",
  "MsgPreVoteResp",
] as const;

/**
 * One message. All fields are always present (a single object shape keeps the hot path
 * monomorphic); unused ones hold 0, false, the shared empty array or undefined.
 */
export interface Message {
  type: MessageType;
  to: number;
  from: number;
  term: number;
  /** MsgApp: term of the entry at `index`; reject responses: term of the hinted index. */
  logTerm: number;
  /** MsgApp: index preceding `entries`; MsgAppResp: last index matched (or rejected). */
  index: number;
  entries: readonly Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  /** Heartbeats: the ReadIndex request context being confirmed. */
  context: Uint8Array | undefined;
  snapshot: Snapshot | undefined;
}

export const noEntries: readonly Entry[] = Object.freeze([]) as readonly Entry[];
export const emptyBytes = new Uint8Array(0);

/** A message with every field at its zero value. */
export function newMessage(type: MessageType, to: number, from = None, term = 0): Message {
  return {
    type,
    to,
    from,
    term,
    logTerm: 0,
    index: 0,
    entries: noEntries,
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: undefined,
    snapshot: undefined,
  };
}

export function isLocalMessage(t: MessageType): boolean {
  return (
    t === MessageType.Hup ||
    t === MessageType.Beat ||
    t === MessageType.Unreachable ||
    t === MessageType.SnapStatus ||
    t === MessageType.CheckQuorum
  );
}

export function isResponseMessage(t: MessageType): boolean {
  return (
    t === MessageType.AppResp ||
    t === MessageType.VoteResp ||
    t === MessageType.HeartbeatResp ||
    t === MessageType.Unreachable ||
    t === MessageType.PreVoteResp
  );
}

export function voteResponseType(t: MessageType): MessageType {
  if (t === MessageType.Vote) return MessageType.VoteResp;
  if (t === MessageType.PreVote) return MessageType.PreVoteResp;
  throw new Error(`not a vote message: ${messageTypeNames[t]}`);
}

/** What must be on stable storage before any message is sent: term, vote, commit. */
export interface HardState {
  readonly term: number;
  readonly vote: number;
  readonly commit: number;
}

export const emptyHardState: HardState = Object.freeze({ term: 0, vote: None, commit: 0 });

export function isEmptyHardState(h: HardState): boolean {
  return h.term === 0 && h.vote === None && h.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Who votes and who only learns. Voters and learners are disjoint. */
export interface ConfState {
  readonly voters: readonly number[];
  readonly learners: readonly number[];
}

export interface SnapshotMetadata {
  /** Last log index the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** The configuration in effect at `index`. */
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The application's state at `metadata.index`, opaque to the core. */
  readonly data: Uint8Array;
}

export const emptySnapshot: Snapshot = Object.freeze({
  metadata: Object.freeze({ index: 0, term: 0, confState: Object.freeze({ voters: [], learners: [] }) }),
  data: emptyBytes,
});

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

/**
 * The answer to a ReadIndex request: once the node has applied up to `index`, a read
 * identified by `requestCtx` may be served from its state machine and is linearizable.
 */
export interface ReadState {
  readonly index: number;
  readonly requestCtx: Uint8Array;
}

/** Volatile state worth reporting when it changes (not persisted). */
export interface SoftState {
  readonly lead: number;
  readonly role: Role;
}
