import { describe, expect, it } from "vitest";
import { mergeValidity, runCheckers, type Checker } from "../../../harness/api/checker.js";
import { requireCapabilities } from "../../../harness/api/capabilities.js";

const fixed = (valid: true | false | "unknown"): Checker => ({ check: () => ({ valid }) });

describe("checker composition", () => {
  it("merges validity as false > unknown > true", () => {
    expect(mergeValidity(true, true)).toBe(true);
    expect(mergeValidity(true, "unknown")).toBe("unknown");
    expect(mergeValidity("unknown", false)).toBe(false);
    expect(mergeValidity(false, true)).toBe(false);
  });

  it("turns a throwing checker into unknown with its error, and keeps the others' details", async () => {
    const boom: Checker = {
      check: () => {
        throw new Error("kaboom");
      },
    };
    const r = await runCheckers({ a: fixed(true), b: boom }, []);
    expect(r.valid).toBe("unknown");
    expect(r.checkers.a).toEqual({ valid: true });
    expect(String(r.checkers.b?.error)).toContain("kaboom");
  });

  it("is invalid when any checker is invalid, even next to an unknown one", async () => {
    const r = await runCheckers({ a: fixed("unknown"), b: fixed(false), c: fixed(true) }, []);
    expect(r.valid).toBe(false);
  });
});

describe("requireCapabilities", () => {
  it("names each missing capability with the provider's reason", () => {
    const cluster = { capabilities: { killable: {} as never }, unavailable: { net: "needs root" } };
    expect(() => requireCapabilities("nemesis partition", ["killable"], cluster)).not.toThrow();
    expect(() => requireCapabilities("nemesis partition", ["net", "disk"], cluster)).toThrow(
      /nemesis partition needs net, disk.*net: needs root; disk: not offered/,
    );
  });
});
