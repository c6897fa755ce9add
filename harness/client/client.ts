/**
 * createClient: the grpc-js implementation of {@link EtcdClient}.
 *
 * One grpc-js channel per client, on its own TCP connection (`grpc.use_local_subchannel_pool`)
 * unless `sharedConnection`. Retries are off (`grpc.enable_retries: 0`, no service config), every
 * unary call carries a deadline, and reconnection backs off from 100 ms to 1 s so a restarted
 * member is reachable again quickly. Messages are encoded and decoded with protobufjs directly
 * (no proto-loader object conversion), and int64 fields are converted by ./proto.ts.
 */
import * as grpc from "@grpc/grpc-js";
import * as codec from "./codec.js";
import { classifyStatus, clientError, GrpcCode } from "./errors.js";
import { Http2Transport } from "./http2-transport.js";
import { fromId, Int64OverflowError, pbType, toId, toNum } from "./proto.js";
import type { PbType } from "./proto.js";
import { EtcdClientError } from "./types.js";
import type {
  Alarm,
  AlarmType,
  CallOptions,
  CasOptions,
  CasResult,
  ClientOptions,
  DeleteOptions,
  DeleteResult,
  EtcdClient,
  HashKVResult,
  KeyValue,
  LeaseGrantResult,
  LeaseKeepAliveResult,
  LeaseTimeToLiveResult,
  MemberAddResult,
  MemberListResult,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  ResponseHeader,
  StatusResult,
  TxnRequest,
  TxnResult,
  ValueMode,
  Watch,
  WatchBatch,
  WatchHandlers,
  WatchOptions,
} from "./types.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs message objects are untyped */
type Pb = any;

interface Method {
  name: string;
  path: string;
  serialize: (x: Pb) => Buffer;
  deserialize: (b: Buffer) => Pb;
}

const methods = new Map<string, Method>();

/** `KV.Range` → the method's path and codecs (request `RangeRequest`, response `RangeResponse` unless given). */
function method(name: string, req?: string, res?: string): Method {
  let m = methods.get(name);
  if (!m) {
    const [service, rpc] = name.split(".") as [string, string];
    const reqT: PbType = pbType(req ?? `${rpc}Request`);
    const resT: PbType = pbType(res ?? `${rpc}Response`);
    m = {
      name,
      path: `/etcdserverpb.${service}/${rpc}`,
      serialize: (x) => reqT.encode(x).finish() as Buffer,
      deserialize: (b) => resT.decode(b),
    };
    methods.set(name, m);
  }
  return m;
}

const M = {
  range: () => method("KV.Range"),
  put: () => method("KV.Put"),
  del: () => method("KV.DeleteRange"),
  txn: () => method("KV.Txn"),
  compact: () => method("KV.Compact", "CompactionRequest", "CompactionResponse"),
  leaseGrant: () => method("Lease.LeaseGrant"),
  leaseRevoke: () => method("Lease.LeaseRevoke"),
  leaseKeepAlive: () => method("Lease.LeaseKeepAlive"),
  leaseTtl: () => method("Lease.LeaseTimeToLive"),
  watch: () => method("Watch.Watch"),
  status: () => method("Maintenance.Status"),
  alarm: () => method("Maintenance.Alarm"),
  defragment: () => method("Maintenance.Defragment"),
  moveLeader: () => method("Maintenance.MoveLeader"),
  hashKV: () => method("Maintenance.HashKV"),
  memberList: () => method("Cluster.MemberList"),
  memberAdd: () => method("Cluster.MemberAdd"),
  memberRemove: () => method("Cluster.MemberRemove"),
  memberPromote: () => method("Cluster.MemberPromote"),
};

/** Turns anything a call failed with into an EtcdClientError carrying the registry's verdict. */
export function toClientError(methodName: string, e: unknown): EtcdClientError {
  if (e instanceof EtcdClientError) return e;
  const err = e as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof err?.code === "number" && typeof err.details === "string") {
    const c = classifyStatus(err.code, err.details);
    return new EtcdClientError({
      kind: c.name,
      definite: c.definite,
      code: err.code,
      details: err.details,
      method: methodName,
      message: `${methodName}: ${err.details} (${c.name})`,
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  const kind =
    e instanceof Int64OverflowError
      ? "int64-overflow"
      : e instanceof RangeError || e instanceof TypeError
        ? "client-invalid-argument"
        : "unexpected-error";
  const c = clientError(kind);
  return new EtcdClientError({
    kind: c.name,
    definite: c.definite,
    method: methodName,
    message: `${methodName}: ${message} (${c.name})`,
  });
}

const ALARMS: readonly AlarmType[] = ["NONE", "NOSPACE", "CORRUPT"];

class GrpcEtcdClient<V> implements EtcdClient<V> {
  readonly endpoint: string;
  private readonly grpc: grpc.Client;
  private readonly timeoutMs: number;
  private readonly mode: ValueMode;
  private closed = false;
  private keepAlive?: {
    call: grpc.ClientDuplexStream<Pb, Pb>;
    waiters: Map<string, ((r: Pb | Error) => void)[]>;
  };
  private readonly watches = new Set<grpc.ClientDuplexStream<Pb, Pb>>();
  private readonly h2: Http2Transport | undefined;
  private readonly connectTimeoutMs: number | undefined;
  private readonly metadata: grpc.Metadata;

  constructor(opts: ClientOptions) {
    if (typeof opts.endpoint !== "string" || !/^[^\s/]+:\d+$/.test(opts.endpoint))
      throw new RangeError(
        `createClient: endpoint must be host:port (no scheme), got ${JSON.stringify(opts.endpoint)}`,
      );
    if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0))
      throw new RangeError(`createClient: timeoutMs must be > 0, got ${opts.timeoutMs}`);
    this.endpoint = opts.endpoint;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.mode = opts.values ?? "string";
    this.connectTimeoutMs = opts.connectTimeoutMs;
    if (opts.transport !== undefined && opts.transport !== "grpc-js" && opts.transport !== "http2")
      throw new RangeError(
        `createClient: transport must be "grpc-js" or "http2", got ${JSON.stringify(opts.transport)}`,
      );
    this.h2 =
      opts.transport === "http2"
        ? new Http2Transport(opts.endpoint, opts.requireLeader ? { hasleader: "true" } : {})
        : undefined;
    this.metadata = new grpc.Metadata();
    if (opts.requireLeader) this.metadata.set("hasleader", "true");
    this.grpc = new grpc.Client(opts.endpoint, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": opts.sharedConnection ? 0 : 1,
      "grpc.enable_retries": 0,
      "grpc.max_receive_message_length": -1,
      "grpc.max_send_message_length": -1,
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
    });
  }

  private deadline(o?: CallOptions): Date {
    return new Date(Date.now() + (o?.timeoutMs ?? this.timeoutMs));
  }

  private unary<R>(
    m: Method,
    build: () => Pb,
    o: CallOptions | undefined,
    convert: (r: Pb) => R,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.closed) {
        const c = clientError("client-closed");
        reject(
          new EtcdClientError({
            kind: c.name,
            definite: c.definite,
            method: m.name,
            message: `${m.name}: client for ${this.endpoint} is closed`,
          }),
        );
        return;
      }
      let req: Pb;
      try {
        req = build();
      } catch (e) {
        reject(toClientError(m.name, e));
        return;
      }
      const signal = o?.signal;
      if (this.h2) {
        let msg: Buffer;
        try {
          msg = m.serialize(req);
        } catch (e) {
          reject(toClientError(m.name, e));
          return;
        }
        this.h2.unary(m.path, msg, o?.timeoutMs ?? this.timeoutMs, signal).then(
          (buf) => {
            try {
              resolve(convert(m.deserialize(buf)));
            } catch (e) {
              reject(toClientError(m.name, e));
            }
          },
          (e: unknown) => reject(toClientError(m.name, e)),
        );
        return;
      }
      const onAbort = (): void => call.cancel();
      const call = this.grpc.makeUnaryRequest(
        m.path,
        m.serialize,
        m.deserialize,
        req,
        this.metadata.clone(),
        { deadline: this.deadline(o) },
        (err, res) => {
          signal?.removeEventListener("abort", onAbort);
          if (err) return reject(toClientError(m.name, err));
          try {
            resolve(convert(res));
          } catch (e) {
            reject(toClientError(m.name, e));
          }
        },
      );
      if (signal) {
        if (signal.aborted) call.cancel();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }

  connect(o?: CallOptions): Promise<void> {
    if (this.h2)
      return this.h2
        .ready(o?.timeoutMs ?? this.connectTimeoutMs ?? this.timeoutMs)
        .catch((e: unknown) => Promise.reject(toClientError("connect", e)));
    return new Promise((resolve, reject) => {
      this.grpc.waitForReady(
        new Date(Date.now() + (o?.timeoutMs ?? this.connectTimeoutMs ?? this.timeoutMs)),
        (err) => {
          if (!err) return resolve();
          const c = classifyStatus(GrpcCode.UNAVAILABLE, `No connection established: ${err.message}`);
          reject(
            new EtcdClientError({
              kind: c.name,
              definite: c.definite,
              code: GrpcCode.UNAVAILABLE,
              details: err.message,
              method: "connect",
              message: `connect ${this.endpoint}: ${err.message}`,
            }),
          );
        },
      );
    });
  }

  get(key: string, o: RangeOptions = {}): Promise<RangeResult<V>> {
    return this.unary(
      M.range(),
      () => codec.rangeRequest(key, o),
      o,
      (r) => codec.rangeResult<V>(r, this.mode),
    );
  }

  put(key: string, value: string | Uint8Array, o: PutOptions = {}): Promise<PutResult<V>> {
    return this.unary(
      M.put(),
      () => codec.putRequest(key, value, o),
      o,
      (r) => codec.putResult<V>(r, this.mode),
    );
  }

  delete(key: string, o: DeleteOptions = {}): Promise<DeleteResult<V>> {
    return this.unary(
      M.del(),
      () => codec.deleteRequest(key, o),
      o,
      (r) => codec.deleteResult<V>(r, this.mode),
    );
  }

  txn(t: TxnRequest, o?: CallOptions): Promise<TxnResult<V>> {
    return this.unary(
      M.txn(),
      () => codec.txnRequest(t),
      o,
      (r) => codec.txnResult<V>(r, this.mode),
    );
  }

  async cas(
    key: string,
    from: string | Uint8Array,
    to: string | Uint8Array,
    o: CasOptions = {},
  ): Promise<CasResult<V>> {
    const r = await this.txn(
      {
        compare: [{ key, target: "value", result: "=", value: from }],
        success: [{ put: { key, value: to } }],
        failure: o.readOnFailure ? [{ get: { key } }] : [],
      },
      o,
    );
    const out: CasResult<V> = { header: r.header, succeeded: r.succeeded };
    if (!r.succeeded && o.readOnFailure) {
      const first = r.responses[0];
      const kvs: KeyValue<V>[] = first && "get" in first ? first.get.kvs : [];
      if (kvs[0]) out.current = kvs[0];
    }
    return out;
  }

  compact(
    revision: number,
    o: CallOptions & { physical?: boolean } = {},
  ): Promise<{ header: ResponseHeader }> {
    return this.unary(
      M.compact(),
      () => {
        if (!Number.isSafeInteger(revision) || revision < 0)
          throw new RangeError(`compact: revision must be an integer >= 0, got ${revision}`);
        return { revision, physical: o.physical || undefined };
      },
      o,
      (r) => ({ header: codec.header(r.header) }),
    );
  }

  leaseGrant(ttlSeconds: number, o: CallOptions & { id?: string | number } = {}): Promise<LeaseGrantResult> {
    return this.unary(
      M.leaseGrant(),
      () => {
        if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)
          throw new RangeError(`leaseGrant: ttl must be an integer > 0 s, got ${ttlSeconds}`);
        return { TTL: ttlSeconds, ID: o.id === undefined ? undefined : fromId(o.id, "leaseGrant") };
      },
      o,
      (r) => {
        if (r.error) throw Object.assign(new Error(r.error), { code: GrpcCode.UNKNOWN, details: r.error });
        return { header: codec.header(r.header), id: toId(r.ID), ttl: toNum(r.TTL, "ttl") };
      },
    );
  }

  leaseRevoke(id: string | number, o?: CallOptions): Promise<{ header: ResponseHeader }> {
    return this.unary(
      M.leaseRevoke(),
      () => ({ ID: fromId(id, "leaseRevoke") }),
      o,
      (r) => ({ header: codec.header(r.header) }),
    );
  }

  leaseTimeToLive(
    id: string | number,
    o: CallOptions & { keys?: boolean } = {},
  ): Promise<LeaseTimeToLiveResult> {
    return this.unary(
      M.leaseTtl(),
      () => ({ ID: fromId(id, "leaseTimeToLive"), keys: o.keys || undefined }),
      o,
      (r) => ({
        header: codec.header(r.header),
        id: toId(r.ID),
        ttl: toNum(r.TTL, "ttl"),
        grantedTtl: toNum(r.grantedTTL, "grantedTTL"),
        keys: (r.keys ?? []).map((k: Uint8Array) => Buffer.from(k).toString("utf8")),
      }),
    );
  }

  leaseKeepAliveOnce(id: string | number, o?: CallOptions): Promise<LeaseKeepAliveResult> {
    const name = "Lease.LeaseKeepAlive";
    return new Promise<LeaseKeepAliveResult>((resolve, reject) => {
      let idArg: string | number;
      try {
        idArg = fromId(id, "leaseKeepAliveOnce");
      } catch (e) {
        return reject(toClientError(name, e));
      }
      if (this.closed)
        return reject(
          toClientError(
            name,
            Object.assign(new Error("closed"), {
              code: GrpcCode.UNAVAILABLE,
              details: "Channel closed before call started",
            }),
          ),
        );
      const ka = this.keepAliveStream();
      const key = String(idArg);
      const timer = setTimeout(() => {
        const list = ka.waiters.get(key);
        const i = list?.indexOf(waiter) ?? -1;
        if (i >= 0) list!.splice(i, 1);
        reject(
          toClientError(name, {
            code: GrpcCode.DEADLINE_EXCEEDED,
            details: "Deadline exceeded waiting for the keep-alive response",
          }),
        );
      }, o?.timeoutMs ?? this.timeoutMs);
      const waiter = (r: Pb | Error): void => {
        clearTimeout(timer);
        if (r instanceof Error) return reject(toClientError(name, r));
        try {
          resolve({ header: codec.header(r.header), id: toId(r.ID), ttl: toNum(r.TTL, "ttl") });
        } catch (e) {
          reject(toClientError(name, e));
        }
      };
      const list = ka.waiters.get(key) ?? [];
      list.push(waiter);
      ka.waiters.set(key, list);
      ka.call.write({ ID: idArg });
    });
  }

  private keepAliveStream(): NonNullable<GrpcEtcdClient<V>["keepAlive"]> {
    if (this.keepAlive) return this.keepAlive;
    const m = M.leaseKeepAlive();
    const call = this.grpc.makeBidiStreamRequest(
      m.path,
      m.serialize,
      m.deserialize,
      this.metadata.clone(),
      {},
    );
    const ka = { call, waiters: new Map<string, ((r: Pb | Error) => void)[]>() };
    const failAll = (e: Error): void => {
      if (this.keepAlive === ka) this.keepAlive = undefined;
      for (const list of ka.waiters.values()) for (const w of list) w(e);
      ka.waiters.clear();
    };
    call.on("data", (r: Pb) => {
      const key = toId(r.ID);
      const w = ka.waiters.get(key)?.shift();
      w?.(r);
    });
    call.on("error", (e: Error) => failAll(e));
    call.on("end", () =>
      failAll(
        Object.assign(new Error("keep-alive stream ended"), {
          code: GrpcCode.UNAVAILABLE,
          details: "Connection dropped",
        }),
      ),
    );
    this.keepAlive = ka;
    return ka;
  }

  watch(key: string, o: WatchOptions, handlers: WatchHandlers<V>): Promise<Watch> {
    const name = "Watch.Watch";
    return new Promise<Watch>((resolve, reject) => {
      let create: Pb;
      try {
        const range = codec.deleteRequest(key, { prefix: o.prefix, rangeEnd: o.rangeEnd });
        const filters: number[] = [];
        if (o.noPut) filters.push(0);
        if (o.noDelete) filters.push(1);
        if (o.startRevision !== undefined && (!Number.isSafeInteger(o.startRevision) || o.startRevision < 0))
          throw new RangeError(`watch: startRevision must be an integer >= 0, got ${o.startRevision}`);
        create = {
          key: range.key,
          rangeEnd: range.rangeEnd,
          startRevision: o.startRevision,
          prevKv: o.prevKv || undefined,
          progressNotify: o.progressNotify || undefined,
          filters,
        };
      } catch (e) {
        return reject(toClientError(name, e));
      }
      if (this.closed)
        return reject(
          toClientError(name, { code: GrpcCode.UNAVAILABLE, details: "Channel closed before call started" }),
        );
      const m = M.watch();
      const call = this.grpc.makeBidiStreamRequest(
        m.path,
        m.serialize,
        m.deserialize,
        this.metadata.clone(),
        {},
      );
      this.watches.add(call);
      let created = false;
      let ended = false;
      let cancelledByUs = false;
      let watchId = "0";
      const end = (reason: Parameters<NonNullable<WatchHandlers<V>["onEnd"]>>[0]): void => {
        if (ended) return;
        ended = true;
        this.watches.delete(call);
        if (!cancelledByUs) handlers.onEnd?.(reason);
      };
      const timer = setTimeout(() => {
        if (created) return;
        cancelledByUs = true;
        call.cancel();
        reject(
          toClientError(name, {
            code: GrpcCode.DEADLINE_EXCEEDED,
            details: "Deadline exceeded waiting for the watch to be created",
          }),
        );
      }, o.timeoutMs ?? this.timeoutMs);
      const watch: Watch = {
        get id() {
          return watchId;
        },
        createdRevision: 0,
        cancel: async () => {
          if (ended || cancelledByUs) return;
          cancelledByUs = true;
          try {
            call.write({ cancelRequest: { watchId } });
          } catch {
            // the stream is already gone
          }
          call.cancel();
          ended = true;
          this.watches.delete(call);
        },
      };
      call.on("data", (r: Pb) => {
        try {
          if (!created && r.created) {
            created = true;
            clearTimeout(timer);
            watchId = toId(r.watchId);
            (watch as { createdRevision: number }).createdRevision = toNum(
              r.header?.revision,
              "header.revision",
            );
            resolve(watch);
          }
          if (r.canceled) {
            const compactRevision = toNum(r.compactRevision, "compact_revision");
            end({ compactRevision: compactRevision || undefined, cancelReason: r.cancelReason || undefined });
            cancelledByUs = true;
            call.cancel();
            return;
          }
          const events = (r.events ?? []) as Pb[];
          if (created && (events.length > 0 || !r.created)) {
            const batch: WatchBatch<V> = {
              header: codec.header(r.header),
              events: events.map((ev) => {
                const out: WatchBatch<V>["events"][number] = {
                  type: ev.type === 1 ? "delete" : "put",
                  kv: codec.kv<V>(ev.kv, this.mode),
                };
                if (ev.prevKv) out.prevKv = codec.kv<V>(ev.prevKv, this.mode);
                return out;
              }),
            };
            handlers.onEvents(batch);
          }
        } catch (e) {
          end({ error: toClientError(name, e) });
          cancelledByUs = true;
          call.cancel();
        }
      });
      call.on("error", (e: Error) => {
        clearTimeout(timer);
        const err = toClientError(name, e);
        if (!created) {
          if (!cancelledByUs) reject(err);
          ended = true;
          this.watches.delete(call);
        } else end({ error: err });
      });
      call.on("end", () => end({}));
      call.write({ createRequest: create });
    });
  }

  status(o?: CallOptions): Promise<StatusResult> {
    return this.unary(
      M.status(),
      () => ({}),
      o,
      (r) => ({
        header: codec.header(r.header),
        version: r.version ?? "",
        dbSize: toNum(r.dbSize, "dbSize"),
        leader: toId(r.leader),
        raftIndex: toNum(r.raftIndex, "raftIndex"),
        raftTerm: toNum(r.raftTerm, "raftTerm"),
        raftAppliedIndex: toNum(r.raftAppliedIndex, "raftAppliedIndex"),
        errors: r.errors ?? [],
        dbSizeInUse: toNum(r.dbSizeInUse, "dbSizeInUse"),
        isLearner: !!r.isLearner,
      }),
    );
  }

  private members(r: Pb): MemberListResult {
    return { header: codec.header(r.header), members: (r.members ?? []).map(codec.member) };
  }

  memberList(o: CallOptions & { linearizable?: boolean } = {}): Promise<MemberListResult> {
    return this.unary(
      M.memberList(),
      () => ({ linearizable: o.linearizable || undefined }),
      o,
      (r) => this.members(r),
    );
  }

  memberAdd(peerUrls: string[], o: CallOptions & { learner?: boolean } = {}): Promise<MemberAddResult> {
    return this.unary(
      M.memberAdd(),
      () => ({ peerURLs: peerUrls, isLearner: o.learner || undefined }),
      o,
      (r) => ({
        ...this.members(r),
        member: codec.member(r.member ?? {}),
      }),
    );
  }

  memberRemove(id: string, o?: CallOptions): Promise<MemberListResult> {
    return this.unary(
      M.memberRemove(),
      () => ({ ID: fromId(id, "memberRemove") }),
      o,
      (r) => this.members(r),
    );
  }

  memberPromote(id: string, o?: CallOptions): Promise<MemberListResult> {
    return this.unary(
      M.memberPromote(),
      () => ({ ID: fromId(id, "memberPromote") }),
      o,
      (r) => this.members(r),
    );
  }

  private alarms(r: Pb): Alarm[] {
    return (r.alarms ?? []).map((a: Pb) => ({
      memberId: toId(a.memberID),
      alarm: ALARMS[a.alarm ?? 0] ?? "NONE",
    }));
  }

  alarmList(o?: CallOptions): Promise<Alarm[]> {
    return this.unary(
      M.alarm(),
      () => ({ action: 0, memberID: 0, alarm: 0 }),
      o,
      (r) => this.alarms(r),
    );
  }

  alarmDisarm(a: Partial<Alarm> = {}, o?: CallOptions): Promise<Alarm[]> {
    return this.unary(
      M.alarm(),
      () => {
        const alarm = ALARMS.indexOf(a.alarm ?? "NONE");
        if (alarm < 0) throw new RangeError(`alarmDisarm: unknown alarm ${JSON.stringify(a.alarm)}`);
        return { action: 2, memberID: fromId(a.memberId ?? "0", "alarmDisarm"), alarm };
      },
      o,
      (r) => this.alarms(r),
    );
  }

  defragment(o?: CallOptions): Promise<{ header: ResponseHeader }> {
    return this.unary(
      M.defragment(),
      () => ({}),
      o,
      (r) => ({ header: codec.header(r.header) }),
    );
  }

  moveLeader(targetId: string, o?: CallOptions): Promise<{ header: ResponseHeader }> {
    return this.unary(
      M.moveLeader(),
      () => ({ targetID: fromId(targetId, "moveLeader") }),
      o,
      (r) => ({ header: codec.header(r.header) }),
    );
  }

  hashKV(revision = 0, o?: CallOptions): Promise<HashKVResult> {
    return this.unary(
      M.hashKV(),
      () => ({ revision }),
      o,
      (r) => ({
        header: codec.header(r.header),
        hash: r.hash ?? 0,
        compactRevision: toNum(r.compactRevision, "compact_revision"),
      }),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watches) w.cancel();
    this.watches.clear();
    this.keepAlive?.call.cancel();
    this.keepAlive = undefined;
    this.h2?.close();
    this.grpc.close();
  }
}

/** A client for one endpoint. `values: "bytes"` gives `EtcdClient<Uint8Array>`. */
export function createClient(opts: ClientOptions & { values?: "string" }): EtcdClient<string>;
export function createClient(opts: ClientOptions & { values: "bytes" }): EtcdClient<Uint8Array>;
export function createClient(
  opts: ClientOptions & { values?: ValueMode },
): EtcdClient<string> | EtcdClient<Uint8Array> {
  return opts.values === "bytes" ? new GrpcEtcdClient<Uint8Array>(opts) : new GrpcEtcdClient<string>(opts);
}
