/**
 * The watch index: which watchers want which keys from which revision, and what each has
 * still to receive. Pure: the store calls `notify` after every committed revision and the
 * server drains responses with `take`.
 *
 * A watcher is either synced (it has everything up to the store's revision, and new
 * revisions reach it through `notify`: one response per revision) or unsynced (it starts in
 * the past, or the store was restored under it): `take` then replays history from the log,
 * at most `batchMaxRevs` revisions with events per response, until it is synced. A watcher
 * whose next revision falls below the compacted revision gets one response with
 * `compactRevision` and `canceled: true` and is removed (etcd does the same). Per watcher,
 * events therefore arrive in revision order, with no gap and no duplicate.
 *
 * A watcher can also be held (its consumer cannot take more now: a client that does not read):
 * it leaves the index and the catch-up set, keeps nothing pending, and remembers only the next
 * revision it must receive; released, it catches up from the log like an unsynced watcher.
 */
import { inKeyRange } from "./bytes.js";
import { RangeIndex } from "./range-index.js";
import type { KeyRange } from "./bytes.js";
import { EventType } from "./types.js";
import type { Event, KeyValue, WatchResponse } from "./types.js";

/** One change in the log. `k` is the key as a binary string. */
export interface LogEvent {
  type: EventType;
  kv: KeyValue;
  prevKv: KeyValue | undefined;
  k: string;
  /** Sub-revision within its main revision. */
  sub: number;
}

/** What the watch index needs to see of the store. */
export interface LogView {
  readonly currentRevision: number;
  readonly compactedRevision: number;
  /** The events of main revision `rev` (sub-revision order), or undefined when not in the log. */
  eventsAt(rev: number): readonly LogEvent[] | undefined;
}

export interface WatcherSpec {
  range: KeyRange;
  /** The first revision wanted. */
  startRev: number;
  prevKv: boolean;
  noPut: boolean;
  noDelete: boolean;
}

interface Watcher extends WatcherSpec {
  readonly id: number;
  /** The next revision this watcher must receive (when synced: at least current + 1). */
  nextRev: number;
  synced: boolean;
  pending: WatchResponse[];
}

export class WatchIndex {
  private readonly all = new Map<number, Watcher>();
  private readonly byKey = new Map<string, Set<Watcher>>();
  private readonly ranges = new RangeIndex<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private readonly dirty = new Set<Watcher>();
  private readonly held = new Set<Watcher>();
  private nextId = 1;

  constructor(private readonly batchMaxRevs: number) {}

  get size(): number {
    return this.all.size;
  }

  add(spec: WatcherSpec, view: LogView): number {
    const w: Watcher = { ...spec, id: this.nextId++, nextRev: spec.startRev, synced: false, pending: [] };
    this.all.set(w.id, w);
    if (w.nextRev > view.currentRevision) this.sync(w);
    else this.unsynced.add(w);
    return w.id;
  }

  cancel(id: number): boolean {
    const w = this.all.get(id);
    if (!w) return false;
    this.unindex(w);
    this.unsynced.delete(w);
    this.dirty.delete(w);
    this.held.delete(w);
    this.all.delete(id);
    return true;
  }

  /**
   * Holds a watcher: nothing more is produced for it until `release`. Its pending responses
   * are dropped and it will restart from the first of them, or from `fromRev` when that is
   * earlier (a response already taken but not delivered). False if there is no such watcher.
   */
  hold(id: number, fromRev?: number): boolean {
    const w = this.all.get(id);
    if (!w) return false;
    let next = w.pending.length > 0 ? w.pending[0]!.header.revision : w.nextRev;
    if (fromRev !== undefined) next = Math.min(next, fromRev);
    w.nextRev = Math.min(w.nextRev, next);
    w.pending = [];
    this.unindex(w);
    this.unsynced.delete(w);
    this.dirty.delete(w);
    this.held.add(w);
    return true;
  }

  /** Releases a held watcher: it catches up from the log (through `take`). */
  release(id: number): boolean {
    const w = this.all.get(id);
    if (!w || !this.held.delete(w)) return false;
    this.unsynced.add(w);
    return true;
  }

  isSynced(id: number): boolean {
    const w = this.all.get(id);
    return w !== undefined && w.synced && w.pending.length === 0;
  }

  hasPending(): boolean {
    return this.dirty.size > 0 || this.unsynced.size > 0;
  }

  private sync(w: Watcher): void {
    w.synced = true;
    this.unsynced.delete(w);
    if (w.range.end === undefined) {
      let s = this.byKey.get(w.range.start);
      if (!s) this.byKey.set(w.range.start, (s = new Set()));
      s.add(w);
    } else this.ranges.add({ start: w.range.start, end: w.range.end }, w);
  }

  private unindex(w: Watcher): void {
    if (!w.synced) return;
    w.synced = false;
    if (w.range.end === undefined) {
      const s = this.byKey.get(w.range.start);
      s?.delete(w);
      if (s && s.size === 0) this.byKey.delete(w.range.start);
    } else this.ranges.remove({ start: w.range.start, end: w.range.end }, w);
  }

  /** Every synced watcher goes back to catching up from the log (after a restore); `oldRev` is the revision it had reached. */
  desyncAll(oldRev: number): void {
    for (const w of this.all.values()) {
      if (!w.synced) continue;
      this.unindex(w);
      w.nextRev = Math.max(w.nextRev, oldRev + 1);
      this.unsynced.add(w);
    }
  }

  private static eventFor(w: Watcher, e: LogEvent): Event | undefined {
    if (e.type === EventType.PUT ? w.noPut : w.noDelete) return undefined;
    return w.prevKv && e.prevKv !== undefined
      ? { type: e.type, kv: e.kv, prevKv: e.prevKv }
      : { type: e.type, kv: e.kv };
  }

  /** Feeds the events of a newly committed revision to the synced watchers. */
  notify(rev: number, events: readonly LogEvent[]): void {
    let hits: Map<Watcher, Event[]> | undefined;
    const hit = (w: Watcher, e: LogEvent): void => {
      if (rev < w.nextRev) return;
      const ev = WatchIndex.eventFor(w, e);
      if (!ev) return;
      hits ??= new Map();
      const list = hits.get(w);
      if (list) list.push(ev);
      else hits.set(w, [ev]);
    };
    for (const e of events) {
      const s = this.byKey.get(e.k);
      if (s) for (const w of s) hit(w, e);
      const { groups, exact } = this.ranges.lookup(e.k);
      for (const g of groups) if (exact || inKeyRange(e.k, g.range)) for (const w of g.members) hit(w, e);
    }
    if (!hits) return;
    for (const [w, evs] of hits) {
      w.pending.push({
        header: { revision: rev },
        watchId: w.id,
        events: evs,
        compactRevision: 0,
        canceled: false,
      });
      w.nextRev = rev + 1;
      this.dirty.add(w);
    }
  }

  /** Drains pending responses (of `ids`, or of everyone), ordered by watcher id. */
  take(view: LogView, ids?: readonly number[]): WatchResponse[] {
    const chosen: Watcher[] = [];
    if (ids) {
      for (const id of ids) {
        const w = this.all.get(id);
        if (w && (this.dirty.has(w) || this.unsynced.has(w))) chosen.push(w);
      }
    } else {
      for (const w of this.dirty) chosen.push(w);
      for (const w of this.unsynced) if (!this.dirty.has(w)) chosen.push(w);
    }
    chosen.sort((a, b) => a.id - b.id);
    const out: WatchResponse[] = [];
    for (const w of chosen) {
      if (w.pending.length > 0) {
        out.push(...w.pending);
        w.pending = [];
      }
      this.dirty.delete(w);
      if (!w.synced) this.catchUp(w, view, out);
    }
    return out;
  }

  private catchUp(w: Watcher, view: LogView, out: WatchResponse[]): void {
    const cur = view.currentRevision;
    if (w.nextRev < view.compactedRevision) {
      out.push({
        header: { revision: cur },
        watchId: w.id,
        events: [],
        compactRevision: view.compactedRevision,
        canceled: true,
      });
      this.cancel(w.id);
      return;
    }
    const events: Event[] = [];
    let revs = 0;
    let rev = w.nextRev;
    for (; rev <= cur && revs < this.batchMaxRevs; rev++) {
      const evs = view.eventsAt(rev);
      if (!evs) continue;
      let any = false;
      for (const e of evs) {
        if (!inKeyRange(e.k, w.range)) continue;
        const ev = WatchIndex.eventFor(w, e);
        if (ev) {
          events.push(ev);
          any = true;
        }
      }
      if (any) revs++;
    }
    w.nextRev = rev;
    if (events.length > 0)
      out.push({ header: { revision: cur }, watchId: w.id, events, compactRevision: 0, canceled: false });
    if (w.nextRev > cur) this.sync(w);
  }
}
