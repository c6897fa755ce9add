import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitLines } from "../../../checkers/history/lines.js";

async function collect(chunks: (string | Uint8Array)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of splitLines(chunks)) out.push(line);
  return out;
}

describe("splitLines", () => {
  it("splits on \\n and \\r\\n, keeps empty lines, and a last line without an end", async () => {
    expect(await collect(["a\r\nb\n\nc"])).toEqual(["a", "b", "", "c"]);
    expect(await collect(["a\n"])).toEqual(["a"]);
    expect(await collect([])).toEqual([]);
  });

  it("joins lines split across chunks, including a UTF-8 character split between byte chunks", async () => {
    const bytes = new TextEncoder().encode("héllo\nwörld\n");
    const chunks = [bytes.slice(0, 2), bytes.slice(2, 9), bytes.slice(9)];
    expect(await collect(chunks)).toEqual(["héllo", "wörld"]);
  });

  it("gives the same lines however the text is cut into chunks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom("a", "é", " ", "\n", "\r\n", "x") }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (parts, cuts) => {
          const text = parts.join("");
          const bytes = new TextEncoder().encode(text);
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let prev = 0;
          for (const c of [...at, bytes.length]) {
            chunks.push(bytes.slice(prev, c));
            prev = c;
          }
          const expected = text === "" ? [] : text.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
          expect(await collect(chunks)).toEqual(expected);
        },
      ),
    );
  });
});
