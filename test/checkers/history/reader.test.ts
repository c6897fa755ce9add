import { describe, expect, it } from "vitest";
import { HistoryError, readHistoryText } from "../../../checkers/history/index.js";
import type { HistoryFormat } from "../../../checkers/history/index.js";

/** Reads `text` and returns the HistoryError it raises (failing the test if it reads fine). */
async function failure(text: string, format: HistoryFormat | "auto" = "auto"): Promise<HistoryError> {
  try {
    await readHistoryText(text, { format, file: "h.txt" });
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryError);
    return err as HistoryError;
  }
  throw new Error("expected the history to be rejected");
}

const J = (p: number | string, type: string, f: string, value: string) =>
  `INFO  jepsen.util - ${p}\t:${type}\t:${f}\t${value}`;
const E = (p: number, type: string, f: string, key: string, value: string) =>
  `{:process ${p}, :type :${type}, :f :${f}, :key "${key}", :value ${value}}`;
const L = (o: object) => JSON.stringify(o);

describe("the JSON Lines reader", () => {
  it("reads operations, fills in index and time when absent, skips blank lines", async () => {
    const text = [
      L({ process: 0, type: "invoke", f: "write", key: "a", value: 1 }),
      "",
      L({ process: 0, type: "ok", f: "write", value: 1, rev: 7 }),
    ].join("\n");
    const { format, operations } = await readHistoryText(text);
    expect(format).toBe("jsonl");
    expect(operations).toEqual([
      { index: 0, time: 0, process: 0, type: "invoke", f: "write", key: "a", value: 1 },
      // the completion takes its invoke's key
      { index: 1, time: 1, process: 0, type: "ok", f: "write", key: "a", value: 1, rev: 7 },
    ]);
  });

  it("keeps given index/time and extra fields, and does not apply Jepsen semantics", async () => {
    const text = [
      L({ index: 5, time: 100, process: 1, type: "invoke", f: "cas", value: [1, 2] }),
      L({
        index: 9,
        time: 250,
        process: 1,
        type: "fail",
        f: "cas",
        value: [1, 2],
        error: "lease-expired",
        extra: { x: 1 },
      }),
    ].join("\n");
    const { operations } = await readHistoryText(text);
    expect(operations[1]).toEqual({
      index: 9,
      time: 250,
      process: 1,
      type: "fail",
      f: "cas",
      value: [1, 2],
      error: "lease-expired",
      extra: { x: 1 },
    });
  });

  it.each([
    ["bad JSON", [L({ process: 0, type: "invoke", f: "read" }), '{"process": 0,'], 2, /not valid JSON/],
    ["not an object", ["[1,2]"], 1, /expected a JSON object/],
    ["an unknown type", [L({ process: 0, type: "start", f: "read" })], 1, /unknown type "start"/],
    ["a bad process", [L({ process: "p1", type: "invoke", f: "read" })], 1, /bad process "p1"/],
    ["a missing f", [L({ process: 0, type: "invoke" })], 1, /bad f/],
    [
      "a non-numeric time",
      [L({ process: 0, type: "invoke", f: "read", time: "soon" })],
      1,
      /bad time "soon"/,
    ],
    ["a non-string key", [L({ process: 0, type: "invoke", f: "read", key: 3 })], 1, /bad key 3/],
    [
      "an index that does not increase",
      [
        L({ index: 3, process: 0, type: "invoke", f: "read" }),
        L({ index: 3, process: 1, type: "invoke", f: "read" }),
      ],
      2,
      /index 3 does not increase/,
    ],
  ])("rejects %s with its line number", async (_what, lines, line, message) => {
    const err = await failure(lines.join("\n"), "jsonl");
    expect(err.file).toBe("h.txt");
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`h.txt:${line}: `)).toBe(true);
  });
});

describe("validation (every format)", () => {
  it.each<[string, string[], number, RegExp]>([
    [
      "a completion without an invoke",
      [J(0, "invoke", "read", "nil"), J(1, "ok", "read", "3")],
      2,
      /ok read from process 1 without an invoke in flight/,
    ],
    [
      "a process with two operations in flight",
      [J(0, "invoke", "read", "nil"), J(1, "invoke", "read", "nil"), J(0, "invoke", "write", "2")],
      3,
      /process 0 invokes write while its read from line 1 is still in flight/,
    ],
    [
      "a completion whose f differs",
      [J(2, "invoke", "write", "1"), J(2, "ok", "read", "1")],
      2,
      /completes its write invoked at line 1 \(f differs\)/,
    ],
    [
      "a process that invokes again after :info",
      [J(4, "invoke", "write", "1"), J(4, "info", "write", ":timed-out"), J(4, "invoke", "read", "nil")],
      3,
      /after its :info at line 2/,
    ],
    [
      "a completion on another key (EDN)",
      [E(0, "invoke", "get", "a", "nil"), "", E(0, "ok", "get", "b", '""')],
      3,
      /key differs/,
    ],
  ])("rejects %s with its line number", async (_what, lines, line, message) => {
    const err = await failure(lines.join("\n"));
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it("accepts invokes still open at the end, and nemesis operations in any order", async () => {
    const text = [
      L({ process: 0, type: "invoke", f: "write", value: 1 }),
      L({ process: "nemesis", type: "info", f: "partition" }),
      L({ process: "nemesis", type: "info", f: "partition" }),
    ].join("\n");
    const { operations } = await readHistoryText(text);
    expect(operations.map((o) => o.process)).toEqual([0, "nemesis", "nemesis"]);
  });
});

describe("the Jepsen log parser", () => {
  it("reads tab- and space-separated lines, nil, integers and [A B], and uses the line order as time", async () => {
    const text = [
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
      "INFO  jepsen.util - 3   :invoke :cas    [1 2]",
      "INFO  jepsen.util - 0\t:ok\t:read\t4",
      "INFO  jepsen.util - 3   :ok     :cas    [1 2]",
    ].join("\n");
    const { format, operations } = await readHistoryText(text);
    expect(format).toBe("jepsen-log");
    expect(operations).toEqual([
      { index: 0, time: 0, process: 0, type: "invoke", f: "read", value: null },
      { index: 1, time: 1, process: 3, type: "invoke", f: "cas", value: [1, 2] },
      { index: 2, time: 2, process: 0, type: "ok", f: "read", value: 4 },
      { index: 3, time: 3, process: 3, type: "ok", f: "cas", value: [1, 2] },
    ]);
  });

  it("maps :fail :cas to an ok cas that did not swap, and :timed-out to error", async () => {
    const text = [
      J(1, "invoke", "cas", "[0 3]"),
      J(2, "invoke", "write", "4"),
      J(0, "invoke", "read", "nil"),
      J(1, "fail", "cas", "[0 3]"),
      J(2, "info", "write", ":timed-out"),
      J(0, "fail", "read", ":timed-out"),
      J(5, "invoke", "cas", "[1 2]"),
      J(5, "info", "cas", ":timed-out"),
    ].join("\n");
    const { operations } = await readHistoryText(text);
    expect(operations[3]).toEqual({
      index: 3,
      time: 3,
      process: 1,
      type: "ok",
      f: "cas",
      value: [0, 3],
      swapped: false,
    });
    expect(operations[4]).toEqual({
      index: 4,
      time: 4,
      process: 2,
      type: "info",
      f: "write",
      error: "timed-out",
    });
    expect(operations[5]).toEqual({
      index: 5,
      time: 5,
      process: 0,
      type: "fail",
      f: "read",
      error: "timed-out",
    });
    expect(operations[7]).toMatchObject({ type: "info", f: "cas", error: "timed-out" });
  });

  it("reads :nemesis as the nemesis process", async () => {
    const { operations } = await readHistoryText("INFO  jepsen.util - :nemesis\t:info\t:start\tnil");
    expect(operations[0]).toMatchObject({ process: "nemesis", type: "info", f: "start" });
  });

  it.each([
    [
      "a line of another kind",
      [J(0, "invoke", "read", "nil"), "WARN something else happened"],
      2,
      /not a jepsen.util log line/,
    ],
    [
      "an unknown type",
      [J(0, "invoke", "read", "nil"), J(0, "done", "read", "1")],
      2,
      /unknown type ":done"/,
    ],
    ["a bad process", [J(0, "invoke", "read", "nil"), J("p", "ok", "read", "1")], 2, /bad process "p"/],
    ["an unparsable value", [J(0, "invoke", "cas", "[1 2")], 1, /unparsable value "\[1 2"/],
    [
      "a missing function",
      [J(0, "invoke", "read", "nil"), "INFO  jepsen.util - 0 :ok"],
      2,
      /needs a process, a :type and an :f/,
    ],
  ])("rejects %s with its line number", async (_what, lines, line, message) => {
    const err = await failure(lines.join("\n"), "jepsen-log");
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });
});

describe("the EDN parser", () => {
  it("reads maps with keys, string values and nil", async () => {
    const { format, operations } = await readHistoryText(
      [E(1, "invoke", "get", "9", "nil"), E(1, "ok", "get", "9", '"x 1 y"')].join("\n"),
    );
    expect(format).toBe("edn");
    expect(operations).toEqual([
      { index: 0, time: 0, process: 1, type: "invoke", f: "get", key: "9", value: null },
      { index: 1, time: 1, process: 1, type: "ok", f: "get", key: "9", value: "x 1 y" },
    ]);
  });

  it("applies Jepsen's semantics too (:fail :cas did not swap), but not to JSON Lines", async () => {
    const edn = await readHistoryText(
      [
        "{:process 0, :type :invoke, :f :cas, :value [1 2]}",
        "{:process 0, :type :fail, :f :cas, :value [1 2]}",
      ].join("\n"),
    );
    expect(edn.operations[1]).toMatchObject({ type: "ok", f: "cas", value: [1, 2], swapped: false });
    const jsonl = await readHistoryText(
      [
        L({ process: 0, type: "invoke", f: "cas", value: [1, 2] }),
        L({ process: 0, type: "fail", f: "cas", value: [1, 2] }),
      ].join("\n"),
    );
    expect(jsonl.operations[1]).toEqual({
      index: 1,
      time: 1,
      process: 0,
      type: "fail",
      f: "cas",
      value: [1, 2],
    });
  });

  it("uses :time when present, ignores :index, keeps other entries, numbers keys as strings", async () => {
    const { operations } = await readHistoryText(
      '{:process 0, :type :invoke, :f :put, :key 3, :value "a", :time 1500, :index 77, :node "n1"}',
    );
    expect(operations[0]).toEqual({
      index: 0,
      time: 1500,
      process: 0,
      type: "invoke",
      f: "put",
      key: "3",
      value: "a",
      node: "n1",
    });
  });

  it.each([
    [
      "unparsable EDN",
      [E(0, "invoke", "get", "a", "nil"), '{:process 0, :type :ok, :f :get, :key "a", :value "x}'],
      2,
      /unparsable EDN: unterminated string/,
    ],
    ["a line that is not a map", ["[1 2 3]"], 1, /expected an EDN map/],
    ["an unknown type", ["{:process 0, :type :begin, :f :get}"], 1, /unknown or missing :type ":begin"/],
    ["a missing process", ["{:type :invoke, :f :get}"], 1, /bad or missing :process/],
    ["a missing f", ["{:process 0, :type :invoke}"], 1, /bad or missing :f/],
    ["a bad time", ['{:process 0, :type :invoke, :f :get, :time "later"}'], 1, /bad :time "later"/],
  ])("rejects %s with its line number", async (_what, lines, line, message) => {
    const err = await failure(lines.join("\n"), "edn");
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });
});

describe("--format auto", () => {
  it("detects each format from the first non-empty line", async () => {
    expect((await readHistoryText("\n\n" + L({ process: 0, type: "invoke", f: "read" }))).format).toBe(
      "jsonl",
    );
    expect((await readHistoryText("\n" + E(0, "invoke", "get", "k", "nil"))).format).toBe("edn");
    expect((await readHistoryText("2017-01-01 10:00:00 " + J(0, "invoke", "read", "nil"))).format).toBe(
      "jepsen-log",
    );
    expect((await readHistoryText("")).operations).toEqual([]);
    const tagged = await readHistoryText(
      "#jepsen.history.Op{:index 0, :time 5, :type :invoke, :process 0, :f :read, :value nil}",
    );
    expect(tagged.format).toBe("edn");
    expect(tagged.operations[0]).toEqual({
      index: 0,
      time: 5,
      process: 0,
      type: "invoke",
      f: "read",
      value: null,
    });
  });

  it("names the line it cannot recognise", async () => {
    const err = await failure("\n\nhello world\n");
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/cannot tell the history format.*--format/);
  });

  it("obeys an explicit --format over what the lines look like", async () => {
    const err = await failure(J(0, "invoke", "read", "nil"), "jsonl");
    expect(err.message).toMatch(/h.txt:1: not valid JSON/);
  });
});
