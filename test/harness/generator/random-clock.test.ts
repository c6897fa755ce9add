import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { randomFromState, realClock, seededRandom, SimClock } from "../../../harness/generator/index.js";

describe("seededRandom", () => {
  it("the same seed gives the same stream; another seed another one", () => {
    const a = seededRandom(123);
    const b = seededRandom(123);
    const c = seededRandom(124);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(xs);
  });
  it("large seeds use their high bits too", () => {
    expect(seededRandom(2 ** 40).next()).not.toBe(seededRandom(0).next());
  });
  it("int, pick and exponential stay in range; state resumes the stream", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const r = seededRandom(seed);
        for (let i = 0; i < 20; i++) {
          const x = r.int(n);
          expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
          const u = r.next();
          expect(u >= 0 && u < 1).toBe(true);
          expect(r.exponential(5)).toBeGreaterThanOrEqual(0);
        }
        const copy = randomFromState(r.state());
        expect(copy.next()).toBe(r.next());
      }),
    );
  });
  it("is roughly uniform", () => {
    const r = seededRandom(7);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[r.int(10)]++;
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });
  it("refuses bad arguments", () => {
    expect(() => seededRandom(NaN)).toThrow(/seed/);
    expect(() => seededRandom(1).int(0)).toThrow(/n must be/);
    expect(() => seededRandom(1).pick([])).toThrow(/empty/);
  });
});

describe("clocks", () => {
  it("SimClock fires timers in time order, ties in registration order, and jumps time", async () => {
    const clock = new SimClock();
    const order: string[] = [];
    const t = [
      clock.sleepUntil(5e9).promise.then(() => order.push(`b@${clock.now()}`)),
      clock.sleepUntil(1e9).promise.then(() => order.push(`a@${clock.now()}`)),
      clock.sleepUntil(5e9).promise.then(() => order.push(`c@${clock.now()}`)),
    ];
    const cancelled = clock.sleepUntil(2e9);
    cancelled.cancel();
    await Promise.all(t);
    expect(order).toEqual(["a@1000000000", "b@5000000000", "c@5000000000"]);
    expect(clock.pendingTimers).toBe(0);
  });
  it("realClock is monotonic and sleeps about as long as asked", async () => {
    const clock = realClock();
    const t0 = clock.now();
    await clock.sleepUntil(t0 + 20e6).promise;
    const t1 = clock.now();
    expect(t1 - t0).toBeGreaterThanOrEqual(19e6);
    const s = clock.sleepUntil(t1 + 10e9);
    s.cancel(); // must not keep the process alive
    await clock.sleepUntil(clock.now()).promise; // already due: next turn
  });
  it("realClock never wakes more than 0.2 ms early (Node's timers can fire up to 1 ms early)", async () => {
    const clock = realClock();
    const early: number[] = [];
    for (let i = 0; i < 60; i++) {
      const due = clock.now() + (1 + (i % 5)) * 1e6 + (i % 7) * 1.3e5;
      await clock.sleepUntil(due).promise;
      const late = clock.now() - due;
      if (late < -0.2e6) early.push(late / 1e6);
    }
    expect(early).toEqual([]);
  });
});
