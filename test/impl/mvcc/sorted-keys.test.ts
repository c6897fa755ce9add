import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { SortedKeys } from "../../../impl/mvcc/sorted-keys.js";

describe("SortedKeys (chunked ordered map)", () => {
  test("agrees with a sorted array under random sets, deletes and scans (across chunk splits)", () => {
    const key = fc.string({ unit: fc.constantFrom("a", "b", "c", "\u0000", "\u00ff"), maxLength: 6 });
    const op = fc.oneof(
      fc.record({ t: fc.constant("set" as const), k: key }),
      fc.record({ t: fc.constant("del" as const), k: key }),
      fc.record({ t: fc.constant("scan" as const), k: key, end: fc.option(key) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 2000 }), (ops) => {
        const sk = new SortedKeys<number>();
        const ref = new Map<string, number>();
        ops.forEach((o, i) => {
          if (o.t === "set") {
            expect(sk.set(o.k, i)).toBe(!ref.has(o.k));
            ref.set(o.k, i);
          } else if (o.t === "del") expect(sk.delete(o.k)).toBe(ref.delete(o.k));
          else {
            const got: [string, number][] = [];
            sk.scan(o.k, o.end, (k, v) => {
              got.push([k, v]);
            });
            const want = [...ref]
              .filter(([k]) => k >= o.k && (o.end === null || k < o.end))
              .sort((a, b) => (a[0] < b[0] ? -1 : 1));
            expect(got).toEqual(want);
          }
        });
        expect(sk.size).toBe(ref.size);
        expect(sk.keys()).toEqual([...ref.keys()].sort());
        for (const [k, v] of ref) expect(sk.get(k)).toBe(v);
      }),
      { numRuns: 60 },
    );
  });

  test("scan stops when the callback returns false", () => {
    const sk = new SortedKeys<number>();
    for (let i = 0; i < 2000; i++) sk.set(String(i).padStart(5, "0"), i);
    const seen: number[] = [];
    sk.scan("00510", null, (_k, v) => (seen.push(v), seen.length < 3));
    expect(seen).toEqual([510, 511, 512]);
  });
});

test("fromSorted builds the same map as inserting one by one, and refuses unsorted input", () => {
  const keys = Array.from({ length: 1300 }, (_, i) => String(i).padStart(5, "0"));
  const built = SortedKeys.fromSorted(
    keys,
    keys.map((_, i) => i),
  );
  expect(built.size).toBe(1300);
  expect(built.keys()).toEqual(keys);
  expect(built.get("00777")).toBe(777);
  built.set("00777x", -1);
  expect(built.delete("00000")).toBe(true);
  const seen: string[] = [];
  built.scan("00776", "00779", (k) => {
    seen.push(k);
  });
  expect(seen).toEqual(["00776", "00777", "00777x", "00778"]);
  expect(() => SortedKeys.fromSorted(["b", "a"], [1, 2])).toThrow(/ascending/);
  expect(SortedKeys.fromSorted([], []).size).toBe(0);
});
