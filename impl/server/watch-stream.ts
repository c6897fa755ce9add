/**
 * One Watch stream (a bidirectional gRPC call): many watches, each with a stream-local
 * watch_id assigned as etcd assigns them (the client's own non-zero id if free, else the next
 * free one from 0), mapped to store-wide watcher ids. Create, cancel and progress requests;
 * responses in the order etcd sends them (a watch's "created" before any of its events).
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

  constructor(
    private readonly host: WatchHost,
    private readonly call: StreamCall,
    private readonly log: Logger,
  ) {}

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
  }

  private cancel(id: number): void {
    const storeId = this.byStreamId.get(id);
    if (storeId === undefined) return;
    this.byStreamId.delete(id);
    this.byStoreId.delete(storeId);
    this.host.removeWatcher(storeId);
    this.send({ header: this.host.header(), watchId: id, canceled: true });
  }

  /** A response from the store for one of this stream's watchers. */
  deliver(r: mvcc.WatchResponse): void {
    const id = this.byStoreId.get(r.watchId);
    if (id === undefined || this.closed) return;
    if (r.canceled) {
      this.byStoreId.delete(r.watchId);
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
    this.send({ header: this.host.header(r.header.revision), watchId: id, events: r.events });
  }

  private send(resp: object): void {
    if (this.closed) return;
    try {
      this.call.write(resp);
    } catch (err) {
      this.log.warn("watch stream write failed", { error: err });
      this.close();
    }
  }

  /** Cancels every watcher of the stream (the client went away). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const storeId of this.byStoreId.keys()) this.host.removeWatcher(storeId);
    this.byStoreId.clear();
    this.byStreamId.clear();
  }
}
