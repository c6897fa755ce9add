/**
 * Every sample history of ../shared/data/histories gets the verdict its README states (the
 * tables are read from the README itself), and every failure explains itself consistently.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readHistoryFile } from "../../../checkers/history/index.js";
import { check, getModel } from "../../../checkers/linearizable/index.js";

const root = new URL("../../../../shared/data/histories/", import.meta.url).pathname;
const present = existsSync(root + "README.md");

/** `| etcd_000.log | no |` and `| c01-ok.txt | yes | 1 | 58 |` rows, with their folder. */
function knownVerdicts(): { file: string; valid: boolean }[] {
  const out: { file: string; valid: boolean }[] = [];
  let folder = "";
  for (const line of readFileSync(root + "README.md", "utf8").split("\n")) {
    const h = /^## ([\w-]+)\//.exec(line);
    if (h) folder = h[1]!;
    const row = /^\|\s*([\w.-]+\.(?:log|txt))\s*\|\s*(yes|no)\s*\|/.exec(line);
    if (row) out.push({ file: `${folder}/${row[1]}`, valid: row[2] === "yes" });
  }
  return out;
}

describe.skipIf(!present)(
  `sample histories${present ? "" : " (skipped: ../shared/data/histories not found)"}`,
  () => {
    const table = present ? knownVerdicts() : [];
    it("the README lists the 15 samples", () => {
      expect(table.length).toBe(15);
    });
    for (const { file, valid } of table) {
      it(`${file} is ${valid ? "" : "not "}linearizable`, async () => {
        const { format, operations } = await readHistoryFile(root + file);
        const modelName = format === "edn" ? "kv" : "cas-register";
        const r = check(operations, { model: modelName, timeoutMs: 20_000 });
        expect(r.valid).toBe(valid);
        if (valid) return;
        const model = getModel(modelName);
        const bad = r.partitions.filter((p) => p.valid === false);
        expect(bad.length).toBeGreaterThan(0);
        for (const p of bad) {
          const cx = p.counterexample!;
          // the prefix replays in the model, in real-time order, and ends in the reported state
          let state = model.init();
          for (const s of cx.prefix) {
            const op = r.operations[s.op]!;
            const prep = model.prepare!(op)!;
            state = model.step(state, prep.input, prep.output);
            expect(state).not.toBeNull();
            expect(model.describeState(state)).toBe(s.state);
          }
          if (cx.prefix.length > 0) expect(cx.states).toEqual([cx.prefix.at(-1)!.state]);
          // the first bad op cannot be placed after the prefix, and is named in the explanation
          expect(cx.blocked[0]).toBe(cx.firstBad);
          const first = r.operations[cx.firstBad]!;
          expect(model.step(state, model.prepare!(first)!.input, model.prepare!(first)!.output)).toBeNull();
          expect(cx.explanation).toContain(`op #${first.id}`);
          expect(p.ops).toContain(cx.firstBad);
        }
      });
    }
  },
);
