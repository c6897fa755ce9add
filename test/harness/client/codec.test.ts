import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";

const Long = protobuf.util.Long as unknown as typeof import("long").default;
import { prefixEnd } from "../../../harness/client/codec.js";
import { fromId, Int64OverflowError, toId, toNum } from "../../../harness/client/proto.js";

describe("int64 conversion", () => {
  it("revisions become numbers, exactly", () => {
    expect(toNum(Long.fromNumber(12345), "r")).toBe(12345);
    expect(toNum(Long.fromString("9007199254740991"), "r")).toBe(Number.MAX_SAFE_INTEGER);
    expect(toNum(Long.fromNumber(-1), "r")).toBe(-1);
    expect(toNum(undefined, "r")).toBe(0);
    expect(toNum(7, "r")).toBe(7);
  });
  it("refuses a revision beyond 2^53 instead of rounding it", () => {
    expect(() => toNum(Long.fromString("9007199254740993"), "header.revision")).toThrow(Int64OverflowError);
    expect(() => toNum(Long.fromString("9007199254740993"), "header.revision")).toThrow(
      /header.revision = 9007199254740993/,
    );
  });
  it("IDs are exact decimal strings", () => {
    expect(toId(Long.fromString("18446744073709551615", true))).toBe("18446744073709551615");
    expect(toId(undefined)).toBe("0");
    expect(fromId("7587869893213486091", "x")).toBe("7587869893213486091");
    expect(() => fromId("12a", "leaseRevoke")).toThrow(/leaseRevoke/);
    expect(() => fromId(2 ** 60, "x")).toThrow(/decimal string/);
  });
});

describe("prefixEnd", () => {
  it("increments the last byte below 0xff", () => {
    expect([...prefixEnd(Buffer.from("abc"))]).toEqual([...Buffer.from("abd")]);
    expect([...prefixEnd(Uint8Array.of(1, 0xff, 0xff))]).toEqual([2]);
    expect([...prefixEnd(Uint8Array.of(0xff))]).toEqual([0]);
  });
});
