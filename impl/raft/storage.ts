/**
 * The stable log the core reads from, and an in-memory implementation.
 *
 * The application owns storage: it writes what a {@link import("./ready.js").Ready} tells it
 * to (hard state, entries, snapshot) and the core only reads. The server implements this
 * interface over its WAL and snapshot files; tests and the simulator use
 * {@link MemoryStorage}, whose contents are exactly "what survived a crash".
 *
 * Expected outcomes are typed results, not exceptions: an index below the first available
 * one is `"compacted"`, one above the last stored is `"unavailable"`.
 */
import type { ConfState, Entry, HardState, Snapshot } from "./types.js";
import { emptyHardState, emptySnapshot, EntryType, emptyBytes } from "./types.js";

export type StorageMiss = "compacted" | "unavailable";

export interface InitialState {
  readonly hardState: HardState;
  readonly confState: ConfState;
}

export interface Storage {
  /** The persisted hard state and the configuration of the latest snapshot. */
  initialState(): InitialState;
  /** Entries in [lo, hi), at least one if any, at most `maxBytes` of data beyond the first. */
  entries(lo: number, hi: number, maxBytes: number): readonly Entry[] | StorageMiss;
  /** Term of the entry at `index`; the snapshot's index also has a known term. */
  term(index: number): number | StorageMiss;
  lastIndex(): number;
  /** Index of the first entry still stored (snapshot index + 1). */
  firstIndex(): number;
  /** The most recent snapshot; `"unavailable"` if it is being made and the caller should retry. */
  snapshot(): Snapshot | "unavailable";
}

/** Keeps the longest prefix of `ents` whose data fits `maxBytes` (always at least one entry). */
export function limitSize(ents: readonly Entry[], maxBytes: number): readonly Entry[] {
  if (ents.length <= 1) return ents;
  let size = ents[0]!.data.length + 16;
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += ents[limit]!.data.length + 16;
    if (size > maxBytes) break;
  }
  return limit === ents.length ? ents : ents.slice(0, limit);
}

/**
 * Storage in memory. `ents[0]` is a dummy entry holding the snapshot's index and term, so
 * `term(snapshotIndex)` is known after compaction (as in etcd's MemoryStorage).
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState;
  private snap: Snapshot = emptySnapshot;
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Empty, data: emptyBytes }];

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  entries(lo: number, hi: number, maxBytes: number): readonly Entry[] | StorageMiss {
    const offset = this.ents[0]!.index;
    if (lo <= offset) return "compacted";
    if (hi > this.lastIndex() + 1) {
      throw new Error(`MemoryStorage.entries: hi ${hi} is out of bound, last index ${this.lastIndex()}`);
    }
    if (this.ents.length === 1) return "unavailable";
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: number): number | StorageMiss {
    const offset = this.ents[0]!.index;
    if (index < offset) return "compacted";
    const i = index - offset;
    if (i >= this.ents.length) return "unavailable";
    return this.ents[i]!.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log by `snap` (a follower installing the leader's snapshot). */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) {
      throw new Error(
        `MemoryStorage.applySnapshot: snapshot at ${snap.metadata.index} is not newer than ${this.snap.metadata.index}`,
      );
    }
    this.snap = snap;
    this.ents = [
      { term: snap.metadata.term, index: snap.metadata.index, type: EntryType.Empty, data: emptyBytes },
    ];
  }

  /**
   * Records a snapshot of the application's state at `index` (which must be applied, so ≤
   * last index). Returns `"out-of-date"` if a snapshot at `index` or later exists already.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot | "out-of-date" {
    if (index <= this.snap.metadata.index) return "out-of-date";
    const offset = this.ents[0]!.index;
    if (index > this.lastIndex()) {
      throw new Error(`MemoryStorage.createSnapshot: index ${index} > last index ${this.lastIndex()}`);
    }
    const term = this.ents[index - offset]!.term;
    this.snap = { metadata: { index, term, confState }, data };
    return this.snap;
  }

  /**
   * Discards entries up to and including `index` (a snapshot must cover them). Returns
   * `"compacted"` if they are gone already.
   */
  compact(index: number): "ok" | "compacted" {
    const offset = this.ents[0]!.index;
    if (index <= offset) return "compacted";
    if (index > this.lastIndex()) {
      throw new Error(`MemoryStorage.compact: index ${index} > last index ${this.lastIndex()}`);
    }
    if (index > this.snap.metadata.index) {
      throw new Error(
        `MemoryStorage.compact: index ${index} is not covered by the snapshot at ${this.snap.metadata.index}`,
      );
    }
    const i = index - offset;
    const rest = this.ents.slice(i + 1);
    const head = this.ents[i]!;
    rest.unshift({ term: head.term, index: head.index, type: EntryType.Empty, data: emptyBytes });
    this.ents = rest;
    return "ok";
  }

  /** Appends entries, replacing any conflicting suffix (entries must be contiguous). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    let from = 0;
    if (first > entries[0]!.index) from = first - entries[0]!.index;
    const start = entries[from]!.index;
    const offset = start - this.ents[0]!.index;
    if (offset > this.ents.length) {
      throw new Error(
        `MemoryStorage.append: missing log entry [last: ${this.lastIndex()}, append at: ${start}]`,
      );
    }
    this.ents.length = offset;
    for (let k = from; k < entries.length; k++) this.ents.push(entries[k]!);
  }
}
