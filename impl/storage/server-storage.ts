/**
 * Durable storage of the single-node server: the WAL plus periodic snapshots of the in-memory
 * MVCC store, under etcd's layout `<data-dir>/member/wal/` and `<data-dir>/member/snap/`.
 *
 * How the server uses it:
 *
 *     const { storage, recovered } = await ServerStorage.open({ dataDir, logger, snapshotCount });
 *     if (recovered.snapshot) store = restore(recovered.snapshot.data);
 *     for (const e of recovered.entries) apply(e.data);          // in order; e.index > snapshot.index
 *     // each write request:
 *     const index = await storage.append(encode(request));       // durable (fdatasync'ed) here
 *     const result = apply(request);                             // apply in index order, then reply
 *     if (storage.shouldSnapshot(index)) void storage.saveSnapshot(index, store.serialize());
 *
 * `append` promises resolve in index order (concurrent appends share one fsync). On a full disk
 * `append` and `saveSnapshot` reject with `NoSpaceError`: the write is not in the log (fail it
 * definitely, raise the NOSPACE alarm); reads are unaffected; appends work again once space is
 * freed. `saveSnapshot` must be given the store state after applying exactly `index`.
 */
import { join } from "node:path";
import { stat } from "node:fs/promises";
import { WalInconsistentError } from "./errors.js";
import { Snapshotter } from "./snap.js";
import { silentLogger } from "./types.js";
import type { Snapshot, StorageLogger, WalStats } from "./types.js";
import { Wal } from "./wal.js";
import { lockMemberDir } from "./lock.js";
import { checkDataDir } from "./datadir.js";

export interface ServerStorageOptions {
  /** etcd's `--data-dir`; the WAL goes to `<dataDir>/member/wal`, snapshots to `<dataDir>/member/snap`. */
  dataDir: string;
  /** Log lines (torn tail cut off, snapshot saved, segments released). Default: silent. */
  logger?: StorageLogger;
  /** etcd's `--snapshot-count`: applied entries between snapshots. Default 100000. */
  snapshotCount?: number;
  /** WAL segment size. Default 64 MiB. */
  segmentBytes?: number;
  /** Snapshot files kept (older ones pruned). Default 2. */
  keepSnapshots?: number;
  /** Stored when the data dir is created (e.g. JSON cluster and member ids); returned on open. */
  metadata?: Uint8Array;
  /** fdatasync each batch (default true); false only for benchmarks. */
  fsync?: boolean;
  /** WAL write path: "async" (thread pool, default) or "sync" (on the event loop; less CPU per batch). See WalOptions.io. */
  io?: "async" | "sync";
  /** Called after each WAL fsync with its duration in ms and the records it covered (for /metrics). */
  onSync?: (ms: number, records: number) => void;
  /** Cut the WAL at damage to acknowledged records instead of refusing to open (WalOptions.repair). */
  repair?: boolean;
}

/** What was on disk at open: restore `snapshot`, then apply `entries` in order. */
export interface Recovered {
  snapshot: Snapshot | undefined;
  /** Entries after the snapshot, index-contiguous from `snapshot.index + 1` (or 1). */
  entries: { index: number; data: Uint8Array }[];
  /** Metadata stored when the data dir was created. */
  metadata: Uint8Array;
  /** True when the data dir held no WAL (a new member). */
  fresh: boolean;
  /** Set when a torn WAL tail was cut off (also logged). */
  truncatedTail: { file: string; offset: number; bytes: number } | undefined;
}

export interface ServerStorageStats extends WalStats {
  /** Index of the newest durable snapshot (0 if none). */
  snapshotIndex: number;
  /** Snapshots saved since open, and the duration of the last save in ms. */
  snapshotsSaved: number;
  lastSnapshotMs: number;
}

export class ServerStorage {
  private snapIndex: number;
  private snapshotting = false;
  private snapshotsSaved = 0;
  private lastSnapshotMs = 0;
  private unlock: () => Promise<void> = async () => {};

  private constructor(
    private readonly wal: Wal,
    private readonly snapshotter: Snapshotter,
    private readonly opts: { snapshotCount: number; keepSnapshots: number; logger: StorageLogger },
    readonly walDir: string,
    readonly snapDir: string,
    snapIndex: number,
  ) {
    this.snapIndex = snapIndex;
  }

  /**
   * Opens (or creates) the data dir and reads it back. Throws `CorruptRecordError` for a
   * corrupted WAL record (file and offset in the message), `WalInconsistentError` when the WAL
   * no longer reaches back to the newest usable snapshot.
   */
  static async open(
    options: ServerStorageOptions,
  ): Promise<{ storage: ServerStorage; recovered: Recovered }> {
    const snapshotCount = options.snapshotCount ?? 100_000;
    if (!Number.isInteger(snapshotCount) || snapshotCount < 1)
      throw new RangeError(
        `ServerStorage.open: snapshotCount must be a positive integer, got ${snapshotCount}`,
      );
    const logger = options.logger ?? silentLogger;
    await checkDataDir(options.dataDir);
    const unlock = await lockMemberDir(join(options.dataDir, "member"), logger);
    try {
      const opened = await ServerStorage.openLocked(options, snapshotCount, logger);
      opened.storage.unlock = unlock;
      return opened;
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  private static async openLocked(
    options: ServerStorageOptions,
    snapshotCount: number,
    logger: StorageLogger,
  ): Promise<{ storage: ServerStorage; recovered: Recovered }> {
    const walDir = join(options.dataDir, "member", "wal");
    const snapDir = join(options.dataDir, "member", "snap");
    const fresh = await stat(walDir).then(
      () => false,
      () => true,
    );
    const snapshotter = new Snapshotter(snapDir, logger);
    const snapshot = await snapshotter.loadNewest();
    const { wal, replay } = await Wal.open({
      dir: walDir,
      metadata: options.metadata,
      segmentBytes: options.segmentBytes,
      replayFrom: (snapshot?.index ?? 0) + 1,
      fsync: options.fsync,
      io: options.io,
      logger,
      onSync: options.onSync,
      repair: options.repair,
    });
    const snapIndex = snapshot?.index ?? 0;
    const walStart =
      replay.entries[0]?.index ?? (replay.snapshot ? replay.snapshot.index + 1 : wal.lastIndex + 1);
    if (walStart > snapIndex + 1) {
      await wal.close();
      throw new WalInconsistentError(
        `storage: the WAL in ${walDir} starts at index ${walStart} but the newest usable snapshot in ${snapDir} covers only up to ${snapIndex}`,
      );
    }
    if (snapIndex > wal.lastIndex) {
      // The WAL ends before the snapshot (it was lost or removed): continue numbering after the
      // snapshot, so the next append gets snapshot index + 1.
      logger.warn("storage: the WAL ends before the newest snapshot; continuing after the snapshot", {
        walLastIndex: wal.lastIndex,
        snapshotIndex: snapIndex,
      });
      try {
        await wal.saveSnapshotMarker({ index: snapIndex, term: snapshot?.term ?? 1 });
      } catch (err) {
        await wal.close();
        throw err;
      }
    }
    const entries = replay.entries
      .filter((e) => e.index > snapIndex)
      .map((e) => ({ index: e.index, data: e.data }));
    const storage = new ServerStorage(
      wal,
      snapshotter,
      { snapshotCount, keepSnapshots: options.keepSnapshots ?? 2, logger },
      walDir,
      snapDir,
      snapIndex,
    );
    logger.info("storage: opened", {
      dataDir: options.dataDir,
      snapshotIndex: snapIndex,
      replayEntries: entries.length,
      lastIndex: wal.lastIndex,
      segments: wal.stats().segments,
    });
    return {
      storage,
      recovered: { snapshot, entries, metadata: replay.metadata, fresh, truncatedTail: replay.truncatedTail },
    };
  }

  /** Appends one request; resolves with its index once it is fdatasync'ed. */
  append(data: Uint8Array): Promise<number> {
    return this.wal.appendData(data);
  }

  /** Index of the last entry in the WAL. */
  get lastIndex(): number {
    return this.wal.lastIndex;
  }

  /** Index of the newest durable snapshot (0 if none). */
  get snapshotIndex(): number {
    return this.snapIndex;
  }

  /** True when `appliedIndex` is `snapshotCount` or more past the last snapshot and none is in progress. */
  shouldSnapshot(appliedIndex: number): boolean {
    return !this.snapshotting && appliedIndex - this.snapIndex >= this.opts.snapshotCount;
  }

  /**
   * Saves `data` (the store after applying exactly `index`) as a snapshot, records it in the
   * WAL, then releases WAL segments and older snapshot files it covers. One at a time: a call
   * while another runs, or for an index not above the last snapshot, does nothing.
   */
  async saveSnapshot(index: number, data: Uint8Array): Promise<void> {
    if (this.snapshotting || index <= this.snapIndex) return;
    if (index > this.wal.lastIndex)
      throw new RangeError(`saveSnapshot: index ${index} is past the last WAL index ${this.wal.lastIndex}`);
    this.snapshotting = true;
    const t0 = performance.now();
    try {
      const file = await this.snapshotter.save({ index, term: 1, data });
      await this.wal.saveSnapshotMarker({ index, term: 1 });
      this.snapIndex = index;
      const released = await this.wal.releaseTo(index);
      const pruned = await this.snapshotter.prune(this.opts.keepSnapshots);
      this.lastSnapshotMs = performance.now() - t0;
      this.snapshotsSaved++;
      this.opts.logger.info("storage: saved a snapshot", {
        file,
        index,
        bytes: data.byteLength,
        ms: Math.round(this.lastSnapshotMs * 10) / 10,
        releasedSegments: released,
        prunedSnapshots: pruned.length,
      });
    } finally {
      this.snapshotting = false;
    }
  }

  stats(): ServerStorageStats {
    return {
      ...this.wal.stats(),
      snapshotIndex: this.snapIndex,
      snapshotsSaved: this.snapshotsSaved,
      lastSnapshotMs: this.lastSnapshotMs,
    };
  }

  /** Waits for pending appends, closes the WAL and releases the data dir. */
  async close(): Promise<void> {
    await this.wal.close();
    await this.unlock();
  }
}
