/** The checks after the faults stop: liveness and convergence (see README.md). */
import type { ClientEvent } from "./clients.js";
import type { SimCluster } from "./cluster.js";
import { AlarmType } from "../../pb.js";

/** Liveness: some write invoked after the faults stopped (at `faultMs`) succeeded. */
export function checkLiveness(c: SimCluster, history: readonly ClientEvent[], faultMs: number): void {
  if (!writeSucceededAfter(history, faultMs))
    c.violate("liveness: no write invoked after the faults stopped succeeded");
}

/** Whether a client invoked an operation after `time` and then a write of its succeeded. */
export function writeSucceededAfter(history: readonly ClientEvent[], time: number): boolean {
  const invokedAfter = new Set<number>();
  for (let i = 0; i < history.length; i++) {
    const e = history[i]!;
    if (e.kind === "invoke" && e.time > time) invokedAfter.add(e.process);
    else if (e.kind === "ok" && e.f !== "read" && invokedAfter.has(e.process)) return true;
  }
  return false;
}

/** Alarms are per member: one whose disk never filled holds none (not another member's). */
export function checkAlarms(c: SimCluster): void {
  for (const [node, inc] of c.live)
    if (!c.filled.has(node) && inc.server.hasAlarm(AlarmType.NOSPACE))
      c.violate(`member ${node} holds a NOSPACE alarm though its disk never filled`);
}

/** Convergence: within 5 simulated seconds every member catches up to the same applied index. */
export async function checkConvergence(c: SimCluster): Promise<void> {
  await c.sched.run(c.sched.now + 5000, () => c.converged());
  if (!c.converged())
    c.violate(`members did not converge: applied ${c.appliedIndexes()}, highest ${c.maxApplied}`);
}
