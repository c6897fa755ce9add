import { describe, expect, it } from "vitest";
import type { Operation } from "../../../checkers/history/types.js";
import type { Event } from "../../../harness/generator/types.js";
import { Recorder } from "../../../harness/runner/recorder.js";
import { faultRow, squeeze, summarize } from "../../../harness/runner/summary.js";

const s = (x: number) => x * 1e9;

function recorded(events: Omit<Event, "index">[]) {
  const written: Operation[] = [];
  const rec = new Recorder({ write: (op) => written.push(op) });
  events.forEach((e, index) => rec.sink({ ...e, index } as Event));
  return { rec, written };
}

describe("Recorder", () => {
  it("writes every event through and counts completions by function and outcome", () => {
    const { rec, written } = recorded([
      { time: 0, process: 0, type: "invoke", f: "read", key: "r1" },
      { time: s(0.5), process: 0, type: "ok", f: "read", key: "r1", value: 3 },
      { time: s(1.1), process: 1, type: "invoke", f: "write", key: "r2", value: 1 },
      { time: s(1.3), process: 1, type: "info", f: "write", key: "r2", value: 1 },
      { time: s(1.4), process: "nemesis", type: "invoke", f: "start-partition" },
      {
        time: s(1.5),
        process: "nemesis",
        type: "ok",
        f: "start-partition",
        value: { shape: "majorities-ring" },
      },
      { time: s(2.5), process: "nemesis", type: "invoke", f: "stop-partition" },
      { time: s(2.6), process: "nemesis", type: "ok", f: "stop-partition" },
    ]);
    expect(written).toHaveLength(8);
    expect(written.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(rec.counts.get("read")).toEqual({ ok: 1, fail: 0, info: 0 });
    expect(rec.counts.get("write")).toEqual({ ok: 0, fail: 0, info: 1 });
    expect([rec.ok, rec.fail, rec.info]).toEqual([1, 0, 1]);
    expect([...rec.keys].sort()).toEqual(["r1", "r2"]);
    expect(rec.seconds.map((x) => x.ok + x.fail + x.info)).toEqual([1, 1]);
    expect(rec.quantiles().read!.p50).toBeCloseTo(500, -1);
    expect(rec.faults).toEqual([
      { name: "partition majorities-ring", family: "partition", start: s(1.5), end: s(2.6) },
    ]);
    expect(rec.activeFault()).toBeUndefined();
  });

  it("reports an open fault as active until it is closed", () => {
    const { rec } = recorded([
      { time: s(1), process: "nemesis", type: "ok", f: "start-kill", value: ["n1"] },
      { time: s(1.5), process: "nemesis", type: "ok", f: "start-pause", value: { shape: "leader" } },
      { time: s(2), process: "nemesis", type: "ok", f: "stop-pause" },
      { time: s(2.1), process: "nemesis", type: "ok", f: "compact" }, // an instant, not a window
    ]);
    expect(rec.faults.map((w) => [w.name, w.end])).toEqual([
      ["kill", undefined],
      ["pause leader", s(2)],
    ]);
    expect(rec.activeFault()).toBe("kill");
    rec.closeFaults(s(3));
    expect(rec.faults[0]!.end).toBe(s(3));
  });
});

describe("summary", () => {
  it("squeezes series to a width by bucket means", () => {
    expect(squeeze([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(squeeze([1, 3, 5, 7], 2)).toEqual([2, 6]);
  });

  it("marks fault windows under the chart", () => {
    expect(faultRow([{ name: "kill", family: "kill", start: s(2), end: s(4) }], 6, 6)).toBe("  ▀▀  ");
    expect(faultRow([], 6, 6)).toBe("");
  });

  it("prints counts, latency quantiles, charts and the verdict", () => {
    const evs: Omit<Event, "index">[] = [];
    for (let i = 0; i < 30; i++) {
      evs.push({ time: s(i / 10), process: 0, type: "invoke", f: "read" });
      evs.push({ time: s(i / 10) + 2e6, process: 0, type: "ok", f: "read", value: 1 });
    }
    const text = summarize(recorded(evs).rec, false);
    expect(text).toMatch(/^read\s+30\s+0\s+0\s+2(\.0\d)? \/ 2(\.0\d)? \/ 2(\.0\d)? \/ 2(\.0\d)?$/m);
    expect(text).toContain("throughput (ops/s)");
    expect(text).toContain("verdict: INVALID");
  });
});
