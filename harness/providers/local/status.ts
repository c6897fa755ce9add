/**
 * A minimal etcd Maintenance.Status probe over gRPC, for the health wait: which member answers
 * and whom it believes leads. Uses etcd's own .proto files (shipped with the etcd3 package).
 * One channel per endpoint, closed after use; every call has a deadline.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface MemberStatus {
  memberId: string;
  leader: string;
  version: string;
  raftTerm: string;
}

type StatusClient = grpc.Client & {
  Status(
    req: object,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void,
  ): void;
};
type StatusCtor = new (address: string, creds: grpc.ChannelCredentials, options?: object) => StatusClient;

let ctor: StatusCtor | undefined;

function maintenance(): StatusCtor {
  if (ctor) return ctor;
  const require = createRequire(import.meta.url);
  const protoDir = join(dirname(require.resolve("etcd3/package.json")), "proto");
  const def = protoLoader.loadSync(join(protoDir, "rpc.proto"), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    includeDirs: [protoDir],
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: { Maintenance: StatusCtor } };
  ctor = pkg.etcdserverpb.Maintenance;
  return ctor;
}

/** Asks one endpoint (`host:port`) for its status; rejects on error or after `timeoutMs`. */
export function memberStatus(endpoint: string, timeoutMs = 1000): Promise<MemberStatus> {
  const client = new (maintenance())(endpoint, grpc.credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
  });
  return new Promise<MemberStatus>((resolve, reject) => {
    client.Status({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err) return reject(err);
      const header = (res.header ?? {}) as Record<string, unknown>;
      resolve({
        memberId: String(header.member_id ?? ""),
        leader: String(res.leader ?? "0"),
        version: String(res.version ?? ""),
        raftTerm: String(res.raftTerm ?? res.raft_term ?? ""),
      });
    });
  });
}
