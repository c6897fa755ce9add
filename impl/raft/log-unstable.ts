/**
 * The part of the log not yet on stable storage: entries (and possibly a snapshot) the core
 * has accepted and a Ready has not yet reported persisted. `entries[i]` has index
 * `offset + i`. Arrays are replaced, never mutated in place, so a Ready can hold them.
 */
import type { Entry, Snapshot } from "./types.js";
import { noEntries } from "./types.js";

export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: readonly Entry[] = noEntries;

  constructor(public offset: number) {}

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.metadata.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.metadata.index : undefined;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.metadata.index === i) return this.snapshot.metadata.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset]!.term;
  }

  /** Entries up to (index, term) were persisted. */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === undefined) return;
    // Only drop them if the persisted entry is still ours (a newer leader may have
    // replaced it meanwhile).
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = noEntries;
    this.snapshot = s;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      this.entries = this.entries.length === 0 ? ents.slice() : this.entries.concat(ents);
    } else if (after <= this.offset) {
      // Replaces the whole unstable part (and, through offset, the stable tail after it).
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  slice(lo: number, hi: number): readonly Entry[] {
    if (lo > hi || lo < this.offset || hi > this.offset + this.entries.length) {
      throw new Error(
        `Unstable.slice: invalid [${lo}, ${hi}) with offset ${this.offset} and ${this.entries.length} entries`,
      );
    }
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
