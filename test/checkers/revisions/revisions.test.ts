import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Operation } from "../../../checkers/history/types.js";
import { checkRevisions } from "../../../checkers/revisions/index.js";
import { simulate } from "../sim-store.js";

type Row = [number, Operation["type"], string, string | undefined, unknown, Record<string, unknown>?];

/** A history from [process, type, f, key, value, extra] rows; index and time (ms) from the row number. */
function h(rows: Row[]): Operation[] {
  return rows.map(([process, type, f, key, value, extra], i) => ({
    index: i,
    time: i * 1e6,
    process,
    type,
    f,
    ...(key !== undefined ? { key } : {}),
    value,
    ...extra,
  }));
}

describe("checkRevisions: hand-made histories", () => {
  it("accepts increasing revisions, concurrent writes in either order, reads at or after the last write", () => {
    const r = checkRevisions(
      h([
        [0, "invoke", "write", "r0", 1],
        [0, "ok", "write", "r0", 1, { rev: 2 }],
        [0, "invoke", "write", "r1", 2],
        [1, "invoke", "cas", "r0", [1, 3]],
        [1, "ok", "cas", "r0", [1, 3], { rev: 3 }], // concurrent with the write below: any order
        [0, "ok", "write", "r1", 2, { rev: 4 }],
        [2, "invoke", "read", "r0", null],
        [2, "ok", "read", "r0", 3, { modRev: 3, version: 2, rev: 4 }],
        [1, "invoke", "cas", "r1", [0, 1]],
        [1, "ok", "cas", "r1", [0, 1], { swapped: false, observed: 2, modRev: 4, version: 1, rev: 4 }],
        [0, "invoke", "write", "r0", 4],
        [0, "ok", "write", "r0", 4, { rev: 5 }],
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.writes).toBe(4);
    expect(r.reads).toBe(2);
    expect(r.summary).toMatch(/consistent/);
  });

  it("ignores info writes, failed operations and failed (not swapped) cas as writes", () => {
    const r = checkRevisions(
      h([
        [0, "invoke", "write", "r0", 1],
        [0, "info", "write", "r0", 1, { error: "timeout" }],
        [1, "invoke", "cas", "r0", [0, 1]],
        [1, "fail", "cas", "r0", [0, 1], { error: "no-leader" }],
        [2, "invoke", "cas", "r0", [3, 1]],
        [2, "ok", "cas", "r0", [3, 1], { swapped: false, observed: 1, modRev: 2, version: 1, rev: 2 }],
        [3, "invoke", "write", "r0", 2],
        [3, "ok", "write", "r0", 2, { rev: 3 }],
      ]),
    );
    expect(r.valid).toBe(true);
  });

  it("catches two ok writes with the same revision, naming both", () => {
    const r = checkRevisions(
      h([
        [0, "invoke", "write", "r0", 1],
        [1, "invoke", "write", "r1", 2],
        [0, "ok", "write", "r0", 1, { rev: 7 }],
        [1, "ok", "write", "r1", 2, { rev: 7 }],
      ]),
    );
    expect(r.valid).toBe(false);
    expect(r.counts.duplicate).toBe(1);
    const v = r.violations[0]!;
    expect(v.kind).toBe("duplicate");
    expect(v.ops.map((o) => [o.process, o.key, o.rev])).toEqual([
      [0, "r0", 7],
      [1, "r1", 7],
    ]);
    expect(v.explanation).toMatch(/p0 write\(1\) on r0 at rev 7.*\n.*p1 write\(2\) on r1 at rev 7/);
    expect(v.evidenceS).toBeCloseTo(0.003);
  });

  it("catches a later write (in real time) with a smaller revision", () => {
    const r = checkRevisions(
      h([
        [0, "invoke", "write", "r0", 1],
        [0, "ok", "write", "r0", 1, { rev: 9 }],
        [1, "invoke", "cas", "r1", [0, 2]],
        [1, "ok", "cas", "r1", [0, 2], { rev: 8 }],
      ]),
    );
    expect(r.valid).toBe(false);
    expect(r.counts["write-order"]).toBe(1);
    expect(r.violations[0]!.explanation).toMatch(/8 < 9/);
  });

  it("catches a write whose revision is not above what an earlier read saw", () => {
    const r = checkRevisions(
      h([
        [0, "invoke", "read", "r0", null],
        [0, "ok", "read", "r0", null, { modRev: 0, version: 0, rev: 10 }],
        [1, "invoke", "write", "r1", 2],
        [1, "ok", "write", "r1", 2, { rev: 10 }],
      ]),
    );
    expect(r.counts["write-after-read"]).toBe(1);
    expect(r.valid).toBe(false);
  });

  it("catches a linearizable read of an older revision than a completed write; serializable reads may lag", () => {
    const rows: Row[] = [
      [0, "invoke", "write", "r0", 1],
      [0, "ok", "write", "r0", 1, { rev: 5 }],
      [1, "invoke", "read", "r1", null],
      [1, "ok", "read", "r1", null, { modRev: 0, version: 0, rev: 4 }],
    ];
    const lin = checkRevisions(h(rows));
    expect(lin.counts["stale-read-revision"]).toBe(1);
    expect(lin.valid).toBe(false);
    expect(checkRevisions(h(rows), { linearizableReads: false }).valid).toBe(true);
  });

  it("catches a read whose mod revision belongs to a write of another value or key", () => {
    const r = checkRevisions(
      h([
        [0, "invoke", "write", "r0", 1],
        [0, "ok", "write", "r0", 1, { rev: 5 }],
        [1, "invoke", "read", "r0", null],
        [1, "ok", "read", "r0", 3, { modRev: 5, version: 1, rev: 5 }],
        [2, "invoke", "read", "r1", null],
        [2, "ok", "read", "r1", 3, { modRev: 5, version: 1, rev: 5 }],
        [3, "invoke", "read", "r1", null],
        [3, "ok", "read", "r1", 3, { modRev: 6, version: 1, rev: 5 }],
      ]),
    );
    expect(r.counts["read-mismatch"]).toBe(3);
    expect(r.violations.map((v) => v.explanation).join("\n")).toMatch(/writing 1 to r0, yet the read saw 3/);
  });

  it("checks set adds by their element keys and set reads by their header revision", () => {
    const r = checkRevisions(
      h([
        [0, "invoke", "add", "s0", 1],
        [0, "ok", "add", "s0", 1, { rev: 3 }],
        [1, "invoke", "read", "s0", null],
        [1, "ok", "read", "s0", [1], { rev: 3 }],
        [2, "invoke", "add", "s0", 2],
        [2, "ok", "add", "s0", 2, { rev: 3 }],
      ]),
    );
    expect(r.counts.duplicate).toBe(1);
    expect(r.counts["write-after-read"]).toBe(1);
  });

  it("keeps at most maxViolations explained but counts them all", () => {
    const rows: Row[] = [];
    for (let i = 0; i < 10; i++)
      rows.push([i, "invoke", "write", "r0", i], [i, "ok", "write", "r0", i, { rev: 2 }]);
    const r = checkRevisions(h(rows), { maxViolations: 3 });
    expect(r.violations).toHaveLength(3);
    expect(r.counts.duplicate).toBe(9);
  });
});

describe("checkRevisions: histories of a simulated store", () => {
  // Integers scaled to [0, 1): fast-check's doubles crowd at the edges, which starves the simulation.
  const choices = fc
    .array(fc.integer({ min: 0, max: 9999 }), { minLength: 10, maxLength: 400 })
    .map((xs) => xs.map((x) => x / 10000));

  it("a correct store's histories pass", () => {
    fc.assert(
      fc.property(
        choices,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom("register", "set"),
        (cs, n, kind) => {
          const { history } = simulate({
            kind: kind as "register" | "set",
            choices: cs,
            processes: n,
            finalOps: true,
          });
          const r = checkRevisions(history);
          expect(r.violations).toEqual([]);
          expect(r.valid).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("an acknowledged write that is rolled back fails when the next write to take its revision is ok", () => {
    let fired = 0;
    fc.assert(
      fc.property(
        choices,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 20 }),
        fc.constantFrom("register", "set"),
        (cs, n, lose, kind) => {
          const s = simulate({
            kind: kind as "register" | "set",
            choices: cs,
            processes: n,
            lose,
            finalOps: true,
          });
          if (!s.lost || !s.nextWriteOk) return;
          fired++;
          const r = checkRevisions(s.history);
          expect(r.valid).toBe(false);
          expect(
            r.violations.some((v) =>
              v.ops.some((o) => o.process === s.lost!.process && o.rev === s.lost!.rev),
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(fired).toBeGreaterThan(50);
  });
});
