/**
 * The agenda of a discrete-event simulation: a binary min-heap ordered by (time, seq). `seq`
 * is the caller's global counter, so items due at the same time come out in the order they
 * were scheduled and one seed always yields one order. Used by impl/sim's EventQueue and by
 * the whole-server simulation's Scheduler (impl/server/cluster/sim).
 */
export interface Timed {
  time: number;
  seq: number;
}

export class TimedHeap<T extends Timed> {
  private readonly h: T[] = [];

  get size(): number {
    return this.h.length;
  }

  /** The earliest item, left in place. */
  peek(): T | undefined {
    return this.h[0];
  }

  push(e: T): void {
    const h = this.h;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p]!;
      if (pe.time < e.time || (pe.time === e.time && pe.seq < e.seq)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  pop(): T | undefined {
    const h = this.h;
    const n = h.length;
    if (n === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (n > 1) {
      const len = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= len) break;
        const r = l + 1;
        let c = l;
        let ce = h[l]!;
        if (r < len) {
          const re = h[r]!;
          if (re.time < ce.time || (re.time === ce.time && re.seq < ce.seq)) {
            c = r;
            ce = re;
          }
        }
        if (last.time < ce.time || (last.time === ce.time && last.seq < ce.seq)) break;
        h[i] = ce;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
