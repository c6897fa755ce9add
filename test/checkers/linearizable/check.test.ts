/**
 * Unit tests of check(): pairing, the semantics of ok/fail/info/pending operations and of
 * the cas encoding, the models (built-in by name, others by value), merging across keys, counterexamples.
 */
import { describe, expect, it } from "vitest";
import type { Operation } from "../../../checkers/history/types.js";
import {
  check,
  getModel,
  HistoryError,
  mergeValidity,
  modelNames,
} from "../../../checkers/linearizable/index.js";
import type { Model } from "../../../checkers/linearizable/types.js";

type Ev = [
  process: number | "nemesis",
  type: Operation["type"],
  f: string,
  value?: unknown,
  extra?: Record<string, unknown>,
];

/** Builds a history from compact events (key "x" unless extra.key says otherwise). */
function h(...events: Ev[]): Operation[] {
  return events.map(([process, type, f, value, extra], index) => ({
    index,
    time: index * 1000,
    process,
    type,
    f,
    key: "x",
    value,
    ...extra,
  }));
}

const valid = (ops: Operation[], model = "cas-register") => check(ops, { model }).valid;

describe("operations and outcomes", () => {
  it("an empty history is linearizable", () => {
    const r = check([], { model: "register" });
    expect(r).toMatchObject({ valid: true, ops: 0, keys: 0 });
  });

  it("a read must see the last write that precedes it", () => {
    expect(
      valid(
        h(
          [1, "invoke", "write", 1],
          [1, "ok", "write", 1],
          [2, "invoke", "read", null],
          [2, "ok", "read", 1],
        ),
      ),
    ).toBe(true);
    expect(
      valid(
        h(
          [1, "invoke", "write", 1],
          [1, "ok", "write", 1],
          [2, "invoke", "read", null],
          [2, "ok", "read", 2],
        ),
      ),
    ).toBe(false);
    expect(
      valid(
        h(
          [1, "invoke", "write", 1],
          [1, "ok", "write", 1],
          [2, "invoke", "read", null],
          [2, "ok", "read", null],
        ),
      ),
    ).toBe(false);
  });

  it("concurrent operations may take effect in either order", () => {
    expect(
      valid(
        h(
          [1, "invoke", "write", 1],
          [2, "invoke", "read", null],
          [2, "ok", "read", 1],
          [1, "ok", "write", 1],
        ),
      ),
    ).toBe(true);
    expect(
      valid(
        h(
          [1, "invoke", "write", 1],
          [2, "invoke", "read", null],
          [2, "ok", "read", null],
          [1, "ok", "write", 1],
        ),
      ),
    ).toBe(true);
  });

  it("a failed write certainly did not happen", () => {
    expect(
      valid(
        h(
          [1, "invoke", "write", 1],
          [1, "fail", "write", 1],
          [2, "invoke", "read", null],
          [2, "ok", "read", 1],
        ),
      ),
    ).toBe(false);
    const r = check(h([1, "invoke", "write", 1], [1, "fail", "write", 1]), { model: "register" });
    expect(r.operations[0]!.status).toBe("fail");
    expect(r.ops).toBe(0);
  });

  it("an info write may take effect at any time after its invoke, or never", () => {
    const base: Ev[] = [
      [1, "invoke", "write", 1],
      [1, "info", "write", 1],
    ];
    expect(
      valid(
        h(
          ...base,
          [2, "invoke", "read", null],
          [2, "ok", "read", 1],
          [3, "invoke", "read", null],
          [3, "ok", "read", 1],
        ),
      ),
    ).toBe(true);
    expect(valid(h(...base, [2, "invoke", "read", null], [2, "ok", "read", null]))).toBe(true);
    // ...but once seen it cannot be undone: nil, 1, nil is impossible
    const flip = h(
      ...base,
      [2, "invoke", "read", null],
      [2, "ok", "read", 1],
      [3, "invoke", "read", null],
      [3, "ok", "read", null],
    );
    expect(valid(flip)).toBe(false);
    // ...and it cannot take effect before its invoke
    expect(valid(h([2, "invoke", "read", null], [2, "ok", "read", 1], ...base))).toBe(false);
  });

  it("an invoke with no completion is treated like info", () => {
    const r = check(h([1, "invoke", "write", 1], [2, "invoke", "read", null], [2, "ok", "read", 1]), {
      model: "register",
    });
    expect(r.valid).toBe(true);
    expect(r.operations[0]).toMatchObject({ status: "pending", ret: Infinity, completeIndex: null });
  });

  it("an info read constrains nothing", () => {
    expect(valid(h([1, "invoke", "read", null], [1, "info", "read", null]))).toBe(true);
  });

  it("nemesis operations are ignored", () => {
    const r = check(
      h(["nemesis", "info", "partition", "start"], [1, "invoke", "read", null], [1, "ok", "read", null]),
      { model: "register" },
    );
    expect(r).toMatchObject({ valid: true, ops: 1 });
  });

  it("malformed histories are errors that name the index", () => {
    expect(() => check(h([1, "ok", "read", 1]), { model: "register" })).toThrow(HistoryError);
    expect(() => check(h([1, "ok", "read", 1]), { model: "register" })).toThrow(/index 0/);
    expect(() => check(h([1, "invoke", "read"], [1, "invoke", "read"]), { model: "register" })).toThrow(
      /index 1.*in flight/,
    );
    expect(() => check(h([1, "invoke", "read"], [1, "ok", "write", 1]), { model: "register" })).toThrow(
      /differs/,
    );
    expect(() =>
      check(h([1, "invoke", "cas", [1, 2]], [1, "ok", "cas", [1, 2]]), { model: "register" }),
    ).toThrow(/unknown operation f "cas" at index 0/);
    expect(() => check(h([1, "invoke", "cas", 3], [1, "ok", "cas", 3]), { model: "cas-register" })).toThrow(
      /\[expected, new\]/,
    );
  });
});

describe("cas", () => {
  const w1: Ev[] = [
    [1, "invoke", "write", 1],
    [1, "ok", "write", 1],
  ];
  it("a swapped cas needs the expected value, and writes the new one", () => {
    expect(
      valid(
        h(
          ...w1,
          [2, "invoke", "cas", [1, 2]],
          [2, "ok", "cas", [1, 2]],
          [3, "invoke", "read", null],
          [3, "ok", "read", 2],
        ),
      ),
    ).toBe(true);
    expect(valid(h(...w1, [2, "invoke", "cas", [3, 2]], [2, "ok", "cas", [3, 2]]))).toBe(false);
    expect(
      valid(
        h(
          [2, "invoke", "cas", [null, 5]],
          [2, "ok", "cas", [null, 5]],
          [3, "invoke", "read", null],
          [3, "ok", "read", 5],
        ),
      ),
    ).toBe(true);
  });

  it("a cas that did not swap (swapped: false) is placed where the comparison was false", () => {
    const no = { swapped: false };
    expect(
      valid(
        h(
          ...w1,
          [2, "invoke", "cas", [3, 2]],
          [2, "ok", "cas", [3, 2], no],
          [3, "invoke", "read", null],
          [3, "ok", "read", 1],
        ),
      ),
    ).toBe(true);
    expect(valid(h(...w1, [2, "invoke", "cas", [1, 2]], [2, "ok", "cas", [1, 2], no]))).toBe(false);
    // concurrent with a write that makes it false: fine
    expect(
      valid(
        h(
          ...w1,
          [1, "invoke", "write", 7],
          [2, "invoke", "cas", [1, 2]],
          [2, "ok", "cas", [1, 2], no],
          [1, "ok", "write", 7],
        ),
      ),
    ).toBe(true);
  });

  it("observed pins the value the cas saw", () => {
    expect(
      valid(
        h(...w1, [2, "invoke", "cas", [3, 2]], [2, "ok", "cas", [3, 2], { swapped: false, observed: 1 }]),
      ),
    ).toBe(true);
    expect(
      valid(
        h(...w1, [2, "invoke", "cas", [3, 2]], [2, "ok", "cas", [3, 2], { swapped: false, observed: 4 }]),
      ),
    ).toBe(false);
  });

  it("a failed cas is left out; an info cas may or may not have swapped", () => {
    expect(
      valid(
        h(
          ...w1,
          [2, "invoke", "cas", [1, 2]],
          [2, "fail", "cas", [1, 2]],
          [3, "invoke", "read", null],
          [3, "ok", "read", 1],
        ),
      ),
    ).toBe(true);
    const info: Ev[] = [
      ...w1,
      [2, "invoke", "cas", [1, 2]],
      [2, "info", "cas", [1, 2]],
      [3, "invoke", "read", null],
    ];
    expect(valid(h(...info, [3, "ok", "read", 2]))).toBe(true);
    expect(valid(h(...info, [3, "ok", "read", 1]))).toBe(true);
    expect(valid(h(...info, [3, "ok", "read", 3]))).toBe(false);
  });
});

describe("kv", () => {
  const kv = (...evs: Ev[]) => evs.map(([p, t, f, v, extra]) => [p, t, f, v, { key: "k", ...extra }] as Ev);
  it("get/put/append per key, each key starting empty", () => {
    const ops = h(
      ...kv(
        [1, "invoke", "append", "a"],
        [1, "ok", "append", "a"],
        [1, "invoke", "append", "b"],
        [1, "ok", "append", "b"],
      ),
      ...kv(
        [2, "invoke", "get", null],
        [2, "ok", "get", "ab"],
        [2, "invoke", "get", null, { key: "other" }],
        [2, "ok", "get", null, { key: "other" }],
      ),
      ...kv(
        [1, "invoke", "put", "z"],
        [1, "ok", "put", "z"],
        [2, "invoke", "get", null],
        [2, "ok", "get", "z"],
      ),
    );
    const r = check(ops, { model: "kv" });
    expect(r).toMatchObject({ valid: true, keys: 2 });
    const bad = h(
      ...kv(
        [1, "invoke", "append", "a"],
        [1, "ok", "append", "a"],
        [1, "invoke", "append", "b"],
        [1, "ok", "append", "b"],
        [2, "invoke", "get", null],
        [2, "ok", "get", "ba"],
      ),
    );
    expect(check(bad, { model: "kv" }).valid).toBe(false);
  });
});

describe("merging across keys and counterexamples", () => {
  const bad: Ev[] = [
    [1, "invoke", "write", 1, { key: "b" }],
    [1, "ok", "write", 1, { key: "b" }],
    [2, "invoke", "read", null, { key: "b" }],
    [2, "ok", "read", 2, { key: "b" }],
  ];
  const good: Ev[] = [
    [3, "invoke", "write", 5, { key: "a" }],
    [3, "ok", "write", 5, { key: "a" }],
  ];

  it("validity merges as false > unknown > true", () => {
    expect(mergeValidity(true, true)).toBe(true);
    expect(mergeValidity(true, "unknown")).toBe("unknown");
    expect(mergeValidity("unknown", false)).toBe(false);
    expect(mergeValidity(false, true)).toBe(false);
    const r = check(h(...good, ...bad), { model: "register" });
    expect(r.valid).toBe(false);
    expect(r.partitions.map((p) => [p.key, p.valid])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    expect(r.summary).toMatch(/not linearizable: 1 of 2 keys/);
  });

  it("explains the failure: prefix, blocked op, state", () => {
    const r = check(h(...good, ...bad), { model: "register" });
    const cx = r.partitions[1]!.counterexample!;
    expect(cx.prefix).toEqual([{ op: 1, state: "1" }]);
    expect(cx.blocked).toEqual([2]);
    expect(cx.firstBad).toBe(2);
    expect(cx.states).toEqual(["1"]);
    expect(cx.explanation).toContain('key "b"');
    expect(cx.explanation).toContain("p2 read → 2");
    expect(cx.explanation).toContain("holds 1");
  });

  it("names the operations that would have explained a read, had they not come later", () => {
    const r = check(
      h(
        [1, "invoke", "write", 1],
        [1, "ok", "write", 1],
        [2, "invoke", "read", null],
        [2, "ok", "read", 2],
        [3, "invoke", "write", 2],
        [3, "ok", "write", 2],
      ),
      { model: "register" },
    );
    const cx = r.partitions[0]!.counterexample!;
    expect(cx.explanation).toMatch(
      /would fit right after p3 write\(2\) \[op #2, index 4→5, t=4\.000µs→5\.000µs\], but that operation was invoked after it completed/,
    );
  });

  it("stopOnFirstFailure stops after the first failing key", () => {
    const r = check(h(...bad, ...good), { model: "register", stopOnFirstFailure: true });
    expect(r.valid).toBe(false);
    expect(r.partitions).toHaveLength(1);
  });
});

describe("models: built-in by name, others by value", () => {
  it("knows register, cas-register and kv, and rejects unknown names", () => {
    expect(modelNames()).toEqual(expect.arrayContaining(["register", "cas-register", "kv"]));
    expect(() => getModel("nope")).toThrow(/unknown model "nope".*cas-register/);
  });

  it("a model passed by value is used; a nondeterministic one (stepAll) is searched over sets of states", () => {
    // a counter whose increment may add 1 or 2; reads see the total
    const counter: Model<number, number, number | undefined> = {
      name: "sloppy-counter",
      init: () => 0,
      prepare: (op) =>
        op.f === "read" && op.status !== "ok"
          ? null
          : { input: op.f === "inc" ? 1 : 0, output: op.f === "read" ? (op.output as number) : undefined },
      step: () => null,
      stepAll: (s, i, o) => (i === 1 ? [s + 1, s + 2] : s === o ? [s] : []),
      partition: (ops) => [[...ops]],
      describeOp: (op) => op.f,
      describeState: (s) => String(s),
    };
    const inc: Ev[] = [
      [1, "invoke", "inc"],
      [1, "ok", "inc"],
    ];
    const read = (v: number): Ev[] => [
      [2, "invoke", "read", null],
      [2, "ok", "read", v],
    ];
    expect(check(h(...inc, ...inc, ...read(3)), { model: counter }).valid).toBe(true);
    expect(check(h(...inc, ...inc, ...read(5)), { model: counter }).valid).toBe(false);
    const r = check(h(...inc, ...read(3)), { model: counter });
    expect(r.valid).toBe(false);
    expect(r.partitions[0]!.counterexample!.states[0]).toBe("one of {1, 2}");
  });

  it("describes ops and states", () => {
    const m = getModel("cas-register");
    const r = check(
      h([1, "invoke", "cas", [1, 2]], [1, "ok", "cas", [1, 2], { swapped: false, observed: null }]),
      { model: m },
    );
    expect(m.describeOp(r.operations[0]!)).toBe("cas(1→2) not swapped, saw nil");
    expect(m.describeState(m.init())).toBe("absent (nil)");
  });
});
