/**
 * The history recorder: the interpreter's sink. Every event is appended to `history.jsonl` at
 * once (checkers/history's HistoryWriter: one write per line, so a crash of the harness loses
 * nothing recorded), and live statistics are kept for the progress line and the summary:
 * counts by function and outcome, latency histograms (hdr-histogram), per-second throughput and
 * latency, fault windows from nemesis events, and the keys the workload touched.
 */
import * as hdr from "hdr-histogram-js";
import type { Operation } from "../../checkers/history/types.js";
import type { Event } from "../generator/types.js";

export interface Second {
  ok: number;
  fail: number;
  info: number;
  /** Sum and max of latencies of completions in this second, ns. */
  latSum: number;
  latMax: number;
}

export interface FaultWindow {
  /** What was started, e.g. `partition majorities-ring`. */
  name: string;
  /** The fault family (`partition`, `kill`, ...), from the op name `start-<family>`. */
  family: string;
  start: number;
  /** ns since start; undefined while active. */
  end?: number;
}

export interface HistorySink {
  write(op: Operation): void;
}

type Histogram = ReturnType<typeof hdr.build>;

function histogram(): Histogram {
  // Latencies in microseconds, 1 µs .. 1 hour, 2 significant digits.
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
  });
}

export class Recorder {
  /** counts[f][type] for completions; invokes counted under "invoke". */
  readonly counts = new Map<string, { ok: number; fail: number; info: number }>();
  readonly latency = new Map<string, Histogram>();
  readonly seconds: Second[] = [];
  readonly faults: FaultWindow[] = [];
  readonly keys = new Set<string>();
  /** Per fault family: its scheduled ops (with a `due` time) and how late the latest-started began, ms. */
  readonly nemesisLag = new Map<string, { ops: number; maxMs: number }>();
  ok = 0;
  fail = 0;
  info = 0;
  events = 0;
  /** End of the main phase (ns), once known: charts stop there. */
  mainEnd: number | undefined;
  private readonly invokedAt = new Map<number | string, number>();

  constructor(private readonly out: HistorySink) {}

  /** The interpreter's sink. */
  readonly sink = (e: Event): void => {
    this.out.write(e as Operation);
    this.events++;
    if (e.process === "nemesis") {
      this.nemesisEvent(e);
      return;
    }
    if (e.type === "invoke") {
      this.invokedAt.set(e.process, e.time);
      if (e.key !== undefined) this.keys.add(e.key);
      return;
    }
    const t0 = this.invokedAt.get(e.process);
    this.invokedAt.delete(e.process);
    let c = this.counts.get(e.f);
    if (!c) this.counts.set(e.f, (c = { ok: 0, fail: 0, info: 0 }));
    c[e.type]++;
    this[e.type]++;
    const sec = Math.floor(e.time / 1e9);
    while (this.seconds.length <= sec) this.seconds.push({ ok: 0, fail: 0, info: 0, latSum: 0, latMax: 0 });
    const s = this.seconds[sec]!;
    s[e.type]++;
    if (t0 !== undefined) {
      const lat = e.time - t0;
      s.latSum += lat;
      if (lat > s.latMax) s.latMax = lat;
      if (e.type === "ok") {
        let h = this.latency.get(e.f);
        if (!h) this.latency.set(e.f, (h = histogram()));
        h.recordValue(Math.max(1, Math.round(lat / 1000)));
      }
    }
  };

  /**
   * Fault windows from nemesis completions, by naming convention: `start-<family>` (ok or info)
   * opens a window named `<family>` plus `value.shape` when given (e.g. "partition
   * majorities-ring"); `stop-<family>` closes that family's open windows. Other nemesis ops are
   * instants, not windows.
   */
  private nemesisEvent(e: Event): void {
    if (e.type === "invoke" && typeof e.due === "number" && typeof e.family === "string") {
      const l = this.nemesisLag.get(e.family) ?? { ops: 0, maxMs: 0 };
      l.ops++;
      l.maxMs = Math.max(l.maxMs, (e.time - e.due) / 1e6);
      this.nemesisLag.set(e.family, l);
    }
    if (e.type === "invoke" || e.type === "fail") return;
    const m = /^(start|stop)-(.+)$/.exec(e.f);
    if (!m) return;
    const family = m[2]!;
    if (m[1] === "stop") {
      for (const w of this.faults) if (w.end === undefined && w.family === family) w.end = e.time;
      return;
    }
    const v = e.value;
    const shape =
      typeof v === "object" && v !== null && "shape" in v
        ? ` ${String((v as { shape: unknown }).shape)}`
        : "";
    this.faults.push({ name: `${family}${shape}`, family, start: e.time });
  }

  /** The fault active now, for the live line. */
  activeFault(): string | undefined {
    const open = this.faults.filter((w) => w.end === undefined);
    return open.length ? open.map((w) => w.name).join(" + ") : undefined;
  }

  /** Close open fault windows at `time` (end of the main phase). */
  closeFaults(time: number): void {
    this.mainEnd = time;
    for (const w of this.faults) if (w.end === undefined) w.end = time;
  }

  /** Latency quantiles per function, in ms. */
  quantiles(): Record<string, { count: number; p50: number; p90: number; p99: number; max: number }> {
    const out: Record<string, { count: number; p50: number; p90: number; p99: number; max: number }> = {};
    for (const [f, h] of this.latency) {
      const ms = (us: number) => Math.round(us / 10) / 100;
      out[f] = {
        count: h.totalCount,
        p50: ms(h.getValueAtPercentile(50)),
        p90: ms(h.getValueAtPercentile(90)),
        p99: ms(h.getValueAtPercentile(99)),
        max: ms(h.maxValue),
      };
    }
    return out;
  }
}
