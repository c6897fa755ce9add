/**
 * Per-member locks shared by the fault families of one run, so that conflicting ops on the
 * same member never run at once when families run concurrently: an op that changes a member's
 * process or data (kill / restart, pause / resume, disk fill / free, clock set, member remove /
 * add) holds that member's lock while it acts, and re-checks the member's state once it holds
 * it. Locks are taken in sorted order, all before acting, so two ops cannot deadlock. Locks are
 * held only while an op runs, never for a whole fault window.
 */
export class NodeLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly holders = new Map<string, string>();

  /** Runs `f` holding the locks of `nodes` (as `who`, for {@link holder}); releases them after. */
  async with<T>(nodes: readonly string[], who: string, f: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(nodes)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const n of sorted) {
        const prev = this.tails.get(n) ?? Promise.resolve();
        let release!: () => void;
        const mine = new Promise<void>((r) => (release = r));
        const tail = prev.then(() => mine);
        this.tails.set(n, tail);
        releases.push(() => {
          this.holders.delete(n);
          if (this.tails.get(n) === tail) this.tails.delete(n);
          release();
        });
        await prev;
        this.holders.set(n, who);
      }
      return await f();
    } finally {
      for (const r of releases.reverse()) r();
    }
  }

  /** Who holds `node`'s lock now, if anyone. */
  holder(node: string): string | undefined {
    return this.holders.get(node);
  }
}
