import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const bin = new URL("../../bin/gauntlet.js", import.meta.url).pathname;

describe("gauntlet CLI", () => {
  it("prints help listing its commands", () => {
    const out = execFileSync("node", [bin, "--help"], { encoding: "utf8" });
    expect(out).toContain("gauntlet <command>");
    expect(out).toContain("server");
  });

  it("rejects an unknown command with exit code 3 and a clear message", () => {
    const r = spawnSync("node", [bin, "no-such-command"], { encoding: "utf8" });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/gauntlet: Unknown argument: no-such-command/);
  });
});
