/**
 * The simulator's agenda: a binary min-heap of events ordered by (time, seq). `seq` is a
 * global counter, so events at the same time run in the order they were scheduled and a
 * seed always yields the same order.
 */
import type { Message } from "../raft/index.js";

export const EventKind = {
  /** Deliver `msg` to `node`. */
  Deliver: 0,
  /** Tick `node` (and schedule its next tick). */
  Tick: 1,
  /** Process `node`'s Ready (the disk write completes), if `incarnation` is still current. */
  Ready: 2,
  /** Apply the schedule's next fault/workload action. */
  Action: 3,
  /** Report the outcome of a snapshot sent by `node` to `msg.to`. */
  SnapStatus: 4,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export interface SimEvent {
  time: number;
  seq: number;
  kind: EventKind;
  node: number;
  incarnation: number;
  msg: Message | undefined;
  /** SnapStatus: whether the snapshot was delivered. */
  ok: boolean;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;
  /** Popped events handed back with {@link release}, reused to spare the garbage collector. */
  private readonly pool: SimEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(
    time: number,
    kind: EventKind,
    node: number,
    incarnation: number,
    msg: Message | undefined,
    ok = true,
  ): void {
    let e = this.pool.pop();
    if (e === undefined) e = { time, seq: this.seq++, kind, node, incarnation, msg, ok };
    else {
      e.time = time;
      e.seq = this.seq++;
      e.kind = kind;
      e.node = node;
      e.incarnation = incarnation;
      e.msg = msg;
      e.ok = ok;
    }
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p]!;
      if (pe.time < time || (pe.time === time && pe.seq < e.seq)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  /** Returns a popped event for reuse; the caller must not touch it afterwards. */
  release(e: SimEvent): void {
    e.msg = undefined;
    if (this.pool.length < 4096) this.pool.push(e);
  }

  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0]!.time : Number.POSITIVE_INFINITY;
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
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
