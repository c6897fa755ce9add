/**
 * Applying a fault schedule (schedule.ts) to the simulated cluster: one function per fault
 * kind, each returning what it did for the trace hash and the fault log.
 */
import { ConfChangeType } from "../../../raft/index.js";
import { HEARTBEAT_MS } from "./cluster-config.js";
import type { SimCluster } from "./cluster.js";
import type { FaultEvent, Schedule } from "./schedule.js";

/** Puts every event of the schedule that falls in the fault phase (`ticks`) on the agenda. */
export function scheduleFaults(c: SimCluster, schedule: Schedule, ticks: number): void {
  for (const e of schedule) if (e.at < ticks) c.sched.at(e.at * HEARTBEAT_MS, () => applyFault(c, e));
}

/** Applies one fault event; what it did goes into the trace hash and to `onFault`. */
export function applyFault(c: SimCluster, e: FaultEvent): void {
  const what = apply(c, e);
  c.trace.addString(what);
  c.o.onFault?.(c.sched.now, what);
}

function apply(c: SimCluster, e: FaultEvent): string {
  switch (e.kind) {
    case "partition":
      return partition(c, e.groups);
    case "heal":
      c.net.groups = undefined;
      return e.kind;
    case "crash":
      c.crash(e.node);
      return `crash ${e.node}`;
    case "restart":
      c.restart(e.node);
      return `restart ${e.node}`;
    case "drop":
      c.net.dropRate = e.rate;
      return `drop ${e.rate}`;
    case "duplicate":
      c.net.dupRate = e.rate;
      return `duplicate ${e.rate}`;
    case "delay":
      c.net.maxDelayMs = e.maxTicks * HEARTBEAT_MS;
      return `delay ${c.net.maxDelayMs}ms`;
    case "clock":
      if (e.node >= 1 && e.node <= c.nodes) c.clocks[e.node - 1]!.setRate(e.rate);
      return `clock ${e.node} x${e.rate}`;
    case "transfer":
      return transfer(c, e.to);
    case "crash-leader":
      return crashLeader(c);
    case "disk-full":
      return diskFull(c, e.node, e.ticks);
    case "isolate-leader":
      return isolateLeader(c);
    case "add-learner":
      return addLearner(c);
    case "promote":
      return promote(c);
    case "remove":
      return remove(c, e.node);
  }
}

/** Partitions the initial members into groups (members outside 1..nodes are left out). */
function partition(c: SimCluster, groups: readonly (readonly number[])[]): string {
  c.net.groups = groups.map((g) => g.filter((x) => x >= 1 && x <= c.nodes));
  return `partition ${JSON.stringify(c.net.groups)}`;
}

/** Asks the leader to hand leadership to member `to` (MoveLeader on the core). */
function transfer(c: SimCluster, to: number): string {
  const l = c.leader();
  const target = c.infos[to - 1];
  if (l !== undefined && target) {
    const inc = c.live.get(l)!;
    inc.node.transferLeader(target.raftId);
    inc.loop.schedule();
  }
  return `transfer to ${to}`;
}

function crashLeader(c: SimCluster): string {
  const l = c.leader();
  if (l !== undefined) c.crash(l);
  return `crash-leader ${l ?? "(none)"}`;
}

/** The member's disk refuses writes for `ticks`, then has space again (SimCluster.freeDisk). */
function diskFull(c: SimCluster, node: number, ticks: number): string {
  const disk = c.disks[node - 1];
  if (!disk) return "disk-full";
  disk.full = true;
  c.filled.add(node);
  c.sched.at(ticks * HEARTBEAT_MS, () => c.freeDisk(node));
  return `disk-full ${node} for ${ticks * HEARTBEAT_MS}ms`;
}

/** Cuts the leader off from every other member. */
function isolateLeader(c: SimCluster): string {
  const l = c.leader();
  if (l !== undefined) c.net.groups = [[l], c.ids().filter((x) => x !== l)];
  return `isolate-leader ${l ?? "(none)"}`;
}

/**
 * Adds the next member never started as a learner; it starts (with the leader's member table
 * plus itself, as join.ts gets it) once the change is applied.
 */
function addLearner(c: SimCluster): string {
  const node = c.infos.findIndex((_, i) => !c.started.has(i + 1)) + 1;
  if (!c.o.confChanges || node === 0) return "add-learner (none left)";
  const l = c.leader();
  if (l !== undefined)
    c.joinTable.set(node, [...c.live.get(l)!.members.list(), { ...c.infos[node - 1]!, isLearner: true }]);
  return `add-learner ${node} ${c.confChange(ConfChangeType.AddLearner, node, () => {
    if (c.started.has(node)) return;
    c.started.add(node);
    c.boot(node);
  })}`;
}

/** Promotes the leader's first learner to a voter. */
function promote(c: SimCluster): string {
  const l = c.leader();
  const learner =
    l === undefined
      ? undefined
      : c.live
          .get(l)!
          .node.status()
          .learners.map((r) => c.nodeOfRaft(r))[0];
  return learner === undefined || !c.o.confChanges
    ? "promote (no learner)"
    : `promote ${learner} ${c.confChange(ConfChangeType.AddNode, learner)}`;
}

/** Removes a member (a learner, or a voter if at least 3 voters remain); once applied it stops for good. */
function remove(c: SimCluster, node: number): string {
  const l = c.leader();
  const st = l === undefined ? undefined : c.live.get(l)!.node.status();
  const target = c.infos[node - 1];
  if (!c.o.confChanges || !st || !target) return `remove ${node} (skipped)`;
  const isVoter = st.voters.includes(target.raftId);
  if ((!isVoter && !st.learners.includes(target.raftId)) || (isVoter && st.voters.length <= 3))
    return `remove ${node} (skipped: not a member, or fewer than 3 voters would remain)`;
  return `remove ${node} ${c.confChange(ConfChangeType.RemoveNode, node, () => {
    c.removed.add(node);
    c.stop(node);
  })}`;
}
