/**
 * A tiny in-memory etcd KV server over grpc-js (KV.Range/Put/DeleteRange/Txn with value
 * compares), for benchmarks of the client and for tests that need a server to misbehave on
 * purpose (`hook` may answer any call with an error, or never). Not a reference server: no
 * Raft, no watch, no leases. Run as a process: `node fake-etcd.js [port]` prints `port N`.
 */
import * as grpc from "@grpc/grpc-js";
import { pbType } from "../proto.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs message objects are untyped */
type Pb = any;

export interface FakeEtcdOptions {
  port?: number;
  /**
   * Called before each request: return an error to answer with, `"hang"` to never answer, or
   * undefined to serve it normally.
   */
  hook?: (method: string, req: Pb) => { code: number; details: string } | "hang" | undefined;
}

export interface FakeEtcd {
  port: number;
  server: grpc.Server;
  /** Requests received, by method. */
  calls: Map<string, number>;
  /** Client addresses seen (`ip:port`): one per TCP connection. */
  peers: Set<string>;
  /** The `hasleader` metadata of each request, in order (undefined when absent). */
  hasLeader: (string | undefined)[];
  stop(): Promise<void>;
}

function def(rpc: string, req: string, res: string): grpc.MethodDefinition<Pb, Pb> {
  const reqT = pbType(req);
  const resT = pbType(res);
  return {
    path: `/etcdserverpb.KV/${rpc}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (x: Pb) => reqT.encode(x).finish() as Buffer,
    requestDeserialize: (b: Buffer) => reqT.decode(b),
    responseSerialize: (x: Pb) => resT.encode(x).finish() as Buffer,
    responseDeserialize: (b: Buffer) => resT.decode(b),
  };
}

export async function startFakeEtcd(opts: FakeEtcdOptions = {}): Promise<FakeEtcd> {
  const store = new Map<string, { value: Uint8Array; create: number; mod: number; version: number }>();
  let revision = 1;
  const calls = new Map<string, number>();
  const peers = new Set<string>();
  const hasLeader: (string | undefined)[] = [];
  const header = (): Pb => ({ clusterId: 1, memberId: 1, revision, raftTerm: 1 });
  const kvOf = (key: string): Pb | undefined => {
    const e = store.get(key);
    return (
      e && {
        key: Buffer.from(key),
        value: e.value,
        createRevision: e.create,
        modRevision: e.mod,
        version: e.version,
      }
    );
  };
  const range = (r: Pb): Pb => {
    const key = Buffer.from(r.key ?? []).toString();
    const kv = kvOf(key);
    return { header: header(), kvs: kv ? [kv] : [], count: kv ? 1 : 0 };
  };
  const put = (r: Pb): Pb => {
    const key = Buffer.from(r.key ?? []).toString();
    const prev = store.get(key);
    const prevKv = r.prevKv ? kvOf(key) : undefined;
    revision++;
    store.set(key, {
      value: r.value ?? new Uint8Array(),
      create: prev?.create ?? revision,
      mod: revision,
      version: (prev?.version ?? 0) + 1,
    });
    return { header: header(), prevKv };
  };
  const del = (r: Pb): Pb => {
    const key = Buffer.from(r.key ?? []).toString();
    const had = store.delete(key);
    if (had) revision++;
    return { header: header(), deleted: had ? 1 : 0 };
  };
  const txn = (r: Pb): Pb => {
    const ok = (r.compare ?? []).every((c: Pb) => {
      const e = store.get(Buffer.from(c.key ?? []).toString());
      return Buffer.from(e?.value ?? []).equals(Buffer.from(c.value ?? [])) === ((c.result ?? 0) === 0);
    });
    const responses = (ok ? (r.success ?? []) : (r.failure ?? [])).map((op: Pb) =>
      op.requestRange
        ? { responseRange: range(op.requestRange) }
        : op.requestPut
          ? { responsePut: put(op.requestPut) }
          : { responseDeleteRange: del(op.requestDeleteRange) },
    );
    return { header: header(), succeeded: ok, responses };
  };
  const handlers: Record<string, (r: Pb) => Pb> = { Range: range, Put: put, DeleteRange: del, Txn: txn };
  const server = new grpc.Server();
  const service: grpc.ServiceDefinition = {
    Range: def("Range", "RangeRequest", "RangeResponse"),
    Put: def("Put", "PutRequest", "PutResponse"),
    DeleteRange: def("DeleteRange", "DeleteRangeRequest", "DeleteRangeResponse"),
    Txn: def("Txn", "TxnRequest", "TxnResponse"),
  };
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(handlers)) {
    impl[name] = (call: grpc.ServerUnaryCall<Pb, Pb>, cb: grpc.sendUnaryData<Pb>) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      peers.add(call.getPeer());
      const md = call.metadata.get("hasleader");
      hasLeader.push(md.length ? String(md[0]) : undefined);
      const h = opts.hook?.(name, call.request);
      if (h === "hang") return;
      if (h) return cb({ code: h.code, details: h.details } as grpc.ServiceError, null);
      cb(null, handlers[name]!(call.request));
    };
  }
  server.addService(service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    server,
    calls,
    peers,
    hasLeader,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

// As a process: serve until killed.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, "/"))) {
  const f = await startFakeEtcd({ port: Number(process.argv[2] ?? 0) });
  console.log(`port ${f.port}`);
}
