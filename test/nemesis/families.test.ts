/**
 * Each fault family alone against etcd 3.4 (root: network namespaces, tmpfs), all of them
 * together against the reference server, and a killed run undone by `gauntlet cleanup`:
 * valid verdicts, the faults in the history (process "nemesis", invoke + completion, shape and
 * targets), and nothing left afterwards (namespaces, links, rules, mounts, processes).
 * Short runs (8 s of load) through the real CLI; skipped with the reason without root or etcd.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { etcd, isRoot } from "../support/env.js";
import { leftovers } from "../harness/providers/leftovers.js";

const BIN = resolve("bin/gauntlet.js");
const root = mkdtempSync(join(tmpdir(), "gauntlet-nemesis-test-"));
const canRun = { ok: isRoot.ok && etcd.ok, why: `${isRoot.why}; ${etcd.why}` };

interface Run {
  code: number | null;
  out: string;
  dir: string;
  runId: string;
  history: Record<string, unknown>[];
}

function gauntlet(args: string[], timeoutMs = 150_000): Run {
  const r = spawnSync(
    "node",
    [BIN, "run", ...args, "--results", root, "--rate", "200", "--concurrency", "6"],
    {
      encoding: "utf8",
      timeout: timeoutMs,
    },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  const dir = /results: (\S+)/.exec(out)?.[1] ?? "";
  const runId = /run id (\w+)/.exec(out)?.[1] ?? "";
  const hist =
    dir && existsSync(join(dir, "history.jsonl")) ? readFileSync(join(dir, "history.jsonl"), "utf8") : "";
  const history = hist
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.status, out, dir, runId, history };
}

/** Mounts (tmpfs data directories) under the test's results root. */
function mountsLeft(): string[] {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .filter((l) => l.includes(root));
}

function expectNothingLeft(run: Run): void {
  expect(run.runId).toMatch(/^\w{6}$/);
  expect(leftovers(run.runId)).toEqual([]);
  expect(mountsLeft()).toEqual([]);
  const procs = spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).stdout;
  expect(procs.split("\n").filter((l) => l.includes(run.dir) && !l.includes("ps -eo"))).toEqual([]);
}

/** Nemesis events of `family` (start/stop ops, or admin's instants). */
function faultEvents(run: Run, family: string) {
  const fs = family === "admin" ? ["compact", "defragment"] : [`start-${family}`, `stop-${family}`];
  return run.history.filter((e) => e.process === "nemesis" && fs.includes(String(e.f)));
}

afterAll(() => {
  if (mountsLeft().length === 0) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!canRun.ok)(`each fault family alone against etcd 3.4 (${canRun.why})`, () => {
  const families = ["partition", "kill", "pause", "disk", "member", "admin"];
  for (const family of families) {
    it(`${family}: valid, faults in the history, nothing left`, () => {
      const run = gauntlet([
        "--server",
        "etcd",
        "--nemesis",
        family,
        "--nemesis-interval",
        "2",
        "--time-limit",
        "8",
        "--test-name",
        `etcd-${family}`,
      ]);
      expect(run.out).toContain("VALID");
      expect(run.code, run.out.slice(-2000)).toBe(0);
      const evs = faultEvents(run, family);
      const invokes = evs.filter((e) => e.type === "invoke");
      const oks = evs.filter((e) => e.type === "ok");
      expect(invokes.length).toBeGreaterThan(0);
      expect(oks.length).toBeGreaterThan(0);
      // Every invoke has its completion (the final generator ran, nothing in flight).
      expect(evs.length).toBe(2 * invokes.length);
      if (family !== "admin") {
        const started = oks.filter((e) => String(e.f).startsWith("start-"));
        expect(started.length).toBeGreaterThan(0);
        for (const s of started) {
          const v = s.value as { shape?: string; targets?: string[]; grudge?: object };
          expect(typeof v.shape).toBe("string");
          expect(v.targets !== undefined || v.grudge !== undefined).toBe(true);
        }
        // The run ends with the family stopped.
        expect(String(evs.at(-1)!.f)).toBe(`stop-${family}`);
        expect(run.out).toMatch(new RegExp(`faults: .*${family}`));
      }
      expectNothingLeft(run);
    }, 180_000);
  }

  it("clock is refused for etcd before anything starts (exit 3, with the reason)", () => {
    const run = gauntlet(["--server", "etcd", "--nemesis", "clock", "--time-limit", "5"]);
    expect(run.code).toBe(3);
    expect(run.out).toMatch(/nemesis clock: etcd is a Go binary/);
    expect(run.dir).toBe("");
  });

  it("--partition majorities-ring with 3 members is refused before anything starts", () => {
    const run = gauntlet(["--server", "etcd", "--nemesis", "partition", "--partition", "majorities-ring"]);
    expect(run.code).toBe(3);
    expect(run.out).toMatch(/majorities-ring needs at least 4 members/);
  });
});

describe.skipIf(!isRoot.ok)(`the reference server (${isRoot.why})`, () => {
  it("--nemesis all: valid, every family's faults visible, nothing left", () => {
    const run = gauntlet([
      "--nemesis",
      "all",
      "--nemesis-interval",
      "1.5",
      "--time-limit",
      "12",
      "--test-name",
      "ref-all",
    ]);
    expect(run.code, run.out.slice(-2000)).toBe(0);
    const fams = new Set(
      run.history
        .filter((e) => e.process === "nemesis" && e.type !== "invoke")
        .map((e) =>
          ["compact", "defragment"].includes(String(e.f))
            ? "admin"
            : String(e.f).replace(/^(start|stop)-/, ""),
        ),
    );
    // With seven families at 1.5 s each, most come up in 12 s; all of them stop in the final phase.
    for (const f of ["partition", "kill", "pause", "clock", "disk", "member"]) expect(fams).toContain(f);
    expectNothingLeft(run);
  }, 180_000);
});

describe.skipIf(!isRoot.ok)(`a killed run (${isRoot.why})`, () => {
  let dir = "";
  it("leaves a state file that gauntlet cleanup uses to undo partitions, pauses and processes", async () => {
    const child = spawn(
      "node",
      [
        BIN,
        "run",
        "--nemesis",
        "partition,pause",
        "--nemesis-interval",
        "0.5",
        "--time-limit",
        "60",
        "--results",
        root,
        "--test-name",
        "killed",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (b) => (out += String(b)));
    child.stderr.on("data", (b) => (out += String(b)));
    // Wait until a partition is in force, then kill the harness without letting it clean up.
    const deadline = Date.now() + 60_000;
    for (;;) {
      dir = /results: (\S+)/.exec(out)?.[1] ?? "";
      const h =
        dir && existsSync(join(dir, "history.jsonl")) ? readFileSync(join(dir, "history.jsonl"), "utf8") : "";
      if (/"type":"ok","f":"start-partition"/.test(h)) break;
      if (Date.now() > deadline) throw new Error(`no partition within 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const runId = /run id (\w+)/.exec(out)![1]!;
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as {
      iptables: { netns?: string }[];
    };
    expect(state.iptables.some((r) => r.netns !== undefined)).toBe(true); // partition rules recorded
    expect(leftovers(runId).length).toBeGreaterThan(0);
    const c = spawnSync("node", [BIN, "cleanup", "--results", root], { encoding: "utf8", timeout: 60_000 });
    expect(c.status, c.stdout + c.stderr).toBe(0);
    expect(leftovers(runId)).toEqual([]);
    expect(readdirSync(join(dir, "nodes")).length).toBe(3);
  }, 120_000);
});
