/**
 * The Raft state machine (Ongaro & Ousterhout, "In Search of an Understandable Consensus
 * Algorithm", and Ongaro's thesis), after etcd's raft library: synchronous, no I/O. Messages
 * and ticks go in through {@link Raft.step} and {@link Raft.tick}; outgoing messages collect
 * in `msgs`, read results in `readStates`, and the log's unstable/committed parts wait for
 * {@link import("./rawnode.js").RawNode} to hand them out as a Ready.
 *
 * Implemented: elections with randomized timeouts (§5.2), PreVote (thesis §9.6), CheckQuorum
 * (thesis §6.2), replication with the consistency check (§5.3) and fast back-off by term,
 * probe/replicate flow control with bounded inflight messages, the current-term commit rule
 * (§5.4.2), ReadIndex (thesis §6.4), snapshots to lagging followers (§7), leadership transfer
 * (thesis §3.10) and single-server membership changes with learners (§6, thesis §4).
 */
import type { Entry, HardState, Message, ReadState, Snapshot, SoftState, ConfState } from "./types.js";
import {
  None,
  EntryType,
  MessageType as M,
  Role,
  newMessage,
  voteResponseType,
  emptyBytes,
  messageTypeNames,
  roleNames,
} from "./types.js";
import type { Storage } from "./storage.js";
import type { Rand } from "./rand.js";
import { RaftLog } from "./log.js";
import { ProgressTracker } from "./tracker.js";
import { ProgressState } from "./progress.js";
import { VoteResult } from "./quorum.js";
import { ReadOnly } from "./read-only.js";
import type { ConfChange } from "./confchange.js";
import { applyToConfState, ConfChangeType } from "./confchange.js";

export interface RaftConfig {
  /** This node's id (> 0). */
  readonly id: number;
  readonly storage: Storage;
  /** Randomness for election timeouts. */
  readonly rand: Rand;
  /** Ticks without hearing from a leader before campaigning (randomized in [e, 2e)). Default 10. */
  readonly electionTick?: number;
  /** Ticks between a leader's heartbeats. Must be < electionTick. Default 1. */
  readonly heartbeatTick?: number;
  /** The index the application has applied already (on restart). Default: the snapshot's. */
  readonly applied?: number;
  /** Bytes of entry data per MsgApp (at least one entry is always sent). Default 1 MiB. */
  readonly maxSizePerMsg?: number;
  /** MsgApp in flight per follower in Replicate state. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Bytes of committed entries per Ready. Default unlimited. */
  readonly maxCommittedSizePerReady?: number;
  /** A leader steps down when it has not heard from a quorum for an election timeout. Default true. */
  readonly checkQuorum?: boolean;
  /** A pre-election round before incrementing the term. Default true. */
  readonly preVote?: boolean;
  /** Receives a line for each notable transition (debugging). Default: none. */
  readonly logger?: (line: string) => void;
}

/** Why a proposal (or a read, or a transfer) was not accepted. "ok" means accepted or forwarded. */
export type StepResult = "ok" | "dropped";

const campaignTransfer = new TextEncoder().encode("CampaignTransfer");

const CampaignType = { PreElection: 0, Election: 1, Transfer: 2 } as const;
type CampaignType = (typeof CampaignType)[keyof typeof CampaignType];

function isCampaignTransfer(ctx: Uint8Array | undefined): boolean {
  if (ctx === undefined || ctx.length !== campaignTransfer.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== campaignTransfer[i]) return false;
  return true;
}

export class Raft {
  readonly id: number;
  term = 0;
  vote = None;
  lead = None;
  role: Role = Role.Follower;
  readonly log: RaftLog;
  readonly prs: ProgressTracker;
  /** Messages to send, drained by each Ready. */
  msgs: Message[] = [];
  /** ReadIndex answers, drained by each Ready. */
  readStates: ReadState[] = [];
  /** Whether this node is a learner in its own configuration. */
  isLearner = false;
  /** A leader transfer in progress (to this node id). */
  leadTransferee = None;
  /** Index of the latest conf change the leader appended; no new one until it is applied. */
  pendingConfIndex = 0;

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  private readonly maxMsgSize: number;
  private readonly rand: Rand;
  private readonly logger: ((line: string) => void) | undefined;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndex: Message[] = [];

  constructor(c: RaftConfig) {
    if (!(c.id > 0)) throw new Error(`Raft: id must be a positive integer, got ${c.id}`);
    const electionTick = c.electionTick ?? 10;
    const heartbeatTick = c.heartbeatTick ?? 1;
    if (!(heartbeatTick > 0)) throw new Error("Raft: heartbeatTick must be greater than 0");
    if (!(electionTick > heartbeatTick))
      throw new Error("Raft: electionTick must be greater than heartbeatTick");
    this.id = c.id;
    this.electionTimeout = electionTick;
    this.heartbeatTimeout = heartbeatTick;
    this.checkQuorum = c.checkQuorum ?? true;
    this.preVote = c.preVote ?? true;
    this.maxMsgSize = c.maxSizePerMsg ?? 1 << 20;
    this.rand = c.rand;
    this.logger = c.logger;
    this.log = new RaftLog(c.storage, c.maxCommittedSizePerReady);
    this.prs = new ProgressTracker(c.maxInflightMsgs ?? 256);

    const { hardState, confState } = c.storage.initialState();
    this.prs.setConfig(confState.voters, confState.learners, this.log.lastIndex() + 1);
    this.isLearner = this.prs.learners.includes(this.id);
    if (hardState.term !== 0 || hardState.vote !== None || hardState.commit !== 0) this.loadState(hardState);
    if (c.applied !== undefined && c.applied > 0) this.log.appliedTo(c.applied);
    this.becomeFollower(this.term, None);
  }

  // ---- views -------------------------------------------------------------------------

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Whether this node may become leader: a voter, and not installing a snapshot. */
  promotable(): boolean {
    const pr = this.prs.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.log.hasPendingSnapshot();
  }

  // ---- sending -----------------------------------------------------------------------

  private send(m: Message): void {
    m.from = this.id;
    if (m.type === M.Vote || m.type === M.VoteResp || m.type === M.PreVote || m.type === M.PreVoteResp) {
      if (m.term === 0) throw new Error(`term should be set when sending ${messageTypeNames[m.type]}`);
    } else {
      if (m.term !== 0)
        throw new Error(`term should not be set when sending ${messageTypeNames[m.type]} (was ${m.term})`);
      // Proposals and forwarded reads are local until they reach the leader: no term.
      if (m.type !== M.Prop && m.type !== M.ReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends entries (or a snapshot) to `to` if its progress allows; returns whether it sent. */
  private maybeSendAppend(to: number, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const m = newMessage(M.App, to);
    const term = this.log.term(pr.next - 1);
    const ents = term === undefined ? undefined : this.log.entries(pr.next, this.maxMsgSize);
    if (ents !== undefined && ents.length === 0 && !sendIfEmpty) return false;

    if (term === undefined || ents === undefined) {
      // The entries the follower needs are compacted: send a snapshot (§7).
      if (!pr.recentActive) return false;
      const snap = this.log.snapshot();
      if (snap === "unavailable") return false;
      if (snap.metadata.index === 0) throw new Error("need non-empty snapshot");
      const cs = snap.metadata.confState;
      if (!cs.voters.includes(to) && !cs.learners.includes(to)) {
        // The follower would refuse a snapshot whose configuration predates it: wait for the
        // application to take a newer one (it should after applying a conf change).
        this.debug(`snapshot at ${snap.metadata.index} predates member ${to}; waiting for a newer one`);
        return false;
      }
      m.type = M.Snap;
      m.snapshot = snap;
      pr.becomeSnapshot(snap.metadata.index);
      this.debug(`sends snapshot at ${snap.metadata.index} to ${to}`);
    } else {
      m.index = pr.next - 1;
      m.logTerm = term;
      m.entries = ents;
      m.commit = this.log.committed;
      const n = ents.length;
      if (n !== 0) {
        if (pr.state === ProgressState.Replicate) {
          const last = ents[n - 1]!.index;
          pr.optimisticUpdate(last);
          pr.inflights.add(last);
        } else if (pr.state === ProgressState.Probe) {
          pr.probeSent = true;
        } else {
          throw new Error(`node ${to} is sending append in unhandled state ${pr.state}`);
        }
      }
    }
    this.send(m);
    return true;
  }

  private sendAppend(to: number): void {
    this.maybeSendAppend(to, true);
  }

  private sendHeartbeat(to: number, ctx: Uint8Array | undefined): void {
    // Never advance a follower's commit beyond what it is known to hold.
    const pr = this.prs.progress.get(to)!;
    const m = newMessage(M.Heartbeat, to);
    m.commit = Math.min(pr.match, this.log.committed);
    m.context = ctx;
    this.send(m);
  }

  private bcastAppend(): void {
    for (const id of this.prs.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(): void {
    const ctx = this.readOnly.lastPendingRequestCtx();
    for (const id of this.prs.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  private sendTimeoutNow(to: number): void {
    this.send(newMessage(M.TimeoutNow, to));
  }

  // ---- state transitions ----------------------------------------------------------------

  private maybeCommit(): boolean {
    const mci = this.prs.committed();
    if (mci === Number.POSITIVE_INFINITY) return false;
    return this.log.maybeCommit(mci, this.term);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.rand.intn(this.electionTimeout);
    this.leadTransferee = None;
    this.prs.resetVotes();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      const learner = pr.isLearner;
      pr.match = 0;
      pr.next = last + 1;
      pr.state = ProgressState.Probe;
      pr.probeSent = false;
      pr.pendingSnapshot = 0;
      pr.recentActive = false;
      pr.inflights.reset();
      pr.isLearner = learner;
      if (id === this.id) pr.match = last;
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndex = [];
  }

  private appendEntry(ents: Entry[]): void {
    const li = this.log.lastIndex();
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      ents[i] = { term: this.term, index: li + 1 + i, type: e.type, data: e.data };
    }
    const last = this.log.append(ents);
    // The leader's own entries count towards the quorum at once; the Ready contract makes
    // them durable before any message carrying the resulting commit index leaves.
    this.prs.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
  }

  becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.lead = lead;
    this.role = Role.Follower;
    this.debug(`became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    if (this.role === Role.Leader) throw new Error("invalid transition [leader -> candidate]");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
    this.debug(`became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    if (this.role === Role.Leader) throw new Error("invalid transition [leader -> pre-candidate]");
    // Neither the term nor the vote change: a pre-election only asks whether one would win.
    this.prs.resetVotes();
    this.lead = None;
    this.role = Role.PreCandidate;
    this.debug(`became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    if (this.role === Role.Follower) throw new Error("invalid transition [follower -> leader]");
    this.reset(this.term);
    this.lead = this.id;
    this.role = Role.Leader;
    const self = this.prs.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Conservatively: any conf change in the uncommitted tail blocks new ones until applied.
    this.pendingConfIndex = this.log.lastIndex();
    // An entry of the new term, so that earlier entries commit (§5.4.2) and ReadIndex works.
    this.appendEntry([{ term: 0, index: 0, type: EntryType.Empty, data: emptyBytes }]);
    this.debug(`became leader at term ${this.term}`);
  }

  private hup(t: CampaignType): void {
    if (this.role === Role.Leader) return;
    if (!this.promotable()) return;
    // No campaign while a committed conf change is not applied: the config may be stale.
    if (this.log.applied < this.log.committed) {
      const ents = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.POSITIVE_INFINITY);
      if (ents === undefined) throw new Error("unexpected compaction of unapplied entries");
      for (const e of ents) {
        if (e.type === EntryType.ConfChange) {
          this.debug("cannot campaign: pending configuration changes to apply");
          return;
        }
      }
    }
    this.campaign(t);
  }

  private campaign(t: CampaignType): void {
    if (!this.promotable()) return;
    let term: number;
    let voteMsg: M;
    if (t === CampaignType.PreElection) {
      this.becomePreCandidate();
      voteMsg = M.PreVote;
      term = this.term + 1; // the term we would campaign in
    } else {
      this.becomeCandidate();
      voteMsg = M.Vote;
      term = this.term;
    }
    if (this.poll(this.id, voteResponseType(voteMsg), true) === VoteResult.Won) {
      // A single-voter cluster wins at once.
      if (t === CampaignType.PreElection) this.campaign(CampaignType.Election);
      else this.becomeLeader();
      return;
    }
    for (const id of this.prs.voters) {
      if (id === this.id) continue;
      const m = newMessage(voteMsg, id, None, term);
      m.index = this.log.lastIndex();
      m.logTerm = this.log.lastTerm();
      if (t === CampaignType.Transfer) m.context = campaignTransfer;
      this.send(m);
    }
  }

  private poll(id: number, _t: M, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes();
  }

  // ---- input ---------------------------------------------------------------------------

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(newMessage(M.Hup, None, this.id));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(newMessage(M.CheckQuorum, None, this.id));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.role === Role.Leader && this.leadTransferee !== None) this.abortLeaderTransfer();
    }
    if (this.role !== Role.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(newMessage(M.Beat, None, this.id));
    }
  }

  /** Handles one message (from the network or a local one: Hup, Beat, Prop, ...). */
  step(m: Message): StepResult {
    if (m.term === 0) {
      // local message (or proposal / read forwarded without a term)
    } else if (m.term > this.term) {
      if (m.type === M.Vote || m.type === M.PreVote) {
        const force = isCampaignTransfer(m.context);
        const inLease = this.checkQuorum && this.lead !== None && this.electionElapsed < this.electionTimeout;
        if (!force && inLease) {
          // We heard from a leader within the minimum election timeout: ignore the vote
          // (thesis §4.2.3), so a partitioned node cannot disrupt a healthy cluster.
          this.debug(
            `ignored ${messageTypeNames[m.type]} from ${m.from} at term ${m.term}: lease not expired`,
          );
          return "ok";
        }
      }
      if (m.type === M.PreVote) {
        // Never change our term in response to a PreVote.
      } else if (m.type === M.PreVoteResp && !m.reject) {
        // Granted pre-votes carry the future term; the term changes only once we win.
      } else if (m.type === M.App || m.type === M.Heartbeat || m.type === M.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === M.Heartbeat || m.type === M.App)) {
        // A stale leader: tell it our term so it steps down (otherwise, with CheckQuorum or
        // PreVote, a node partitioned at a higher term could never rejoin).
        this.send(newMessage(M.AppResp, m.from));
      } else if (m.type === M.PreVote) {
        const r = newMessage(M.PreVoteResp, m.from, None, this.term);
        r.reject = true;
        this.send(r);
      }
      return "ok"; // ignore other stale messages
    }

    switch (m.type) {
      case M.Hup:
        this.hup(this.preVote ? CampaignType.PreElection : CampaignType.Election);
        return "ok";
      case M.Vote:
      case M.PreVote: {
        // We can vote if this is a repeat of a vote we cast, or we have not voted and know
        // of no leader, or it is a PreVote for a future term.
        const canVote =
          this.vote === m.from ||
          (this.vote === None && this.lead === None) ||
          (m.type === M.PreVote && m.term > this.term);
        if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
          // Reply with the term of the request: a pre-vote answer is in the future term.
          this.send(newMessage(voteResponseType(m.type), m.from, None, m.term));
          if (m.type === M.Vote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          const r = newMessage(voteResponseType(m.type), m.from, None, this.term);
          r.reject = true;
          this.send(r);
        }
        return "ok";
      }
      default:
        if (this.role === Role.Leader) return this.stepLeader(m);
        if (this.role === Role.Follower) return this.stepFollower(m);
        return this.stepCandidate(m);
    }
  }

  private stepLeader(m: Message): StepResult {
    switch (m.type) {
      case M.Beat:
        this.bcastHeartbeat();
        return "ok";
      case M.CheckQuorum:
        if (!this.prs.quorumActive(this.id)) {
          this.debug("stepped down to follower since quorum is not active");
          this.becomeFollower(this.term, None);
        }
        for (const [id, pr] of this.prs.progress) if (id !== this.id) pr.recentActive = false;
        return "ok";
      case M.Prop: {
        if (m.entries.length === 0) throw new Error(`${this.id} stepped empty MsgProp`);
        if (!this.prs.progress.has(this.id)) return "dropped"; // removed from the config
        if (this.leadTransferee !== None) return "dropped"; // transferring leadership
        const ents = m.entries.slice();
        for (let i = 0; i < ents.length; i++) {
          const e = ents[i]!;
          if (e.type !== EntryType.ConfChange) continue;
          if (this.pendingConfIndex > this.log.applied) {
            // One change at a time: the previous one is not applied yet (thesis §4.1).
            this.debug(`ignoring conf change at ${this.log.lastIndex() + i + 1}: previous not applied`);
            ents[i] = { term: 0, index: 0, type: EntryType.Empty, data: emptyBytes };
          } else {
            this.pendingConfIndex = this.log.lastIndex() + i + 1;
          }
        }
        this.appendEntry(ents);
        this.bcastAppend();
        return "ok";
      }
      case M.ReadIndex:
        if (this.prs.isSingleton()) {
          this.respondToReadIndex(m, this.log.committed);
          return "ok";
        }
        // Until an entry of this term is committed, our commit index may lag behind the
        // true one (thesis §6.4): postpone the read.
        if (!this.committedEntryInCurrentTerm()) {
          this.pendingReadIndex.push(m);
          return "ok";
        }
        this.sendReadIndexRound(m);
        return "ok";
    }

    const pr = this.prs.progress.get(m.from);
    if (pr === undefined) return "ok";
    switch (m.type) {
      case M.AppResp: {
        pr.recentActive = true;
        if (m.reject) {
          let nextProbeIdx = m.rejectHint;
          if (m.logTerm > 0) {
            // The follower's term at rejectHint: skip every entry of ours with a higher term.
            nextProbeIdx = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
          }
          if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
            if (pr.state === ProgressState.Replicate) pr.becomeProbe();
            this.sendAppend(m.from);
          }
        } else {
          const oldPaused = pr.isPaused();
          if (pr.maybeUpdate(m.index)) {
            if (pr.state === ProgressState.Probe) {
              pr.becomeReplicate();
            } else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
              pr.becomeProbe();
              pr.becomeReplicate();
            } else if (pr.state === ProgressState.Replicate) {
              pr.inflights.freeLE(m.index);
            }
            if (this.maybeCommit()) {
              this.releasePendingReadIndex();
              this.bcastAppend();
            } else if (oldPaused) {
              this.sendAppend(m.from);
            }
            // Send as much as flow control allows.
            while (this.maybeSendAppend(m.from, false)) {
              /* keep sending */
            }
            if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
              this.debug(`sent TimeoutNow to ${m.from} after it caught up`);
              this.sendTimeoutNow(m.from);
            }
          }
        }
        return "ok";
      }
      case M.HeartbeatResp: {
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
        if (m.context === undefined || m.context.length === 0) return "ok";
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (acks === undefined) return "ok";
        let granted = 0;
        for (const id of this.prs.voters) if (id === this.id || acks.has(id)) granted++;
        if (granted < (this.prs.voters.length >> 1) + 1) return "ok";
        for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
        return "ok";
      }
      case M.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) return "ok";
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the follower's next response before probing again.
        pr.probeSent = true;
        return "ok";
      case M.Unreachable:
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        return "ok";
      case M.TransferLeader: {
        if (pr.isLearner) return "dropped";
        const transferee = m.from;
        if (this.leadTransferee !== None) {
          if (this.leadTransferee === transferee) return "ok";
          this.abortLeaderTransfer();
        }
        if (transferee === this.id) return "ok";
        this.electionElapsed = 0; // the transfer must finish within one election timeout
        this.leadTransferee = transferee;
        if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
        else this.sendAppend(transferee);
        return "ok";
      }
    }
    return "ok";
  }

  private stepCandidate(m: Message): StepResult {
    const myVoteResp = this.role === Role.PreCandidate ? M.PreVoteResp : M.VoteResp;
    switch (m.type) {
      case M.Prop:
        return "dropped";
      case M.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return "ok";
      case M.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return "ok";
      case M.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return "ok";
      case myVoteResp: {
        const res = this.poll(m.from, m.type, !m.reject);
        if (res === VoteResult.Won) {
          if (this.role === Role.PreCandidate) {
            this.campaign(CampaignType.Election);
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === VoteResult.Lost) {
          // The MsgPreVoteResp of a rejection carries a term ≤ ours: stay in our term.
          this.becomeFollower(this.term, None);
        }
        return "ok";
      }
      case M.ReadIndex:
        return "dropped";
    }
    return "ok";
  }

  private stepFollower(m: Message): StepResult {
    switch (m.type) {
      case M.Prop: {
        if (this.lead === None) return "dropped";
        const f = { ...m, to: this.lead };
        f.term = 0;
        this.send(f);
        return "ok";
      }
      case M.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return "ok";
      case M.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return "ok";
      case M.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return "ok";
      case M.TransferLeader: {
        if (this.lead === None) return "dropped";
        const f = { ...m, to: this.lead };
        f.term = 0;
        this.send(f);
        return "ok";
      }
      case M.TimeoutNow:
        // Leadership transfers skip the pre-vote: we know we are not recovering from a
        // partition (thesis §3.10).
        this.hup(CampaignType.Transfer);
        return "ok";
      case M.ReadIndex: {
        if (this.lead === None) return "dropped";
        const f = { ...m, to: this.lead };
        f.term = 0;
        this.send(f);
        return "ok";
      }
      case M.ReadIndexResp:
        if (m.entries.length !== 1) return "ok"; // malformed
        this.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
        return "ok";
    }
    return "ok";
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      const r = newMessage(M.AppResp, m.from);
      r.index = this.log.committed;
      this.send(r);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      const r = newMessage(M.AppResp, m.from);
      r.index = lastNew;
      this.send(r);
      return;
    }
    // Mismatch (§5.3). Hint the largest index that may match: at most our last index, and
    // no entry of a term above the leader's term at m.index can match.
    let hintIndex = Math.min(m.index, this.log.lastIndex());
    hintIndex = this.log.findConflictByTerm(hintIndex, m.logTerm);
    const hintTerm = this.log.term(hintIndex) ?? 0;
    this.debug(`rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`);
    const r = newMessage(M.AppResp, m.from);
    r.index = m.index;
    r.reject = true;
    r.rejectHint = hintIndex;
    r.logTerm = hintTerm;
    this.send(r);
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    const r = newMessage(M.HeartbeatResp, m.from);
    r.context = m.context;
    this.send(r);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    const r = newMessage(M.AppResp, m.from);
    if (s !== undefined && this.restore(s)) {
      this.debug(`restored snapshot at ${s.metadata.index}`);
      r.index = this.log.lastIndex();
    } else {
      r.index = this.log.committed;
    }
    this.send(r);
  }

  /** Installs snapshot `s` if it is ahead of our log; returns whether it did. */
  restore(s: Snapshot): boolean {
    if (s.metadata.index <= this.log.committed) return false;
    if (this.role !== Role.Follower) {
      // Defensive (etcd): only followers restore; a leader would never receive one.
      this.becomeFollower(this.term + 1, None);
      return false;
    }
    const cs = s.metadata.confState;
    if (!cs.voters.includes(this.id) && !cs.learners.includes(this.id)) {
      this.debug(`not in the snapshot's configuration, ignoring it`);
      return false;
    }
    if (this.log.matchTerm(s.metadata.index, s.metadata.term)) {
      // We have the snapshot's last entry: fast-forward commit instead.
      this.log.commitTo(s.metadata.index);
      return false;
    }
    this.log.restore(s);
    this.prs.setConfig([], [], 0);
    this.prs.setConfig(cs.voters, cs.learners, this.log.lastIndex() + 1);
    const self = this.prs.progress.get(this.id)!;
    self.maybeUpdate(self.next - 1);
    this.isLearner = self.isLearner;
    return true;
  }

  private committedEntryInCurrentTerm(): boolean {
    return (this.log.term(this.log.committed) ?? 0) === this.term;
  }

  private sendReadIndexRound(m: Message): void {
    const ctx = m.entries[0]?.data;
    this.readOnly.addRequest(this.log.committed, m);
    this.readOnly.recvAck(this.id, ctx);
    for (const id of this.prs.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  private releasePendingReadIndex(): void {
    if (this.pendingReadIndex.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndex;
    this.pendingReadIndex = [];
    for (const m of pending) this.sendReadIndexRound(m);
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === None || req.from === this.id) {
      this.readStates.push({ index, requestCtx: req.entries[0]?.data ?? emptyBytes });
      return;
    }
    const r = newMessage(M.ReadIndexResp, req.from);
    r.index = index;
    r.entries = req.entries;
    this.send(r);
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  /**
   * Applies a committed conf change to the tracker (called by the application when it
   * applies the entry). Returns the new configuration, or an error string for a change that
   * is not allowed (the configuration is then unchanged).
   */
  applyConfChange(cc: ConfChange): ConfState | string {
    const next = applyToConfState(this.prs.confState(), cc);
    if (typeof next === "string") return next;
    this.prs.setConfig(next.voters, next.learners, this.log.lastIndex());
    const pr = this.prs.progress.get(this.id);
    this.isLearner = pr !== undefined && pr.isLearner;
    if ((pr === undefined || this.isLearner) && this.role === Role.Leader) {
      // The leader was removed (§6): hand over to the most up-to-date voter, then step down.
      let best = None;
      let bestMatch = -1;
      for (const id of this.prs.voters) {
        const p = this.prs.progress.get(id)!;
        if (p.match > bestMatch) {
          best = id;
          bestMatch = p.match;
        }
      }
      if (best !== None && bestMatch === this.log.lastIndex()) this.sendTimeoutNow(best);
      this.becomeFollower(this.term, None);
      return next;
    }
    if (this.role !== Role.Leader || next.voters.length === 0) return next;
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      for (const id of this.prs.progress.keys()) if (id !== this.id) this.maybeSendAppend(id, false);
    }
    if (this.leadTransferee !== None && !this.prs.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    if (cc.type === ConfChangeType.RemoveNode) this.releasePendingReadIndex();
    return next;
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.log.committed || hs.commit > this.log.lastIndex()) {
      throw new Error(
        `hard state commit ${hs.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`,
      );
    }
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  private debug(line: string): void {
    if (this.logger) this.logger(`${this.id} [${roleNames[this.role]} term ${this.term}] ${line}`);
  }
}
