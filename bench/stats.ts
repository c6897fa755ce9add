/**
 * Latency statistics: HDR histograms (hdr-histogram-js, values in microseconds, 3 significant
 * digits) and their summaries in milliseconds, plus medians and spreads of repeated runs.
 * Pure apart from the histogram library.
 */
import * as hdr from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";
import type { LatencySummary } from "./types.js";

/** A latency histogram in µs, from 1 µs to 1 hour, 3 significant digits. */
export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records a latency given in ms (clamped to [1 µs, 1 h]). */
export function recordMs(h: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(us < 1 ? 1 : us > 3_600_000_000 ? 3_600_000_000 : us);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** p50/p90/p99/p99.9/max/min/mean/stddev in ms (all 0 for an empty histogram). */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0, stddev: 0 };
  const q = (p: number): number => round3(h.getValueAtPercentile(p) / 1000);
  return {
    p50: q(50),
    p90: q(90),
    p99: q(99),
    p999: q(99.9),
    max: q(100),
    min: round3(h.minNonZeroValue / 1000),
    mean: round3(h.mean / 1000),
    stddev: round3(h.stdDeviation / 1000),
  };
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(s: string): Histogram {
  return hdr.decodeFromCompressedBase64(s, 32, false);
}

/** Adds every histogram into a fresh one. */
export function mergeHistograms(hs: Iterable<Histogram>): Histogram {
  const out = newHistogram();
  for (const h of hs) out.add(h);
  return out;
}

/** The median of numbers (mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Min and max of numbers. */
export function range(xs: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/**
 * Relative spread of repeated measurements: (max - min) / (2 · median), i.e. the half-width of
 * their range as a fraction of the median. 0 for fewer than two values.
 */
export function relativeSpread(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = median(xs);
  const { min, max } = range(xs);
  return m === 0 ? 0 : (max - min) / (2 * Math.abs(m));
}

/**
 * Points of a latency distribution for plotting: the latency (ms) at each of `percentiles`.
 */
export function percentileCurve(h: Histogram, percentiles: readonly number[]): number[] {
  return percentiles.map((p) => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(p) / 1000));
}

/** Percentiles spaced for a latency plot: 0 .. 99.99, denser toward the tail. */
export const PLOT_PERCENTILES: readonly number[] = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.25, 97.5, 98.125, 98.75, 99, 99.25, 99.5,
  99.625, 99.75, 99.8125, 99.875, 99.9, 99.95, 99.99,
];
