/**
 * One Watch stream (a bidirectional gRPC call): many watches, each with a stream-local
 * watch_id assigned as etcd assigns them (the client's own non-zero id if free, else the next
 * free one from 0), mapped to store-wide watcher ids. Create, cancel and progress requests;
 * responses in the order etcd sends them (a watch's "created" before any of its events).
 *
 * Back-pressure: when the call's write() returns false (the client is not reading fast
 * enough), every watcher of the stream is held in the store — nothing more is produced or
 * kept for it — and a response already taken but not yet written puts its watcher back to
 * that response's first revision. On "drain" the watchers are released one at a time, each
 * catching up from the store's history, until the call is full again. So one stream holds at
 * most the transport's buffer plus one response, and its events still arrive in order,
 * without gap or duplicate (a compaction meanwhile ends a watcher as etcd does).
 */
import type { StreamCall } from "./stream-call.js";
import type * as mvcc from "../mvcc/index.js";
import type { Logger } from "./log.js";
import type { ResponseHeader } from "./pb.js";

/** What a stream needs of the server core. */
export interface WatchHost {
  readonly store: { currentRevision: number; watch(req: mvcc.WatchCreateRequest): number };
  header(revision?: number): ResponseHeader;
  addWatcher(storeId: number, ws: WatchStream): void;
  removeWatcher(storeId: number): void;
  /** Stops producing responses for a watcher; it resumes from `fromRev` (or where it is) when released. */
  holdWatcher(storeId: number, fromRev?: number): void;
  /** Releases a held watcher and delivers what it has now (its catch-up from history). */
  releaseWatcher(storeId: number): void;
}

export interface WatchRequest {
  requestUnion?: "createRequest" | "cancelRequest" | "progressRequest";
  createRequest?: mvcc.WatchCreateRequest | null;
  cancelRequest?: { watchId: number } | null;
  progressRequest?: object | null;
}

export class WatchStream {
  /** stream watch id → store watcher id */
  private readonly byStreamId = new Map<number, number>();
  /** store watcher id → stream watch id */
  private readonly byStoreId = new Map<number, number>();
  private nextId = 0;
  private closed = false;
  /** The call's buffer is full: watchers are held until "drain". */
  private blocked = false;
  /** Store ids of the held watchers, in the order they are released (round robin across drains). */
  private readonly held = new Set<number>();

  constructor(
    private readonly host: WatchHost,
    private readonly call: StreamCall,
    private readonly log: Logger,
  ) {
    call.on("drain", () => this.unblock());
  }

  onRequest(req: WatchRequest): void {
    if (this.closed) return;
    try {
      if (req.createRequest) this.create(req.createRequest);
      else if (req.cancelRequest) this.cancel(req.cancelRequest.watchId);
      else if (req.progressRequest) this.send({ header: this.host.header(), watchId: -1 });
    } catch (err) {
      this.log.warn("watch request failed", { error: err });
    }
  }

  private create(c: mvcc.WatchCreateRequest): void {
    const rev = this.host.store.currentRevision;
    const req: mvcc.WatchCreateRequest = { ...c };
    // As etcd: an empty key is the smallest key "\0"; range_end "\0" means every key >= key.
    if (!req.key || req.key.length === 0) req.key = Uint8Array.of(0);
    let id = c.watchId ?? 0;
    if (id !== 0) {
      if (this.byStreamId.has(id) || id < 0) {
        this.send({
          header: this.host.header(rev),
          watchId: -1,
          created: true,
          canceled: true,
          cancelReason: "mvcc: duplicate watch ID",
        });
        return;
      }
    } else {
      while (this.byStreamId.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }
    let storeId: number;
    try {
      storeId = this.host.store.watch(req);
    } catch (err) {
      this.send({
        header: this.host.header(rev),
        watchId: -1,
        created: true,
        canceled: true,
        cancelReason: (err as Error).message,
      });
      return;
    }
    this.byStreamId.set(id, storeId);
    this.byStoreId.set(storeId, id);
    this.send({ header: this.host.header(rev), watchId: id, created: true });
    this.host.addWatcher(storeId, this);
    if (this.blocked) this.hold(storeId);
  }

  private cancel(id: number): void {
    const storeId = this.byStreamId.get(id);
    if (storeId === undefined) return;
    this.byStreamId.delete(id);
    this.byStoreId.delete(storeId);
    this.held.delete(storeId);
    this.host.removeWatcher(storeId);
    this.send({ header: this.host.header(), watchId: id, canceled: true });
  }

  /** A response from the store for one of this stream's watchers. */
  deliver(r: mvcc.WatchResponse): void {
    const id = this.byStoreId.get(r.watchId);
    if (id === undefined || this.closed) return;
    if (r.canceled) {
      this.byStoreId.delete(r.watchId);
      this.held.delete(r.watchId);
      this.byStreamId.delete(id);
      this.send({
        header: this.host.header(r.header.revision),
        watchId: id,
        canceled: true,
        compactRevision: r.compactRevision,
        events: r.events,
      });
      return;
    }
    if (this.blocked) {
      // Taken from the store but not written: the watcher starts again from here.
      this.hold(r.watchId, r.events[0]?.kv.modRevision ?? r.header.revision);
      return;
    }
    this.send({ header: this.host.header(r.header.revision), watchId: id, events: r.events });
  }

  private send(resp: object): void {
    if (this.closed) return;
    let ok: boolean;
    try {
      ok = this.call.write(resp);
    } catch (err) {
      this.log.warn("watch stream write failed", { error: err });
      this.close();
      return;
    }
    if (!ok && !this.blocked && !this.closed) {
      this.blocked = true;
      for (const storeId of this.byStoreId.keys()) if (!this.held.has(storeId)) this.hold(storeId);
    }
  }

  private hold(storeId: number, fromRev?: number): void {
    this.host.holdWatcher(storeId, fromRev);
    this.held.add(storeId);
  }

  /** The client took what was buffered: release held watchers until the call is full again. */
  private unblock(): void {
    if (!this.blocked || this.closed) return;
    this.blocked = false;
    for (const storeId of [...this.held]) {
      if (this.blocked || this.closed) break;
      this.held.delete(storeId);
      if (this.byStoreId.has(storeId)) this.host.releaseWatcher(storeId);
    }
  }

  /** Cancels every watcher of the stream (the client went away). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const storeId of this.byStoreId.keys()) this.host.removeWatcher(storeId);
    this.byStoreId.clear();
    this.held.clear();
    this.byStreamId.clear();
  }
}
