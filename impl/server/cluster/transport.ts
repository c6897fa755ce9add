/**
 * The peer transport: raw TCP on --listen-peer-urls, one outbound connection per peer, a
 * stream of length-prefixed frames `[u32 length][u8 kind][payload]` (kind 0: a Raft message in
 * codec.ts's encoding; kind 1: a JSON side message, e.g. a forwarded lease keep-alive; kind 2:
 * "what is the cluster?" from a member joining with `--initial-cluster-state existing`, answered
 * on the same connection with kind 3, JSON `{ clusterId, members }` — see join.ts; kind 4: hello,
 * JSON `{ id, url, cluster }`, the first frame of every outbound connection: it names the
 * cluster, so another cluster's member is refused, and lets a member which does not know the
 * sender — added while it was down — answer it, as etcd's AddRemote).
 *
 * Inbound, nothing is trusted (peer-gate.ts decides, frames.ts reads): a connection opens with
 * a hello or a cluster query; frame lengths are checked before buffering; every Raft message is
 * validated by the decoder and must come from the hello's id; a frame that breaks a rule closes
 * the connection with a warning naming the peer (remote address, claimed id).
 *
 * - Batching: messages queued during one event-loop turn go out in one socket write.
 * - Bounded: each peer has its own queue (MAX_QUEUE frames); when it is full, or the peer is not
 *   connected, a Raft message is dropped and the core is told (`onUnreachable`), so a dead or
 *   slow peer never blocks the others. Raft retransmits.
 * - Reconnect with exponential back-off (50 ms doubling to 1 s); messages queue while connecting.
 * - Snapshots (MsgSnap) are written in 64 KiB chunks, respecting the socket's back-pressure;
 *   `onSnapshot(id, ok)` reports the outcome to the core.
 */
import net from "node:net";
import type { Message } from "../../raft/index.js";
import { MessageType } from "../../raft/index.js";
import { decodeMessage, encodeMessageInto, encodedSize } from "./codec.js";
import { FrameReader } from "./frames.js";
import {
  parseHello,
  refuseHello,
  refuseMessage,
  type Hello,
  type PeerFrameLimits,
  type Standing,
} from "./peer-gate.js";

const MAX_QUEUE = 4096;
/** The snapshot slot shared by the senders outside the member table. */
const OUTSIDERS = -1;
/** How long an inbound connection may stay silent before its hello or cluster query. */
const HELLO_TIMEOUT_MS = 10_000;
/** Senders outside the member table that may become peers through their hello. */
const MAX_LEARNED = 16;
const CHUNK = 64 * 1024;

export interface TransportHandlers {
  onMessage(m: Message): void;
  onSide(from: number, body: unknown): void;
  onUnreachable(id: number): void;
  onSnapshot(id: number, ok: boolean): void;
  /** The answer to a joining member's cluster query (kind 2): JSON-able; none: not answered. */
  clusterInfo?: () => unknown;
  /** This member's Raft id, peer URL and cluster ID (hex): the hello (kind 4) of every outbound connection. */
  self: Hello;
  /** What this member knows of a Raft id (member, removed, unknown): what it may send. */
  standing: (id: number) => Standing;
  /** Frame size bounds (peerFrameLimits). */
  limits: PeerFrameLimits;
  /**
   * A peer connected and said who it is (hello). A member that restarts behind the cluster does
   * not know members added while it was down; as etcd's AddRemote, it learns their URL here so
   * it can answer them (else it could never catch up from such a leader).
   */
  onHello?: (id: number, url: string) => void;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Refused connections and dropped frames (rate-limited). */
  warn: (msg: string, fields?: Record<string, unknown>) => void;
}

export const FRAME_CLUSTER_QUERY = 2;
export const FRAME_CLUSTER_INFO = 3;
export const FRAME_HELLO = 4;

/** One frame: `[u32 length][u8 kind][payload]`. */
export function frame(kind: number, payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(5 + payload.byteLength);
  buf.writeUInt32LE(1 + payload.byteLength, 0);
  buf[4] = kind;
  buf.set(payload, 5);
  return buf;
}

class Peer {
  socket: net.Socket | undefined;
  connected = false;
  queue: { buf: Buffer; snapTo?: number }[] = [];
  scheduled = false;
  backoff = 50;
  timer: NodeJS.Timeout | undefined;
  closed = false;
  constructor(
    readonly id: number,
    public host: string,
    public port: number,
    private readonly h: TransportHandlers,
  ) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const s = net.connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    this.socket = s;
    s.on("connect", () => {
      this.connected = true;
      this.backoff = 50;
      this.h.log("peer connected", { peer: this.id.toString(16) });
      s.write(frame(FRAME_HELLO, Buffer.from(JSON.stringify(this.h.self))));
      this.schedule();
    });
    s.on("data", () => {}); // peers never answer on this connection
    s.on("error", () => {});
    s.on("close", () => {
      const was = this.connected;
      this.connected = false;
      this.socket = undefined;
      this.failQueue();
      if (was) this.h.log("peer disconnected", { peer: this.id.toString(16) });
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(), this.backoff);
      this.timer.unref();
      this.backoff = Math.min(1000, this.backoff * 2);
    });
  }

  private failQueue(): void {
    const q = this.queue;
    this.queue = [];
    let raft = false;
    for (const f of q) {
      if (f.snapTo !== undefined) this.h.onSnapshot(f.snapTo, false);
      else raft = true;
    }
    if (raft) this.h.onUnreachable(this.id);
  }

  send(buf: Buffer, snapTo?: number): boolean {
    // Queued while connected or connecting (a refused connection fails the queue: unreachable).
    if (this.closed || !this.socket || this.queue.length >= MAX_QUEUE) return false;
    this.queue.push(snapTo === undefined ? { buf } : { buf, snapTo });
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const s = this.socket;
    if (!s || !this.connected || this.queue.length === 0) return;
    const q = this.queue;
    this.queue = [];
    let batch: Buffer[] = [];
    const out = (): void => {
      if (batch.length === 0) return;
      s.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
      batch = [];
    };
    for (const f of q) {
      if (f.snapTo === undefined) {
        batch.push(f.buf);
        continue;
      }
      out();
      // A snapshot: chunked writes, reported when the last chunk is flushed to the kernel.
      const to = f.snapTo;
      for (let off = 0; off < f.buf.length; off += CHUNK) {
        const last = off + CHUNK >= f.buf.length;
        s.write(f.buf.subarray(off, Math.min(off + CHUNK, f.buf.length)), (err) => {
          if (last) this.h.onSnapshot(to, !err);
        });
      }
    }
    out();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
  }
}

export class PeerTransport {
  private readonly peers = new Map<number, Peer>();
  private server: net.Server | undefined;
  private readonly inbound = new Set<net.Socket>();
  private readonly warned = new Map<string, number>();
  /** Ids outside the member table that a hello made peers of (bounded by MAX_LEARNED). */
  private readonly learned = new Set<number>();
  /** Per member id (OUTSIDERS: any other id), the connection a large (snapshot) frame is arriving on. */
  private readonly snapshots = new Map<number, net.Socket>();

  constructor(private readonly h: TransportHandlers) {}

  async listen(host: string, port: number): Promise<string> {
    const srv = net.createServer((sock) => this.accept(sock));
    this.server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, host, () => {
        srv.off("error", reject);
        resolve();
      });
    });
    const a = srv.address();
    return typeof a === "object" && a ? `${a.address}:${a.port}` : String(a);
  }

  private accept(sock: net.Socket): void {
    this.inbound.add(sock);
    sock.setNoDelay(true);
    // A connection must say who it is (or ask its question) soon: idle sockets are not kept.
    const helloTimer = setTimeout(() => {
      if (!hello && !querying) refuse(`no hello within ${HELLO_TIMEOUT_MS / 1000} s`);
    }, HELLO_TIMEOUT_MS);
    helloTimer.unref();
    const h = this.h;
    const limits = h.limits;
    let hello: Hello | undefined;
    let querying = false;
    let dropped = false;
    let snapshotSlot: number | undefined;
    const releaseSnapshotSlot = (): void => {
      if (snapshotSlot !== undefined && this.snapshots.get(snapshotSlot) === sock)
        this.snapshots.delete(snapshotSlot);
      snapshotSlot = undefined;
    };
    const who = (): Record<string, unknown> => ({
      remote: `${sock.remoteAddress ?? "?"}:${sock.remotePort ?? "?"}`,
      ...(hello ? { peer: hello.id.toString(16), raftId: hello.id } : {}),
    });
    const refuse = (reason: string, fields: Record<string, unknown> = {}): false => {
      this.warnLimited(`peer connection refused: ${reason}`, { ...who(), ...fields });
      sock.destroy();
      return false;
    };
    const reader = new FrameReader({
      check: (len, kind, type) => {
        if (!hello) {
          if (kind !== FRAME_HELLO && kind !== FRAME_CLUSTER_QUERY)
            return `frame kind ${kind} before the hello`;
          return len > limits.control ? `frame of ${len} bytes before the hello` : undefined;
        }
        if (kind === 0) {
          if (len <= limits.message) return undefined;
          if (type !== MessageType.Snap) return `message of ${len} bytes (limit ${limits.message})`;
          if (len > limits.snapshot) return `snapshot of ${len} bytes (limit ${limits.snapshot})`;
          // One large frame at a time per member id, and one for all the ids outside the member
          // table (a leader added while this member was down: it may have to send a snapshot);
          // a newer one replaces an older one still arriving (Raft retries a lost snapshot).
          const member = h.standing(hello.id) === "member";
          if (!member && !this.learned.has(hello.id))
            return `snapshot of ${len} bytes from a raft id not in this member's table`;
          const slot = member ? hello.id : OUTSIDERS;
          const older = this.snapshots.get(slot);
          if (older && older !== sock) {
            this.warnLimited("peer snapshot replaced by a newer one", who());
            older.destroy();
          }
          this.snapshots.set(slot, sock);
          snapshotSlot = slot;
          return undefined;
        }
        if (kind === 1) return len > limits.control ? `side message of ${len} bytes` : undefined;
        return `frame kind ${kind} after the hello`;
      },
      refuse: (reason, len, kind) => refuse(reason, { len, kind }),
      frame: (kind, body) => {
        clearTimeout(helloTimer);
        releaseSnapshotSlot();
        // One question per connection (join.ts asks once): answers to a peer that never reads
        // would pile up in the socket's buffer.
        if (querying) return refuse(`frame kind ${kind} after the cluster query`);
        if (!hello) {
          if (kind === FRAME_CLUSTER_QUERY) {
            querying = true;
            if (h.clusterInfo)
              sock.write(frame(FRAME_CLUSTER_INFO, Buffer.from(JSON.stringify(h.clusterInfo()))));
            return true;
          }
          const hl = parseHello(body);
          if (typeof hl === "string") return refuse(hl);
          const why = refuseHello(hl, h.self.id, h.self.cluster, h.standing(hl.id));
          if (why) return refuse(why, { raftId: hl.id, url: hl.url, cluster: hl.cluster });
          hello = hl;
          // A sender this member does not know becomes a peer to answer (AddRemote), up to a
          // bound: hellos naming ever new ids must not make ever more outbound connections.
          const known = h.standing(hl.id) === "member";
          if (known || this.learned.has(hl.id) || this.learned.size < MAX_LEARNED) {
            if (!known) this.learned.add(hl.id);
            h.onHello?.(hl.id, hl.url);
          }
          return true;
        }
        if (kind === 1) return this.side(hello.id, body, refuse);
        let m: Message;
        try {
          m = decodeMessage(body);
        } catch (err) {
          return refuse(`malformed Raft message: ${(err as Error).message}`);
        }
        const why = refuseMessage(m, hello.id, h.self.id, h.standing(hello.id));
        if (why) {
          // Dropped, not closed: a member that does not know the sender yet keeps the messages
          // it needs from the same connection.
          if (!dropped) this.warnLimited(`peer message dropped: ${why}`, who());
          dropped = true;
          return true;
        }
        try {
          h.onMessage(m);
        } catch (err) {
          return refuse(`the Raft core refused a message: ${(err as Error).message}`);
        }
        return true;
      },
    });
    sock.on("data", (chunk: Buffer) => reader.push(chunk));
    sock.on("error", () => {});
    sock.on("close", () => {
      this.inbound.delete(sock);
      clearTimeout(helloTimer);
      releaseSnapshotSlot();
    });
  }

  /** A side message (JSON `{ from, body }`) on the connection of `peer`. */
  private side(peer: number, body: Buffer, refuse: (reason: string) => false): boolean {
    let o: { from?: unknown; body?: unknown };
    try {
      o = JSON.parse(body.toString("utf8")) as typeof o;
    } catch {
      return refuse("side message is not JSON");
    }
    if (!o || typeof o !== "object" || o.from !== peer)
      return refuse("side message not from the connection's peer");
    if (this.h.standing(peer) !== "member") return true;
    const b = o.body as { t?: unknown } | null;
    if (!b || typeof b !== "object") return refuse("side message without a body");
    if (b.t === "removed") {
      // Not acted on: this member stops only when it applies its own removal (raft-loop.ts).
      this.warnLimited("a peer says this member was removed: ignored until this member applies its removal", {
        peer: peer.toString(16),
      });
      return true;
    }
    try {
      this.h.onSide(peer, b);
    } catch (err) {
      return refuse(`side message failed: ${(err as Error).message}`);
    }
    return true;
  }

  /** A warning, at most once every 5 s for the same message (a peer reconnecting in a loop). */
  private warnLimited(msg: string, fields: Record<string, unknown>): void {
    const now = performance.now();
    const last = this.warned.get(msg);
    if (last !== undefined && now - last < 5000) return;
    if (this.warned.size > 1000) this.warned.clear();
    this.warned.set(msg, now);
    this.h.warn(msg, fields);
  }

  addPeer(id: number, url: string): void {
    const u = new URL(url);
    const existing = this.peers.get(id);
    if (existing) {
      if (existing.host === u.hostname && existing.port === Number(u.port)) return;
      existing.close();
    }
    this.peers.set(id, new Peer(id, u.hostname, Number(u.port), this.h));
  }

  removePeer(id: number): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  hasPeer(id: number): boolean {
    return this.peers.has(id);
  }

  /** Sends Raft messages (drops, reporting unreachable, when a peer's queue is full or it is down). */
  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      const p = this.peers.get(m.to);
      const size = encodedSize(m);
      const buf = Buffer.allocUnsafe(5 + size);
      buf.writeUInt32LE(1 + size, 0);
      buf[4] = 0;
      encodeMessageInto(m, buf, 5);
      const isSnap = m.type === MessageType.Snap;
      if (!p || !p.send(buf, isSnap ? m.to : undefined)) {
        if (isSnap) this.h.onSnapshot(m.to, false);
        else this.h.onUnreachable(m.to);
      }
    }
  }

  /** Sends a JSON side message; false when it could not be queued. */
  sendSide(to: number, from: number, body: unknown): boolean {
    const p = this.peers.get(to);
    if (!p) return false;
    const json = Buffer.from(JSON.stringify({ from, body }));
    const buf = Buffer.allocUnsafe(5 + json.length);
    buf.writeUInt32LE(1 + json.length, 0);
    buf[4] = 1;
    json.copy(buf, 5);
    return p.send(buf);
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
    for (const s of this.inbound) s.destroy();
    this.server?.close();
  }
}
