import { describe, expect, it } from "vitest";
import type { Operation } from "../../../checkers/history/types.js";
import { check } from "../../../checkers/linearizable/index.js";
import { etcdRegisterModel } from "../../../workloads/register/model.js";

/** Builds a history from [process, type, f, value, extra] rows; index/time from the row number. */
function h(rows: [number, Operation["type"], string, unknown, Record<string, unknown>?][]): Operation[] {
  return rows.map(([process, type, f, value, extra], i) => ({
    index: i,
    time: i * 1000,
    process,
    type,
    f,
    key: "r1",
    value,
    ...extra,
  }));
}

const model = etcdRegisterModel();

describe("etcd-register model", () => {
  it("accepts a sequential history whose revisions and versions agree with its writes", () => {
    const r = check(
      h([
        [0, "invoke", "read", null],
        [0, "ok", "read", null, { modRev: 0, version: 0 }],
        [0, "invoke", "write", 3],
        [0, "ok", "write", 3, { rev: 5 }],
        [1, "invoke", "cas", [3, 4]],
        [1, "ok", "cas", [3, 4], { rev: 7 }],
        [1, "invoke", "cas", [3, 1]],
        [1, "ok", "cas", [3, 1], { swapped: false, observed: 4, modRev: 7, version: 2 }],
        [0, "invoke", "read", null],
        [0, "ok", "read", 4, { modRev: 7, version: 2 }],
      ]),
      { model },
    );
    expect(r.valid).toBe(true);
  });

  it("catches a stale read (an old value after a newer write completed)", () => {
    const r = check(
      h([
        [0, "invoke", "write", 1],
        [0, "ok", "write", 1, { rev: 2 }],
        [0, "invoke", "write", 2],
        [0, "ok", "write", 2, { rev: 3 }],
        [1, "invoke", "read", null],
        [1, "ok", "read", 1, { modRev: 2, version: 1 }],
      ]),
      { model },
    );
    expect(r.valid).toBe(false);
  });

  it("catches a read with the right value but a wrong mod revision", () => {
    const ops = h([
      [0, "invoke", "write", 1],
      [0, "ok", "write", 1, { rev: 2 }],
      [1, "invoke", "read", null],
      [1, "ok", "read", 1, { modRev: 9, version: 1 }],
    ]);
    expect(check(ops, { model }).valid).toBe(false);
    // The same history without revisions is fine for the value-only model.
    expect(check(ops, { model: "cas-register" }).valid).toBe(true);
  });

  it("catches a read whose version does not count the writes before it", () => {
    const r = check(
      h([
        [0, "invoke", "write", 1],
        [0, "ok", "write", 1, { rev: 2 }],
        [0, "invoke", "write", 1],
        [0, "ok", "write", 1, { rev: 3 }],
        [1, "invoke", "read", null],
        [1, "ok", "read", 1, { modRev: 3, version: 1 }],
      ]),
      { model },
    );
    expect(r.valid).toBe(false);
  });

  it("rejects writes whose revisions go backwards in real-time order", () => {
    const r = check(
      h([
        [0, "invoke", "write", 1],
        [0, "ok", "write", 1, { rev: 5 }],
        [0, "invoke", "write", 2],
        [0, "ok", "write", 2, { rev: 4 }],
      ]),
      { model },
    );
    expect(r.valid).toBe(false);
  });

  it("lets an info write take effect later, learning its revision from a read", () => {
    const r = check(
      h([
        [0, "invoke", "write", 1],
        [0, "info", "write", 1, { error: "deadline-exceeded" }],
        [1, "invoke", "read", null],
        [1, "ok", "read", null, { modRev: 0, version: 0 }],
        [1, "invoke", "read", null],
        [1, "ok", "read", 1, { modRev: 8, version: 1 }],
        [1, "invoke", "read", null],
        [1, "ok", "read", 1, { modRev: 8, version: 1 }],
      ]),
      { model },
    );
    expect(r.valid).toBe(true);
    const bad = h([
      [0, "invoke", "write", 1],
      [0, "info", "write", 1],
      [1, "invoke", "read", null],
      [1, "ok", "read", 1, { modRev: 8, version: 1 }],
      [1, "invoke", "read", null],
      [1, "ok", "read", 1, { modRev: 9, version: 1 }],
    ]);
    expect(check(bad, { model }).valid).toBe(false);
  });

  it("describes states and operations with their revisions", () => {
    expect(model.describeState({ v: 3, mod: 7, ver: 2 })).toBe("3 (mod 7, version 2)");
    expect(model.describeState(model.init())).toBe("absent (nil)");
  });
});
