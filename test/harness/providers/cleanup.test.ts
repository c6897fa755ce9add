import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { etcd, isRoot } from "../../support/env.js";
import { leftovers, newRunId } from "./leftovers.js";
import { machineActiveDir } from "../../../harness/providers/local/state.js";

const bin = new URL("../../../bin/gauntlet.js", import.meta.url).pathname;
const results = mkdtempSync(join(tmpdir(), "gauntlet-cleanup-test-"));
afterAll(() => {
  spawnSync(process.execPath, [bin, "cleanup", "--results", results, "--force"]);
  rmSync(results, { recursive: true, force: true });
});

describe.skipIf(!etcd.ok)(`gauntlet cleanup after a killed run (${etcd.why})`, () => {
  it("removes the processes, namespaces, links and rules a SIGKILLed harness left", async () => {
    const harness = spawn(
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
        "50",
        "--results",
        results,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    const healthy = new Promise<void>((resolve, reject) => {
      harness.stderr.on("data", (d: Buffer) => (out += d.toString()));
      harness.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("load:")) resolve();
      });
      harness.once("exit", (code) => reject(new Error(`harness exited (${code}) before load:\n${out}`)));
    });
    await healthy;
    const runId = /run id ([a-z0-9]{6})/.exec(out)![1]!;
    const runDir = /results: (\S+)/.exec(out)![1]!;
    const state = JSON.parse(readFileSync(join(runDir, "state.json"), "utf8"));
    const pids = Object.values(state.processes as Record<string, { pid: number }>).map((p) => p.pid);
    expect(pids).toHaveLength(3);
    harness.kill("SIGKILL");
    await new Promise((r) => harness.once("exit", r));

    expect(leftovers(runId, pids).length).toBeGreaterThan(0);
    expect(readdirSync(join(results, ".active"))).toEqual([`${runId}.json`]);

    const r = spawnSync(process.execPath, [bin, "cleanup", "--results", results], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${runId} (${runDir}): cleaned`);
    expect(r.stdout).toMatch(/removed process n1/);
    expect(leftovers(runId, pids)).toEqual([]);
    expect(readdirSync(join(results, ".active"))).toEqual([]);

    const again = spawnSync(process.execPath, [bin, "cleanup", "--results", results], { encoding: "utf8" });
    expect(again.stdout).not.toContain(runId); // (other runs on the machine may be listed)
  });
});

describe.skipIf(!isRoot.ok)(`gauntlet cleanup --strays (${isRoot.why})`, () => {
  it("removes gauntlet-named namespaces and links that no recorded run owns, and nothing else", () => {
    const id = newRunId();
    execFileSync("ip", ["netns", "add", `gauntlet-${id}-n1`]);
    execFileSync("ip", ["link", "add", `gt${id}`, "type", "bridge"]);
    execFileSync("ip", ["netns", "add", `other-${id}`]); // not ours: must survive
    try {
      const r = spawnSync(process.execPath, [bin, "cleanup", "--strays", "--results", results], {
        encoding: "utf8",
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`removed stray netns gauntlet-${id}-n1`);
      expect(r.stdout).toContain(`removed stray link gt${id}`);
      const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
      expect(netns).not.toContain(`gauntlet-${id}-n1`);
      expect(netns).toContain(`other-${id}`);
      expect(execFileSync("ip", ["-o", "link"], { encoding: "utf8" })).not.toContain(`gt${id}`);
    } finally {
      spawnSync("ip", ["netns", "del", `other-${id}`]);
      spawnSync("ip", ["netns", "del", `gauntlet-${id}-n1`]);
      spawnSync("ip", ["link", "del", `gt${id}`]);
    }
  });
});

describe.skipIf(!isRoot.ok)(`gauntlet cleanup --strays and live runs (${isRoot.why})`, () => {
  it("never removes the namespaces and links of a registered run, even one whose state file cannot be read", () => {
    const id = newRunId();
    // Registered in this machine's real registry (not a private GAUNTLET_ACTIVE_DIR: with one, every
    // other live run on the machine — other test files' runs, in parallel — would look like a stray
    // and be torn down by this very command).
    const active = machineActiveDir();
    const runDir = mkdtempSync(join(tmpdir(), "gauntlet-unreadable-run-"));
    // A registered run whose state file cannot be read at this moment (damaged, or being replaced).
    writeFileSync(join(runDir, "state.json"), "{ not json");
    mkdirSync(active, { recursive: true });
    writeFileSync(join(active, `${id}.json`), JSON.stringify({ runId: id, runDir }));
    execFileSync("ip", ["netns", "add", `gauntlet-${id}-n1`]);
    execFileSync("ip", ["link", "add", `gt${id}`, "type", "bridge"]);
    try {
      const r = spawnSync(process.execPath, [bin, "cleanup", "--strays", "--results", results], {
        encoding: "utf8",
      });
      expect(r.stdout).not.toContain(`removed stray netns gauntlet-${id}-n1`);
      expect(r.stdout).not.toContain(`removed stray link gt${id}`);
      expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).toContain(`gauntlet-${id}-n1`);
      expect(execFileSync("ip", ["-o", "link"], { encoding: "utf8" })).toContain(`gt${id}`);
    } finally {
      spawnSync("ip", ["netns", "del", `gauntlet-${id}-n1`]);
      spawnSync("ip", ["link", "del", `gt${id}`]);
      rmSync(join(active, `${id}.json`), { force: true });
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
