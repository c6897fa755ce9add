import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Operation } from "../../../checkers/history/types.js";
import { checkSet } from "../../../checkers/set/index.js";
import { simulate } from "../sim-store.js";

type Row = [number, Operation["type"], "add" | "read", unknown, Record<string, unknown>?];

/** A history of set `s0` from [process, type, f, value, extra] rows; index and time (ms) from the row number. */
function h(rows: Row[], key = "s0"): Operation[] {
  return rows.map(([process, type, f, value, extra], i) => ({
    index: i,
    time: i * 1e6,
    process,
    type,
    f,
    key,
    value,
    ...extra,
  }));
}

const add = (p: number, e: number, end: "ok" | "info" | "fail" = "ok"): Row[] => [
  [p, "invoke", "add", e],
  [p, end, "add", e],
];
const read = (p: number, els: number[], extra?: Record<string, unknown>): Row[] => [
  [p, "invoke", "read", null, extra],
  [p, "ok", "read", els, extra],
];

describe("checkSet: hand-made histories", () => {
  it("ok elements, never-read elements and unknown (info, unread) elements make a valid history", () => {
    const r = checkSet(
      h([...add(0, 1), ...add(1, 2), ...read(2, [1, 2]), ...add(0, 3), ...add(1, 4, "info")]),
    );
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({
      attempted: 4,
      acknowledged: 3,
      ok: 2,
      neverRead: 1,
      unknown: 1,
      lost: 0,
    });
  });

  it("an info add that a read saw is known from that read", () => {
    const r = checkSet(h([...add(0, 1, "info"), ...read(1, [1]), ...read(2, [1])]));
    expect(r.valid).toBe(true);
    expect(r.counts.ok).toBe(1);
  });

  it("a read concurrent with the add may miss it", () => {
    const r = checkSet(
      h([
        [0, "invoke", "add", 1],
        [1, "invoke", "read", null],
        [0, "ok", "add", 1],
        [1, "ok", "read", []],
        ...read(2, [1]),
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.counts.ok).toBe(1);
  });

  it("catches a lost element: acknowledged, then missing from every later read (the final read too)", () => {
    const r = checkSet(h([...add(0, 1), ...add(1, 2), ...read(2, [1, 2]), ...read(3, [2]), ...read(4, [2])]));
    expect(r.valid).toBe(false);
    expect(r.counts.lost).toBe(1);
    const f = r.failures[0]!;
    expect(f).toMatchObject({ element: 1, outcome: "lost", add: { process: 0, invokeIndex: 0 } });
    expect(f.read).toMatchObject({ process: 3, invokeIndex: 6 });
    expect(f.otherRead).toMatchObject({ process: 2 });
    expect(f.explanation).toMatch(
      /element 1 of set s0 was LOST: p0 add\(1\).*p3 read → 1 element\(s\).*no later read saw it/,
    );
  });

  it("a miss by a read concurrent with a later-completing read that saw it is stale, not lost", () => {
    const r = checkSet(
      h([
        [1, "invoke", "read", null],
        ...add(0, 1),
        [2, "invoke", "read", null],
        [2, "ok", "read", []],
        [1, "ok", "read", [1]],
      ]),
    );
    expect(r.counts).toMatchObject({ lost: 0, stale: 1 });
    expect(r.valid).toBe(false);
  });

  it("an acknowledged element that no read ever saw is lost", () => {
    const r = checkSet(h([...add(0, 7), ...read(1, [])]));
    expect(r.counts.lost).toBe(1);
    expect(r.valid).toBe(false);
  });

  it("catches a stale read (missed after the add completed, seen again later): invalid for linearizable reads only", () => {
    const rows = (extra?: Record<string, unknown>): Row[] => [
      ...add(0, 1),
      ...read(1, [], extra),
      ...read(2, [1]),
    ];
    const lin = checkSet(h(rows()));
    expect(lin.valid).toBe(false);
    expect(lin.counts.stale).toBe(1);
    expect(lin.failures[0]).toMatchObject({
      outcome: "stale",
      element: 1,
      read: { process: 1 },
      otherRead: { process: 2 },
    });
    const ser = checkSet(h(rows({ serializable: true })));
    expect(ser.valid).toBe(true);
    expect(ser.counts.staleAllowed).toBe(1);
  });

  it("a serializable read never makes an element lost", () => {
    const r = checkSet(h([...add(0, 1), ...read(1, [1]), ...read(2, [], { serializable: true })]));
    expect(r.counts.lost).toBe(0);
    expect(r.valid).toBe(true);
  });

  it("catches unexpected elements, elements read after a failed add, and duplicates", () => {
    const r = checkSet(h([...add(0, 1, "fail"), ...read(1, [1, 5, 5])]));
    expect(r.valid).toBe(false);
    expect(r.counts).toMatchObject({ unexpected: 1, failedRead: 1, duplicated: 1 });
    expect(r.failures.map((f) => f.outcome).sort()).toEqual(["duplicated", "failed-read", "unexpected"]);
  });

  it("checks sets (keys) independently", () => {
    const r = checkSet([
      ...h([...add(0, 1)], "s0"),
      ...h([...read(1, [])], "s1").map((e) => ({ ...e, index: e.index + 2 })),
    ]);
    expect(r.sets).toBe(2);
    expect(r.valid).toBe(true);
    expect(r.counts.neverRead).toBe(1);
  });

  it("refuses a read whose value is not an array", () => {
    expect(() =>
      checkSet(
        h([
          [0, "invoke", "read", null],
          [0, "ok", "read", 3],
        ]),
      ),
    ).toThrow(/array/);
  });
});

describe("checkSet: histories of a simulated store", () => {
  const choices = fc
    .array(fc.integer({ min: 0, max: 9999 }), { minLength: 10, maxLength: 400 })
    .map((xs) => xs.map((x) => x / 10000));

  it("a correct store's histories are valid, every element ok, never read, unknown or failed", () => {
    fc.assert(
      fc.property(choices, fc.integer({ min: 1, max: 6 }), (cs, n) => {
        const { history } = simulate({ kind: "set", choices: cs, processes: n, finalOps: true });
        const r = checkSet(history);
        expect(r.failures).toEqual([]);
        expect(r.valid).toBe(true);
        // Every attempted element is judged exactly once.
        expect(r.counts.ok + r.counts.neverRead + r.counts.unknown + countFailed(history)).toBe(
          r.counts.attempted,
        );
      }),
      { numRuns: 300 },
    );
  });

  it("an acknowledged add that is rolled back is reported lost, naming it", () => {
    let fired = 0;
    fc.assert(
      fc.property(choices, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 20 }), (cs, n, lose) => {
        const s = simulate({ kind: "set", choices: cs, processes: n, lose, finalOps: true });
        if (!s.lost) return;
        fired++;
        const r = checkSet(s.history);
        expect(r.valid).toBe(false);
        expect(r.failures.find((f) => f.outcome === "lost" && f.element === s.lost!.element)).toBeDefined();
      }),
      { numRuns: 300 },
    );
    expect(fired).toBeGreaterThan(50);
  });
});

/** Adds that failed definitely (never present, never counted as acknowledged). */
function countFailed(history: Operation[]): number {
  return history.filter((e) => e.f === "add" && e.type === "fail").length;
}
