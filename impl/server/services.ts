/**
 * The gRPC services (KV, Watch, Lease, Maintenance, Cluster) as @grpc/grpc-js handlers (used
 * with GAUNTLET_GRPC=grpc-js; the default transport is h2-transport.ts): each
 * unary handler checks the request size, calls the server core, and answers with the result or
 * with etcd's error; every call is counted and timed for /metrics. A handler never throws into
 * grpc-js: a malformed or hostile request gets an error status, never a crash.
 */
import * as grpc from "@grpc/grpc-js";
import { Errors, toGrpcError } from "./errors.js";
import { serviceDefinition, wireSize } from "./proto.js";
import type { Metrics } from "./metrics.js";
import type { Logger } from "./log.js";
import type { StreamCall } from "./stream-call.js";

/**
 * A unary method: takes its decoded request. Declared as a method, so its parameter is
 * bivariant and each handler can name its own request type.
 */
type Handler = { call(req: object): unknown }["call"];

/** What the services need of the server core: one function per unary method, plus streams. */
export interface Core {
  unary: Record<string, Record<string, Handler>>;
  /** Methods that write (their request size is checked against --max-request-bytes). */
  writes: ReadonlySet<string>;
  maxRequestBytes: number;
  watch(call: StreamCall): void;
  leaseKeepAlive(call: StreamCall): void;
  snapshot(call: StreamCall): void;
}

const codeName = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;
const toCamel = (s: string): string => s[0]!.toLowerCase() + s.slice(1);

function unaryHandler(
  core: Core,
  metrics: Metrics,
  log: Logger,
  service: string,
  method: string,
  fn: Handler,
): grpc.handleUnaryCall<object, object> {
  const checkSize = core.writes.has(`${service}.${method}`);
  return (call, callback) => {
    const t0 = performance.now();
    const done = (err: unknown, res?: object): void => {
      const seconds = (performance.now() - t0) / 1000;
      if (err === null) {
        metrics.rpc(service, method, "unary", "OK", seconds);
        callback(null, res);
        return;
      }
      const e = toGrpcError(err);
      if (e.code === grpc.status.UNKNOWN)
        log.warn("request failed", { method: `${service}.${method}`, error: err });
      metrics.rpc(service, method, "unary", codeName[e.code] ?? String(e.code), seconds);
      callback(e);
    };
    try {
      if (checkSize && wireSize(call.request) > core.maxRequestBytes) throw Errors.requestTooLarge();
      const out = fn(call.request) as object | Promise<object>;
      if (out instanceof Promise)
        out.then(
          (r) => done(null, r),
          (e) => done(e),
        );
      else done(null, out);
    } catch (e) {
      done(e);
    }
  };
}

/** Adds every service of the etcd v3 API to `server`, wired to `core`. */
export function addServices(server: grpc.Server, core: Core, metrics: Metrics, log: Logger): void {
  for (const service of ["KV", "Watch", "Lease", "Maintenance", "Cluster", "Auth"]) {
    const def = serviceDefinition(service);
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [method, m] of Object.entries(def)) {
      const path = `${service}.${method}`;
      if (path === "Watch.Watch") impl[method] = guardStream(core.watch.bind(core), log, path);
      else if (path === "Lease.LeaseKeepAlive")
        impl[method] = guardStream(core.leaseKeepAlive.bind(core), log, path);
      else if (path === "Maintenance.Snapshot")
        impl[method] = guardStream(core.snapshot.bind(core), log, path);
      else if (m.requestStream || m.responseStream) impl[method] = unimplementedStream(path);
      else {
        const fn = core.unary[service]?.[toCamel(method)];
        impl[method] = fn
          ? unaryHandler(core, metrics, log, service, method, fn)
          : unaryHandler(core, metrics, log, service, method, () => {
              throw Errors.unimplemented(path);
            });
      }
    }
    server.addService(def, impl);
  }
}

function guardStream(fn: (call: StreamCall) => void, log: Logger, path: string): grpc.UntypedHandleCall {
  return ((call: grpc.ServerWritableStream<object, object>) => {
    call.on("error", () => {});
    try {
      fn(call);
    } catch (err) {
      log.warn("stream failed", { method: path, error: err });
      call.destroy(toGrpcError(err) as unknown as Error);
    }
  }) as grpc.UntypedHandleCall;
}

function unimplementedStream(path: string) {
  return (call: grpc.ServerWritableStream<object, object>) => {
    call.emit("error", toGrpcError(Errors.unimplemented(path)));
  };
}
