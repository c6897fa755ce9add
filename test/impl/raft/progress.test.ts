import { describe, it, expect } from "vitest";
import { Inflights } from "../../../impl/raft/inflights.js";
import { Progress, ProgressState } from "../../../impl/raft/progress.js";

describe("Inflights (flow control)", () => {
  it("fills up, frees up to an index, wraps around", () => {
    const f = new Inflights(3);
    f.add(5);
    f.add(7);
    f.add(9);
    expect(f.full()).toBe(true);
    expect(() => f.add(10)).toThrow(/full/);
    f.freeLE(7);
    expect(f.length).toBe(1);
    f.add(11);
    f.add(13);
    expect(f.full()).toBe(true);
    f.freeFirstOne();
    expect(f.length).toBe(2);
    f.freeLE(100);
    expect(f.length).toBe(0);
    f.freeLE(3); // nothing to free
    expect(f.length).toBe(0);
  });
});

describe("Progress (probe / replicate / snapshot)", () => {
  it("probe: one message in flight, paused until answered", () => {
    const p = new Progress(10, 4, false);
    expect(p.isPaused()).toBe(false);
    p.probeSent = true;
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(9)).toBe(true);
    expect(p.isPaused()).toBe(false);
    expect(p.match).toBe(9);
    expect(p.next).toBe(10);
  });

  it("rejections: stale ones are ignored, fresh ones use the hint", () => {
    const p = new Progress(10, 4, false);
    // In probe state, only a rejection of the index we last probed (next-1) counts.
    expect(p.maybeDecrTo(5, 3)).toBe(false);
    expect(p.maybeDecrTo(9, 3)).toBe(true);
    expect(p.next).toBe(4);
    // In replicate state, a rejection at or below match is stale.
    p.maybeUpdate(6);
    p.becomeReplicate();
    expect(p.next).toBe(7);
    expect(p.maybeDecrTo(6, 0)).toBe(false);
    p.optimisticUpdate(12);
    expect(p.maybeDecrTo(11, 0)).toBe(true);
    expect(p.next).toBe(7);
  });

  it("replicate: paused when the inflight window is full", () => {
    const p = new Progress(1, 2, false);
    p.becomeReplicate();
    p.optimisticUpdate(3);
    p.inflights.add(3);
    p.optimisticUpdate(5);
    p.inflights.add(5);
    expect(p.isPaused()).toBe(true);
    p.inflights.freeLE(3);
    expect(p.isPaused()).toBe(false);
  });

  it("snapshot: paused until the snapshot is acknowledged, then probes after it", () => {
    const p = new Progress(5, 4, false);
    p.becomeSnapshot(20);
    expect(p.state).toBe(ProgressState.Snapshot);
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect(p.next).toBe(21);
  });
});
