/**
 * The Members capability of the local provider: membership changes through the cluster's own
 * Cluster API (harness/client), with the provider stopping, wiping and starting the processes.
 * `remove` asks another member to remove the node, then kills it; `add` wipes the node's data
 * directory, asks a member to add its peer URL, and starts it with
 * `--initial-cluster-state existing` and the membership the cluster reported.
 */
import type { Members } from "../../api/capabilities.js";
import { HarnessError, type NodeInfo } from "../../api/cluster.js";
import { addMember, removeMember, toMemberInfo, viaRunningMember, wipeDataDir } from "../member-calls.js";
import type { MemberProcess } from "./member.js";
import type { ProcessRecord } from "./state.js";

export interface MembersParts {
  infos: Map<string, NodeInfo>;
  members: Map<string, MemberProcess>;
  /** Command line of a member joining with this `--initial-cluster` and state. */
  argvFor(node: string, initialCluster: string, state: "new" | "existing"): string[];
  dataDir(node: string): string;
  recordProcess(node: string, rec: ProcessRecord | undefined): void;
  log(line: string): void;
}

export function membersCapability(p: MembersParts): Members {
  const reachable = () =>
    [...p.members].map(([name, m]) => ({
      name,
      endpoint: p.infos.get(name)!.clientEndpoints[0]!,
      running: m.running,
      paused: m.paused,
    }));
  return {
    list: () =>
      viaRunningMember(reachable(), undefined, async (c) => (await c.memberList()).members.map(toMemberInfo)),
    remove: async (node) => {
      const info = p.infos.get(node);
      if (!info) throw new HarnessError(`no member named ${node}`);
      await removeMember(reachable, node, info.peerUrl);
      await p.members.get(node)!.kill();
      p.recordProcess(node, undefined);
      p.log(`removed member ${node}`);
    },
    add: async (node) => {
      const info = p.infos.get(node);
      const proc = p.members.get(node);
      if (!info || !proc || !info.peerUrl) throw new HarnessError(`no member named ${node}`);
      if (proc.running) throw new HarnessError(`cannot add ${node}: it is still running (remove it first)`);
      wipeDataDir(p.dataDir(node));
      const initial = await addMember(reachable, node, info.peerUrl);
      proc.cmd.argv = p.argvFor(node, initial, "existing");
      p.recordProcess(node, proc.start());
      p.log(`added member ${node} (--initial-cluster ${initial})`);
    },
  };
}
