/**
 * Runs every interaction script in testdata/ (see interaction-env.ts for the commands) and
 * compares each command's output with the expected one written beside it. To regenerate
 * the expected outputs on purpose after a deliberate change: `REWRITE=1 npx vitest run
 * test/impl/raft/interaction.test.ts`, then review the diff.
 */
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runScript } from "./datadriven.js";
import { InteractionEnv } from "./interaction-env.js";

const dir = join(fileURLToPath(new URL(".", import.meta.url)), "testdata");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".txt"))
  .sort();

describe("raft interaction scripts", () => {
  it("has scripts", () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    it(f, () => {
      const path = join(dir, f);
      const text = readFileSync(path, "utf8");
      const env = new InteractionEnv();
      const { mismatches, rewritten } = runScript(text, (c) => env.handle(c));
      if (process.env.REWRITE === "1") {
        if (rewritten !== text) writeFileSync(path, rewritten);
        return;
      }
      const first = mismatches[0];
      if (first) {
        expect(first.actual, `${f}:${first.line}: ${first.command}`).toBe(first.expected);
      }
      expect(mismatches.length).toBe(0);
    });
  }
});
