/**
 * The gRPC methods of etcd's v3 API, read from the protobuf definitions the client uses, and
 * those the fuzzer leaves out because their documented effect stops a correct server from
 * answering the canary (a fuzz finding must be a server fault, not a request obeyed).
 */
import { etcdRoot } from "../harness/client/proto.js";

export interface GrpcMethod {
  /** HTTP/2 `:path`, e.g. `/etcdserverpb.KV/Range`. */
  path: string;
  /** Request message type name in etcdserverpb, e.g. `RangeRequest`. */
  requestType: string;
  /** Client streaming (Watch, LeaseKeepAlive). */
  clientStream: boolean;
}

const SERVICES = ["KV", "Watch", "Lease", "Cluster", "Maintenance", "Auth"] as const;

/**
 * Left out: membership changes (adding a member to a one-member cluster takes away its quorum),
 * alarms (NOSPACE stops writes), leadership transfer, turning authentication on, and downgrade.
 */
export const SKIPPED_METHODS: ReadonlySet<string> = new Set([
  "/etcdserverpb.Cluster/MemberAdd",
  "/etcdserverpb.Cluster/MemberRemove",
  "/etcdserverpb.Cluster/MemberUpdate",
  "/etcdserverpb.Cluster/MemberPromote",
  "/etcdserverpb.Maintenance/Alarm",
  "/etcdserverpb.Maintenance/MoveLeader",
  "/etcdserverpb.Maintenance/Downgrade",
  "/etcdserverpb.Auth/AuthEnable",
]);

let cached: GrpcMethod[] | undefined;

/** Every method the fuzzer calls, in a fixed order (so a seed means the same inputs). */
export function grpcMethods(): GrpcMethod[] {
  if (!cached) {
    cached = [];
    for (const s of SERVICES) {
      const svc = etcdRoot().lookupService(`etcdserverpb.${s}`);
      for (const m of Object.values(svc.methods)) {
        const path = `/etcdserverpb.${s}/${m.name}`;
        if (SKIPPED_METHODS.has(path)) continue;
        cached.push({ path, requestType: m.requestType, clientStream: !!m.requestStream });
      }
    }
  }
  return cached;
}
