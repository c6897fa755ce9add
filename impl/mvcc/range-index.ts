/**
 * Which range watchers cover a key: a stabbing index over key intervals. Watchers with the
 * same interval share a group; the group bounds cut the key space into elementary intervals,
 * each listing the groups that cover it, so a lookup is one binary search. The table is
 * rebuilt lazily after groups come or go; when the intervals nest so deeply that the table
 * would grow past `maxCells`, lookups fall back to checking every group.
 */
/** An interval [start, end); `end === null`: no upper bound. */
export interface Interval {
  readonly start: string;
  readonly end: string | null;
}

export interface RangeGroup<W> {
  readonly range: Interval;
  readonly members: Set<W>;
}

function groupKey(r: Interval): string {
  // the start is length-prefixed, so the character after it tells the two forms apart
  return r.end === null ? `${r.start.length}:${r.start}|` : `${r.start.length}:${r.start}:${r.end}`;
}

export class RangeIndex<W> {
  private readonly groups = new Map<string, RangeGroup<W>>();
  private stale = true;
  private bounds: string[] = [];
  private cover: RangeGroup<W>[][] = [];
  private linear = false;
  private static readonly NONE: never[] = [];

  constructor(private readonly maxCells = 1_000_000) {}

  add(r: Interval, w: W): void {
    const key = groupKey(r);
    let g = this.groups.get(key);
    if (!g) {
      g = { range: { start: r.start, end: r.end }, members: new Set() };
      this.groups.set(key, g);
      this.stale = true;
    }
    g.members.add(w);
  }

  remove(r: Interval, w: W): void {
    const key = groupKey(r);
    const g = this.groups.get(key);
    if (!g) return;
    g.members.delete(w);
    if (g.members.size === 0) {
      this.groups.delete(key);
      this.stale = true;
    }
  }

  private rebuild(): void {
    this.stale = false;
    const live = [...this.groups.values()].filter((g) => g.range.end === null || g.range.end > g.range.start);
    const set = new Set<string>();
    for (const g of live) {
      set.add(g.range.start);
      if (g.range.end) set.add(g.range.end);
    }
    const bounds = [...set].sort();
    const at = new Map(bounds.map((b, i) => [b, i]));
    let cells = 0;
    for (const g of live)
      cells += (g.range.end === null ? bounds.length : at.get(g.range.end)!) - at.get(g.range.start)!;
    this.linear = cells > this.maxCells;
    if (this.linear) {
      this.bounds = [];
      this.cover = [live];
      return;
    }
    const cover: RangeGroup<W>[][] = bounds.map(() => []);
    for (const g of live) {
      const hi = g.range.end === null ? bounds.length : at.get(g.range.end)!;
      for (let i = at.get(g.range.start)!; i < hi; i++) cover[i]!.push(g);
    }
    this.bounds = bounds;
    this.cover = cover;
  }

  /** The groups whose range holds key k (in the fallback mode: every group, to be checked by the caller). */
  lookup(k: string): { groups: readonly RangeGroup<W>[]; exact: boolean } {
    if (this.stale) this.rebuild();
    if (this.linear) return { groups: this.cover[0]!, exact: false };
    const b = this.bounds;
    let lo = 0;
    let hi = b.length; // find the last bound <= k
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid]! <= k) lo = mid + 1;
      else hi = mid;
    }
    return { groups: lo === 0 ? RangeIndex.NONE : this.cover[lo - 1]!, exact: true };
  }

  get groupCount(): number {
    return this.groups.size;
  }
}
