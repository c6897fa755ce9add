/**
 * The simulated peer network: what RaftLoop needs of PeerTransport (send, addPeer,
 * removePeer, sendSide) over seeded links. Messages are encoded with the real peer codec
 * (codec.ts) and decoded on delivery; each takes a random delay (so they reorder), and the
 * current faults drop, duplicate (Raft's own messages, not forwarded proposals, MsgProp: a TCP
 * stream cannot duplicate, and a duplicated proposal would be applied twice), delay (up to
 * `maxDelayMs`) and cut them (partition groups:
 * members in different groups, or in none, cannot talk; checked at delivery). A snapshot
 * message reports its outcome to the sender (RawNode.reportSnapshot); a message cut by a
 * partition or sent to an unknown peer reports the peer unreachable, as the real transport.
 */
import type { Message } from "../../../raft/index.js";
import { MessageType } from "../../../raft/index.js";
import type { SeededRand } from "../../../raft/index.js";
import { decodeMessage, encodeMessage } from "../codec.js";
import type { RaftLoopTransport } from "../raft-loop.js";
import type { Scheduler, SimEnv } from "./scheduler.js";
import type { TraceHash } from "../../../sim/trace-hash.js";

export interface NetReceiver {
  env: SimEnv;
  step(m: Message): void;
  reportUnreachable(id: number): void;
  reportSnapshot(id: number, ok: boolean): void;
  onSide(from: number, body: unknown): void;
  /** The sender's hello (the real transport sends one on each connection): learn an unknown peer. */
  onHello(fromRaft: number, url: string): void;
}

export class SimNetwork {
  /** Groups of member numbers; undefined: everyone talks to everyone. */
  groups: number[][] | undefined;
  dropRate = 0;
  dupRate = 0;
  /** Base latency of a message, ms: uniform in [0.1, 0.1 + baseDelayMs]. */
  baseDelayMs = 2;
  /** Extra delay under a `delay` fault: uniform in [0, maxDelayMs]. */
  maxDelayMs = 0;
  delivered = 0;
  /** Snapshot messages delivered. */
  snapshots = 0;
  dropped = 0;
  private readonly receivers = new Map<number, NetReceiver>();
  /** raftId → member number. */
  readonly nodeOf = new Map<number, number>();
  /** member number → raftId. */
  readonly raftOf = new Map<number, number>();

  constructor(
    private readonly sched: Scheduler,
    private readonly rand: SeededRand,
    private readonly trace: TraceHash,
  ) {}

  connected(a: number, b: number): boolean {
    if (!this.groups) return true;
    return this.groups.some((g) => g.includes(a) && g.includes(b));
  }

  /** Attaches a member's current incarnation (replacing the previous one). */
  attach(node: number, r: NetReceiver): void {
    this.receivers.set(node, r);
  }

  endpoint(node: number, env: SimEnv): SimEndpoint {
    return new SimEndpoint(this, node, env);
  }

  private delay(): number {
    let d = 0.1 + this.rand.float() * this.baseDelayMs;
    if (this.maxDelayMs > 0) d += this.rand.float() * this.maxDelayMs;
    return d;
  }

  /** Puts a frame on the wire from `from` (an incarnation) to member `to`. */
  transmit(
    from: number,
    fromEnv: SimEnv,
    toRaft: number,
    frame: Buffer,
    side: boolean,
    snap: boolean,
    dupable = !side,
  ): void {
    const to = this.nodeOf.get(toRaft);
    if (to === undefined) return;
    const sender = (): NetReceiver | undefined => {
      const r = this.receivers.get(from);
      return r && r.env === fromEnv && fromEnv.alive ? r : undefined;
    };
    const deliverOnce = (first: boolean): void => {
      const r = this.receivers.get(to);
      const cut = !this.connected(from, to);
      if (!r || !r.env.alive || cut || (first && this.rand.float() < this.dropRate)) {
        this.dropped++;
        if (!side && first) {
          const s = sender();
          if (snap) s?.reportSnapshot(toRaft, false);
          else if (cut || !r?.env.alive) s?.reportUnreachable(toRaft);
        }
        return;
      }
      this.delivered++;
      const fromRaft = this.raftOf.get(from);
      if (fromRaft !== undefined) r.onHello(fromRaft, `sim://${from}`);
      if (side) {
        const { from: f, body } = JSON.parse(frame.toString("utf8")) as { from: number; body: unknown };
        this.trace.add(-1);
        this.trace.add(to);
        r.onSide(f, body);
        return;
      }
      const m = decodeMessage(frame);
      this.trace.add(this.sched.now * 1000);
      this.trace.add(m.type);
      this.trace.add(m.from);
      this.trace.add(m.to);
      this.trace.add(m.term);
      this.trace.add(m.index);
      if (snap) this.snapshots++;
      r.step(m);
      if (first && snap) sender()?.reportSnapshot(toRaft, true);
    };
    this.sched.at(this.delay(), () => deliverOnce(true));
    if (dupable && this.dupRate > 0 && this.rand.float() < this.dupRate)
      this.sched.at(this.delay(), () => deliverOnce(false));
  }
}

/** One incarnation's transport (RaftLoopTransport). */
export class SimEndpoint implements RaftLoopTransport {
  private readonly peers = new Set<number>();

  constructor(
    private readonly net: SimNetwork,
    private readonly node: number,
    private readonly env: SimEnv,
  ) {}

  hasPeer(id: number): boolean {
    return this.peers.has(id);
  }

  addPeer(id: number, _url: string): void {
    this.peers.add(id);
  }

  removePeer(id: number): void {
    this.peers.delete(id);
  }

  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      const snap = m.type === MessageType.Snap;
      if (!this.peers.has(m.to)) continue;
      // A forwarded proposal is never duplicated: the real transport (one TCP stream per peer)
      // cannot, and Raft does not deduplicate proposals (neither does etcd), so a duplicated
      // MsgProp would be applied twice — see README.md.
      this.net.transmit(
        this.node,
        this.env,
        m.to,
        encodeMessage(m),
        false,
        snap,
        m.type !== MessageType.Prop,
      );
    }
  }

  sendSide(to: number, from: number, body: unknown): boolean {
    if (!this.peers.has(to)) return false;
    this.net.transmit(this.node, this.env, to, Buffer.from(JSON.stringify({ from, body })), true, false);
    return true;
  }
}
