/**
 * The Members capability of the docker provider: membership changes through the cluster's
 * Cluster API (harness/client). `remove` asks another member to remove the node, then kills its
 * container; `add` wipes the node's data directory, asks a member to add its peer URL, and
 * replaces the container by a new one (same name and address) started with
 * `--initial-cluster-state existing` and the membership the cluster reported.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Members } from "../../api/capabilities.js";
import { HarnessError } from "../../api/cluster.js";
import type { EtcdClient } from "../../client/types.js";
import {
  ADD_RETRY_MS,
  othersUp,
  REMOVE_RETRY_MS,
  retryUnhealthy,
  toMemberInfo,
  viaRunningMember,
} from "../member-calls.js";
import type { DockerCluster } from "./cluster.js";

export interface DockerMembersParts {
  /** The member's flags when joining with this `--initial-cluster` and state. */
  flagsFor(node: string, initialCluster: string, state: "new" | "existing"): string[];
  /** Host directory of the member's data. */
  dataDir(node: string): string;
  log(line: string): void;
}

export function dockerMembers(p: DockerMembersParts): (c: DockerCluster) => Members {
  return (cluster) => {
    const reachable = () =>
      cluster.nodes.map((name) => {
        const m = cluster.member(name);
        return { name, endpoint: cluster.clientEndpoints(name)[0]!, running: m.running, paused: m.paused };
      });
    const viaOther = <T>(except: string | undefined, f: (c: EtcdClient<string>) => Promise<T>): Promise<T> =>
      viaRunningMember(reachable(), except, f);
    return {
      list: () => viaOther(undefined, async (c) => (await c.memberList()).members.map(toMemberInfo)),
      remove: async (node) => {
        const info = cluster.node(node);
        await retryUnhealthy(
          REMOVE_RETRY_MS,
          () =>
            viaOther(node, async (c) => {
              const m = (await c.memberList()).members.find(
                (x) => x.name === node || x.peerUrls.includes(info.peerUrl ?? ""),
              );
              if (!m) throw new HarnessError(`${node} is not a member of the cluster`);
              await c.memberRemove(m.id);
            }),
          () => othersUp(reachable(), node),
        );
        await cluster.member(node).kill();
        p.log(`removed member ${node}`);
      },
      add: async (node) => {
        const info = cluster.node(node);
        const m = cluster.member(node);
        if (!info.peerUrl) throw new HarnessError(`no peer URL for ${node}`);
        if (m.running) throw new HarnessError(`cannot add ${node}: it is still running (remove it first)`);
        const dir = p.dataDir(node);
        mkdirSync(dir, { recursive: true });
        for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
        const added = await retryUnhealthy(
          ADD_RETRY_MS,
          () => viaOther(node, (c) => c.memberAdd([info.peerUrl!])),
          () => othersUp(reachable(), node),
        );
        const initial = added.members
          .map((x) => `${x.name || (x.peerUrls.includes(info.peerUrl!) ? node : x.id)}=${x.peerUrls[0]}`)
          .join(",");
        await m.remove();
        m.spec = { ...m.spec, cmd: p.flagsFor(node, initial, "existing") };
        await m.create();
        cluster.p.state.docker.containers[node] = m.name;
        cluster.save();
        p.log(`added member ${node} in a new container (--initial-cluster ${initial})`);
      },
    };
  };
}
