/**
 * The simulation's fault vocabulary and its default schedule: impl/sim's fault events (1 tick =
 * one 100 ms heartbeat) plus `disk-full`.
 */
import { SeededRand } from "../../../raft/index.js";
import { randomSchedule, type FaultEvent as RaftFaultEvent } from "../../../sim/schedule.js";

/**
 * impl/sim's fault events, plus `disk-full`: the member's disk refuses writes (NoSpaceError,
 * as the WAL on ENOSPC) for `ticks`; then it has space again and an operator disarms the
 * NOSPACE alarm on that member.
 */
export type FaultEvent =
  | RaftFaultEvent
  | { readonly at: number; readonly kind: "disk-full"; readonly node: number; readonly ticks: number };
export type Schedule = readonly FaultEvent[];

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
