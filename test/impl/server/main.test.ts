/** The `gauntlet server` process: --help, bad flags (exit 2, clear message). */
import { execFile } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { removePrivateBuild, serverMain } from "./support.js";

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return serverMain().then(
    (main) =>
      new Promise((resolve) =>
        execFile(process.execPath, [main, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
        ),
      ),
  );
}

describe("gauntlet server process", () => {
  afterAll(() => removePrivateBuild());

  it("documents its flags with --help", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: gauntlet server \[flags\]/);
    expect(r.stdout).toMatch(/--listen-client-urls/);
  });

  it("refuses an unknown flag with exit code 2 and names it", async () => {
    const r = await run(["--name", "n1", "--bogus-flag", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/flag provided but not defined: -bogus-flag/);
  });
});
