/**
 * The client phase: register clients (clients.ts) and one lease client (lease-client.ts)
 * against the simulated cluster until the load ends, every client event recorded into the
 * history and the trace hash.
 */
import { SeededRand } from "../../../raft/index.js";
import { runClient, type ClientEvent } from "./clients.js";
import type { SimCluster } from "./cluster.js";
import { runLeaseClient, type LeaseStats } from "./lease-client.js";
import type { Schedule } from "./schedule.js";

export interface WorkloadOptions {
  seed: number;
  /** Register clients. */
  clients: number;
  /** Registers (keys) the clients use. */
  keys: number;
  /** A client's pause between calls: uniform in [0, thinkMs]. */
  thinkMs: number;
  /** The simulated time the load ends (clients stop invoking; the lease client stops polling). */
  until: number;
}

export interface Workload {
  /** Every client event so far, in order. */
  readonly history: ClientEvent[];
  /** Leases granted, attached to a key, and seen expired. */
  readonly leases: LeaseStats;
  /** True once every client has stopped. */
  finished(): boolean;
}

/**
 * Starts the clients. The lease client checks that no lease expires early only when no
 * member's clock runs fast in `schedule` (the leader's clock decides expiry).
 */
export function startWorkload(c: SimCluster, o: WorkloadOptions, schedule: Schedule): Workload {
  const history: ClientEvent[] = [];
  const record = (e: ClientEvent): void => {
    history.push(e);
    c.trace.add(e.process);
    c.trace.addString(e.kind);
    c.trace.add(e.member);
  };
  let value = 0;
  let running = o.clients + 1;
  const leases: LeaseStats = { granted: 0, attached: 0, expired: 0 };
  const fastClock = schedule.some((e) => e.kind === "clock" && e.rate > 1);
  void runLeaseClient(
    { ttlS: 3, pollMs: 500, until: o.until - 5000, pollUntil: o.until },
    c.ids,
    c.sched,
    new SeededRand(o.seed * 40503 + 3),
    c.call,
    leases,
    c.violate,
    () => !fastClock,
  ).finally(() => running--);
  const clientOpts = { clients: o.clients, keys: o.keys, thinkMs: o.thinkMs, until: o.until };
  for (let p = 0; p < o.clients; p++)
    void runClient(
      p,
      clientOpts,
      c.ids,
      c.sched,
      new SeededRand(o.seed * 65537 + p),
      c.call,
      record,
      () => ++value,
    ).finally(() => running--);
  return { history, leases, finished: () => running === 0 };
}
