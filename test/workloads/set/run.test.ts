/**
 * End to end: `gauntlet run --workload set` against a 3-member reference cluster (network
 * namespaces as root, loopback otherwise), short and without faults: valid, with final reads by
 * every client, and `gauntlet check` of the run directory agrees.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { leftovers } from "../../harness/providers/leftovers.js";

vi.setConfig({ testTimeout: 200_000 });

const bin = new URL("../../../bin/gauntlet.js", import.meta.url).pathname;
const results = mkdtempSync(join(tmpdir(), "gauntlet-set-run-"));
afterAll(() => {
  spawnSync(process.execPath, [bin, "cleanup", "--results", results, "--force"]);
  rmSync(results, { recursive: true, force: true });
});

const gauntlet = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 120_000 });

describe("gauntlet run --workload set", () => {
  it("ends valid against the reference server, every element judged by the final reads", () => {
    const r = gauntlet(
      "run",
      "--workload",
      "set",
      "--nemesis",
      "none",
      "--time-limit",
      "5",
      "--rate",
      "200",
      "--concurrency",
      "6",
      "--seed",
      "11",
      "--results",
      results,
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/workload set/);
    const runId = /run id ([a-z0-9]{6})/.exec(r.stdout)![1]!;
    expect(leftovers(runId)).toEqual([]);
    const runDir = realpathSync(join(results, "latest"));
    expect(runDir).toContain("set-reference");
    const test = JSON.parse(readFileSync(join(runDir, "test.json"), "utf8"));
    expect(test.workload.name).toBe("set");
    const res = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8"));
    const c = res.checkers.set.checkers;
    expect(c.set.valid).toBe(true);
    expect(c.set.counts.acknowledged).toBeGreaterThan(100);
    // The final reads began after every add completed: nothing is left unread.
    expect(c.set.counts.neverRead).toBe(0);
    expect(c.set.counts.ok).toBe(c.set.counts.acknowledged);
    expect(c.revisions.valid).toBe(true);
    const finals = readFileSync(join(runDir, "history.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"final":true'));
    // Every client thread reads every set.
    const sets = new Set(finals.map((l) => (JSON.parse(l) as { key: string }).key));
    expect(finals.length).toBeGreaterThanOrEqual(6 * sets.size);

    const chk = gauntlet("check", runDir);
    expect(chk.status, chk.stdout + chk.stderr).toBe(0);
    expect(chk.stdout).toMatch(/set VALID .*\[workload set, from test.json \(set workload\)\]/);
  });
});
