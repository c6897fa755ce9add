/**
 * The public types of `impl/storage`: what a Raft member's storage hands to the write-ahead log
 * and gets back from it. Everything here is plain data; the classes that do the disk I/O are
 * `Wal` (wal.ts), `Snapshotter` (snap.ts) and `RaftDiskStorage` (raft-storage.ts).
 */

/** Where log lines go. Structurally compatible with impl/server's `Logger`. */
export interface StorageLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (the default when none is passed). */
export const silentLogger: StorageLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * One log entry: a Raft entry (`type` 0 = normal, 1 = conf change, as etcd's raftpb.EntryType);
 * `Wal.appendData` gives its entries the WAL's `dataTerm` and type 0.
 * Index starts at 1; an entry appended with an index at or below the last one replaces the
 * suffix from that index (Raft's log overwrite), on disk and on replay.
 */
export interface WalEntry {
  index: number;
  term: number;
  type: number;
  data: Uint8Array;
}

/** Raft's durable vote state (etcd's raftpb.HardState). */
export interface HardState {
  term: number;
  vote: number;
  commit: number;
}

/** The position a snapshot covers: every entry up to `index` (of `term`) is in the snapshot. */
export interface SnapshotMarker {
  index: number;
  term: number;
}

/** A snapshot file as saved and loaded: its position and its opaque bytes (for Raft, the ConfState and the store's `serialize()`). */
export interface Snapshot extends SnapshotMarker {
  data: Uint8Array;
}

/** What `Wal.open` read back from disk. */
export interface WalReplay {
  /** The caller's metadata bytes (written at creation and at the head of every segment). */
  metadata: Uint8Array;
  /** The last hard state written, if any. */
  hardState: HardState | undefined;
  /** The last snapshot marker written, if any. */
  snapshot: SnapshotMarker | undefined;
  /** Every snapshot marker still in the log, oldest first (a snapshot file is valid only with one). */
  snapshots: SnapshotMarker[];
  /** Every entry still in the log (from `replayFrom` on), index-contiguous, after applying overwrites. */
  entries: WalEntry[];
  /** Set when a torn tail was cut off. */
  truncatedTail: { file: string; offset: number; bytes: number } | undefined;
}

/** Counters for /metrics and for the benchmark. */
export interface WalStats {
  /** fdatasync calls made for appends. */
  syncs: number;
  /** Batches written (each one write; with fsync on, one fdatasync). */
  batches: number;
  /** Records made durable. */
  records: number;
  /** Bytes written. */
  bytes: number;
  /** Batches rejected with NoSpaceError. */
  noSpaceFailures: number;
  /** Live segment files. */
  segments: number;
  /** Duration of the last fdatasync in milliseconds. */
  lastSyncMs: number;
}
