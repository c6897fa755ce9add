/**
 * The simulated cluster's configuration: the heartbeat (1 tick of a fault schedule) and each
 * member's flags and member-table entry, parsed and derived as a process derives them.
 */
import { parseFlags, type ServerConfig } from "../../flags.js";
import { clusterId as deriveClusterId, memberId as deriveMemberId } from "../../ids.js";
import { raftIdOf, type MemberInfo } from "../members.js";

/** One tick of a fault schedule: the members' heartbeat interval, ms. */
export const HEARTBEAT_MS = 100;

/** Flags and member table of `nodes` initial members and `extra` members that may join later. */
export function clusterConfig(
  nodes: number,
  extra: number,
): { configs: ServerConfig[]; infos: MemberInfo[]; cid: bigint } {
  const names = Array.from({ length: nodes + extra }, (_, i) => `n${i + 1}`);
  const peer = (i: number): string => `http://10.0.0.${i + 1}:2380`;
  const initial = names
    .slice(0, nodes)
    .map((n, i) => `${n}=${peer(i)}`)
    .join(",");
  const token = "gauntlet-sim";
  const configs = names.map((n, i) => {
    const r = parseFlags([
      "--name",
      n,
      "--initial-cluster",
      i < nodes ? initial : `${initial},${n}=${peer(i)}`,
      "--initial-cluster-state",
      i < nodes ? "new" : "existing",
      "--initial-cluster-token",
      token,
      "--initial-advertise-peer-urls",
      peer(i),
      "--listen-peer-urls",
      peer(i),
      "--advertise-client-urls",
      `http://10.0.0.${i + 1}:2379`,
      "--listen-client-urls",
      `http://10.0.0.${i + 1}:2379`,
      "--heartbeat-interval",
      String(HEARTBEAT_MS),
      "--election-timeout",
      String(10 * HEARTBEAT_MS),
    ]);
    if (r.kind !== "run") throw new Error("sim: bad member flags");
    return r.config;
  });
  const infos = names.map((name, i) => {
    const id = deriveMemberId([peer(i)], token);
    return {
      id,
      raftId: raftIdOf(id),
      name,
      peerURLs: [peer(i)],
      clientURLs: [`http://10.0.0.${i + 1}:2379`],
      isLearner: false,
    };
  });
  return { configs, infos, cid: deriveClusterId(infos.slice(0, nodes).map((m) => m.id)) };
}
