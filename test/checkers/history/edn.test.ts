import { describe, expect, it } from "vitest";
import { EdnSyntaxError, Keyword, parseEdn } from "../../../checkers/history/edn.js";
import { ednToPlain } from "../../../checkers/history/plain.js";

const plain = (text: string) => ednToPlain(parseEdn(text));

describe("parseEdn", () => {
  it("reads the values Jepsen histories hold", () => {
    expect(plain("nil")).toBe(null);
    expect(plain("42")).toBe(42);
    expect(plain("-7")).toBe(-7);
    expect(plain("1.5")).toBe(1.5);
    expect(plain("[1 2]")).toEqual([1, 2]);
    expect(plain("[nil 3]")).toEqual([null, 3]);
    expect(plain('"x 0 \\"1\\" y"')).toBe('x 0 "1" y');
    expect(plain(":timed-out")).toBe(":timed-out");
    expect(plain("#{1}")).toEqual([1]);
    expect(plain("(1 #_ 2 3)")).toEqual([1, 3]);
    expect(plain("{:a 1, :b [true false]}")).toEqual({ a: 1, b: [true, false] });
    expect(plain("12345678901234567890")).toBe("12345678901234567890");
  });

  it("keeps keywords as keywords in maps", () => {
    const m = parseEdn("{:type :ok}") as Map<unknown, unknown>;
    const [[k, v]] = [...m];
    expect(k).toBeInstanceOf(Keyword);
    expect((v as Keyword).name).toBe("ok");
  });

  it.each([
    ["[1 2", /missing '\]'/],
    ['"abc', /unterminated string/],
    ["{:a}", /even number/],
    ["1 2", /unexpected text after the value/],
    ["]", /unexpected '\]'/],
    ["", /unexpected end of input/],
    ["12ab", /bad number/],
  ])("rejects %j", (text, message) => {
    expect(() => parseEdn(text)).toThrow(EdnSyntaxError);
    expect(() => parseEdn(text)).toThrow(message);
  });
});
