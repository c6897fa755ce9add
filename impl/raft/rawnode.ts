/**
 * RawNode: the public face of the core (etcd's raft.RawNode). The caller owns the loop:
 *
 * ```ts
 * const node = new RawNode({ id: 1, storage, rand: new SeededRand(seed) });
 * node.bootstrap([1, 2, 3]);               // a brand-new cluster member (empty storage)
 * // on a timer:  node.tick();
 * // on receipt:  node.step(message);
 * // client ops:  node.propose(data); node.readIndex(ctx);
 * while (node.hasReady()) {
 *   const rd = node.ready();
 *   // persist rd.snapshot, rd.entries, rd.hardState   (see ready.ts: THE CONTRACT)
 *   // send rd.messages
 *   // apply rd.snapshot, rd.committedEntries (applyConfChange for ConfChange entries)
 *   node.advance(rd);
 * }
 * ```
 */
import type { Entry, HardState, Message, SoftState, ConfState, ReadState } from "./types.js";
import {
  None,
  EntryType,
  MessageType as M,
  Role,
  newMessage,
  emptyHardState,
  isLocalMessage,
  isResponseMessage,
} from "./types.js";
import type { RaftConfig, StepResult } from "./raft.js";
import { Raft } from "./raft.js";
import type { Ready } from "./ready.js";
import type { Status, ProgressStatus } from "./status.js";
import type { ConfChange } from "./confchange.js";
import { ConfChangeType, encodeConfChange } from "./confchange.js";

/** Outcome of stepping a message from the network. */
export type NetworkStepResult = "ok" | "local-message" | "unknown-peer";

const noReadStates: readonly ReadState[] = Object.freeze([]) as readonly ReadState[];
const noMessages: readonly Message[] = Object.freeze([]) as readonly Message[];

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  /**
   * Starts a brand-new member of a new cluster whose initial voters are `peers`: writes one
   * AddNode entry per peer at term 1, committed. Storage must be empty. The next Ready
   * carries them (to persist and to apply, like any entries).
   */
  bootstrap(peers: readonly number[]): void {
    if (peers.length === 0) throw new Error("RawNode.bootstrap: must provide at least one peer");
    const storage = this.raft.log.storage;
    if (storage.lastIndex() !== 0) throw new Error("RawNode.bootstrap: can't bootstrap a nonempty storage");
    this.prevHard = emptyHardState; // make sure the hard state is persisted
    this.raft.becomeFollower(1, None);
    const ents: Entry[] = peers.map((id, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: id }),
    }));
    this.raft.log.append(ents);
    this.raft.log.committed = ents.length;
    for (const id of peers) this.raft.applyConfChange({ type: ConfChangeType.AddNode, nodeId: id });
  }

  /** Advances logical time by one tick (election and heartbeat timers). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests; normally ticks do it). */
  campaign(): void {
    this.raft.step(newMessage(M.Hup, None, this.raft.id));
  }

  /** Proposes `data` to be appended to the log. "dropped" when no leader can take it now. */
  propose(data: Uint8Array): StepResult {
    const m = newMessage(M.Prop, None, this.raft.id);
    m.entries = [{ term: 0, index: 0, type: EntryType.Normal, data }];
    return this.raft.step(m);
  }

  /**
   * Proposes a membership change. The leader refuses (turns it into an empty entry) while an
   * earlier change is not applied; apply the committed entry with {@link applyConfChange}.
   */
  proposeConfChange(cc: ConfChange): StepResult {
    const m = newMessage(M.Prop, None, this.raft.id);
    m.entries = [{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }];
    return this.raft.step(m);
  }

  /** Makes a committed conf change effective (call while applying its entry). */
  applyConfChange(cc: ConfChange): ConfState | string {
    return this.raft.applyConfChange(cc);
  }

  /** Steps a message received from the network. */
  step(m: Message): NetworkStepResult {
    if (isLocalMessage(m.type)) return "local-message";
    if (this.raft.prs.progress.has(m.from) || !isResponseMessage(m.type)) {
      this.raft.step(m);
      return "ok";
    }
    return "unknown-peer";
  }

  /**
   * Requests a linearizable read identified by `context` (unique per request). The answer
   * comes as a ReadState in a later Ready; serve the read once applied ≥ its index.
   */
  readIndex(context: Uint8Array): StepResult {
    const m = newMessage(M.ReadIndex, None);
    m.entries = [{ term: 0, index: 0, type: EntryType.Normal, data: context }];
    return this.raft.step(m);
  }

  /** Asks the leader to hand leadership over to `transferee`. */
  transferLeader(transferee: number): StepResult {
    return this.raft.step(newMessage(M.TransferLeader, None, transferee));
  }

  /** Tells the leader that the last message to `id` could not be delivered. */
  reportUnreachable(id: number): void {
    this.raft.step(newMessage(M.Unreachable, None, id));
  }

  /** Tells the leader whether the snapshot it sent to `id` was installed. */
  reportSnapshot(id: number, status: "finish" | "failure"): void {
    const m = newMessage(M.SnapStatus, None, id);
    m.reject = status === "failure";
    this.raft.step(m);
  }

  /** Whether {@link ready} would return something to do. */
  hasReady(): boolean {
    const r = this.raft;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.log.unstable.entries.length > 0 || r.log.hasPendingSnapshot()) return true;
    if (r.log.hasNextEnts()) return true;
    if (r.lead !== this.prevSoft.lead || r.role !== this.prevSoft.role) return true;
    const p = this.prevHard;
    return r.term !== p.term || r.vote !== p.vote || r.log.committed !== p.commit;
  }

  /** What to persist, send and apply now; see ready.ts for the contract. */
  ready(): Ready {
    const r = this.raft;
    let softState: SoftState | undefined;
    if (r.lead !== this.prevSoft.lead || r.role !== this.prevSoft.role) {
      softState = r.softState();
      this.prevSoft = softState;
    }
    let hardState: HardState | undefined;
    const p = this.prevHard;
    if (r.term !== p.term || r.vote !== p.vote || r.log.committed !== p.commit) hardState = r.hardState();
    const entries = r.log.unstableEntries();
    const snapshot = r.log.unstable.snapshot;
    const committedEntries = r.log.nextEnts();
    const rd: Ready = {
      softState,
      hardState,
      readStates: r.readStates.length > 0 ? r.readStates : noReadStates,
      entries,
      snapshot,
      committedEntries,
      messages: r.msgs.length > 0 ? r.msgs : noMessages,
      mustSync:
        entries.length > 0 ||
        (hardState !== undefined &&
          (hardState.term !== this.prevHard.term || hardState.vote !== this.prevHard.vote)),
    };
    if (r.msgs.length > 0) r.msgs = [];
    if (r.readStates.length > 0) r.readStates = [];
    return rd;
  }

  /** Reports that `rd` was persisted, sent and applied (steps 1–3 of the contract). */
  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    let applied = 0;
    if (rd.committedEntries.length > 0) applied = rd.committedEntries[rd.committedEntries.length - 1]!.index;
    else if (rd.snapshot !== undefined) applied = rd.snapshot.metadata.index;
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > applied)
      applied = rd.snapshot.metadata.index;
    if (applied > 0 && applied > r.log.applied) r.log.appliedTo(applied);
    if (rd.entries.length > 0) {
      const e = rd.entries[rd.entries.length - 1]!;
      r.log.stableTo(e.index, e.term);
    }
    if (rd.snapshot !== undefined) r.log.stableSnapTo(rd.snapshot.metadata.index);
  }

  status(): Status {
    const r = this.raft;
    let progress: Map<number, ProgressStatus> | undefined;
    if (r.role === Role.Leader) {
      progress = new Map();
      for (const [id, pr] of r.prs.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          paused: pr.isPaused(),
          recentActive: pr.recentActive,
          inflight: pr.inflights.length,
          pendingSnapshot: pr.pendingSnapshot,
        });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      role: r.role,
      leader: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      leadTransferee: r.leadTransferee,
      voters: r.prs.voters.slice(),
      learners: r.prs.learners.slice(),
      progress,
    };
  }
}
