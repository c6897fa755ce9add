/**
 * The Raft consensus core: a pure, deterministic state machine after etcd's raft library.
 * Start with {@link RawNode} and the {@link Ready} contract; see README.md.
 */
export * from "./types.js";
export type { Rand } from "./rand.js";
export { SeededRand } from "./rand.js";
export type { Storage, StorageMiss, InitialState } from "./storage.js";
export { MemoryStorage } from "./storage.js";
export type { RaftConfig, StepResult } from "./raft.js";
export { Raft } from "./raft.js";
export type { Ready } from "./ready.js";
export type { Status, ProgressStatus } from "./status.js";
export type { NetworkStepResult } from "./rawnode.js";
export { RawNode } from "./rawnode.js";
export type { ConfChange } from "./confchange.js";
export { ConfChangeType, encodeConfChange, decodeConfChange, describeConfChange } from "./confchange.js";
export { ProgressState, progressStateNames } from "./progress.js";
export {
  describeBytes,
  describeEntry,
  describeMessage,
  describeReady,
  describeSnapshot,
  describeHardState,
  describeConfState,
} from "./describe.js";
