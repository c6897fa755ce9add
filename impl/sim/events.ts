/**
 * The simulator's agenda: events in a TimedHeap (./heap.ts) ordered by (time, seq). `seq` is
 * a global counter, so events at the same time run in the order they were scheduled and a
 * seed always yields the same order.
 */
import type { Message } from "../raft/index.js";
import { TimedHeap } from "./heap.js";

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
  private readonly heap = new TimedHeap<SimEvent>();
  private seq = 0;
  /** Popped events handed back with {@link release}, reused to spare the garbage collector. */
  private readonly pool: SimEvent[] = [];

  get size(): number {
    return this.heap.size;
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
    this.heap.push(e);
  }

  /** Returns a popped event for reuse; the caller must not touch it afterwards. */
  release(e: SimEvent): void {
    e.msg = undefined;
    if (this.pool.length < 4096) this.pool.push(e);
  }

  peekTime(): number {
    return this.heap.peek()?.time ?? Number.POSITIVE_INFINITY;
  }

  pop(): SimEvent | undefined {
    return this.heap.pop();
  }
}
