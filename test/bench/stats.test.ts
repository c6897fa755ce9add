import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeHistogram,
  encodeHistogram,
  median,
  mergeHistograms,
  newHistogram,
  recordMs,
  relativeSpread,
  summarize,
} from "../../bench/stats.js";

/** The exact q-quantile (nearest rank) of sorted values. */
function exact(sorted: number[], q: number): number {
  const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
  return sorted[rank - 1]!;
}

describe("latency statistics", () => {
  it("gives the quantiles of 1..1000 ms within the histogram's 0.1% precision", () => {
    const h = newHistogram();
    for (let i = 1; i <= 1000; i++) recordMs(h, i);
    const s = summarize(h);
    expect(s.p50).toBeCloseTo(500, -1);
    expect(Math.abs(s.p50 - 500) / 500).toBeLessThan(0.002);
    expect(Math.abs(s.p90 - 900) / 900).toBeLessThan(0.002);
    expect(Math.abs(s.p99 - 990) / 990).toBeLessThan(0.002);
    expect(Math.abs(s.p999 - 999) / 999).toBeLessThan(0.002);
    expect(Math.abs(s.max - 1000) / 1000).toBeLessThan(0.002);
    expect(Math.abs(s.mean - 500.5) / 500.5).toBeLessThan(0.002);
    expect(s.min).toBeCloseTo(1, 2);
  });

  it("is all zeros for no samples", () => {
    expect(summarize(newHistogram())).toEqual({
      p50: 0,
      p90: 0,
      p99: 0,
      p999: 0,
      max: 0,
      min: 0,
      mean: 0,
      stddev: 0,
    });
  });

  it("keeps sub-millisecond latencies (µs resolution)", () => {
    const h = newHistogram();
    for (let i = 0; i < 100; i++) recordMs(h, 0.25);
    expect(summarize(h).p99).toBeCloseTo(0.25, 3);
  });

  it("quantiles match exact quantiles of random samples within 0.1% (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 300 }),
        (us) => {
          const h = newHistogram();
          for (const u of us) recordMs(h, u / 1000);
          const sorted = [...us].sort((a, b) => a - b);
          const s = summarize(h);
          for (const [q, got] of [
            [50, s.p50],
            [90, s.p90],
            [99, s.p99],
          ] as const) {
            const want = exact(sorted, q) / 1000;
            expect(Math.abs(got - want)).toBeLessThanOrEqual(want * 0.001 + 0.0015);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("round-trips through the compressed encoding and merges", () => {
    const a = newHistogram();
    const b = newHistogram();
    for (let i = 1; i <= 100; i++) recordMs(a, i);
    for (let i = 101; i <= 200; i++) recordMs(b, i);
    const back = decodeHistogram(encodeHistogram(a));
    expect(back.totalCount).toBe(100);
    const [x, y] = [summarize(back), summarize(a)];
    for (const k of ["p50", "p90", "p99", "p999", "max"] as const) expect(x[k]).toBe(y[k]);
    expect(Math.abs(x.mean - y.mean)).toBeLessThan(0.1);
    const m = mergeHistograms([a, b]);
    expect(m.totalCount).toBe(200);
    expect(Math.abs(summarize(m).p50 - 100) / 100).toBeLessThan(0.002);
  });

  it("median and relative spread", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(relativeSpread([100])).toBe(0);
    expect(relativeSpread([90, 100, 110])).toBeCloseTo(0.1, 10);
  });
});
