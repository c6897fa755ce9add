/** A read-only view of a node, for operators, tests and the simulator. */
import type { Role } from "./types.js";
import type { ProgressState } from "./progress.js";

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly paused: boolean;
  readonly recentActive: boolean;
  readonly inflight: number;
  readonly pendingSnapshot: number;
}

export interface Status {
  readonly id: number;
  readonly term: number;
  readonly vote: number;
  readonly role: Role;
  readonly leader: number;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly leadTransferee: number;
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  /** On a leader: the progress of every member (itself included), by id. */
  readonly progress: ReadonlyMap<number, ProgressStatus> | undefined;
}
