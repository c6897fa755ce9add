/**
 * TypeScript shapes of the few etcd v3 messages the server handles itself (the KV, lease and
 * watch shapes are impl/mvcc's types.ts). camelCase names as decoded by proto.ts; int64 fields
 * in responses may be numbers, decimal strings or Longs.
 */
import type Long from "long";

export type Int64Out = number | string | Long;

export interface ResponseHeader {
  clusterId: Int64Out;
  memberId: Int64Out;
  revision: Int64Out;
  raftTerm: Int64Out;
}

/** LeaseGrantRequest decoded with string int64s (a client-chosen ID may use all 64 bits). */
export interface LeaseGrantRequestIn {
  TTL: string;
  ID: string;
}

export interface AlarmRequest {
  action: number;
  memberID: string;
  alarm: number;
}

export interface AlarmMember {
  memberID: Int64Out;
  alarm: number;
}

export interface Member {
  ID: Int64Out;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** Alarm types (etcdserverpb.AlarmType). */
export const AlarmType = { NONE: 0, NOSPACE: 1, CORRUPT: 2 } as const;
/** AlarmRequest.AlarmAction. */
export const AlarmAction = { GET: 0, ACTIVATE: 1, DEACTIVATE: 2 } as const;
