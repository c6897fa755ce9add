/**
 * The deterministic whole-server simulation: N members, each the real EtcdServer + RaftLoop
 * + RawNode + MvccStore (member.ts) over a simulated disk, network and clock, under a fault
 * schedule in impl/sim's vocabulary (partition, heal, crash, restart, drop, duplicate, delay,
 * transfer, clock, crash-leader, isolate-leader; 1 tick = one heartbeat, 100 ms), with
 * simulated clients (clients.ts). One seed, one run: the trace hash covers every delivered
 * message, fault and client event.
 *
 * Checked as it goes: members agree on the store after every applied index (a digest of
 * every key, value, revisions and the store revision); no member's Raft loop fails; a crashed
 * member restarts from its disk. After the faults stop (heal, restart all, clock rates 1):
 * clients keep going for `quietMs` and some write must succeed (liveness), then every member
 * must catch up to the same applied index. The client history is returned for the
 * linearizability check (done by the caller: impl never imports checkers).
 */
import type { MvccStore } from "../../../mvcc/index.js";
import { ConfChangeType, Role, SeededRand } from "../../../raft/index.js";
import { TraceHash, fnv32 } from "../../../sim/trace-hash.js";
import { randomSchedule, type FaultEvent as RaftFaultEvent } from "../../../sim/schedule.js";
import { AlarmAction, AlarmType } from "../../pb.js";
import { parseFlags, type ServerConfig } from "../../flags.js";
import { clusterId as deriveClusterId, memberId as deriveMemberId } from "../../ids.js";
import { raftIdOf, type MemberInfo } from "../members.js";
import { runClient, type ClientCall, type ClientEvent } from "./clients.js";
import { SimDisk } from "./disk.js";
import { runLeaseClient, type LeaseStats } from "./lease-client.js";
import { bootMember, type Incarnation } from "./member.js";
import { SimNetwork } from "./network.js";
import { NodeClock, Scheduler } from "./scheduler.js";

/**
 * impl/sim's fault events, plus `disk-full`: the member's disk refuses writes (NoSpaceError,
 * as the WAL on ENOSPC) for `ticks`; then it has space again and an operator disarms the
 * NOSPACE alarm on that member.
 */
export type FaultEvent =
  | RaftFaultEvent
  | { readonly at: number; readonly kind: "disk-full"; readonly node: number; readonly ticks: number };
export type Schedule = readonly FaultEvent[];

export interface ServerSimOptions {
  seed: number;
  /** Members (default 3). */
  nodes?: number;
  /** Length of the fault phase in ticks of 100 ms (default 150: 15 s). */
  ticks?: number;
  /** The fault schedule (default: impl/sim's randomSchedule from the seed, without membership changes). */
  schedule?: Schedule;
  /** Clients (default nodes + 1). */
  clients?: number;
  /** Registers (keys) the clients use (default 3). */
  keys?: number;
  /** A client's pause between calls: uniform in [0, thinkMs] (default 120). */
  thinkMs?: number;
  /** Client deadline per call, ms (default 10 000): then the call is `lost`. */
  clientTimeoutMs?: number;
  /**
   * Load after the faults stop, ms (default 9000: longer than a proposal's timeout, 7 s, so
   * clients stuck on proposals lost with a deposed leader get to make new ones).
   */
  quietMs?: number;
  /** --snapshot-count (default 25, so snapshots, log compaction and snapshot catch-up happen). */
  snapshotCount?: number;
  /** Log entries kept behind a snapshot (default 5). */
  catchUpEntries?: number;
  /**
   * Membership changes: the schedule (impl/sim's, with confChanges) also adds up to two members
   * as learners (started with --initial-cluster-state existing once the change is applied),
   * promotes learners and removes members (never below 3 voters). Default false.
   */
  confChanges?: boolean;
  /** Called for each fault applied (for --trace style output). */
  onFault?: (time: number, what: string) => void;
  /** Called every simulated second with each live member's role, term, commit and applied index. */
  onStatus?: (time: number, status: string) => void;
}

export interface ServerSimResult {
  seed: number;
  nodes: number;
  schedule: Schedule;
  violations: string[];
  history: ClientEvent[];
  traceHash: string;
  /** Simulated ms at the end. */
  simulatedMs: number;
  events: number;
  delivered: number;
  crashes: number;
  /** Leases granted, attached to a key, and seen expired (their key gone). */
  leases: LeaseStats;
  /** Membership changes applied. */
  confChanges: number;
  leaderChanges: number;
  snapshotsSent: number;
  /** The highest applied index reached. */
  appliedIndex: number;
}

const HEARTBEAT_MS = 100;

/** Flags and member table of `nodes` initial members and `extra` members that may join later. */
function clusterConfig(
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

/**
 * impl/sim's random schedule, plus a full disk in half the runs; with membership changes, plus one round of them at seeded
 * times (add a learner, promote it, remove a member, add another learner), since the random
 * schedule draws them rarely.
 */
export function defaultSchedule(seed: number, nodes: number, ticks: number, confChanges: boolean): Schedule {
  const events: FaultEvent[] = randomSchedule(seed, { nodes, ticks, confChanges });
  const r = new SeededRand(seed ^ 0x3c6ef372);
  // One full disk in half the runs (ticks / 10 to ticks / 3 long).
  if (r.intn(2) === 0)
    events.push({
      at: r.intn(Math.max(1, ticks >> 1)),
      kind: "disk-full",
      node: 1 + r.intn(nodes),
      ticks: Math.floor(ticks / 10) + r.intn(Math.max(1, Math.floor(ticks / 4))),
    });
  if (!confChanges) return events.sort((a, b) => a.at - b.at);
  const third = Math.max(1, Math.floor(ticks / 3));
  events.push(
    { at: 5 + r.intn(third), kind: "add-learner" },
    { at: third + r.intn(third), kind: "promote" },
    { at: third + r.intn(third), kind: "remove", node: 1 + r.intn(nodes + 1) },
    { at: 2 * third + r.intn(third), kind: "add-learner" },
  );
  return events.sort((a, b) => a.at - b.at);
}

const te = new TextEncoder();
const ALL = te.encode("\0");

/** Digest of the store's whole state (every key with its value and revisions, and the revision). */
export function storeDigest(store: MvccStore): number {
  const r = store.range({ key: ALL, rangeEnd: ALL });
  const h = new TraceHash();
  h.add(store.currentRevision);
  for (const kv of r.kvs) {
    h.add(fnv32(kv.key));
    h.add(fnv32(kv.value));
    h.add(Number(kv.modRevision));
    h.add(Number(kv.createRevision));
    h.add(Number(kv.version));
  }
  return parseInt(h.hex().slice(0, 13), 16);
}

export async function simulateServer(o: ServerSimOptions): Promise<ServerSimResult> {
  const n = o.nodes ?? 3;
  const ticks = o.ticks ?? 150;
  const faultMs = ticks * HEARTBEAT_MS;
  const quietMs = o.quietMs ?? 9000;
  const schedule = o.schedule ?? defaultSchedule(o.seed, n, ticks, !!o.confChanges);
  const sched = new Scheduler();
  const trace = new TraceHash();
  const net = new SimNetwork(sched, new SeededRand(o.seed * 31 + 1), trace);
  const violations: string[] = [];
  const violate = (s: string): void => {
    if (violations.length < 50) violations.push(`${(sched.now / 1000).toFixed(3)}s: ${s}`);
  };
  const extra = o.confChanges ? 2 : 0;
  const { configs, infos, cid } = clusterConfig(n, extra);
  for (let i = 0; i < n + extra; i++) {
    net.nodeOf.set(infos[i]!.raftId, i + 1);
    net.raftOf.set(i + 1, infos[i]!.raftId);
  }
  /** Members started at least once (1..n at first; added ones after their AddLearner commits). */
  const started = new Set<number>(infos.slice(0, n).map((_, i) => i + 1));
  /** Members removed from the cluster (never restarted). */
  const removed = new Set<number>();
  /** The member table a joining member starts with (as join.ts asks the cluster for it). */
  const joinTable = new Map<number, MemberInfo[]>();
  const clocks = infos.map(() => new NodeClock(sched));
  const disks = infos.map(
    (_, i) =>
      new SimDisk(sched, new SeededRand(o.seed * 131 + i), {
        minMs: 0.2,
        maxMs: 3,
        catchUpEntries: o.catchUpEntries ?? 5,
      }),
  );
  const live = new Map<number, Incarnation>();
  const incarnations = infos.map(() => 0);
  /** In-flight client calls per member: settle them as `lost` when it crashes. */
  const inflight = new Map<number, Set<(r: "lost") => void>>();
  const applied = new Map<number, { digest: number; node: number }>();
  let maxApplied = 0;
  let crashes = 0;
  const crashRand = new SeededRand(o.seed * 613 + 5);
  let confChanges = 0;
  let leaderChanges = 0;
  let lastLeader = 0;

  const onApplied = (node: number, index: number, store: MvccStore): void => {
    const d = storeDigest(store);
    const prev = applied.get(index);
    if (!prev) applied.set(index, { digest: d, node });
    else if (prev.digest !== d)
      violate(`members ${prev.node} and ${node} disagree on the store after index ${index}`);
    if (index > maxApplied) maxApplied = index;
  };

  const boot = (node: number): void => {
    const i = node - 1;
    incarnations[i]!++;
    try {
      const inc = bootMember(
        {
          node,
          self: infos[i]!,
          initial: joinTable.get(node) ?? infos.slice(0, n),
          clusterId: cid,
          config: configs[i]!,
          snapshotCount: o.snapshotCount ?? 25,
          seed: (o.seed * 1000003 + node * 7907 + incarnations[i]! * 104729) >>> 0,
          bootstrap: node <= n,
          onApplied,
          onFatal: (nd, err) =>
            violate(`member ${nd}: raft loop failed: ${err instanceof Error ? err.message : String(err)}`),
          onRemoved: (nd) => {
            if (!o.confChanges) violate(`member ${nd} was removed (no membership change was made)`);
            removed.add(nd);
            stop(nd);
          },
        },
        sched,
        clocks[i]!,
        disks[i]!,
        net,
      );
      live.set(node, inc);
      inc.loop.onLeaderChange = (lead, isLeader) => {
        if (isLeader && lead !== lastLeader) {
          leaderChanges++;
          lastLeader = lead;
          trace.add(-2);
          trace.add(node);
        }
      };
    } catch (err) {
      violate(
        `member ${node} cannot restart from its disk: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };

  /** Takes a member out of the simulation (its in-flight client calls are lost); true if it was live. */
  const stop = (node: number): boolean => {
    const inc = live.get(node);
    if (!inc) return false;
    inc.env.kill();
    live.delete(node);
    const calls = inflight.get(node);
    inflight.delete(node);
    if (calls) for (const settle of calls) settle("lost");
    return true;
  };
  const crash = (node: number): void => {
    if (!stop(node)) return;
    crashes++;
    // Half the crashes are power losses (unsynced writes lost), half kill -9 (page cache kept).
    const powerLoss = crashRand.intn(2) === 0;
    disks[node - 1]!.crash(powerLoss);
    trace.add(powerLoss ? -4 : -5);
    o.onFault?.(sched.now, `member ${node} ${powerLoss ? "loses power" : "is killed (kill -9)"}`);
  };

  const leader = (): number | undefined => {
    let best: number | undefined;
    let term = -1;
    for (const [node, inc] of live)
      if (inc.loop.role === Role.Leader && inc.node.raft.term > term) {
        best = node;
        term = inc.node.raft.term;
      }
    return best;
  };

  const ids = (): number[] => [...started].filter((x) => !removed.has(x));
  /** Members whose disk was full at some point: only they may hold a NOSPACE alarm. */
  const filled = new Set<number>();
  /** The disk has space again; the operator disarms the member's NOSPACE alarm (etcdctl alarm disarm). */
  const freeDisk = (node: number): void => {
    const disk = disks[node - 1]!;
    if (!disk.full) return;
    disk.full = false;
    trace.add(-6);
    trace.add(node);
    o.onFault?.(sched.now, `disk of ${node} has space again; alarm disarm`);
    const inc = live.get(node);
    if (inc?.server.hasAlarm(AlarmType.NOSPACE))
      void Promise.resolve(
        inc.server.unary.Maintenance!.alarm!({
          action: AlarmAction.DEACTIVATE,
          memberID: "0",
          alarm: AlarmType.NOSPACE,
        }),
      ).catch(() => {});
  };
  const nodeOfRaft = (raftId: number): number | undefined => net.nodeOf.get(raftId);
  /** A membership change proposed through the current leader (as the Cluster API does). */
  const confChange = (type: ConfChangeType, node: number, then?: () => void): string => {
    const l = leader();
    if (l === undefined) return "(no leader)";
    const info = infos[node - 1]!;
    live
      .get(l)!
      .loop.proposeConfChange(type, { ...info, isLearner: type === ConfChangeType.AddLearner })
      .then(
        () => {
          confChanges++;
          trace.add(-3);
          trace.add(node);
          o.onFault?.(
            sched.now,
            `conf change ${type === ConfChangeType.AddLearner ? "add-learner" : type === ConfChangeType.AddNode ? "promote" : "remove"} ${node} applied`,
          );
          then?.();
        },
        () => {},
      );
    return `via ${l}`;
  };
  const applyFault = (e: FaultEvent): void => {
    let what: string = e.kind;
    switch (e.kind) {
      case "partition":
        net.groups = e.groups.map((g) => g.filter((x) => x >= 1 && x <= n));
        what = `partition ${JSON.stringify(net.groups)}`;
        break;
      case "heal":
        net.groups = undefined;
        break;
      case "crash":
        crash(e.node);
        what = `crash ${e.node}`;
        break;
      case "restart":
        if (!live.has(e.node) && started.has(e.node) && !removed.has(e.node)) boot(e.node);
        what = `restart ${e.node}`;
        break;
      case "drop":
        net.dropRate = e.rate;
        what = `drop ${e.rate}`;
        break;
      case "duplicate":
        net.dupRate = e.rate;
        what = `duplicate ${e.rate}`;
        break;
      case "delay":
        net.maxDelayMs = e.maxTicks * HEARTBEAT_MS;
        what = `delay ${net.maxDelayMs}ms`;
        break;
      case "clock":
        if (e.node >= 1 && e.node <= n) clocks[e.node - 1]!.setRate(e.rate);
        what = `clock ${e.node} x${e.rate}`;
        break;
      case "transfer": {
        const l = leader();
        const target = infos[e.to - 1];
        if (l !== undefined && target) {
          const inc = live.get(l)!;
          inc.node.transferLeader(target.raftId);
          inc.loop.schedule();
        }
        what = `transfer to ${e.to}`;
        break;
      }
      case "crash-leader": {
        const l = leader();
        if (l !== undefined) crash(l);
        what = `crash-leader ${l ?? "(none)"}`;
        break;
      }
      case "disk-full": {
        const disk = disks[e.node - 1];
        if (!disk) break;
        disk.full = true;
        filled.add(e.node);
        what = `disk-full ${e.node} for ${e.ticks * HEARTBEAT_MS}ms`;
        sched.at(e.ticks * HEARTBEAT_MS, () => freeDisk(e.node));
        break;
      }
      case "isolate-leader": {
        const l = leader();
        if (l !== undefined) net.groups = [[l], ids().filter((x) => x !== l)];
        what = `isolate-leader ${l ?? "(none)"}`;
        break;
      }
      case "add-learner": {
        const node = infos.findIndex((_, i) => !started.has(i + 1)) + 1;
        if (!o.confChanges || node === 0) {
          what = "add-learner (none left)";
          break;
        }
        const l = leader();
        if (l !== undefined)
          joinTable.set(node, [...live.get(l)!.members.list(), { ...infos[node - 1]!, isLearner: true }]);
        what = `add-learner ${node} ${confChange(ConfChangeType.AddLearner, node, () => {
          if (started.has(node)) return;
          started.add(node);
          boot(node);
        })}`;
        break;
      }
      case "promote": {
        const l = leader();
        const learner = l === undefined ? undefined : live.get(l)!.node.status().learners.map(nodeOfRaft)[0];
        what =
          learner === undefined || !o.confChanges
            ? "promote (no learner)"
            : `promote ${learner} ${confChange(ConfChangeType.AddNode, learner)}`;
        break;
      }
      case "remove": {
        const l = leader();
        const st = l === undefined ? undefined : live.get(l)!.node.status();
        const target = infos[e.node - 1];
        if (!o.confChanges || !st || !target) {
          what = `remove ${e.node} (skipped)`;
          break;
        }
        const isVoter = st.voters.includes(target.raftId);
        if ((!isVoter && !st.learners.includes(target.raftId)) || (isVoter && st.voters.length <= 3)) {
          what = `remove ${e.node} (skipped: not a member, or fewer than 3 voters would remain)`;
          break;
        }
        what = `remove ${e.node} ${confChange(ConfChangeType.RemoveNode, e.node, () => {
          removed.add(e.node);
          stop(e.node);
        })}`;
        break;
      }
    }
    trace.addString(what);
    o.onFault?.(sched.now, what);
  };

  // ------------------------------------------------------------------ clients
  const history: ClientEvent[] = [];
  const record = (e: ClientEvent): void => {
    history.push(e);
    trace.add(e.process);
    trace.addString(e.kind);
    trace.add(e.member);
  };
  const clientTimeout = o.clientTimeoutMs ?? 10_000;
  const call: ClientCall = (member, fn) => {
    const inc = live.get(member);
    if (!inc) return Promise.resolve("refused");
    return new Promise((resolve) => {
      let done = false;
      const settle = (r: Parameters<typeof resolve>[0]): void => {
        if (done) return;
        done = true;
        inflight.get(member)?.delete(settleLost);
        resolve(r);
      };
      const settleLost = (): void => settle("lost");
      if (!inflight.has(member)) inflight.set(member, new Set());
      inflight.get(member)!.add(settleLost);
      sched.at(clientTimeout, settleLost);
      try {
        Promise.resolve(fn(inc.server.unary)).then(
          (value) => {
            if (live.get(member) === inc) settle({ ok: true, value });
          },
          (error: unknown) => {
            if (live.get(member) === inc) settle({ ok: false, error });
          },
        );
      } catch (error) {
        settle({ ok: false, error });
      }
    });
  };
  let value = 0;
  const clientOpts = {
    clients: o.clients ?? n + 1,
    keys: o.keys ?? 3,
    thinkMs: o.thinkMs ?? 120,
    until: faultMs + quietMs,
  };
  let running = clientOpts.clients + 1;
  const leases: LeaseStats = { granted: 0, attached: 0, expired: 0 };
  const fastClock = schedule.some((e) => e.kind === "clock" && e.rate > 1);
  void runLeaseClient(
    { ttlS: 3, pollMs: 500, until: faultMs + quietMs - 5000, pollUntil: faultMs + quietMs },
    ids,
    sched,
    new SeededRand(o.seed * 40503 + 3),
    call,
    leases,
    violate,
    () => !fastClock,
  ).finally(() => running--);
  for (let p = 0; p < clientOpts.clients; p++)
    void runClient(
      p,
      clientOpts,
      ids,
      sched,
      new SeededRand(o.seed * 65537 + p),
      call,
      record,
      () => ++value,
    ).finally(() => running--);

  // ------------------------------------------------------------------ the run
  if (o.onStatus) {
    const status = (): void => {
      const parts = [...live.entries()].map(([k, inc]) => {
        const st = inc.node.status();
        return `${k}:${inc.loop.isLeader ? "L" : "F"} t${st.term} c${st.commit} a${inc.loop.appliedIndex}`;
      });
      o.onStatus!(sched.now, parts.join("  "));
      sched.at(1000, status);
    };
    sched.at(1000, status);
  }
  for (let node = 1; node <= n; node++) boot(node);
  for (const e of schedule) if (e.at < ticks) sched.at(e.at * HEARTBEAT_MS, () => applyFault(e));
  sched.at(faultMs, () => {
    net.groups = undefined;
    net.dropRate = 0;
    net.dupRate = 0;
    net.maxDelayMs = 0;
    for (const c of clocks) c.setRate(1);
    for (let node = 1; node <= disks.length; node++) freeDisk(node);
    for (const node of started) if (!live.has(node) && !removed.has(node)) boot(node);
    trace.addString("heal all");
    o.onFault?.(sched.now, "heal all, restart all");
  });
  await sched.run(faultMs + quietMs + clientTimeout + 1000, () => running === 0);
  // Liveness: some write invoked after the faults stopped succeeded.
  const invokedAfter = new Set<number>();
  let healedOk = false;
  for (let i = 0; i < history.length; i++) {
    const e = history[i]!;
    if (e.kind === "invoke" && e.time > faultMs) invokedAfter.add(e.process);
    else if (e.kind === "ok" && e.f !== "read" && invokedAfter.has(e.process)) healedOk = true;
  }
  if (!healedOk) violate("liveness: no write invoked after the faults stopped succeeded");
  // Convergence: every member catches up to the same applied index.
  const converged = (): boolean => {
    const idx = [...live.values()].map((i) => i.loop.appliedIndex);
    const want = [...started].filter((x) => !removed.has(x)).length;
    return idx.length === want && idx.every((x) => x === idx[0]) && idx[0]! >= maxApplied;
  };
  await sched.run(sched.now + 5000, converged);
  if (!converged())
    violate(
      `members did not converge: applied ${[...live.entries()].map(([k, i]) => `${k}:${i.loop.appliedIndex}`).join(" ")}, highest ${maxApplied}`,
    );
  // Alarms are per member: one whose disk never filled holds none (not another member's).
  for (const [node, inc] of live)
    if (!filled.has(node) && inc.server.hasAlarm(AlarmType.NOSPACE))
      violate(`member ${node} holds a NOSPACE alarm though its disk never filled`);
  for (const inc of live.values()) {
    inc.env.kill();
    inc.loop.stop();
    inc.server.stop();
  }
  return {
    seed: o.seed,
    nodes: n,
    schedule,
    violations,
    history,
    traceHash: trace.hex(),
    simulatedMs: sched.now,
    events: sched.events,
    delivered: net.delivered,
    crashes,
    leases,
    confChanges,
    leaderChanges,
    snapshotsSent: net.snapshots,
    appliedIndex: maxApplied,
  };
}
