/**
 * `gauntlet check` beyond linearizability: the revision check on register histories, and set
 * histories (by --workload, by a run's test.json, or guessed from add operations).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCheck, type CheckArgs } from "../../cli/check/run.js";

const dir = mkdtempSync(join(tmpdir(), "gauntlet-check-workloads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(files: string[], opts: Partial<CheckArgs> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCheck(
    { files, format: "auto", json: false, timeout: 60, ...opts },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, out, err };
}

type Row = [number, string, string, string, unknown, Record<string, unknown>?];
function text(rows: Row[]): string {
  const ops = rows.map(([process, type, f, key, value, extra], i) => ({
    index: i,
    time: i * 1e6,
    process,
    type,
    f,
    key,
    value,
    ...extra,
  }));
  return ops.map((o) => JSON.stringify(o)).join("\n") + "\n";
}
function file(name: string, rows: Row[]): string {
  const path = join(dir, name);
  writeFileSync(path, text(rows));
  return path;
}

// Two writes to different keys acknowledged with the same revision: each key alone is
// linearizable, the revisions are not.
const reused: Row[] = [
  [0, "invoke", "write", "r0", 1],
  [0, "ok", "write", "r0", 1, { rev: 5 }],
  [1, "invoke", "write", "r1", 2],
  [1, "ok", "write", "r1", 2, { rev: 5 }],
];

const setOk: Row[] = [
  [0, "invoke", "add", "s0", 0],
  [0, "ok", "add", "s0", 0, { rev: 2 }],
  [1, "invoke", "add", "s0", 1],
  [1, "ok", "add", "s0", 1, { rev: 3 }],
  [2, "invoke", "read", "s0", null],
  [2, "ok", "read", "s0", [0, 1], { rev: 3 }],
];
const setLost: Row[] = [
  [0, "invoke", "add", "s0", 0],
  [0, "ok", "add", "s0", 0, { rev: 2 }],
  [1, "invoke", "add", "s0", 1],
  [1, "ok", "add", "s0", 1, { rev: 3 }],
  [2, "invoke", "read", "s0", null],
  [2, "ok", "read", "s0", [1], { rev: 3 }],
];

describe("gauntlet check: revisions of register histories", () => {
  it("a history linearizable per key but with a reused revision is invalid (exit 1), explained", async () => {
    const r = await run([file("reused.jsonl", reused)]);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/linearizable, but revisions INCONSISTENT/);
    expect(r.out.join("\n")).toMatch(/duplicate: p0 write\(1\) on r0 at rev 5/);
  });

  it("--json has the merged verdict, the linearizability verdict and the revision result", async () => {
    const r = await run([file("reused2.jsonl", reused)], { json: true });
    const o = JSON.parse(r.out[0]!);
    expect(o).toMatchObject({
      valid: false,
      linearizable: true,
      revisions: { valid: false, counts: { duplicate: 1 } },
    });
  });

  it("histories without revisions (Jepsen logs, EDN) are checked as before, with no revision line", async () => {
    const r = await run([
      file("norev.jsonl", [
        [0, "invoke", "write", "r0", 1],
        [0, "ok", "write", "r0", 1],
      ]),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
  });
});

describe("gauntlet check: set histories", () => {
  it("guesses the set workload from add operations: valid (0) and lost (1)", async () => {
    const ok = await run([file("set-ok.jsonl", setOk)]);
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toMatch(/set VALID .*\[workload set, guessed from add operations\]/);
    const bad = await run([file("set-lost.jsonl", setLost)]);
    expect(bad.code).toBe(1);
    expect(bad.out.join("\n")).toMatch(/element 0 of set s0 was LOST: p0 add\(0\)/);
  });

  it("--workload set, --json; --model with a set history is refused (exit 3)", async () => {
    const r = await run([file("set-lost2.jsonl", setLost)], { workload: "set", json: true });
    const o = JSON.parse(r.out[0]!);
    expect(o).toMatchObject({ valid: false, workload: "set", workloadWhy: "given by --workload" });
    expect(o.set.counts.lost).toBe(1);
    expect((await run([file("set-ok2.jsonl", setOk)], { workload: "set", model: "register" })).code).toBe(3);
    expect((await run([file("set-ok3.jsonl", setOk)], { model: "register" })).code).toBe(3);
  });

  it("a run directory is checked with the workload its test.json names, serializable reads allowed to lag", async () => {
    const runDir = join(dir, "run-set");
    mkdirSync(runDir);
    // A stale serializable read: invalid for a linearizable run, allowed when test.json says serializable.
    const rows: Row[] = [
      [0, "invoke", "add", "s0", 0],
      [0, "ok", "add", "s0", 0, { rev: 2 }],
      [1, "invoke", "read", "s0", null],
      [1, "ok", "read", "s0", [], { rev: 1 }],
      [2, "invoke", "read", "s0", null],
      [2, "ok", "read", "s0", [0], { rev: 2 }],
    ];
    writeFileSync(join(runDir, "history.jsonl"), text(rows));
    writeFileSync(
      join(runDir, "test.json"),
      JSON.stringify({ workload: { name: "set", options: { serializable: false } } }),
    );
    const lin = await run([runDir]);
    expect(lin.code).toBe(1);
    expect(lin.out[0]).toMatch(/from test.json \(set workload\)/);
    expect(lin.out.join("\n")).toMatch(/STALE/);
    writeFileSync(
      join(runDir, "test.json"),
      JSON.stringify({ workload: { name: "set", options: { serializable: true } } }),
    );
    // set-full judges each read by its own mark (the workload marks serializable reads); the
    // revision check also by test.json.
    const marked = rows.map((r): Row =>
      r[1] === "ok" && r[2] === "read" ? [r[0], r[1], r[2], r[3], r[4], { ...r[5], serializable: true }] : r,
    );
    writeFileSync(join(runDir, "history.jsonl"), text(marked));
    const ser = await run([runDir]);
    expect(ser.out.join("\n")).toMatch(/stale \(serializable reads, allowed\)/);
    expect(ser.code).toBe(0);
  });
});
