/**
 * The leader's view of the cluster: the configuration (voters, learners), one
 * {@link Progress} per member, and the votes of the current election.
 */
import type { ConfState } from "./types.js";
import { Progress } from "./progress.js";
import { committedIndex, voteResult, type VoteResult } from "./quorum.js";

export class ProgressTracker {
  /** Sorted ascending; disjoint from learners. */
  voters: number[] = [];
  /** Sorted ascending. */
  learners: number[] = [];
  readonly progress = new Map<number, Progress>();
  readonly votes = new Map<number, boolean>();
  private readonly scratch: number[] = [];
  private readonly matchOf = (id: number): number => this.progress.get(id)?.match ?? 0;

  constructor(readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: this.voters.slice(), learners: this.learners.slice() };
  }

  isVoter(id: number): boolean {
    return this.voters.includes(id);
  }

  isSingleton(): boolean {
    return this.voters.length === 1;
  }

  /** The largest index replicated on a majority of voters (§5.3). */
  committed(): number {
    return committedIndex(this.voters, this.matchOf, this.scratch);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: number, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  /** Whether a majority of voters was heard from recently (CheckQuorum). */
  quorumActive(selfId: number): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === selfId || this.progress.get(id)?.recentActive) active++;
    }
    return active >= (this.voters.length >> 1) + 1;
  }

  /** Replaces voters and learners, keeping the progress of members that stay. */
  setConfig(voters: readonly number[], learners: readonly number[], nextIndex: number): void {
    this.voters = [...voters].sort((a, b) => a - b);
    this.learners = [...learners].sort((a, b) => a - b);
    const keep = new Set<number>([...this.voters, ...this.learners]);
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    for (const id of this.voters) this.ensure(id, false, nextIndex);
    for (const id of this.learners) this.ensure(id, true, nextIndex);
  }

  private ensure(id: number, isLearner: boolean, nextIndex: number): void {
    const pr = this.progress.get(id);
    if (pr) {
      pr.isLearner = isLearner;
      return;
    }
    const fresh = new Progress(Math.max(nextIndex, 1), this.maxInflight, isLearner);
    // A new member counts as active until the next CheckQuorum round, so that adding a
    // node does not make the leader step down at once.
    fresh.recentActive = true;
    this.progress.set(id, fresh);
  }

  /** Every member id, voters first, each group ascending. */
  ids(): number[] {
    return [...this.voters, ...this.learners];
  }
}
