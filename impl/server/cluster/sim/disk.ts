/**
 * A member's simulated disk: what RaftDiskStorage keeps (the newest snapshot, the log after
 * it, the hard state), as two images — what was written and what was synced. Writes complete
 * after a seeded delay, one at a time in order, and only then reach the Raft core's
 * MemoryStorage (as RaftDiskStorage.save). A Ready with `mustSync = false` is written but not
 * synced; a `mustSync` write or a snapshot syncs everything before it. A crash drops the
 * writes in flight and, if it is a power loss, reverts the disk to its synced image; `open()`
 * rebuilds a MemoryStorage from it (a full disk: writes fail with NoSpaceError, changing nothing) as RaftDiskStorage.open does from a data dir.
 */
import type { ConfState, Entry, HardState, Snapshot } from "../../../raft/index.js";
import { MemoryStorage, isEmptyHardState, isEmptySnapshot } from "../../../raft/index.js";
import type { SeededRand } from "../../../raft/index.js";
import { NoSpaceError, type RaftPersist } from "../../../storage/index.js";
import type { RaftLoopStorage } from "../raft-loop.js";
import type { Scheduler, SimEnv } from "./scheduler.js";

interface Image {
  snap: Snapshot | undefined;
  entries: Entry[];
  hs: HardState | undefined;
}

const copy = (i: Image): Image => ({ snap: i.snap, entries: i.entries.slice(), hs: i.hs });

function appendTo(img: Image, entries: readonly Entry[]): void {
  if (entries.length === 0) return;
  const first = entries[0]!.index;
  let keep = img.entries.length;
  while (keep > 0 && img.entries[keep - 1]!.index >= first) keep--;
  img.entries.length = keep;
  const floor = img.snap?.metadata.index ?? 0;
  for (const e of entries) if (e.index > floor) img.entries.push(e);
}

export interface DiskOptions {
  /** Latency of one write, ms: uniform in [min, max]. */
  minMs: number;
  maxMs: number;
  /** Entries kept in memory behind a snapshot (RaftDiskStorage's catchUpEntries). */
  catchUpEntries: number;
}

export class SimDisk {
  private written: Image = { snap: undefined, entries: [], hs: undefined };
  private synced: Image = copy(this.written);
  /** A full disk: every write fails with NoSpaceError and changes nothing (the WAL cuts back to its last good record). */
  full = false;
  /** Writes and syncs so far (for the figures). */
  writes = 0;
  syncs = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly rand: SeededRand,
    private readonly o: DiskOptions,
  ) {}

  /**
   * The member dies. `powerLoss`: what was not synced is gone; otherwise (kill -9) what was
   * written survives in the page cache. Writes in flight are lost either way.
   */
  crash(powerLoss: boolean): void {
    if (powerLoss) this.written = copy(this.synced);
  }

  get fresh(): boolean {
    return !this.written.snap && this.written.entries.length === 0 && !this.written.hs;
  }

  /** Opens the disk for a new incarnation of its member (RaftDiskStorage.open). */
  open(env: SimEnv): DiskHandle {
    const img = this.written;
    const memory = new MemoryStorage();
    if (img.snap) memory.applySnapshot(img.snap);
    memory.append(img.entries);
    if (img.hs) {
      if (img.hs.commit > memory.lastIndex())
        throw new Error(
          `sim disk: hard state commit ${img.hs.commit} is past the last log index ${memory.lastIndex()}`,
        );
      memory.setHardState(img.hs);
    }
    return new DiskHandle(this, env, memory, img.snap);
  }

  /** Runs `fn` after a write's latency, after every earlier write of this disk; not if `env` crashed. */
  private tail = 0;
  schedule(env: SimEnv, fn: () => void): void {
    const d = this.o.minMs + this.rand.float() * (this.o.maxMs - this.o.minMs);
    const at = Math.max(this.sched.now, this.tail) + d;
    this.tail = at;
    this.sched.at(at - this.sched.now, () => {
      if (env.alive) fn();
    });
  }

  persist(rd: RaftPersist, snap: Snapshot | undefined): void {
    this.writes++;
    const w = this.written;
    if (snap && snap.metadata.index > (w.snap?.metadata.index ?? 0)) {
      w.snap = snap;
      w.entries = [];
    }
    appendTo(w, rd.entries ?? []);
    if (rd.hardState && !isEmptyHardState(rd.hardState)) w.hs = rd.hardState;
    if (snap || (rd.mustSync ?? true)) this.sync();
  }

  snapshotted(snap: Snapshot): void {
    this.writes++;
    const w = this.written;
    w.snap = snap;
    w.entries = w.entries.filter((e) => e.index > snap.metadata.index);
    this.sync();
  }

  private sync(): void {
    this.syncs++;
    this.synced = copy(this.written);
  }

  get catchUpEntries(): number {
    return this.o.catchUpEntries;
  }
}

const noSpace = (what: string): NoSpaceError =>
  new NoSpaceError(`sim-disk/${what}`, Object.assign(new Error("ENOSPC"), { code: "ENOSPC" }));

/** RaftLoop's storage for one incarnation: RaftDiskStorage's save / createSnapshot over a SimDisk. */
export class DiskHandle implements RaftLoopStorage {
  private snapshotting = false;
  private bytes = 0;

  constructor(
    private readonly disk: SimDisk,
    private readonly env: SimEnv,
    readonly memory: MemoryStorage,
    /** The snapshot the member recovered from, if any. */
    readonly recoveredSnapshot: Snapshot | undefined,
  ) {}

  save(rd: RaftPersist): Promise<void> {
    const snap = rd.snapshot && !isEmptySnapshot(rd.snapshot) ? rd.snapshot : undefined;
    return new Promise((resolve, reject) => {
      this.disk.schedule(this.env, () => {
        if (this.disk.full) {
          reject(noSpace("wal"));
          return;
        }
        this.disk.persist(rd, snap);
        for (const e of rd.entries ?? []) this.bytes += e.data.byteLength;
        if (snap && snap.metadata.index > this.memory.snapshot().metadata.index)
          this.memory.applySnapshot(snap);
        this.memory.append(rd.entries ?? []);
        const hs = rd.hardState;
        if (hs && !isEmptyHardState(hs)) this.memory.setHardState(hs);
        resolve();
      });
    });
  }

  /** Entry bytes this incarnation wrote (the database size model). */
  stats(): { bytes: number } {
    return { bytes: this.bytes };
  }

  async createSnapshot(
    index: number,
    confState: ConfState,
    data: Uint8Array,
  ): Promise<Snapshot | "out-of-date" | "busy"> {
    if (this.snapshotting) return "busy";
    if (index <= this.memory.snapshot().metadata.index) return "out-of-date";
    this.snapshotting = true;
    try {
      await new Promise<void>((resolve) => this.disk.schedule(this.env, resolve));
      if (this.disk.full) throw noSpace("snap");
      const snap = this.memory.createSnapshot(index, confState, data);
      if (snap === "out-of-date") return snap;
      this.disk.snapshotted(snap);
      const compactTo = index - this.disk.catchUpEntries;
      if (compactTo > this.memory.firstIndex() - 1) this.memory.compact(compactTo);
      return snap;
    } finally {
      this.snapshotting = false;
    }
  }
}
