import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { RangeIndex } from "../../../impl/mvcc/range-index.js";
import type { Interval } from "../../../impl/mvcc/range-index.js";

const key = fc.string({ unit: fc.constantFrom("a", "b", "*", "|", ":", "\u0000", "\u00ff"), maxLength: 3 });
const interval: fc.Arbitrary<Interval> = fc.record({ start: key, end: fc.option(key) });
const covers = (r: Interval, k: string) => k >= r.start && (r.end === null || k < r.end);

describe("RangeIndex (which range watchers cover a key)", () => {
  for (const maxCells of [1_000_000, 3]) {
    test(`agrees with checking every interval, under adds, removes and lookups (maxCells ${maxCells})`, () => {
      const op = fc.oneof(
        fc.record({ t: fc.constant("add" as const), r: interval, w: fc.nat(5) }),
        fc.record({ t: fc.constant("remove" as const), r: interval, w: fc.nat(5) }),
        fc.record({ t: fc.constant("lookup" as const), k: key }),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
          const idx = new RangeIndex<number>(maxCells);
          const ref: { r: Interval; w: number }[] = [];
          const same = (a: Interval, b: Interval) => a.start === b.start && a.end === b.end;
          for (const o of ops) {
            if (o.t === "add") {
              idx.add(o.r, o.w);
              if (!ref.some((x) => same(x.r, o.r) && x.w === o.w)) ref.push({ r: o.r, w: o.w });
            } else if (o.t === "remove") {
              idx.remove(o.r, o.w);
              const i = ref.findIndex((x) => same(x.r, o.r) && x.w === o.w);
              if (i >= 0) ref.splice(i, 1);
            } else {
              const { groups, exact } = idx.lookup(o.k);
              const got = groups
                .filter((g) => exact || covers(g.range, o.k))
                .flatMap((g) => [...g.members].map((w) => `${g.range.start}|${g.range.end}|${w}`))
                .sort();
              const want = ref
                .filter((x) => covers(x.r, o.k))
                .map((x) => `${x.r.start}|${x.r.end}|${x.w}`)
                .sort();
              expect(got).toEqual(want);
            }
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});

test("a range ending at '*' and an unbounded range from the same start are different groups", () => {
  const idx = new RangeIndex<string>();
  idx.add({ start: "!", end: null }, "open");
  idx.add({ start: "!", end: "*" }, "closed");
  const members = (k: string) =>
    idx
      .lookup(k)
      .groups.flatMap((g) => [...g.members])
      .sort();
  expect(members("#")).toEqual(["closed", "open"]);
  expect(members("z")).toEqual(["open"]);
});
