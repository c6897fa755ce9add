import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clients,
  eachThread,
  fn,
  interpret,
  limit,
  mix,
  ms,
  nemesis,
  once,
  phases,
  repeat,
  seconds,
  SimClock,
  any,
  realClock,
} from "../../../harness/generator/index.js";
import type { Event, Generator } from "../../../harness/generator/index.js";
import { completions, invokes, simulate } from "./sim.js";

/** History invariants every run must keep (ARCHITECTURE.md, "History"). */
function checkHistory(h: Event[], firstIndex = 0): void {
  h.forEach((e, i) => expect(e.index).toBe(firstIndex + i));
  for (let i = 1; i < h.length; i++) expect(h[i]!.time).toBeGreaterThanOrEqual(h[i - 1]!.time);
  const open = new Map<unknown, Event>();
  const retired = new Set<unknown>();
  for (const e of h) {
    expect(retired.has(e.process)).toBe(false); // a process never reappears after an info
    if (e.type === "invoke") {
      expect(open.has(e.process)).toBe(false); // one op in flight per process
      open.set(e.process, e);
    } else {
      const inv = open.get(e.process);
      expect(inv).toBeDefined();
      expect(e.f).toBe(inv!.f);
      open.delete(e.process);
      if (e.type === "info" && e.process !== "nemesis") retired.add(e.process);
    }
  }
  expect(open.size).toBe(0); // every invoke completed
}

const rw = mix([fn(() => ({ f: "read" })), fn((ctx) => ({ f: "write", value: ctx.random.int(100) }))]);

describe("interpreter", () => {
  it("after an info the thread continues under process + concurrency", async () => {
    let n = 0;
    const { history, result } = await simulate(limit(40, rw), {
      threads: 3,
      complete: () => (++n % 5 === 0 ? { type: "info", error: "timeout" } : { type: "ok" }),
    });
    checkHistory(history);
    const infos = completions(history).filter((e) => e.type === "info");
    expect(infos.length).toBe(8);
    for (const e of infos) {
      const p = e.process as number;
      const later = invokes(history).filter((x) => x.index > e.index && (x.process as number) % 3 === p % 3);
      if (later.length) expect(later[0]!.process).toBe(p + 3);
    }
    expect(result.processes.every((p, t) => p % 3 === t)).toBe(true);
    expect(Math.max(...result.processes)).toBeGreaterThanOrEqual(3);
  });

  it("never gives a process two ops at once, whatever the latencies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 6 }),
        async (seed, threads) => {
          const run = await simulate(limit(60, rw), {
            seed,
            threads,
            latency: (_op, draw) => Math.floor(draw() * ms(20)),
            complete: (op) => (op.index % 7 === 3 ? { type: "info" } : { type: "ok" }),
          });
          expect(run.maxInFlightPerProcess).toBe(1);
          checkHistory(run.history);
          expect(invokes(run.history)).toHaveLength(60);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("is reproducible from the seed (ops, processes, times)", async () => {
    const a = await simulate(limit(300, rw), { seed: 42, threads: 5 });
    const b = await simulate(limit(300, rw), { seed: 42, threads: 5 });
    expect(b.history).toEqual(a.history);
    const c = await simulate(limit(300, rw), { seed: 43, threads: 5 });
    expect(c.history).not.toEqual(a.history);
  });

  it("stops invoking at the global time limit and waits for in-flight ops", async () => {
    const { history, result } = await simulate(repeat({ f: "read" }), {
      threads: 4,
      timeLimit: seconds(2),
      latency: () => ms(30),
    });
    checkHistory(history);
    expect(result.stopped).toBe("time-limit");
    expect(Math.max(...invokes(history).map((e) => e.time))).toBeLessThan(seconds(2));
    expect(Math.max(...history.map((e) => e.time))).toBeLessThanOrEqual(seconds(2) + ms(30));
    expect(invokes(history).length).toBeGreaterThan(200);
  });

  it("limits the rate across all client threads, not the nemesis", async () => {
    const g = any(clients(repeat({ f: "read" })), nemesis(repeat({ f: "noop" })));
    const { history } = await simulate(g, {
      threads: 8,
      nemesis: true,
      rate: 100,
      timeLimit: seconds(5),
      latency: () => ms(1),
    });
    const reads = invokes(history).filter((e) => e.f === "read");
    expect(reads.length).toBeGreaterThan(480);
    expect(reads.length).toBeLessThanOrEqual(502);
    // the nemesis is not held back by the rate limit
    expect(invokes(history).filter((e) => e.f === "noop").length).toBeGreaterThan(1000);
  });

  it("stops on abort and completes what is in flight", async () => {
    const clock = new SimClock();
    const ac = new AbortController();
    const h: Event[] = [];
    const p = interpret({
      generator: repeat({ f: "read" }),
      workers: [{ invoke: async () => (await clock.sleep(ms(10)), { type: "ok" as const }) }],
      clock,
      sink: (e) => {
        h.push(e);
        if (h.length === 20) ac.abort();
      },
      signal: ac.signal,
    });
    const r = await p;
    expect(r.stopped).toBe("aborted");
    expect(h.length).toBe(20);
    checkHistory(h);
  });

  it("on abort with an op in flight, yields to I/O until it completes (no busy loop)", async () => {
    // With the real clock the completion comes from a timer: an interpreter that spins on
    // microtasks after the abort would never let it fire, and this test would time out.
    const ac = new AbortController();
    const h: Event[] = [];
    const r = await interpret({
      generator: repeat({ f: "read" }),
      workers: [
        {
          invoke: () =>
            new Promise((resolve) => {
              setTimeout(() => resolve({ type: "ok" as const }), 30);
              if (h.length >= 3) ac.abort();
            }),
        },
      ],
      clock: realClock(),
      sink: (e) => h.push(e),
      signal: ac.signal,
    });
    expect(r.stopped).toBe("aborted");
    expect(h.at(-1)?.type).toBe("ok");
    checkHistory(h);
  }, 5_000);

  it("records a worker that throws as info with the error, and moves on", async () => {
    const clock = new SimClock();
    const h: Event[] = [];
    let calls = 0;
    await interpret({
      generator: limit(3, repeat({ f: "write", value: 1 })),
      workers: [
        {
          invoke: async () => {
            if (++calls === 2) throw new Error("socket exploded");
            return { type: "ok" };
          },
        },
      ],
      clock,
      sink: (e) => h.push(e),
    });
    checkHistory(h);
    expect(h.map((e) => [e.process, e.type])).toEqual([
      [0, "invoke"],
      [0, "ok"],
      [0, "invoke"],
      [0, "info"],
      [1, "invoke"],
      [1, "ok"],
    ]);
    expect(h[3]!.error).toBe("worker-crashed: socket exploded");
    expect(h[3]!.value).toBe(1); // the invoke's value is kept
  });

  it("continues indices and processes from an earlier phase", async () => {
    const clock = new SimClock();
    const h: Event[] = [];
    const r = await interpret({
      generator: eachThread(once({ f: "read" })),
      workers: [{ invoke: async () => ({ type: "ok" }) }, { invoke: async () => ({ type: "ok" }) }],
      clock,
      sink: (e) => h.push(e),
      firstIndex: 100,
      processes: [6, 9],
    });
    checkHistory(h, 100);
    expect(new Set(invokes(h).map((e) => e.process))).toEqual(new Set([6, 9]));
    expect(r.nextIndex).toBe(104);
  });

  it("refuses an op for a busy process, and a pending generator that can never proceed", async () => {
    const clock = new SimClock();
    const busy: Generator = {
      op: (ctx) => ({ op: { type: "invoke", f: "x", process: 0, time: ctx.time }, next: busy }),
      update: () => busy,
    };
    const slow = { invoke: async () => (await clock.sleep(ms(5)), { type: "ok" as const }) };
    await expect(
      interpret({ generator: busy, workers: [slow, slow], clock, sink: () => {} }),
    ).rejects.toThrow(/busy/);
    const stuck: Generator = { op: () => "pending", update: () => stuck };
    await expect(
      interpret({ generator: stuck, workers: [slow], clock: new SimClock(), sink: () => {} }),
    ).rejects.toThrow(/pending/);
  });

  it("phases + nemesis: the nemesis keeps its process after info", async () => {
    const { history } = await simulate(
      phases(nemesis([{ f: "kill" }, { f: "start" }]), clients(limit(4, repeat({ f: "read" })))),
      {
        threads: 2,
        nemesis: true,
        complete: (op) => (op.process === "nemesis" ? { type: "info" } : { type: "ok" }),
      },
    );
    const nem = history.filter((e) => e.process === "nemesis");
    expect(nem.map((e) => `${e.f}:${e.type}`)).toEqual([
      "kill:invoke",
      "kill:info",
      "start:invoke",
      "start:info",
    ]);
    expect(invokes(history).filter((e) => e.f === "read")).toHaveLength(4);
  });
});
