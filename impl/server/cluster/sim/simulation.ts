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
 *
 * The phases, each in its own file: the cluster and its members' lifecycle (cluster.ts), the
 * fault schedule (schedule.ts) and applying it (faults.ts), the clients (workload.ts), the
 * final checks (checks.ts).
 */
import type { ClientEvent } from "./clients.js";
import { checkAlarms, checkConvergence, checkLiveness } from "./checks.js";
import { HEARTBEAT_MS } from "./cluster-config.js";
import { SimCluster } from "./cluster.js";
import { scheduleFaults } from "./faults.js";
import type { LeaseStats } from "./lease-client.js";
import { defaultSchedule, type Schedule } from "./schedule.js";
import { startWorkload, type Workload } from "./workload.js";

export { storeDigest } from "./digest.js";
export { defaultSchedule, type FaultEvent, type Schedule } from "./schedule.js";

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

/** Runs one seeded simulation: boot, faults, clients, heal, then the final checks. */
export async function simulateServer(o: ServerSimOptions): Promise<ServerSimResult> {
  const n = o.nodes ?? 3;
  const ticks = o.ticks ?? 150;
  const faultMs = ticks * HEARTBEAT_MS;
  const quietMs = o.quietMs ?? 9000;
  const clientTimeoutMs = o.clientTimeoutMs ?? 10_000;
  const schedule = o.schedule ?? defaultSchedule(o.seed, n, ticks, !!o.confChanges);
  const cluster = new SimCluster({
    seed: o.seed,
    nodes: n,
    confChanges: !!o.confChanges,
    snapshotCount: o.snapshotCount ?? 25,
    catchUpEntries: o.catchUpEntries ?? 5,
    clientTimeoutMs,
    onFault: o.onFault,
  });
  const load = startWorkload(
    cluster,
    {
      seed: o.seed,
      clients: o.clients ?? n + 1,
      keys: o.keys ?? 3,
      thinkMs: o.thinkMs ?? 120,
      until: faultMs + quietMs,
    },
    schedule,
  );
  if (o.onStatus) reportStatus(cluster, o.onStatus);
  for (let node = 1; node <= n; node++) cluster.boot(node);
  scheduleFaults(cluster, schedule, ticks);
  cluster.sched.at(faultMs, () => cluster.healAll());
  await cluster.sched.run(faultMs + quietMs + clientTimeoutMs + 1000, () => load.finished());
  checkLiveness(cluster, load.history, faultMs);
  await checkConvergence(cluster);
  checkAlarms(cluster);
  cluster.shutdown();
  return result(o.seed, schedule, cluster, load);
}

/** Calls `onStatus` with every live member's status each simulated second. */
function reportStatus(c: SimCluster, onStatus: (time: number, status: string) => void): void {
  const status = (): void => {
    onStatus(c.sched.now, c.status());
    c.sched.at(1000, status);
  };
  c.sched.at(1000, status);
}

function result(seed: number, schedule: Schedule, c: SimCluster, load: Workload): ServerSimResult {
  return {
    seed,
    nodes: c.nodes,
    schedule,
    violations: c.violations,
    history: load.history,
    traceHash: c.trace.hex(),
    simulatedMs: c.sched.now,
    events: c.sched.events,
    delivered: c.net.delivered,
    crashes: c.crashes,
    leases: load.leases,
    confChanges: c.confChanges,
    leaderChanges: c.leaderChanges,
    snapshotsSent: c.net.snapshots,
    appliedIndex: c.maxApplied,
  };
}
