/**
 * Raft's safety properties (Raft §5.2–§5.4, Figure 3), checked incrementally as the
 * simulation runs, at the exact points where each could first be broken:
 * - election safety: at most one leader per term — when a node reports becoming leader;
 * - log matching: two logs with an entry of the same index and term hold the same entry
 *   and agree on the term of the entry before it (so, by induction, on the whole prefix) —
 *   whenever a node persists entries;
 * - leader completeness: a new leader's log holds every entry known committed — when a node
 *   becomes leader;
 * - state machine safety: no two nodes apply different entries at one index — whenever a
 *   node applies an entry or restores a snapshot (compared through the application's
 *   fingerprint at that index) and whenever a node persists a commit index;
 * - no stale read: a ReadIndex answer is at least the commit index known when the read
 *   began, so the read reflects every write committed (acknowledged) before it.
 * {@link Invariants.fullCheck} re-checks log matching over whole stored logs, and
 * {@link Invariants.committedPrefixCheck} each node's committed prefix; the simulator runs
 * both every 50 ticks and at the end.
 */
import type { Entry, Raft, ReadState } from "../raft/index.js";
import { fnv32 } from "./trace-hash.js";

export type ViolationKind =
  | "election-safety"
  | "log-matching"
  | "leader-completeness"
  | "state-machine-safety"
  | "stale-read"
  | "liveness"
  | "crash";

export interface Violation {
  readonly kind: ViolationKind;
  /** Simulated time (ticks, fractional). */
  readonly tick: number;
  readonly detail: string;
}

const TERM_SPACE = 1 << 20;

export class Invariants {
  readonly violations: Violation[] = [];
  /** Highest index known committed (persisted as commit by some node). */
  committedMax = 0;
  private readonly leaders = new Map<number, number>();
  private readonly entryHash = new Map<number, number>();
  private readonly entryPrev = new Map<number, number>();
  private readonly committedTerm: number[] = [0];
  private readonly fingerprintAt: number[] = [0];
  private readonly readStart = new Map<number, number>();
  now = 0;

  private fail(kind: ViolationKind, detail: string): void {
    if (this.violations.length < 100) this.violations.push({ kind, tick: this.now, detail });
  }

  reportCrash(detail: string): void {
    this.fail("crash", detail);
  }

  reportLiveness(detail: string): void {
    this.fail("liveness", detail);
  }

  onLeader(id: number, term: number, raft: Raft): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== id) {
      this.fail("election-safety", `nodes ${prev} and ${id} are both leaders of term ${term}`);
    }
    this.leaders.set(term, id);
    const c = this.committedMax;
    if (c === 0) return;
    if (raft.log.lastIndex() < c) {
      this.fail(
        "leader-completeness",
        `leader ${id} of term ${term} ends at ${raft.log.lastIndex()} < committed ${c}`,
      );
      return;
    }
    const t = raft.log.term(c);
    if (t !== undefined && t !== this.committedTerm[c]) {
      this.fail(
        "leader-completeness",
        `leader ${id} of term ${term} has term ${t} at committed index ${c}, expected ${this.committedTerm[c]}`,
      );
    }
  }

  /** `entries` were persisted by `id`; `prevTerm` is its term before the first (-1: unknown). */
  onPersistEntries(id: number, entries: readonly Entry[], prevTerm: number): void {
    let prev = prevTerm;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.term >= TERM_SPACE) throw new Error(`simulation reached term ${e.term}`);
      const key = e.index * TERM_SPACE + e.term;
      const h = (fnv32(e.data) ^ e.type) >>> 0;
      const known = this.entryHash.get(key);
      if (known === undefined) {
        this.entryHash.set(key, h);
        this.entryPrev.set(key, prev);
      } else {
        const kp = this.entryPrev.get(key)!;
        if (known !== h)
          this.fail("log-matching", `node ${id}: entry ${e.index}@${e.term} differs from another node's`);
        else if (prev >= 0 && kp >= 0 && prev !== kp) {
          this.fail(
            "log-matching",
            `node ${id}: entry ${e.index}@${e.term} follows term ${prev}, elsewhere ${kp}`,
          );
        } else if (kp < 0 && prev >= 0) this.entryPrev.set(key, prev);
      }
      prev = e.term;
    }
  }

  /** `id` persisted commit index `commit`; its log gives the terms of the newly committed entries. */
  onPersistCommit(id: number, commit: number, raft: Raft): void {
    if (commit <= this.committedMax) {
      const t = raft.log.term(commit);
      const known = this.committedTerm[commit];
      if (t !== undefined && commit > 0 && known !== undefined && known >= 0 && t !== known) {
        this.fail(
          "state-machine-safety",
          `node ${id} committed ${commit}@${t}, but ${commit}@${this.committedTerm[commit]} was committed`,
        );
      }
      return;
    }
    for (let i = this.committedMax + 1; i <= commit; i++) {
      const t = raft.log.term(i);
      this.committedTerm[i] = t ?? -1;
    }
    this.committedMax = commit;
  }

  onApply(id: number, index: number, fingerprint: number): void {
    this.checkFingerprint(id, index, fingerprint, "applied");
  }

  onRestore(id: number, index: number, fingerprint: number): void {
    this.checkFingerprint(id, index, fingerprint, "restored a snapshot");
  }

  private checkFingerprint(id: number, index: number, fp: number, what: string): void {
    const known = this.fingerprintAt[index];
    if (known === undefined) {
      if (index >= this.fingerprintAt.length) this.fingerprintAt.length = index + 1;
      this.fingerprintAt[index] = fp;
    } else if (known !== fp) {
      this.fail(
        "state-machine-safety",
        `node ${id} ${what} at index ${index} with a state that differs from another node's`,
      );
    }
  }

  onReadStart(ctx: number): void {
    this.readStart.set(ctx, this.committedMax);
  }

  onReadState(id: number, ctx: number, rs: ReadState): void {
    const start = this.readStart.get(ctx);
    if (start === undefined) {
      this.fail("stale-read", `node ${id} got an answer for unknown read ${ctx}`);
    } else if (rs.index < start) {
      this.fail(
        "stale-read",
        `node ${id}: read ${ctx} answered at index ${rs.index} < ${start} committed when it began`,
      );
    }
  }

  /** Log matching over whole logs (entries still stored), for every pair of nodes. */
  /**
   * Every node's stored entries up to its persisted commit index carry the terms recorded as
   * committed (state machine safety on the logs themselves, not only on what was applied).
   */
  committedPrefixCheck(id: number, entries: readonly Entry[], commit: number): void {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.index > commit) break;
      const t = this.committedTerm[e.index];
      if (t !== undefined && t >= 0 && t !== e.term) {
        this.fail(
          "state-machine-safety",
          `node ${id} stores ${e.index}@${e.term} as committed, but ${e.index}@${t} was committed`,
        );
        return;
      }
    }
  }

  fullCheck(logs: ReadonlyMap<number, readonly Entry[]>): void {
    const byIndex = new Map<number, { id: number; e: Entry; prev: number }[]>();
    for (const [id, ents] of logs) {
      for (let i = 0; i < ents.length; i++) {
        const e = ents[i]!;
        const prev = i > 0 ? ents[i - 1]!.term : -1;
        let list = byIndex.get(e.index);
        if (!list) byIndex.set(e.index, (list = []));
        list.push({ id, e, prev });
      }
    }
    for (const [index, list] of byIndex) {
      for (let i = 1; i < list.length; i++) {
        const a = list[0]!;
        const b = list[i]!;
        if (a.e.term !== b.e.term) continue;
        if (fnv32(a.e.data) !== fnv32(b.e.data) || (a.prev >= 0 && b.prev >= 0 && a.prev !== b.prev)) {
          this.fail("log-matching", `nodes ${a.id} and ${b.id} differ at or before ${index}@${a.e.term}`);
        }
      }
    }
  }
}
