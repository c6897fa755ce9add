/**
 * impl/storage — the reference server's only disk I/O: a write-ahead log with group commit
 * (wal.ts), snapshot files (snap.ts), and a Raft member's durable storage on top of both,
 * behind impl/raft's MemoryStorage (raft-storage.ts). See README.md for the layout on disk, the
 * record format and the recovery rules.
 */
export { RaftDiskStorage, encodeRaftSnapshotData, decodeRaftSnapshotData } from "./raft-storage.js";
export type { RaftStorageOptions, RaftRecovered, RaftPersist } from "./raft-storage.js";
export { Wal, DEFAULT_SEGMENT_BYTES } from "./wal.js";
export type { WalOptions } from "./wal.js";
export { Snapshotter } from "./snap.js";
export { DataDirLockedError } from "./lock.js";
export { checkDataDir } from "./datadir.js";
export {
  StorageError,
  NoSpaceError,
  CorruptRecordError,
  ForeignDataDirError,
  CorruptSnapshotError,
  WalInconsistentError,
  WalFailedError,
  WalClosedError,
  isNoSpace,
} from "./errors.js";
export { silentLogger } from "./types.js";
export type {
  StorageLogger,
  WalEntry,
  HardState,
  SnapshotMarker,
  Snapshot,
  WalReplay,
  WalStats,
} from "./types.js";
