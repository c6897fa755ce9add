import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readHistoryText } from "../../../checkers/history/index.js";

/** Random well-formed register histories as (process, type, f, value) events, Jepsen-style. */
const eventsArb = fc
  .array(
    fc.record({
      worker: fc.integer({ min: 0, max: 3 }),
      f: fc.constantFrom("read", "write", "cas"),
      v: fc.integer({ min: -5, max: 1000 }),
      w: fc.integer({ min: 0, max: 9 }),
      end: fc.constantFrom("ok", "ok", "fail", "info"),
    }),
    { maxLength: 30 },
  )
  .map((steps) => {
    const events: { process: number; type: string; f: string; value: unknown }[] = [];
    const open = new Map<number, { f: string; value: unknown }>();
    const pid = [0, 1, 2, 3];
    for (const s of steps) {
      const p = pid[s.worker]!;
      const inv = open.get(p);
      if (!inv) {
        const value = s.f === "read" ? null : s.f === "write" ? s.v : [s.v, s.w];
        events.push({ process: p, type: "invoke", f: s.f, value });
        open.set(p, { f: s.f, value });
      } else {
        const value =
          s.end === "ok"
            ? inv.f === "read"
              ? s.v
              : inv.value
            : inv.f === "cas" && s.end === "fail"
              ? inv.value
              : ":timed-out";
        events.push({ process: p, type: s.end, f: inv.f, value });
        open.delete(p);
        if (s.end === "info") pid[s.worker] = p + 4;
      }
    }
    return events;
  });

const edn = (v: unknown): string =>
  v === null ? "nil" : Array.isArray(v) ? `[${v.map(edn).join(" ")}]` : String(v);

/** What the reader must make of an event under Jepsen's semantics. */
function expected(e: { process: number; type: string; f: string; value: unknown }, i: number) {
  if (e.value === ":timed-out")
    return { index: i, time: i, process: e.process, type: e.type, f: e.f, error: "timed-out" };
  if (e.type === "fail" && e.f === "cas")
    return { index: i, time: i, process: e.process, type: "ok", f: e.f, value: e.value, swapped: false };
  return { index: i, time: i, process: e.process, type: e.type, f: e.f, value: e.value };
}

describe("the foreign-format parsers on generated histories", () => {
  it("read Jepsen log lines however they are spaced", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.constantFrom("\t", "   ", " \t "),
        fc.boolean(),
        async (events, sep, crlf) => {
          const text = events
            .map((e) => `INFO  jepsen.util - ${e.process}${sep}:${e.type}${sep}:${e.f}${sep}${edn(e.value)}`)
            .join(crlf ? "\r\n" : "\n");
          const { format, operations } = await readHistoryText(text);
          expect(format).toBe(events.length ? "jepsen-log" : "jsonl");
          expect(operations).toEqual(events.map(expected));
        },
      ),
    );
  });

  it("read EDN maps whatever the order of their entries", async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, fc.boolean(), async (events, reversed) => {
        const text = events
          .map((e) => {
            const entries = [
              `:process ${e.process}`,
              `:type :${e.type}`,
              `:f :${e.f}`,
              `:key "k"`,
              `:value ${edn(e.value)}`,
            ];
            return `{${(reversed ? entries.reverse() : entries).join(", ")}}`;
          })
          .join("\n");
        const { operations } = await readHistoryText(text, { format: "edn" });
        expect(operations).toEqual(events.map((e, i) => ({ ...expected(e, i), key: "k" })));
      }),
    );
  });
});
