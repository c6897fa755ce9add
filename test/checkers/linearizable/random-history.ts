/**
 * fast-check arbitraries of small random histories (up to 8 operations, up to 4 processes,
 * 2 keys, small value domains so that valid and invalid histories both come up), with ok,
 * info, fail and never-completed operations.
 */
import fc from "fast-check";
import type { Operation } from "../../../checkers/history/types.js";

export type ModelName = "register" | "cas-register" | "kv";

interface Spec {
  process: number;
  f: string;
  key: number;
  input: unknown;
  output: unknown;
  outcome: "ok" | "info" | "fail" | "pending";
  swapped: boolean;
  observed: unknown;
}

const val = fc.constantFrom<unknown>(null, 0, 1, 2);
const str = fc.constantFrom("", "a", "b", "ab", "ba", "aa");

function opArb(model: ModelName): fc.Arbitrary<Spec> {
  const f =
    model === "kv"
      ? fc.constantFrom("get", "put", "append")
      : model === "register"
        ? fc.constantFrom("read", "write")
        : fc.constantFrom("read", "write", "cas");
  return fc
    .record({
      process: fc.integer({ min: 0, max: 3 }),
      f,
      key: fc.integer({ min: 0, max: 1 }),
      v: model === "kv" ? str : val,
      w: model === "kv" ? str : val,
      x: val,
      outcome: fc.constantFrom<Spec["outcome"]>("ok", "ok", "ok", "ok", "info", "fail", "pending"),
      swapped: fc.boolean(),
      hasObserved: fc.boolean(),
    })
    .map(({ process, f, key, v, w, x, outcome, swapped, hasObserved }) => {
      const isRead = f === "read" || f === "get";
      const input = isRead
        ? null
        : f === "cas"
          ? [v, w]
          : model === "kv"
            ? f === "append"
              ? ["a", "b"][Number(v === "" ? 0 : 1)]
              : v
            : v;
      return {
        process,
        f,
        key,
        input,
        output: isRead ? w : input,
        outcome,
        swapped: f !== "cas" || swapped,
        observed: hasObserved ? x : undefined,
      };
    });
}

/** A random history: random ops, their events interleaved by `schedule` (per-process order kept). */
export function historyArb(model: ModelName): fc.Arbitrary<Operation[]> {
  return fc
    .record({
      specs: fc.array(opArb(model), { minLength: 0, maxLength: 8 }),
      schedule: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
    })
    .map(({ specs, schedule }) => build(specs, schedule, model));
}

function build(specs: Spec[], schedule: number[], model: ModelName): Operation[] {
  const queues = new Map<number, Spec[]>();
  for (const s of specs) queues.set(s.process, [...(queues.get(s.process) ?? []), s]);
  // per process: a list of events; a pending op ends its process's list
  const streams: { process: number; events: Omit<Operation, "index" | "time">[] }[] = [];
  for (const [process, list] of queues) {
    const events: Omit<Operation, "index" | "time">[] = [];
    for (const s of list) {
      const key = model === "kv" ? String(s.key) : `r${s.key}`;
      events.push({ process, type: "invoke", f: s.f, key, value: s.input });
      if (s.outcome === "pending") break;
      const c: Omit<Operation, "index" | "time"> = {
        process,
        type: s.outcome,
        f: s.f,
        key,
        value: s.outcome === "ok" ? s.output : s.input,
      };
      if (s.f === "cas" && s.outcome === "ok" && !s.swapped) {
        c.swapped = false;
        if (s.observed !== undefined) c.observed = s.observed;
      }
      events.push(c);
      if (s.outcome === "info") break; // a process never issues again after info
    }
    streams.push({ process, events });
  }
  const out: Operation[] = [];
  let k = 0;
  for (;;) {
    const live = streams.filter((s) => s.events.length > 0);
    if (live.length === 0) break;
    const s = live[(schedule[k++ % schedule.length]! + k) % live.length]!;
    const e = s.events.shift()!;
    out.push({ ...e, index: out.length, time: out.length * 1000 } as Operation);
  }
  return out;
}
