/**
 * ReadIndex bookkeeping on the leader (Raft thesis §6.4): each read request records the
 * commit index when it arrived and waits for a quorum of heartbeat acknowledgements carrying
 * its context; once acknowledged, it and every earlier request can be answered.
 */
import type { Message } from "./types.js";

export interface ReadIndexStatus {
  readonly req: Message;
  readonly index: number;
  readonly acks: Set<number>;
}

/** A byte string as a map key. */
export function bytesKey(b: Uint8Array | undefined): string {
  if (b === undefined || b.length === 0) return "";
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Records a read request `m` (context in `m.entries[0].data`) at commit `index`. */
  addRequest(index: number, m: Message): void {
    const key = bytesKey(m.entries[0]?.data);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records an acknowledgement from `id`; returns the acks so far, or undefined if unknown. */
  recvAck(id: number, context: Uint8Array | undefined): Set<number> | undefined {
    const rs = this.pending.get(bytesKey(context));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Dequeues the request with `context` and every one before it. */
  advance(context: Uint8Array | undefined): ReadIndexStatus[] {
    const key = bytesKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done: ReadIndexStatus[] = [];
    for (let i = 0; i <= at; i++) {
      const k = this.queue[i]!;
      const rs = this.pending.get(k);
      if (!rs) throw new Error("cannot find corresponding read state from pending map");
      done.push(rs);
      this.pending.delete(k);
    }
    this.queue = this.queue.slice(at + 1);
    return done;
  }

  /** Context of the newest pending request (sent with heartbeats), if any. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.req.entries[0]?.data;
  }

  get size(): number {
    return this.queue.length;
  }
}
