/**
 * Durable storage for a Raft member (every member, a single node included): the WAL and
 * snapshot files behind impl/raft's `Storage` interface, the way etcd pairs its WAL with raft's
 * MemoryStorage. Raft reads from `memory` (a `MemoryStorage`); this class makes every change
 * durable before putting it there.
 *
 *     const { storage, recovered } = await RaftDiskStorage.open({ dataDir, logger, metadata });
 *     if (recovered.snapshot) store.restore(recovered.snapshot.data);
 *     const raft = newRaft({ storage: storage.memory, applied: recovered.snapshot?.metadata.index ?? 0, ... });
 *     // for each Ready, before sending its messages:
 *     await storage.save({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState });
 *     // after applying up to `index`, every --snapshot-count entries:
 *     await storage.createSnapshot(index, confState, store.serialize());
 *
 * Layout and recovery rules are in README.md: `<dataDir>/member/wal`,
 * `<dataDir>/member/snap/<term>-<index>.snap`. A snapshot file counts only if the WAL holds
 * its marker (as etcd's ValidSnapshotEntries): the file is written first, then the marker, so
 * a crash between the two leaves an orphan file that is ignored. On open the hard state's
 * commit is raised to the snapshot's index if a crash left it lower (a snapshot holds only
 * committed entries), which raft would otherwise reject.
 */
import { join } from "node:path";
import { stat } from "node:fs/promises";
import { MemoryStorage } from "../raft/storage.js";
import type { ConfState, Entry, EntryType, HardState, Snapshot } from "../raft/types.js";
import { emptyHardState, isEmptyHardState, isEmptySnapshot } from "../raft/types.js";
import { CorruptSnapshotError, WalInconsistentError } from "./errors.js";
import { Snapshotter } from "./snap.js";
import { Turns } from "./turns.js";
import { silentLogger } from "./types.js";
import type { StorageLogger, WalStats } from "./types.js";
import { Wal } from "./wal.js";
import { lockMemberDir } from "./lock.js";
import { checkDataDir } from "./datadir.js";

export interface RaftStorageOptions {
  /** etcd's `--data-dir`. */
  dataDir: string;
  logger?: StorageLogger;
  /** Stored when the data dir is created (e.g. member and cluster ids); returned on open. */
  metadata?: Uint8Array;
  /** WAL segment size. Default 64 MiB. */
  segmentBytes?: number;
  /** Snapshot files kept. Default 2. */
  keepSnapshots?: number;
  /** Entries kept in memory behind a snapshot so slow followers catch up without one (etcd: 5000). */
  catchUpEntries?: number;
  /** fdatasync (default true); false only for benchmarks and simulations. */
  fsync?: boolean;
  /** WAL write path: "async" (thread pool, default) or "sync" (on the event loop; less CPU per batch). See WalOptions.io. */
  io?: "async" | "sync";
  onSync?: (ms: number, records: number) => void;
  /** Cut the WAL at damage to acknowledged records instead of refusing to open (WalOptions.repair). */
  repair?: boolean;
}

export interface RaftRecovered {
  /** The snapshot raft starts from (restore the state machine from its data), if any. */
  snapshot: Snapshot | undefined;
  hardState: HardState;
  /** Last log index after recovery. */
  lastIndex: number;
  metadata: Uint8Array;
  /** True when the data dir held no WAL (a new member). */
  fresh: boolean;
  truncatedTail: { file: string; offset: number; bytes: number } | undefined;
}

/** What a Ready asks to persist (fields of impl/raft's Ready). */
export interface RaftPersist {
  hardState?: HardState | undefined;
  entries?: readonly Entry[];
  snapshot?: Snapshot | undefined;
  /** Ready.mustSync: false when only the commit index changed, which needs no fsync. Default true. */
  mustSync?: boolean;
}

/** Snapshot file data: [u32 length of the ConfState JSON][ConfState JSON][application data]. */
export function encodeRaftSnapshotData(confState: ConfState, data: Uint8Array): Uint8Array {
  const conf = Buffer.from(JSON.stringify({ voters: confState.voters, learners: confState.learners }));
  const out = Buffer.allocUnsafe(4 + conf.length + data.byteLength);
  out.writeUInt32LE(conf.length, 0);
  conf.copy(out, 4);
  out.set(data, 4 + conf.length);
  return out;
}

export function decodeRaftSnapshotData(
  bytes: Uint8Array,
  file: string,
): { confState: ConfState; data: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new CorruptSnapshotError(file, "no configuration header");
  const n = buf.readUInt32LE(0);
  if (4 + n > buf.length) throw new CorruptSnapshotError(file, `configuration length ${n} past the end`);
  let conf: unknown;
  try {
    conf = JSON.parse(buf.subarray(4, 4 + n).toString("utf8"));
  } catch (err) {
    throw new CorruptSnapshotError(file, `configuration is not JSON: ${(err as Error).message}`);
  }
  const c = conf as { voters?: unknown; learners?: unknown };
  const ids = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x));
  if (!ids(c.voters) || !ids(c.learners))
    throw new CorruptSnapshotError(file, "configuration lacks voters/learners");
  return {
    confState: { voters: c.voters, learners: c.learners },
    data: new Uint8Array(bytes.buffer, bytes.byteOffset + 4 + n, bytes.byteLength - 4 - n),
  };
}

export class RaftDiskStorage {
  /** Hand this to the Raft core as its `Storage`. Change it only through this class. */
  readonly memory: MemoryStorage;
  private snapshotting = false;
  /**
   * Its own snapshots and received ones take turns, each whole (file, WAL marker, memory): a
   * snapshot of its own made after a newer received one is out of date and writes nothing (a
   * WAL marker older than the one before it would make the log's jump to the newer snapshot
   * unreadable), and a prune never meets a snapshot file being written.
   */
  private readonly snapshotTurns = new Turns();
  private unlock: () => Promise<void> = async () => {};

  private constructor(
    private readonly wal: Wal,
    private readonly snapshotter: Snapshotter,
    memory: MemoryStorage,
    private readonly opts: { keepSnapshots: number; catchUpEntries: number; logger: StorageLogger },
  ) {
    this.memory = memory;
  }

  static async open(
    options: RaftStorageOptions,
  ): Promise<{ storage: RaftDiskStorage; recovered: RaftRecovered }> {
    const logger = options.logger ?? silentLogger;
    await checkDataDir(options.dataDir);
    const unlock = await lockMemberDir(join(options.dataDir, "member"), logger);
    try {
      const opened = await RaftDiskStorage.openLocked(options, logger);
      opened.storage.unlock = unlock;
      return opened;
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  private static async openLocked(
    options: RaftStorageOptions,
    logger: StorageLogger,
  ): Promise<{ storage: RaftDiskStorage; recovered: RaftRecovered }> {
    const walDir = join(options.dataDir, "member", "wal");
    const snapDir = join(options.dataDir, "member", "snap");
    const fresh = await stat(walDir).then(
      () => false,
      () => true,
    );
    const { wal, replay } = await Wal.open({
      dir: walDir,
      metadata: options.metadata,
      segmentBytes: options.segmentBytes,
      fsync: options.fsync,
      io: options.io,
      logger,
      onSync: options.onSync,
      repair: options.repair,
    });
    try {
      const snapshotter = new Snapshotter(snapDir, logger);
      const valid = new Set(replay.snapshots.map((m) => `${m.term}-${m.index}`));
      const file = await snapshotter.loadNewest((m) => valid.has(`${m.term}-${m.index}`));
      let snapshot: Snapshot | undefined;
      if (file) {
        const { confState, data } = decodeRaftSnapshotData(file.data, join(snapDir, "snapshot"));
        snapshot = { metadata: { index: file.index, term: file.term, confState }, data };
      }
      const snapIndex = snapshot?.metadata.index ?? 0;
      const walStart = replay.entries[0]?.index ?? (replay.snapshot ? replay.snapshot.index + 1 : 1);
      if (walStart > snapIndex + 1)
        throw new WalInconsistentError(
          `storage: the WAL in ${walDir} starts at index ${walStart} but the newest usable snapshot covers only up to ${snapIndex}`,
        );
      const memory = new MemoryStorage();
      if (snapshot) memory.applySnapshot(snapshot);
      const entries: Entry[] = replay.entries
        .filter((e) => e.index > snapIndex)
        .map((e) => ({ index: e.index, term: e.term, type: e.type as EntryType, data: e.data }));
      memory.append(entries);
      let hs = replay.hardState ?? emptyHardState;
      if (hs.commit < snapIndex) {
        logger.warn("storage: raised the recovered commit index to the snapshot's", {
          commit: hs.commit,
          snapshotIndex: snapIndex,
        });
        hs = { ...hs, commit: snapIndex };
      }
      if (hs.commit > memory.lastIndex())
        throw new WalInconsistentError(
          `storage: hard state commit ${hs.commit} is past the last log index ${memory.lastIndex()} in ${walDir}`,
        );
      if (!isEmptyHardState(hs)) memory.setHardState(hs);
      const storage = new RaftDiskStorage(wal, snapshotter, memory, {
        keepSnapshots: options.keepSnapshots ?? 2,
        catchUpEntries: options.catchUpEntries ?? 5000,
        logger,
      });
      logger.info("storage: opened raft storage", {
        dataDir: options.dataDir,
        snapshotIndex: snapIndex,
        firstIndex: memory.firstIndex(),
        lastIndex: memory.lastIndex(),
        term: hs.term,
        commit: hs.commit,
      });
      return {
        storage,
        recovered: {
          snapshot,
          hardState: hs,
          lastIndex: memory.lastIndex(),
          metadata: replay.metadata,
          fresh,
          truncatedTail: replay.truncatedTail,
        },
      };
    } catch (err) {
      await wal.close();
      throw err;
    }
  }

  /**
   * Persists what a Ready asks for — a received snapshot (file, then WAL marker), entries and
   * hard state (one WAL write, one fdatasync with whatever else is queued) — and then puts it
   * into `memory`. Resolve before sending the Ready's messages. If it rejects (e.g.
   * `NoSpaceError`), `memory` is unchanged and the Ready must not be acted on: neither send its
   * messages nor advance; save the same Ready again later, or stop the member.
   */
  save(rd: RaftPersist): Promise<void> {
    const snap = rd.snapshot && !isEmptySnapshot(rd.snapshot) ? rd.snapshot : undefined;
    return snap ? this.snapshotTurns.run(() => this.persist(rd, snap)) : this.persist(rd, undefined);
  }

  private async persist(rd: RaftPersist, snap: Snapshot | undefined): Promise<void> {
    const entries = rd.entries ?? [];
    const hs = rd.hardState && !isEmptyHardState(rd.hardState) ? rd.hardState : undefined;
    if (snap) {
      const { index, term, confState } = snap.metadata;
      await this.snapshotter.save({ index, term, data: encodeRaftSnapshotData(confState, snap.data) });
    }
    const pending: Promise<unknown>[] = [];
    if (snap)
      pending.push(this.wal.saveSnapshotMarker({ index: snap.metadata.index, term: snap.metadata.term }));
    if (entries.length || hs)
      pending.push(
        this.wal.save(
          entries.map((e) => ({ index: e.index, term: e.term, type: e.type, data: e.data })),
          hs,
          { sync: rd.mustSync ?? true },
        ),
      );
    await Promise.all(pending);
    if (snap && snap.metadata.index > this.memory.snapshot().metadata.index) this.memory.applySnapshot(snap);
    this.memory.append(entries);
    if (hs) this.memory.setHardState(hs);
  }

  /**
   * Snapshots the state machine after applying exactly `index` (`data` from the store's
   * serialize()), durably; then compacts the in-memory log to `index - catchUpEntries`, releases
   * WAL segments the snapshot covers and prunes old snapshot files. Returns "out-of-date" when
   * a snapshot at or past `index` exists, "busy" while another is being made.
   */
  async createSnapshot(
    index: number,
    confState: ConfState,
    data: Uint8Array,
  ): Promise<Snapshot | "out-of-date" | "busy"> {
    if (this.snapshotting) return "busy";
    this.snapshotting = true;
    try {
      return await this.snapshotTurns.run(() => this.makeSnapshot(index, confState, data));
    } finally {
      this.snapshotting = false;
    }
  }

  private async makeSnapshot(
    index: number,
    confState: ConfState,
    data: Uint8Array,
  ): Promise<Snapshot | "out-of-date"> {
    if (index <= this.memory.snapshot().metadata.index) return "out-of-date";
    const term = this.memory.term(index);
    if (typeof term !== "number")
      throw new RangeError(`createSnapshot: no term for index ${index} (${term})`);
    await this.snapshotter.save({ index, term, data: encodeRaftSnapshotData(confState, data) });
    await this.wal.saveSnapshotMarker({ index, term });
    const snap = this.memory.createSnapshot(index, confState, data);
    if (snap === "out-of-date") return snap;
    const compactTo = index - this.opts.catchUpEntries;
    if (compactTo > this.memory.firstIndex() - 1) this.memory.compact(compactTo);
    const released = await this.wal.releaseTo(index);
    const pruned = await this.snapshotter.prune(this.opts.keepSnapshots);
    this.opts.logger.info("storage: saved a raft snapshot", {
      index,
      term,
      releasedSegments: released,
      prunedSnapshots: pruned.length,
    });
    return snap;
  }

  stats(): WalStats {
    return this.wal.stats();
  }

  /** Waits for pending appends, closes the WAL and releases the data dir. */
  async close(): Promise<void> {
    await this.wal.close();
    await this.unlock();
  }
}
