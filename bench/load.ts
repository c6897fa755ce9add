/**
 * The load engine: drives one slice of the benchmark's clients (in a worker thread, or in the
 * main thread for tests) and records every completed request's latency in HDR histograms, in
 * total and per second.
 *
 * Closed loop (`rate` 0): each client sends its next request when the previous one returns;
 * latency = completion − send. Open loop (`rate` > 0): each client has a schedule of intended
 * send times (rate / clients per second, clients phase-shifted); it sends at the intended time,
 * or at once when it is behind, and latency = completion − *intended* time, so a slow server
 * cannot hide the queueing it causes (no coordinated omission).
 *
 * By time: requests completing within [measureFrom, measureUntil] count. By total: requests
 * sent from measureFrom count, until the slice's quota is sent. Warm-up requests never count.
 */
import * as grpc from "@grpc/grpc-js";
import type { Histogram } from "hdr-histogram-js";
import { classifyStatus } from "../harness/client/errors.js";
import { createClient } from "../harness/client/client.js";
import { pbType } from "../harness/client/proto.js";
import type { EtcdClient } from "../harness/client/types.js";
import { nowMs, threadCpuMs } from "./clock.js";
import {
  benchValue,
  keyAt,
  keyPicker,
  KEY_SPACE_END,
  pathOf,
  RequestCache,
  type RequestKind,
} from "./requests.js";
import { encodeHistogram, newHistogram, recordMs } from "./stats.js";
import { makeTransport, type CallError, type TransportName, type UnaryTransport } from "./transport.js";
import type { BenchSpec } from "./types.js";

export interface LoadSpec extends BenchSpec {
  transport: TransportName;
}

export interface LoadSlice {
  worker: number;
  /** Global indexes of this slice's clients. */
  clients: number[];
  /** One endpoint per connection of this slice. */
  conns: string[];
  /** Requests to send (by-total runs), 0 = by time. */
  quota: number;
  /** watch: streams of this slice, and its share of the put rate. */
  watchStreams: number;
  watchPutRate: number;
}

export interface LoadTiming {
  /** Epoch ms at which the load (warm-up first) starts. */
  startAt: number;
  measureFrom: number;
  /** Infinity for by-total runs. */
  measureUntil: number;
}

export interface SecondResult {
  ops: number;
  errors: number;
  histogram: string;
}

export interface LoadResult {
  worker: number;
  ops: number;
  errors: number;
  errorsByKind: Record<string, number>;
  histogram: string;
  seconds: SecondResult[];
  /** Completion time of the last measured request (epoch ms). */
  lastMs: number;
  /** CPU of this thread over the measured part (ms), when readable. */
  cpuMs?: number;
  watch?: { events: number; expectedEvents: number; puts: number };
}

export interface LoadHooks {
  /** Transport factory (tests pass a fake target). */
  transport?: (endpoint: string) => UnaryTransport;
  /** Shared counters: [2·worker] measured ops, [2·worker+1] errors. */
  progress?: Int32Array;
  /** Called when setup (connections, leases, watches) is done. */
  ready?: () => void;
  /** Awaited after ready(), before the timing is read (the main thread sends it then). */
  waitStart?: () => Promise<void>;
}

type DoneKind = (errorKind: string | null) => void;

interface Driver {
  setup(): Promise<void>;
  send(local: number, done: DoneKind): void;
  close(): Promise<void>;
}

const kindOf = (e: CallError): string => classifyStatus(e.code, e.details).name;

function unaryDriver(spec: LoadSpec, slice: LoadSlice, hooks: LoadHooks): Driver {
  const make = hooks.transport ?? ((ep: string) => makeTransport(spec.transport, ep));
  const transports = slice.conns.map(make);
  const kinds: RequestKind[] =
    spec.op === "put"
      ? ["put"]
      : spec.op === "range"
        ? ["range"]
        : spec.op === "txn-put"
          ? ["txn-put"]
          : ["txn-range", "txn-put"];
  const caches = kinds.map((k) => new RequestCache(k, spec));
  const paths = kinds.map(pathOf);
  const pickers = slice.clients.map((c) => keyPicker(spec.seed, spec, c));
  const readShare = spec.rwRatio / (spec.rwRatio + 1);
  let mix = (spec.seed ^ 0x2545f491) >>> 0 || 1;
  return {
    setup: async () => {},
    send(local, done) {
      let which = 0;
      if (caches.length > 1) {
        mix ^= mix << 13;
        mix >>>= 0;
        mix ^= mix >>> 17;
        mix ^= mix << 5;
        mix >>>= 0;
        which = mix / 4294967296 < readShare ? 0 : 1;
      }
      const t = transports[local % transports.length]!;
      t.call(paths[which]!, caches[which]!.get(pickers[local]!()), spec.timeoutMs, (err) =>
        done(err ? kindOf(err) : null),
      );
    },
    close: async () => {
      for (const t of transports) t.close();
    },
  };
}

function errorKind(e: unknown): string {
  const k = (e as { kind?: unknown })?.kind;
  return typeof k === "string" ? k : "unexpected-error";
}

function leaseDriver(spec: LoadSpec, slice: LoadSlice): Driver {
  const conns: EtcdClient<Uint8Array>[] = slice.conns.map((endpoint) =>
    createClient({ endpoint, timeoutMs: spec.timeoutMs, values: "bytes" }),
  );
  const leases: string[] = [];
  return {
    async setup() {
      for (let i = 0; i < slice.clients.length; i++) {
        const r = await conns[i % conns.length]!.leaseGrant(Math.max(60, Math.ceil(spec.durationS * 3) + 10));
        leases.push(r.id);
      }
    },
    send(local, done) {
      conns[local % conns.length]!.leaseKeepAliveOnce(leases[local]!, { timeoutMs: spec.timeoutMs }).then(
        () => done(null),
        (e: unknown) => done(errorKind(e)),
      );
    },
    async close() {
      await Promise.allSettled(
        leases.map((id, i) => conns[i % conns.length]!.leaseRevoke(id, { timeoutMs: 1000 })),
      );
      for (const c of conns) c.close();
    },
  };
}

/** Runs this slice's load and returns what it measured. */
export async function runLoad(
  spec: LoadSpec,
  slice: LoadSlice,
  timing: LoadTiming,
  hooks: LoadHooks = {},
): Promise<LoadResult> {
  if (spec.op === "watch") return runWatch(spec, slice, timing, hooks);
  const driver = spec.op === "lease-keepalive" ? leaseDriver(spec, slice) : unaryDriver(spec, slice, hooks);
  await driver.setup();
  hooks.ready?.();
  await hooks.waitStart?.();

  const total = newHistogram();
  const seconds: { ops: number; errors: number; h: Histogram }[] = [];
  const errorsByKind: Record<string, number> = {};
  let ops = 0;
  let errors = 0;
  let lastMs = timing.measureFrom;
  let sentMeasured = 0;
  let cpuStart: number | undefined;
  const byTotal = slice.quota > 0;
  const open = spec.rate > 0;
  const n = slice.clients.length;
  /** ms between one client's requests in open loop. */
  const interval = open ? (1000 * spec.clients) / spec.rate : 0;
  const progress = hooks.progress;
  const pOps = 2 * slice.worker;

  const record = (sendT: number, t: number, latency: number, kind: string | null): void => {
    const measured = byTotal
      ? sendT >= timing.measureFrom
      : t >= timing.measureFrom && t <= timing.measureUntil;
    if (!measured) return;
    const sec = Math.max(0, Math.floor((t - timing.measureFrom) / 1000));
    let s = seconds[sec];
    if (!s) {
      for (let i = seconds.length; i <= sec; i++) seconds[i] = { ops: 0, errors: 0, h: newHistogram() };
      s = seconds[sec]!;
    }
    if (t > lastMs) lastMs = t;
    if (kind === null) {
      ops++;
      s.ops++;
      recordMs(total, latency);
      recordMs(s.h, latency);
      if (progress) progress[pOps]! += 1;
    } else {
      errors++;
      s.errors++;
      errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
      if (progress) progress[pOps + 1]! += 1;
    }
  };

  await new Promise<void>((resolveAll) => {
    let running = n;
    const finished = (): void => {
      if (--running === 0) resolveAll();
    };
    if (n === 0) return resolveAll();
    const startClient = (local: number): void => {
      // Open loop: clients are phase-shifted over one interval.
      let intended =
        timing.startAt + (open ? (interval * (slice.clients[local]! % spec.clients)) / spec.clients : 0);
      const next = (): void => {
        const now = nowMs();
        if (cpuStart === undefined && now >= timing.measureFrom) cpuStart = threadCpuMs();
        if (byTotal) {
          if (now >= timing.measureFrom) {
            if (sentMeasured >= slice.quota) return finished();
            sentMeasured++;
          }
        } else if ((open ? intended : now) >= timing.measureUntil) return finished();
        if (open && intended > now) {
          setTimeout(next, intended - now);
          return;
        }
        const sendT = open ? intended : now;
        let sync = true;
        driver.send(local, (kind) => {
          const t = nowMs();
          record(open ? intended : sendT, t, t - sendT, kind);
          if (open) intended += interval;
          // Back off a little after an error so a refused connection does not spin.
          if (kind !== null) setTimeout(next, 10);
          else if (sync) setImmediate(next);
          else next();
        });
        sync = false;
      };
      if (!open) intended = Math.max(intended, nowMs());
      const wait = Math.max(0, timing.startAt - nowMs());
      setTimeout(next, wait);
    };
    for (let i = 0; i < n; i++) startClient(i);
  });
  const cpuEnd = threadCpuMs();
  await driver.close();
  return {
    worker: slice.worker,
    ops,
    errors,
    errorsByKind,
    histogram: encodeHistogram(total),
    seconds: seconds.map((s) => ({ ops: s.ops, errors: s.errors, histogram: encodeHistogram(s.h) })),
    lastMs,
    cpuMs: cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : undefined,
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs message objects are untyped */

/**
 * watch: `watchStreams` bidi streams, each with `watchersPerStream` watchers on the whole bench
 * key range; puts at `watchPutRate`/s to random keys carry their send time in the value, and
 * every event's latency is its arrival minus that time (one latency per event and watcher).
 */
async function runWatch(
  spec: LoadSpec,
  slice: LoadSlice,
  timing: LoadTiming,
  hooks: LoadHooks,
): Promise<LoadResult> {
  const WatchRequest = pbType("WatchRequest");
  const WatchResponse = pbType("WatchResponse");
  const ser = (x: object): Buffer => Buffer.from(WatchRequest.encode(WatchRequest.fromObject(x)).finish());
  const des = (b: Buffer): any => WatchResponse.decode(b);
  const channels = slice.conns.map(
    (ep) =>
      new grpc.Client(ep, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        "grpc.max_receive_message_length": -1,
      }),
  );
  const make = hooks.transport ?? ((ep: string) => makeTransport(spec.transport, ep));
  const putters = slice.conns.map(make);
  const total = newHistogram();
  const seconds: { ops: number; errors: number; h: Histogram }[] = [];
  const errorsByKind: Record<string, number> = {};
  let events = 0;
  let ops = 0;
  let errors = 0;
  let puts = 0;
  let lastMs = 0;
  const secondOf = (t: number) => {
    const sec = Math.max(0, Math.floor((t - timing.measureFrom) / 1000));
    for (let i = seconds.length; i <= sec; i++) seconds[i] = { ops: 0, errors: 0, h: newHistogram() };
    return seconds[sec]!;
  };
  const streams: grpc.ClientDuplexStream<object, any>[] = [];
  let created = 0;
  const wanted = slice.watchStreams * spec.watchersPerStream;
  await new Promise<void>((resolve, reject) => {
    if (wanted === 0) return resolve();
    const timer = setTimeout(
      () =>
        reject(
          new Error(`watch: only ${created} of ${wanted} watchers were created within ${spec.timeoutMs} ms`),
        ),
      spec.timeoutMs,
    );
    for (let s = 0; s < slice.watchStreams; s++) {
      const call = channels[s % channels.length]!.makeBidiStreamRequest(
        "/etcdserverpb.Watch/Watch",
        ser,
        des,
        {},
      );
      streams.push(call);
      call.on("data", (r: any) => {
        if (r.created && ++created === wanted) {
          clearTimeout(timer);
          resolve();
        }
        const t = nowMs();
        for (const ev of r.events ?? []) {
          events++;
          const v: Uint8Array | undefined = ev.kv?.value;
          if (!v || v.length < 8) continue;
          const sent = Buffer.from(v.buffer, v.byteOffset, v.byteLength).readDoubleLE(0);
          if (sent < timing.measureFrom || t > timing.measureUntil) continue;
          const s = secondOf(t);
          ops++;
          s.ops++;
          recordMs(total, t - sent);
          recordMs(s.h, t - sent);
          if (t > lastMs) lastMs = t;
          if (hooks.progress) hooks.progress[2 * slice.worker]! += 1;
        }
      });
      call.on("error", (e: any) => {
        if (e?.code === grpc.status.CANCELLED) return;
        const k = classifyStatus(e?.code ?? 2, e?.details ?? String(e)).name;
        errorsByKind[k] = (errorsByKind[k] ?? 0) + 1;
        errors++;
      });
      for (let w = 0; w < spec.watchersPerStream; w++)
        call.write({ createRequest: { key: keyAt(0, spec.keySize), rangeEnd: KEY_SPACE_END } });
    }
  });
  hooks.ready?.();
  await hooks.waitStart?.();
  lastMs = timing.measureFrom;
  const cpuStart = { v: undefined as number | undefined };
  const pick = keyPicker(spec.seed, spec, slice.worker);
  const value = benchValue(Math.max(8, spec.valSize));
  const PutRequest = pbType("PutRequest");
  let measuredPuts = 0;
  await new Promise<void>((resolve) => {
    if (slice.watchPutRate <= 0) return setTimeout(resolve, Math.max(0, timing.measureUntil - nowMs()));
    const interval = 1000 / slice.watchPutRate;
    let intended = timing.startAt;
    let inflight = 0;
    let stopped = false;
    const tick = (): void => {
      const now = nowMs();
      if (cpuStart.v === undefined && now >= timing.measureFrom) cpuStart.v = threadCpuMs();
      while (intended <= now && intended < timing.measureUntil) {
        const v = Buffer.from(value);
        v.writeDoubleLE(nowMs(), 0);
        const msg = Buffer.from(PutRequest.encode({ key: keyAt(pick(), spec.keySize), value: v }).finish());
        inflight++;
        puts++;
        if (intended >= timing.measureFrom) measuredPuts++;
        putters[puts % putters.length]!.call(pathOf("put"), msg, spec.timeoutMs, (err) => {
          inflight--;
          if (err) {
            const k = kindOf(err);
            errorsByKind[k] = (errorsByKind[k] ?? 0) + 1;
            errors++;
            secondOf(nowMs()).errors++;
          }
          if (stopped && inflight === 0) resolve();
        });
        intended += interval;
      }
      if (intended >= timing.measureUntil) {
        stopped = true;
        // let the last events arrive
        setTimeout(() => {
          if (inflight === 0) resolve();
        }, 200);
        return;
      }
      setTimeout(tick, Math.max(0, Math.min(intended - nowMs(), 50)));
    };
    setTimeout(tick, Math.max(0, timing.startAt - nowMs()));
  });
  await new Promise((r) => setTimeout(r, 300));
  const cpuEnd = threadCpuMs();
  for (const s of streams) s.cancel();
  for (const c of channels) c.close();
  for (const p of putters) p.close();
  return {
    worker: slice.worker,
    ops,
    errors,
    errorsByKind,
    histogram: encodeHistogram(total),
    seconds: seconds.map((s) => ({ ops: s.ops, errors: s.errors, histogram: encodeHistogram(s.h) })),
    lastMs,
    cpuMs: cpuStart.v !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart.v : undefined,
    watch: { events, expectedEvents: measuredPuts * wanted, puts: measuredPuts },
  };
}
