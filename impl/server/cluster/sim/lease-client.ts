/**
 * A simulated lease client: grants a lease (TTL `ttlS` seconds, no keep-alives) on a random
 * member, attaches a fresh key to it (put with `lease`), then reads the key (linearizable
 * range) on random members every `pollMs` until it is gone. Reports each lease's key
 * disappearance, and — the safety property of leases in a cluster — a read that finds the key
 * gone although it returned less than the TTL after the grant was invoked (the lease
 * cannot have been granted before its invocation, and a leader change only extends it: a new
 * leader gives leases a fresh TTL). That check is meaningful only while no member's clock runs
 * fast (the caller switches it off when the schedule has such a `clock` fault).
 */
import type { SeededRand } from "../../../raft/index.js";
import type { ClientCall } from "./clients.js";
import type { Scheduler } from "./scheduler.js";

export interface LeaseClientOptions {
  ttlS: number;
  pollMs: number;
  /** Stop granting at this simulated time. */
  until: number;
  /** Give up polling a key at this simulated time. */
  pollUntil: number;
}

export interface LeaseStats {
  granted: number;
  attached: number;
  /** Keys seen gone (their lease expired and was revoked). */
  expired: number;
}

const te = new TextEncoder();

export async function runLeaseClient(
  o: LeaseClientOptions,
  nodes: () => number[],
  sched: Scheduler,
  rand: SeededRand,
  call: ClientCall,
  stats: LeaseStats,
  violate: (what: string) => void,
  checkEarly: () => boolean,
): Promise<void> {
  for (let n = 0; ; n++) {
    await sched.sleep(200 + rand.float() * 800);
    if (sched.now >= o.until) return;
    const pick = (): number => {
      const ms = nodes();
      return ms[rand.intn(ms.length)]!;
    };
    const grantAt = sched.now;
    const g = await call(pick(), (u) => u.Lease!.leaseGrant!({ ID: 0, TTL: o.ttlS }));
    if (g === "refused" || g === "lost" || !g.ok) continue;
    stats.granted++;
    const id = Number((g.value as { ID: number }).ID);
    const key = te.encode(`lease/${n}`);
    const p = await call(pick(), (u) => u.KV!.put!({ key, value: te.encode(String(n)), lease: id }));
    if (p === "refused" || p === "lost" || !p.ok) continue;
    stats.attached++;
    for (;;) {
      await sched.sleep(o.pollMs);
      if (sched.now >= o.pollUntil) break;
      const r = await call(pick(), (u) => u.KV!.range!({ key }));
      if (r === "refused" || r === "lost" || !r.ok) continue;
      if (((r.value as { kvs?: unknown[] }).kvs ?? []).length > 0) continue;
      stats.expired++;
      // The read took effect before it returned: if that is less than the TTL after the grant
      // was invoked, the lease expired early.
      if (checkEarly() && sched.now < grantAt + o.ttlS * 1000)
        violate(
          `lease ${id} (TTL ${o.ttlS} s, grant invoked at ${(grantAt / 1000).toFixed(3)}s): its key was gone for a read that returned at ${(sched.now / 1000).toFixed(3)}s`,
        );
      break;
    }
  }
}
