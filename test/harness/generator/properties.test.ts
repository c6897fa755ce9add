/**
 * Property: any composition of combinators, run by the interpreter on the simulated clock with
 * random latencies and random info/fail completions, yields a well-formed history (consecutive
 * indices, monotonic time, one op in flight per process, every invoke completed, no process
 * after its info), and the same seed yields the same history.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  any,
  clients,
  concurrentKeys,
  delay,
  eachThread,
  fn,
  limit,
  mix,
  ms,
  nemesis,
  perKey,
  phases,
  repeat,
  reserve,
  seq,
  sleep,
  stagger,
  timeLimit,
  untilOk,
  cycle,
} from "../../../harness/generator/index.js";
import type { Event, Generator } from "../../../harness/generator/index.js";
import { simulate } from "./sim.js";

type Tree = { leaf: "read" | "write" } | { op: string; kids: Tree[]; n: number };

const leaf = fc.constantFrom<Tree>({ leaf: "read" }, { leaf: "write" });
const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({
      op: fc.constantFrom(
        "limit",
        "mix",
        "stagger",
        "delay",
        "timeLimit",
        "phases",
        "seq",
        "reserve",
        "eachThread",
        "perKey",
        "concurrentKeys",
        "untilOk",
        "cycle",
        "sleepThen",
      ),
      kids: fc.array(tie("t"), { minLength: 1, maxLength: 3 }),
      n: fc.integer({ min: 1, max: 20 }),
    }),
  ),
})).t;

function build(t: Tree): Generator {
  if ("leaf" in t)
    return t.leaf === "read"
      ? repeat({ f: "read" })
      : fn((ctx) => ({ f: "write", value: ctx.random.int(10) }));
  const kids = t.kids.map(build);
  const k0 = kids[0]!;
  switch (t.op) {
    case "limit":
      return limit(t.n, k0);
    case "mix":
      return mix(kids);
    case "stagger":
      return stagger(ms(t.n), k0);
    case "delay":
      return delay(ms(t.n), k0);
    case "timeLimit":
      return timeLimit(ms(10 * t.n), k0);
    case "phases":
      return phases(...kids.map((k) => limit(t.n, k)));
    case "seq":
      return seq(...kids.map((k) => limit(t.n, k)));
    case "reserve":
      return reserve([[1 + (t.n % 2), k0]], kids[1] ?? k0);
    case "eachThread":
      return eachThread(limit(t.n, k0));
    case "perKey":
      return perKey({ opsPerKey: t.n, poolSize: 1 + (t.n % 3), gen: () => t.kids.map(build)[0]! });
    case "concurrentKeys":
      return concurrentKeys({ groupSize: 1 + (t.n % 2), opsPerKey: t.n, gen: () => build(t.kids[0]!) });
    case "untilOk":
      return untilOk(k0);
    case "cycle":
      return cycle(limit(t.n, k0), 3);
    default:
      return seq(sleep(ms(t.n)), k0);
  }
}

function wellFormed(h: Event[]): void {
  const open = new Map<unknown, string>();
  const retired = new Set<unknown>();
  h.forEach((e, i) => {
    expect(e.index).toBe(i);
    if (i > 0) expect(e.time).toBeGreaterThanOrEqual(h[i - 1]!.time);
    expect(retired.has(e.process)).toBe(false);
    if (e.type === "invoke") {
      expect(open.has(e.process)).toBe(false);
      open.set(e.process, e.f);
    } else {
      expect(open.get(e.process)).toBe(e.f);
      open.delete(e.process);
      if (e.type === "info" && e.process !== "nemesis") retired.add(e.process);
    }
  });
  expect(open.size).toBe(0);
}

describe("generator compositions (property)", () => {
  it("always give well-formed, reproducible histories", async () => {
    await fc.assert(
      fc.asyncProperty(
        tree,
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.integer({ min: 1, max: 5 }),
        async (t, seed, threads) => {
          const gen = () =>
            any(
              clients(limit(150, build(t))),
              nemesis(limit(4, cycle([sleep(ms(50)), { f: "start" }, sleep(ms(50)), { f: "stop" }]))),
            );
          const opts = {
            seed,
            threads,
            nemesis: true,
            timeLimit: ms(3000),
            latency: (_op: Event, draw: () => number) => Math.floor(draw() * ms(8)),
            complete: (op: Event) =>
              op.index % 11 === 5
                ? { type: "info" as const }
                : op.index % 7 === 2
                  ? { type: "fail" as const }
                  : { type: "ok" as const },
          };
          const a = await simulate(gen(), opts);
          wellFormed(a.history);
          expect(a.maxInFlightPerProcess).toBe(1);
          const b = await simulate(gen(), opts);
          expect(b.history).toEqual(a.history);
        },
      ),
      { numRuns: 60 },
    );
  });
});
