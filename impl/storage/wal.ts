/**
 * The write-ahead log: segment files `<seq>-<first index>.wal` in one directory, each a run of
 * checksummed records (record.ts). Every append resolves only after its records are written and
 * fdatasync'ed; appends that arrive while a write is in flight wait and then share the next
 * single write and single fdatasync (group commit), so N concurrent appenders cost about one
 * fsync per batch, not per record.
 *
 * What it holds is what Raft needs: entries (index, term, type, opaque data), hard state,
 * snapshot markers, and caller metadata at the head of every segment. An entry at or below the
 * last index replaces the suffix from there, on replay as in memory (Raft's log overwrite).
 *
 * Usage:
 *
 *     const { wal, replay } = await Wal.open({ dir, metadata, logger });
 *     const index = await wal.appendData(bytes);         // the WAL picks the index (tests, bench:wal)
 *     await wal.save([{ index, term, type: 0, data }], hs); // Raft: entries + hard state, one sync
 *     await wal.saveSnapshotMarker({ index, term });      // after the snapshot file is durable
 *     await wal.releaseTo(index);                         // drop segments the snapshot covers
 *
 * Full disk: a write failing with ENOSPC/EDQUOT rejects the whole batch with `NoSpaceError`,
 * cuts the segment back to its last good offset, and leaves the log usable: later appends
 * succeed once space is freed. Any other I/O failure (or a failed cut-back, or a failed fsync,
 * which cannot be retried safely) makes the log refuse all further appends (`WalFailedError`).
 * Promises of concurrent appends resolve in log order.
 */
import { copyFile, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { fdatasyncSync, writeSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  NoSpaceError,
  WalClosedError,
  WalFailedError,
  WalInconsistentError,
  CorruptRecordError,
  ForeignDataDirError,
  isNoSpace,
} from "./errors.js";
import {
  HARD_STATE_RECORD_BYTES,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  RecordType,
  SNAPSHOT_RECORD_BYTES,
  entryRecordBytes,
  readEntry,
  readEntryIndex,
  readHardState,
  readSnapshotMarker,
  writeEntry,
  writeHardState,
  writeMetadata,
  writeSnapshotMarker,
} from "./record.js";
import { firstEntryIndexFrom, judgeSegment, scanSegment } from "./scan.js";
import {
  IDENTIFY_BYTES,
  SEGMENT_HEADER_BYTES,
  identifySegment,
  segmentHeader,
  segmentRefusal,
} from "./wal-format.js";
import { SYNCED_FILE, createSyncedMark, decodeSyncedMark, syncedEnd, writeSyncedMark } from "./synced.js";
import type { SyncedMark } from "./synced.js";
import { segmentName, sortedSegments } from "./segment-names.js";
import { fsyncDir, mkdirDurable, readHead } from "./fsutil.js";
import { silentLogger } from "./types.js";
import type { HardState, SnapshotMarker, StorageLogger, WalEntry, WalReplay, WalStats } from "./types.js";

export interface WalOptions {
  /** Directory of the segment files (created if missing), e.g. `<data-dir>/member/wal`. */
  dir: string;
  /** Metadata written into a new log; an existing log keeps (and returns) its own. Default empty. */
  metadata?: Uint8Array;
  /** Segment size at which the next write starts a new segment. Default 64 MiB. */
  segmentBytes?: number;
  /** Term given to entries appended with `appendData`. Default 1. */
  dataTerm?: number;
  /** fdatasync after each batch (default true). `false` only for benchmarks: nothing is durable. */
  fsync?: boolean;
  /**
   * How batches are written: "async" (default) through libuv's thread pool, leaving the event
   * loop free during the write and fdatasync; "sync" on the calling thread (fewer thread hops,
   * lower latency for a lone writer, but the event loop waits for the disk).
   */
  io?: "async" | "sync";
  /** Log lines (torn tail cut, segment cut, release). Default: silent. */
  logger?: StorageLogger;
  /**
   * Entries below this index are checked but not returned in `replay.entries` (the caller has
   * a snapshot covering them): a faster open. Default 0 (all).
   */
  replayFrom?: number;
  /** Called after every batch fsync with its duration and record count (for /metrics). */
  onSync?: (ms: number, records: number) => void;
  /**
   * Instead of refusing to open a log damaged below its synced mark, cut it at the first
   * damaged record (the server's --force-truncate-wal). Acknowledged entries after that point
   * are lost. The damaged segment is first copied to `<segment>.damaged` and later segments are
   * renamed `<segment>.damaged`, so the evidence stays. Default false.
   */
  repair?: boolean;
}

interface Segment {
  seq: number;
  firstIndex: number;
  path: string;
}

type Item =
  | { kind: "data"; data: Uint8Array; resolve: (index: number) => void; reject: (e: unknown) => void }
  | {
      kind: "save";
      entries: readonly WalEntry[];
      hardState: HardState | undefined;
      sync: boolean;
      resolve: (index: number) => void;
      reject: (e: unknown) => void;
    }
  | {
      kind: "snapshot";
      marker: SnapshotMarker;
      resolve: (index: number) => void;
      reject: (e: unknown) => void;
    };

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export class Wal {
  private queue: Item[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  private failed: Error | undefined;
  private drained: (() => void)[] = [];
  private readonly counters = {
    syncs: 0,
    batches: 0,
    records: 0,
    bytes: 0,
    noSpaceFailures: 0,
    lastSyncMs: 0,
  };

  private constructor(
    private readonly opts: Required<Omit<WalOptions, "onSync" | "metadata" | "replayFrom" | "repair">> &
      Pick<WalOptions, "onSync">,
    private readonly metadata: Uint8Array,
    private segments: Segment[],
    private fh: FileHandle,
    /** Offset just after the last durable record of the current segment. */
    private offset: number,
    private last: number,
    private hardState: HardState | undefined,
    private snapshot: SnapshotMarker | undefined,
    /** The open synced-mark file (synced.ts), rewritten after every fdatasync. */
    private readonly syncedFd: FileHandle,
  ) {}

  /**
   * Opens the log in `dir`, creating it when there is none, and reads every segment back.
   * A segment without this server's format header is a `ForeignDataDirError` (nothing is
   * touched). A torn tail of the last segment — a bad record above the synced mark with
   * nothing valid after it — is cut off (logged, and reported in `replay.truncatedTail`); any
   * other bad record, or synced bytes missing, throws `CorruptRecordError` (file, offset, the
   * entries at risk) and changes nothing, unless `repair` is set (then it is cut there). A
   * missing segment or an index gap not bridged by a snapshot marker throws
   * `WalInconsistentError`.
   */
  static async open(options: WalOptions): Promise<{ wal: Wal; replay: WalReplay }> {
    const opts = {
      dir: options.dir,
      segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      dataTerm: options.dataTerm ?? 1,
      fsync: options.fsync ?? true,
      io: options.io ?? "async",
      logger: options.logger ?? silentLogger,
      onSync: options.onSync,
    };
    const repair = options.repair ?? false;
    if (!(opts.segmentBytes > 0))
      throw new RangeError(`Wal.open: segmentBytes must be positive, got ${opts.segmentBytes}`);
    await mkdirDurable(opts.dir);
    const names = await readdir(opts.dir);
    const found = sortedSegments(names);
    // Every segment must be this server's before anything in the directory is touched.
    for (const s of found) {
      const refusal = segmentRefusal(identifySegment(await readHead(join(opts.dir, s.name), IDENTIFY_BYTES)));
      if (refusal) throw new ForeignDataDirError(opts.dir, [`${s.name}: ${refusal}`], "");
    }
    for (const n of names)
      if (n.endsWith(".wal.tmp")) {
        await unlink(join(opts.dir, n));
        opts.logger.warn("removed an unfinished WAL segment", { file: join(opts.dir, n) });
      }
    if (found.length === 0) {
      const metadata = options.metadata ?? new Uint8Array(0);
      const seg = { seq: 0, firstIndex: 1, path: join(opts.dir, segmentName(0, 1)) };
      // The mark first: a directory with a mark and no segment is still a new log.
      const headBytes = SEGMENT_HEADER_BYTES + HEADER_BYTES + metadata.byteLength;
      await createSyncedMark(opts.dir, { seq: 0, offset: headBytes });
      const size = await writeSegmentHead(seg.path, metadata, undefined, undefined);
      await fsyncDir(opts.dir);
      const fh = await open(seg.path, "r+");
      const syncedFd = await open(join(opts.dir, SYNCED_FILE), "r+");
      const wal = new Wal(opts, metadata, [seg], fh, size, 0, undefined, undefined, syncedFd);
      return {
        wal,
        replay: {
          metadata,
          hardState: undefined,
          snapshot: undefined,
          snapshots: [],
          entries: [],
          truncatedTail: undefined,
        },
      };
    }
    for (let i = 1; i < found.length; i++)
      if (found[i]!.seq !== found[i - 1]!.seq + 1)
        throw new WalInconsistentError(
          `storage: WAL segment missing between ${found[i - 1]!.name} and ${found[i]!.name} in ${opts.dir}`,
        );

    let segments: Segment[] = found.map((s) => ({
      seq: s.seq,
      firstIndex: s.firstIndex,
      path: join(opts.dir, s.name),
    }));
    const lastSeg = segments[segments.length - 1]!;
    const mark = await readSyncedMark(opts.dir, lastSeg.seq);
    if (typeof mark === "string" && !repair)
      throw new WalInconsistentError(
        `storage: ${join(opts.dir, SYNCED_FILE)} ${mark}, so a torn tail cannot be told from damage to acknowledged writes; the files were left as they are (--force-truncate-wal opens the log as it is and writes a new mark)`,
      );
    let rewriteMark = typeof mark === "string";

    let metadata: Uint8Array | undefined;
    let hardState: HardState | undefined;
    let snapshot: SnapshotMarker | undefined;
    const snapshots: SnapshotMarker[] = [];
    let entries: WalEntry[] = [];
    let lastSeen: number | undefined;
    const replayFrom = options.replayFrom ?? 0;
    let truncatedTail: WalReplay["truncatedTail"];
    let lastEnd = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const isLast = i === segments.length - 1;
      const buf = await readFile(seg.path);
      const scanned = scanSegment(buf, SEGMENT_HEADER_BYTES);
      for (const r of scanned.records) {
        try {
          switch (r.type) {
            case RecordType.Metadata:
              metadata ??= new Uint8Array(r.payload);
              break;
            case RecordType.HardState:
              hardState = readHardState(r.payload);
              break;
            case RecordType.Snapshot: {
              snapshot = readSnapshotMarker(r.payload);
              const prev = snapshots[snapshots.length - 1];
              if (!prev || prev.index !== snapshot.index || prev.term !== snapshot.term)
                snapshots.push(snapshot);
              break;
            }
            case RecordType.Entry: {
              const index = readEntryIndex(r.payload);
              if (lastSeen === undefined || index === lastSeen + 1) {
                // the next entry
              } else if (index <= lastSeen) {
                // Raft's overwrite: drop the kept entries from `index` on.
                const first = entries[0]?.index;
                if (first !== undefined)
                  entries.length = Math.max(0, Math.min(entries.length, index - first));
              } else if (
                snapshot !== undefined &&
                index === snapshot.index + 1 &&
                snapshot.index > lastSeen
              ) {
                entries = []; // the log restarts after a snapshot (a follower installed one)
              } else
                throw new WalInconsistentError(
                  `storage: WAL index gap in ${seg.path} at byte offset ${r.offset}: entry ${index} after ${lastSeen}`,
                );
              lastSeen = index;
              if (index >= replayFrom) entries.push(readEntry(r.payload));
              break;
            }
          }
        } catch (err) {
          if (err instanceof WalInconsistentError) throw err;
          throw new CorruptRecordError(seg.path, r.offset, (err as Error).message);
        }
      }
      // Earlier segments are complete and synced; the last one is synced up to the mark.
      const verdict = judgeSegment(scanned, buf.length, syncedEnd(mark, seg.seq, isLast, buf.length));
      if (verdict.kind === "damaged") {
        const next = scanned.bad?.next;
        const after = next !== undefined ? firstEntryIndexFrom(buf, next) : undefined;
        const atRisk =
          `The last intact entry before it is ${lastSeen === undefined ? "none" : `index ${lastSeen}`}; ` +
          (after !== undefined
            ? `entries from index ${(lastSeen ?? 0) + 1} up to ${after - 1} are damaged and the intact ones from index ${after} on would be lost by a cut`
            : `acknowledged entries after it are at risk`) +
          (isLast ? "" : ` (and every later segment: ${segments.length - 1 - i} of them)`);
        if (!repair) throw new CorruptRecordError(seg.path, verdict.offset, verdict.reason, atRisk);
        await copyFile(seg.path, `${seg.path}.damaged`);
        for (const later of segments.slice(i + 1)) await rename(later.path, `${later.path}.damaged`);
        await cutFile(seg.path, verdict.offset);
        await fsyncDir(opts.dir);
        opts.logger.error("WAL: cut the log at damaged acknowledged records (--force-truncate-wal)", {
          file: seg.path,
          offset: verdict.offset,
          reason: verdict.reason,
          atRisk,
          evidence: `${seg.path}.damaged`,
          setAside: segments.slice(i + 1).map((s) => `${s.path}.damaged`),
        });
        truncatedTail = { file: seg.path, offset: verdict.offset, bytes: buf.length - verdict.offset };
        segments = segments.slice(0, i + 1);
        lastEnd = verdict.offset;
        rewriteMark = true;
        break;
      }
      if (verdict.kind === "torn") {
        const bytes = buf.length - verdict.offset;
        await cutFile(seg.path, verdict.offset);
        truncatedTail = { file: seg.path, offset: verdict.offset, bytes };
        opts.logger.warn("WAL: cut off a torn tail (an unfinished last write, never synced)", {
          file: seg.path,
          offset: verdict.offset,
          bytes,
          reason: verdict.reason,
        });
      }
      if (isLast) lastEnd = scanned.end;
    }
    const current = segments[segments.length - 1]!;
    if (rewriteMark) {
      await createSyncedMark(opts.dir, { seq: current.seq, offset: lastEnd });
      await fsyncDir(opts.dir);
    }
    const lastIndex = Math.max(lastSeen ?? 0, snapshot?.index ?? 0);
    const fh = await open(current.path, "r+");
    const syncedFd = await open(join(opts.dir, SYNCED_FILE), "r+");
    const meta = metadata ?? options.metadata ?? new Uint8Array(0);
    const wal = new Wal(opts, meta, segments, fh, lastEnd, lastIndex, hardState, snapshot, syncedFd);
    return { wal, replay: { metadata: meta, hardState, snapshot, snapshots, entries, truncatedTail } };
  }

  /** Index of the last entry in the log (or of the last snapshot marker, if later); 0 if none. */
  get lastIndex(): number {
    return this.last;
  }

  /** Counters for /metrics and benchmarks. */
  stats(): WalStats {
    return { ...this.counters, segments: this.segments.length };
  }

  /** Paths of the live segment files, oldest first. */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.path);
  }

  /**
   * Appends `data` as the next entry (index = last index + 1, term = `dataTerm`) and resolves
   * with its index once it is durable. Rejects with `NoSpaceError` on a full disk (the entry is
   * not in the log and its index is not used).
   */
  appendData(data: Uint8Array): Promise<number> {
    if (data.byteLength + 17 > MAX_PAYLOAD_BYTES)
      return Promise.reject(
        new RangeError(`Wal.appendData: ${data.byteLength} bytes is over the record limit`),
      );
    return new Promise((resolve, reject) => this.enqueue({ kind: "data", data, resolve, reject }));
  }

  /**
   * Appends Raft entries and/or a hard state; resolves (with the new last index) once durable.
   * Entries must be index-contiguous; the first may be at or below the last index (overwrite).
   * With `sync: false` (Raft's `Ready.mustSync` false: only the commit index moved) it resolves
   * once written, and is made durable by the next synced batch.
   */
  save(
    entries: readonly WalEntry[],
    hardState?: HardState,
    options: { sync?: boolean } = {},
  ): Promise<number> {
    for (const e of entries)
      if (e.data.byteLength + 17 > MAX_PAYLOAD_BYTES)
        return Promise.reject(
          new RangeError(`Wal.save: entry ${e.index} of ${e.data.byteLength} bytes is over the record limit`),
        );
    for (let i = 1; i < entries.length; i++)
      if (entries[i]!.index !== entries[i - 1]!.index + 1)
        return Promise.reject(new RangeError(`Wal.save: entries not contiguous at ${entries[i]!.index}`));
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: "save", entries, hardState, sync: options.sync ?? true, resolve, reject }),
    );
  }

  /**
   * Records that a snapshot up to `marker.index` is durable (write the snapshot file first).
   * Entries may then continue at `marker.index + 1` even past a gap (a follower's snapshot).
   */
  saveSnapshotMarker(marker: SnapshotMarker): Promise<void> {
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: "snapshot", marker, resolve: () => resolve(), reject }),
    );
  }

  /**
   * Deletes whole segments holding only entries at or below `index` (never the current one).
   * Call it only after a snapshot covering `index` is durable.
   */
  async releaseTo(index: number): Promise<number> {
    const removed: Segment[] = [];
    while (this.segments.length > 1 && this.segments[1]!.firstIndex - 1 <= index)
      removed.push(this.segments.shift()!);
    // Oldest first, so a crash in between leaves a gap-free run of segments.
    for (const seg of removed) {
      await unlink(seg.path);
      this.opts.logger.info("WAL: released a segment covered by a snapshot", {
        file: seg.path,
        snapshotIndex: index,
      });
    }
    if (removed.length) await fsyncDir(this.opts.dir);
    return removed.length;
  }

  /** Waits for queued appends, then closes the current segment. Later appends reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    await this.fh.close();
    await this.syncedFd.close();
  }

  /** Records that the current segment is durable up to `offset` (before acknowledging it). */
  private markSynced(offset: number): void {
    const seq = this.segments[this.segments.length - 1]!.seq;
    try {
      writeSyncedMark(this.syncedFd.fd, { seq, offset });
    } catch (err) {
      // The batch is durable, but later damage could no longer be told from a torn tail.
      this.failed = new WalFailedError(
        `storage: could not update ${join(this.opts.dir, SYNCED_FILE)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  private idle(): Promise<void> {
    if (!this.flushing && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private enqueue(item: Item): void {
    if (this.closed) return item.reject(new WalClosedError());
    if (this.failed) return item.reject(this.failed);
    this.queue.push(item);
    if (!this.flushing && !this.scheduled) {
      this.scheduled = true;
      // Start on the next microtask so appends made in the same tick share the first write.
      queueMicrotask(() => {
        this.scheduled = false;
        void this.flushLoop();
      });
    }
  }

  private async flushLoop(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      try {
        const results = await this.writeBatch(batch);
        for (let i = 0; i < batch.length; i++) {
          const r = results[i]!;
          if (typeof r === "number") batch[i]!.resolve(r);
          else batch[i]!.reject(r);
        }
      } catch (err) {
        for (const item of batch) item.reject(err);
      }
    }
    this.flushing = false;
    const waiters = this.drained;
    this.drained = [];
    for (const w of waiters) w();
  }

  /** Encodes, writes and syncs one batch; returns each item's resulting index. */
  private async writeBatch(batch: Item[]): Promise<(number | Error)[]> {
    if (this.failed) throw this.failed;
    if (this.offset >= this.opts.segmentBytes) await this.cut();

    let size = 0;
    for (const it of batch) {
      if (it.kind === "data") size += entryRecordBytes({ index: 0, term: 0, type: 0, data: it.data });
      else if (it.kind === "save") {
        for (const e of it.entries) size += entryRecordBytes(e);
        if (it.hardState) size += HARD_STATE_RECORD_BYTES;
      } else size += SNAPSHOT_RECORD_BYTES;
    }
    const whole = Buffer.allocUnsafe(size);
    let at = 0;
    let last = this.last;
    let hardState = this.hardState;
    let snapshot = this.snapshot;
    const indexes: (number | Error)[] = [];
    for (const it of batch) {
      if (it.kind === "data") {
        last += 1;
        at = writeEntry(whole, at, { index: last, term: this.opts.dataTerm, type: 0, data: it.data });
      } else if (it.kind === "save") {
        // Checked here, against the log as it will be after the items queued before this one.
        const first = it.entries[0]?.index;
        if (first !== undefined && first > last + 1 && first !== (snapshot?.index ?? -1) + 1) {
          indexes.push(new RangeError(`Wal.save: entry ${first} leaves a gap after ${last}`));
          continue;
        }
        for (const e of it.entries) {
          at = writeEntry(whole, at, e);
          last = e.index;
        }
        if (it.hardState) {
          at = writeHardState(whole, at, it.hardState);
          hardState = it.hardState;
        }
      } else {
        at = writeSnapshotMarker(whole, at, it.marker);
        snapshot = it.marker;
        if (it.marker.index > last) last = it.marker.index;
      }
      indexes.push(last);
    }
    const buf = whole.subarray(0, at);
    if (buf.length === 0) return indexes;

    const path = this.segments[this.segments.length - 1]!.path;
    try {
      if (this.opts.io === "sync") writeFullySync(this.fh.fd, buf, this.offset);
      else await writeFully(this.fh, buf, this.offset);
    } catch (err) {
      await this.cutBack(path, err);
      throw err; // not reached: cutBack always throws
    }
    // A batch of only `sync: false` saves (Raft's commit-only hard state) skips the fsync;
    // the next synced batch makes it durable along with itself.
    const synced = batch.some((it) => it.kind !== "save" || it.sync);
    if (this.opts.fsync && synced) {
      const t0 = performance.now();
      try {
        if (this.opts.io === "sync") fdatasyncSync(this.fh.fd);
        else await this.fh.datasync();
      } catch (err) {
        // Some file systems report a full disk only at fsync: cut this batch off like a failed
        // write (everything before it was synced by earlier batches).
        if (isNoSpace(err)) await this.cutBack(path, err);
        // Otherwise the page cache state is unknown after a failed fsync; retrying is not safe.
        this.failed = new WalFailedError(`storage: fdatasync of ${path} failed: ${(err as Error).message}`, {
          cause: err,
        });
        throw this.failed;
      }
      const ms = performance.now() - t0;
      this.counters.syncs++;
      this.counters.lastSyncMs = ms;
      this.opts.onSync?.(ms, batch.length);
    }
    this.offset += buf.length;
    if (synced) this.markSynced(this.offset);
    this.counters.batches++;
    this.counters.records += indexes.filter((r) => typeof r === "number").length;
    this.counters.bytes += buf.length;
    this.last = last;
    this.hardState = hardState;
    this.snapshot = snapshot;
    return indexes;
  }

  /** After a failed write: cut the segment back to the last good offset, then rethrow typed. */
  private async cutBack(path: string, err: unknown): Promise<never> {
    try {
      await this.fh.truncate(this.offset);
    } catch (truncErr) {
      this.failed = new WalFailedError(
        `storage: could not cut ${path} back to offset ${this.offset} after a failed write: ${(truncErr as Error).message}`,
        { cause: err },
      );
      throw this.failed;
    }
    if (isNoSpace(err)) {
      this.counters.noSpaceFailures++;
      throw new NoSpaceError(path, err);
    }
    this.failed = new WalFailedError(`storage: write to ${path} failed: ${(err as Error).message}`, {
      cause: err,
    });
    throw this.failed;
  }

  /** Starts a new segment: head records to a temp file, fsync, rename, fsync the directory. */
  private async cut(): Promise<void> {
    const prev = this.segments[this.segments.length - 1]!;
    const seg = {
      seq: prev.seq + 1,
      firstIndex: this.last + 1,
      path: join(this.opts.dir, segmentName(prev.seq + 1, this.last + 1)),
    };
    try {
      await writeSegmentHead(seg.path, this.metadata, this.hardState, this.snapshot);
      await fsyncDir(this.opts.dir);
    } catch (err) {
      if (isNoSpace(err)) {
        this.counters.noSpaceFailures++;
        throw new NoSpaceError(seg.path, err);
      }
      throw err;
    }
    const fh = await open(seg.path, "r+");
    await this.fh.close();
    this.fh = fh;
    this.segments.push(seg);
    this.offset = (await fh.stat()).size;
    this.markSynced(this.offset);
    this.opts.logger.info("WAL: started a new segment", { file: seg.path, firstIndex: seg.firstIndex });
  }
}

/** Writes all of `buf` at `position`, looping over short writes. */
async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
    done += bytesWritten;
  }
}

function writeFullySync(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
    done += n;
  }
}

/**
 * Creates a segment whose head repeats metadata, hard state and snapshot marker, atomically:
 * written to `<path>.tmp`, fsynced, renamed (the caller fsyncs the directory). Returns its size.
 */
async function writeSegmentHead(
  path: string,
  metadata: Uint8Array,
  hardState: HardState | undefined,
  snapshot: SnapshotMarker | undefined,
): Promise<number> {
  const size =
    SEGMENT_HEADER_BYTES +
    HEADER_BYTES +
    metadata.byteLength +
    (hardState ? HARD_STATE_RECORD_BYTES : 0) +
    (snapshot ? SNAPSHOT_RECORD_BYTES : 0);
  const buf = Buffer.alloc(size);
  segmentHeader().copy(buf, 0);
  let at = writeMetadata(buf, SEGMENT_HEADER_BYTES, metadata);
  if (snapshot) at = writeSnapshotMarker(buf, at, snapshot);
  if (hardState) writeHardState(buf, at, hardState);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await writeFully(fh, buf, 0);
    await fh.datasync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  return size;
}

/** Truncates `path` to `length` durably. */
async function cutFile(path: string, length: number): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.truncate(length);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * The synced mark of the log whose last segment is `lastSeq`, or what is wrong with it: missing,
 * unreadable, or naming a segment after the last one (segments missing).
 */
async function readSyncedMark(dir: string, lastSeq: number): Promise<SyncedMark | string> {
  let buf: Buffer;
  try {
    buf = await readFile(join(dir, SYNCED_FILE));
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const mark = decodeSyncedMark(buf);
  if (typeof mark === "string") return `is damaged (${mark})`;
  if (mark.seq > lastSeq) return `names segment seq ${mark.seq} but the last segment is seq ${lastSeq}`;
  return mark;
}
