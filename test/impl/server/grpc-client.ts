/**
 * A bare grpc-js client for the etcd v3 services (built from the same protobuf definitions as
 * the server), with promise wrappers, for the tests.
 */
import * as grpc from "@grpc/grpc-js";
import { serviceDefinition } from "../../../impl/server/proto.js";

export type Call = (method: string, req: object, timeoutMs?: number) => Promise<Record<string, unknown>>;

export interface EtcdGrpc {
  kv: Call;
  lease: Call;
  maintenance: Call;
  cluster: Call;
  raw: Record<string, grpc.Client>;
  close(): void;
}

export function connect(endpoint: string, options: grpc.ChannelOptions = {}): EtcdGrpc {
  const raw: Record<string, grpc.Client> = {};
  const mk = (service: string): Call => {
    const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(service), service);
    const c = new Ctor(endpoint, grpc.credentials.createInsecure(), options);
    raw[service] = c;
    return (method, req, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        (
          c as unknown as Record<
            string,
            (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void
          >
        )[method]!(req, { deadline: Date.now() + timeoutMs }, (err, res) =>
          err ? reject(err) : resolve(res as Record<string, unknown>),
        );
      });
  };
  return {
    kv: mk("KV"),
    lease: mk("Lease"),
    maintenance: mk("Maintenance"),
    cluster: mk("Cluster"),
    raw,
    close: () => Object.values(raw).forEach((c) => c.close()),
  };
}
