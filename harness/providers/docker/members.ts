/**
 * The Members capability of the docker provider: membership changes through the cluster's
 * Cluster API (harness/client). `remove` asks another member to remove the node, then kills its
 * container; `add` wipes the node's data directory, asks a member to add its peer URL, and
 * replaces the container by a new one (same name and address) started with
 * `--initial-cluster-state existing` and the membership the cluster reported.
 */
import type { Members } from "../../api/capabilities.js";
import { HarnessError } from "../../api/cluster.js";
import { addMember, removeMember, toMemberInfo, viaRunningMember, wipeDataDir } from "../member-calls.js";
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
    return {
      list: () =>
        viaRunningMember(reachable(), undefined, async (c) =>
          (await c.memberList()).members.map(toMemberInfo),
        ),
      remove: async (node) => {
        await removeMember(reachable, node, cluster.node(node).peerUrl);
        await cluster.member(node).kill();
        p.log(`removed member ${node}`);
      },
      add: async (node) => {
        const info = cluster.node(node);
        const m = cluster.member(node);
        if (!info.peerUrl) throw new HarnessError(`no peer URL for ${node}`);
        if (m.running) throw new HarnessError(`cannot add ${node}: it is still running (remove it first)`);
        wipeDataDir(p.dataDir(node));
        const initial = await addMember(reachable, node, info.peerUrl);
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
