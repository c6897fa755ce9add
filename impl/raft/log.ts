/**
 * The Raft log as the core sees it: stable storage plus the unstable tail, with the
 * commit and apply cursors.
 *
 * Invariants: applied ≤ committed ≤ lastIndex; firstIndex - 1 ≤ applied (entries before
 * the first index live only in a snapshot).
 */
import type { Entry, Snapshot } from "./types.js";
import { noEntries } from "./types.js";
import type { Storage } from "./storage.js";
import { limitSize } from "./storage.js";
import { Unstable } from "./log-unstable.js";

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known to be committed (on a quorum's stable storage). */
  committed: number;
  /** Highest index the application reported applied. applied ≤ committed. */
  applied: number;

  constructor(
    readonly storage: Storage,
    readonly maxNextEntsBytes = Number.POSITIVE_INFINITY,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  /**
   * The follower's side of AppendEntries (§5.3): if our entry at `index` has `logTerm`,
   * append `ents` (dropping any conflicting suffix) and advance commit; returns the index of
   * the last new entry, or undefined on a mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(`entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      }
      const offset = index + 1;
      this.append(ci - offset === 0 ? ents : ents.slice(ci - offset));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) {
      throw new Error(`after(${after}) is out of range [committed(${this.committed})]`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Index of the first entry of `ents` that conflicts with (or extends) the log; 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term` (or which is compacted): the fast
   * back-off of a rejected MsgApp skips whole terms at once.
   */
  findConflictByTerm(index: number, term: number): number {
    for (; index > 0; index--) {
      const t = this.term(index);
      if (t === undefined || t <= term) return index;
    }
    return 0;
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Committed entries not yet applied. */
  nextEnts(): readonly Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) {
      const ents = this.slice(off, this.committed + 1, this.maxNextEntsBytes);
      if (ents === undefined)
        throw new Error(`unexpected compaction while reading [${off}, ${this.committed + 1})`);
      return ents;
    }
    return noEntries;
  }

  hasNextEnts(): boolean {
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined && this.unstable.snapshot.metadata.index > 0;
  }

  snapshot(): Snapshot | "unavailable" {
    if (this.unstable.snapshot) return this.unstable.snapshot;
    return this.storage.snapshot();
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  commitTo(toCommit: number): void {
    if (this.committed < toCommit) {
      if (this.lastIndex() < toCommit) {
        throw new Error(`tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]`);
      }
      this.committed = toCommit;
    }
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(
        `applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`,
      );
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === undefined) throw new Error("unexpected error when getting the last term");
    return t;
  }

  /** Term of the entry at `i`; 0 beyond the last index; undefined if compacted. */
  term(i: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) return undefined;
    if (i > this.lastIndex()) return 0;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    const st = this.storage.term(i);
    if (typeof st === "number") return st;
    if (st === "compacted") return undefined;
    throw new Error(`term(${i}): storage says ${st} within [${dummy}, ${this.lastIndex()}]`);
  }

  /** Entries from `i` to the end, bounded by `maxBytes`; undefined if compacted. */
  entries(i: number, maxBytes: number): readonly Entry[] | undefined {
    if (i > this.lastIndex()) return noEntries;
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  /** The whole log after the snapshot (tests and debugging). */
  allEntries(): readonly Entry[] {
    const ents = this.entries(this.firstIndex(), Number.POSITIVE_INFINITY);
    if (ents === undefined) return this.allEntries(); // raced with compaction: retry
    return ents;
  }

  /** Whether a log ending at (lastIndex, term) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lastIndex: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lastIndex >= this.lastIndex());
  }

  matchTerm(i: number, term: number): boolean {
    const t = this.term(i);
    return t !== undefined && t === term;
  }

  /** Commits up to `maxIndex` only if that entry is of the current `term` (§5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && (this.term(maxIndex) ?? 0) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries in [lo, hi) from storage and the unstable tail; undefined if compacted. */
  slice(lo: number, hi: number, maxBytes: number): readonly Entry[] | undefined {
    if (lo > hi) throw new Error(`invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) return undefined;
    const length = this.lastIndex() + 1 - fi;
    if (hi > fi + length) throw new Error(`slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
    if (lo === hi) return noEntries;
    let ents: readonly Entry[] = noEntries;
    const offset = this.unstable.offset;
    if (lo < offset) {
      const stored = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
      if (stored === "compacted") return undefined;
      if (stored === "unavailable") {
        throw new Error(`entries[${lo}:${Math.min(hi, offset)}) is unavailable from storage`);
      }
      if (stored.length < Math.min(hi, offset) - lo) return stored; // size limit reached
      ents = stored;
    }
    if (hi > offset) {
      const un = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(un) : un;
    }
    return limitSize(ents, maxBytes);
  }
}
