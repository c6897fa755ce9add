/**
 * Fault schedules: plain data (JSON-serializable, so a failing one can be printed, stored
 * and replayed), generated from a seed or by fast-check. Times are in ticks from the start;
 * at `ticks` (the end of the fault phase) the simulator heals everything.
 */
import { SeededRand } from "../raft/rand.js";

export type FaultEvent =
  /** Nodes in different groups cannot exchange messages (nodes in no group are isolated). */
  | { readonly at: number; readonly kind: "partition"; readonly groups: readonly (readonly number[])[] }
  | { readonly at: number; readonly kind: "heal" }
  /** The node stops; everything not persisted through a Ready is lost. */
  | { readonly at: number; readonly kind: "crash"; readonly node: number }
  | { readonly at: number; readonly kind: "restart"; readonly node: number }
  /** Probability that a message is lost. */
  | { readonly at: number; readonly kind: "drop"; readonly rate: number }
  /** Probability that a message is delivered twice. */
  | { readonly at: number; readonly kind: "duplicate"; readonly rate: number }
  /** Messages take up to this many ticks (uniformly), so they reorder. */
  | { readonly at: number; readonly kind: "delay"; readonly maxTicks: number }
  /** Ask the leader to hand leadership to `to`. */
  | { readonly at: number; readonly kind: "transfer"; readonly to: number }
  /** The node's clock runs `rate` times as fast as real time (0.1–10; 1 = no skew). */
  | { readonly at: number; readonly kind: "clock"; readonly node: number; readonly rate: number }
  /** Crash whichever node leads now (the nemesis that produces Figure 8 histories). */
  | { readonly at: number; readonly kind: "crash-leader" }
  /** Cut the current leader off from everyone (a stale leader). */
  | { readonly at: number; readonly kind: "isolate-leader" }
  /** Propose adding a fresh node as a learner. */
  | { readonly at: number; readonly kind: "add-learner" }
  /** Propose promoting the lowest-numbered learner. */
  | { readonly at: number; readonly kind: "promote" }
  /** Propose removing `node` (ignored while it would leave fewer than 3 voters). */
  | { readonly at: number; readonly kind: "remove"; readonly node: number };

export type Schedule = readonly FaultEvent[];

export interface ScheduleOptions {
  /** Initial voters 1..nodes. */
  readonly nodes: number;
  /** Length of the fault phase in ticks. */
  readonly ticks: number;
  /** Include membership changes. Default false. */
  readonly confChanges?: boolean;
  /** Mean ticks between fault events. Default 25. */
  readonly meanGap?: number;
}

function pickSubset(rng: SeededRand, ids: number[]): number[][] {
  const a: number[] = [];
  const b: number[] = [];
  for (const id of ids) (rng.intn(2) === 0 ? a : b).push(id);
  if (a.length === 0) a.push(b.pop()!);
  if (b.length === 0) b.push(a.pop()!);
  return [a, b];
}

/** A random fault schedule, a pure function of the seed. */
export function randomSchedule(seed: number, o: ScheduleOptions): FaultEvent[] {
  const rng = new SeededRand(seed ^ 0x9e3779b9);
  const ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
  const events: FaultEvent[] = [];
  const gap = o.meanGap ?? 25;
  const crashed = new Set<number>();
  for (let at = rng.intn(gap); at < o.ticks; at += 1 + rng.intn(2 * gap)) {
    const r = rng.intn(o.confChanges ? 110 : 100);
    if (r < 18) events.push({ at, kind: "partition", groups: pickSubset(rng, ids) });
    else if (r < 26)
      events.push({ at, kind: "partition", groups: [ids.filter((id) => id !== 1 + rng.intn(o.nodes))] });
    else if (r < 40) events.push({ at, kind: "heal" });
    else if (r < 52) {
      const node = 1 + rng.intn(o.nodes);
      crashed.add(node);
      events.push({ at, kind: "crash", node });
    } else if (r < 64) {
      const down = [...crashed];
      if (down.length === 0) continue;
      const node = down[rng.intn(down.length)]!;
      crashed.delete(node);
      events.push({ at, kind: "restart", node });
    } else if (r < 74) events.push({ at, kind: "drop", rate: [0, 0.05, 0.2, 0.5][rng.intn(4)]! });
    else if (r < 82) events.push({ at, kind: "duplicate", rate: [0, 0.05, 0.3][rng.intn(3)]! });
    else if (r < 89) events.push({ at, kind: "delay", maxTicks: [0.2, 1, 3, 8][rng.intn(4)]! });
    else if (r < 92)
      events.push({ at, kind: "clock", node: 1 + rng.intn(o.nodes), rate: [0.5, 1, 2, 4][rng.intn(4)]! });
    else if (r < 95) events.push({ at, kind: "transfer", to: 1 + rng.intn(o.nodes) });
    else if (r < 98) events.push({ at, kind: "crash-leader" });
    else if (r < 100) events.push({ at, kind: "isolate-leader" });
    else if (r < 104) events.push({ at, kind: "add-learner" });
    else if (r < 107) events.push({ at, kind: "promote" });
    else events.push({ at, kind: "remove", node: 1 + rng.intn(o.nodes + 2) });
  }
  return events;
}

/** Checks a schedule read from the user, naming the first bad event. */
export function validateSchedule(s: unknown): Schedule {
  if (!Array.isArray(s)) throw new Error("schedule: expected a JSON array of events");
  const kinds = [
    "partition",
    "heal",
    "crash",
    "restart",
    "drop",
    "duplicate",
    "delay",
    "transfer",
    "clock",
    "crash-leader",
    "isolate-leader",
    "add-learner",
    "promote",
    "remove",
  ];
  s.forEach((e: unknown, i) => {
    const ev = e as { at?: unknown; kind?: unknown };
    if (
      typeof ev !== "object" ||
      ev === null ||
      typeof ev.at !== "number" ||
      !kinds.includes(String(ev.kind))
    ) {
      throw new Error(
        `schedule: event ${i} is not {at: number, kind: one of ${kinds.join("|")}}: ${JSON.stringify(e)}`,
      );
    }
  });
  return [...(s as FaultEvent[])].sort((a, b) => a.at - b.at);
}
