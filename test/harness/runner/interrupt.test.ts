import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { etcd } from "../../support/env.js";
import { leftovers } from "../providers/leftovers.js";

const bin = new URL("../../../bin/gauntlet.js", import.meta.url).pathname;
const results = mkdtempSync(join(tmpdir(), "gauntlet-interrupt-test-"));
afterAll(() => {
  spawnSync(process.execPath, [bin, "cleanup", "--results", results, "--force"]);
  rmSync(results, { recursive: true, force: true });
});

/** Starts a 60 s etcd run, resolves once load has begun. */
async function startRun() {
  const child = spawn(
    process.execPath,
    [
      bin,
      "run",
      "--server",
      "etcd",
      "--nemesis",
      "none",
      "--time-limit",
      "60",
      "--rate",
      "100",
      "--results",
      results,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes("load:")) {
        clearInterval(t);
        setTimeout(resolve, 1500); // let some operations happen
      }
    }, 100);
    void exited.then(() => {
      clearInterval(t);
      reject(new Error(`run exited before load:\n${out}`));
    });
  });
  return { child, exited, output: () => out, runId: /run id ([a-z0-9]{6})/.exec(out)![1]! };
}

describe.skipIf(!etcd.ok)(`Ctrl-C during gauntlet run (${etcd.why})`, () => {
  it("first Ctrl-C: stops clients, tears down, checks what was recorded", async () => {
    const run = await startRun();
    const t0 = Date.now();
    run.child.kill("SIGINT");
    const code = await run.exited;
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(run.output()).toContain("interrupted: stopping clients");
    expect(code).toBe(0);
    const runDir = /results: (\S+)/.exec(run.output())![1]!;
    const res = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8"));
    expect(res).toMatchObject({ valid: true, interrupted: true });
    expect(res.counts.read.ok + res.counts.write.ok).toBeGreaterThan(0);
    expect(leftovers(run.runId)).toEqual([]);
  });

  it("second Ctrl-C: tears down and exits at once with 3", async () => {
    const run = await startRun();
    run.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 50));
    run.child.kill("SIGINT");
    const code = await run.exited;
    expect(code).toBe(3);
    expect(leftovers(run.runId)).toEqual([]);
    expect(readdirSync(join(results, ".active"))).toEqual([]);
  });
});
