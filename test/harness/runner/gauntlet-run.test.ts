import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
  cpSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { etcd } from "../../support/env.js";
import { leftovers } from "../providers/leftovers.js";

// Each test runs whole campaigns as child processes (spawnSync, up to 90 s each): on a busy CI
// machine a 3 s campaign with faults takes 40 s from cluster start to teardown.
vi.setConfig({ testTimeout: 200_000 });

const bin = new URL("../../../bin/gauntlet.js", import.meta.url).pathname;
const results = mkdtempSync(join(tmpdir(), "gauntlet-run-test-"));
afterAll(() => {
  spawnSync(process.execPath, [bin, "cleanup", "--results", results, "--force"]);
  rmSync(results, { recursive: true, force: true });
});

const gauntlet = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 90_000 });

describe.skipIf(!etcd.ok)(`gauntlet run --server etcd (${etcd.why})`, () => {
  it("ends valid with a results directory of the documented shape, re-checks, and leaves nothing behind", () => {
    const r = gauntlet(
      "run",
      "--nemesis",
      "none",
      "--server",
      "etcd",
      "--time-limit",
      "3",
      "--rate",
      "200",
      "--seed",
      "7",
      "--results",
      results,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/seed 7 \(replay with --seed 7\)/);
    expect(r.stdout).toMatch(/verdict: VALID/);
    expect(r.stdout).toMatch(/^read\s+\d+\s+0\s+0/m);
    const runId = /run id ([a-z0-9]{6})/.exec(r.stdout)![1]!;
    const runDir = realpathSync(join(results, "latest"));
    expect(runDir.startsWith(join(realpathSync(results), "register-etcd"))).toBe(true);
    for (const f of [
      "test.json",
      "history.jsonl",
      "results.json",
      "run.log",
      "nodes/n1/server.log",
      "nodes/n3/data",
    ])
      expect(existsSync(join(runDir, f)), f).toBe(true);
    const test = JSON.parse(readFileSync(join(runDir, "test.json"), "utf8"));
    expect(test).toMatchObject({
      seed: 7,
      nodes: 3,
      provider: "local",
      options: { server: "etcd", "time-limit": 3 },
    });
    expect(test.versions.server).toMatch(/^etcd Version: 3\./);
    expect(test.versions.gauntlet).toMatch(/^\d+\.\d+\.\d+/);
    const res = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8"));
    expect(res.valid).toBe(true);
    expect(res.checkers.register.checkers.linear).toMatchObject({ valid: true, model: "etcd-register" });
    expect(leftovers(runId)).toEqual([]);
    expect(readdirSync(join(results, ".active"))).toEqual([]);

    // gauntlet check RUN_DIR re-checks with the run's model.
    const c = gauntlet("check", join(results, "latest"));
    expect(c.status).toBe(0);
    expect(c.stdout).toMatch(/linearizable.*etcd-register/);

    // A copy whose first ok read with a value reports a wrong mod revision is caught.
    const copy = join(results, "tampered");
    cpSync(runDir, copy, { recursive: true });
    const lines = readFileSync(join(copy, "history.jsonl"), "utf8").trim().split("\n");
    const i = lines.findIndex((l) => {
      const op = JSON.parse(l);
      return op.type === "ok" && op.f === "read" && op.value !== null;
    });
    expect(i).toBeGreaterThan(0);
    const op = JSON.parse(lines[i]!);
    op.modRev += 1000;
    lines[i] = JSON.stringify(op);
    writeFileSync(join(copy, "history.jsonl"), lines.join("\n") + "\n");
    const bad = gauntlet("check", copy);
    expect(bad.status).toBe(1);
  });

  it("passes --server-args to every member; a member that refuses them fails the run (exit 3) with its log", () => {
    const r = gauntlet(
      "run",
      "--nemesis",
      "none",
      "--server",
      "etcd",
      "--server-args=--no-such-flag 1",
      "--time-limit",
      "2",
      "--results",
      results,
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/members n1, n2, n3 exited while starting/);
    expect(r.stderr).toMatch(/flag provided but not defined: -no-such-flag/);
    expect(r.stderr).toMatch(/n3: same log lines as n1/);
    const runId = /run id ([a-z0-9]{6})/.exec(r.stdout)![1]!;
    expect(leftovers(runId)).toEqual([]);
  });

  it("says how to fix a missing etcd binary (exit 3) before creating anything", () => {
    const r = gauntlet("run", "--server", "etcd", "--etcd-binary", "no-such-etcd", "--results", results);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/no-such-etcd not found on PATH: install etcd-server or pass --etcd-binary/);
    expect(r.stdout).toBe("");
  });
});

describe("gauntlet run: the default campaign", () => {
  it("runs a 3-member reference cluster with the register workload and ends valid", () => {
    // The default cluster and workload, without faults: a 3 s window of random faults can leave an
    // operation type with no success at all, which the stats checker calls unknown (exit 2).
    // Campaigns with faults are tested in test/nemesis/families.test.ts, with longer windows.
    const r = gauntlet("run", "--time-limit", "3", "--nemesis", "none", "--results", results);
    expect(r.stderr).toBe("");
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/starting 3 member\(s\) with the local provider/);
    expect(r.stdout).toMatch(/verdict: VALID/);
    const runId = /run id ([a-z0-9]{6})/.exec(r.stdout)![1]!;
    const test = JSON.parse(readFileSync(join(realpathSync(join(results, "latest")), "test.json"), "utf8"));
    expect(test).toMatchObject({ name: "register-reference", nodes: 3, options: { server: "reference" } });
    expect(leftovers(runId)).toEqual([]);
  });

  it("rejects bad flags with exit 3 and a message naming the flag", () => {
    for (const [args, msg] of [
      [["--concurrency", "x"], /--concurrency must be a number/],
      [["--time-limit", "0"], /--time-limit must be a positive number/],
      [["--test-name", "../x"], /--test-name must be letters/],
      [["--provider", "external"], /--endpoints is required/],
    ] as const) {
      const r = gauntlet("run", "--server", "etcd", ...args, "--results", results);
      expect(r.status, args.join(" ")).toBe(3);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe("gauntlet run --server reference --nodes 1", () => {
  it("ends valid against the single-member reference server and leaves nothing behind", () => {
    const r = gauntlet(
      "run",
      "--nemesis",
      "none",
      "--server",
      "reference",
      "--nodes",
      "1",
      "--time-limit",
      "2",
      "--rate",
      "200",
      "--results",
      results,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/verdict: VALID/);
    const runId = /run id ([a-z0-9]{6})/.exec(r.stdout)![1]!;
    const test = JSON.parse(readFileSync(join(realpathSync(join(results, "latest")), "test.json"), "utf8"));
    expect(test.versions.server).toMatch(/^gauntlet reference server/);
    expect(leftovers(runId)).toEqual([]);
  });
});
