import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCheck, type CheckArgs } from "../../cli/check/run.js";

const bin = new URL("../../bin/gauntlet.js", import.meta.url).pathname;
const samples = new URL("../../../shared/data/histories/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gauntlet-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The verdicts of ../shared/data/histories/README.md. */
const KNOWN: [string, boolean][] = [
  ["jepsen-etcd/etcd_000.log", false],
  ["jepsen-etcd/etcd_001.log", false],
  ["jepsen-etcd/etcd_003.log", false],
  ["jepsen-etcd/etcd_005.log", true],
  ["jepsen-etcd/etcd_018.log", true],
  ["jepsen-etcd/etcd_025.log", true],
  ["jepsen-etcd/etcd_040.log", false],
  ["jepsen-etcd/etcd_045.log", true],
  ["jepsen-etcd/etcd_053.log", true],
  ["jepsen-etcd/etcd_100.log", true],
  ["jepsen-etcd/etcd_101.log", true],
  ["kv/c01-ok.txt", true],
  ["kv/c01-bad.txt", false],
  ["kv/c10-ok.txt", true],
  ["kv/c10-bad.txt", false],
];

async function run(files: string[], opts: Partial<CheckArgs> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCheck(
    { files, format: "auto", json: false, timeout: 60, ...opts },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, out, err };
}

function file(name: string, lines: object[] | string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    typeof lines === "string" ? lines : lines.map((o) => JSON.stringify(o)).join("\n") + "\n",
  );
  return path;
}

describe("gauntlet check (in process)", () => {
  it.each(KNOWN)("%s: prints its known verdict and exits accordingly", async (name, linearizable) => {
    const { code, out } = await run([join(samples, name)]);
    expect(out[0]).toContain(join(samples, name));
    if (linearizable) {
      expect(out[0]).toMatch(/: linearizable — \d+ ops, \d+ keys?, [\d.]+ ms \[model /);
      expect(code).toBe(0);
    } else {
      expect(out[0]).toMatch(/: NOT linearizable/);
      // the explanation of the first failing key follows
      expect(out[1]).toMatch(/^ {2}key /);
      expect(out.join("\n")).toMatch(/longest linearizable prefix/);
      expect(code).toBe(1);
    }
  });

  it("prints one JSON object per file with --json, in argument order", async () => {
    const files = KNOWN.map(([name]) => join(samples, name));
    const { code, out } = await run(files, { json: true });
    expect(code).toBe(1);
    expect(out).toHaveLength(files.length);
    out.forEach((line, i) => {
      const o = JSON.parse(line);
      expect(o.file).toBe(files[i]);
      expect(o.valid).toBe(KNOWN[i]![1]);
      expect(o.ops).toBeGreaterThan(0);
      expect(typeof o.ms).toBe("number");
      expect(o.ms).toBeGreaterThanOrEqual(0);
      expect(o.keys).toBeGreaterThanOrEqual(1);
      expect(o.model).toBe(files[i]!.endsWith(".log") ? "cas-register" : "kv");
      if (o.valid === false) expect(o.failures[0].explanation).toMatch(/not linearizable/);
      else expect(o.failures).toEqual([]);
    });
  });

  it("guesses the model from the operations, says so, and obeys --model", async () => {
    const rw = file("rw.jsonl", [
      { process: 0, type: "invoke", f: "write", value: 1 },
      { process: 0, type: "ok", f: "write", value: 1 },
      { process: 1, type: "invoke", f: "read", value: null },
      { process: 1, type: "ok", f: "read", value: 1 },
    ]);
    const cas = file("cas.jsonl", [
      { process: 0, type: "invoke", f: "cas", value: [5, 1] },
      { process: 0, type: "ok", f: "cas", value: [5, 1], swapped: false },
      { process: 1, type: "invoke", f: "read", value: null },
      { process: 1, type: "ok", f: "read", value: null },
    ]);
    const r = await run([rw, cas], { json: true });
    expect(r.code).toBe(0);
    const [a, b] = r.out.map((l) => JSON.parse(l));
    expect([a.model, a.modelWhy]).toEqual(["register", "guessed: no cas or kv operations"]);
    expect([b.model, b.modelWhy]).toEqual(["cas-register", "guessed from cas operations"]);
    const forced = await run([rw], { model: "cas-register" });
    expect(forced.out[0]).toContain("[model cas-register, given by --model]");
    const unknownModel = await run([rw], { model: "queue" });
    expect(unknownModel.code).toBe(3);
    expect(unknownModel.err[0]).toMatch(/unknown model "queue" \(known: .*register/);
  });

  it("is unknown (exit 2) when the time budget runs out, and says why", async () => {
    const { code, out } = await run([join(samples, "kv/c10-ok.txt")], { timeout: 0.000001 });
    expect(code).toBe(2);
    expect(out[0]).toMatch(/UNKNOWN \(timeout/);
  });

  it("reports every file, and an error (exit 3) wins over invalid and unknown", async () => {
    const bad = file(
      "bad.jsonl",
      '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read",\n',
    );
    const missing = join(dir, "missing.jsonl");
    const { code, out, err } = await run([
      join(samples, "kv/c01-bad.txt"),
      missing,
      bad,
      join(samples, "kv/c01-ok.txt"),
    ]);
    expect(code).toBe(3);
    expect(err).toEqual([
      `gauntlet check: ${missing}: cannot read it (no such file)`,
      expect.stringMatching(new RegExp(`^gauntlet check: ${bad}:2: not valid JSON`)),
    ]);
    expect(out.at(-1)).toBe("4 histories: 1 linearizable, 1 not, 0 unknown, 2 could not be checked");
    const json = await run([missing, bad], { json: true });
    expect(json.out.map((l) => JSON.parse(l))).toEqual([
      { file: missing, valid: null, error: `${missing}: cannot read it (no such file)` },
      { file: bad, valid: null, error: expect.stringMatching(/:2: not valid JSON/), line: 2 },
    ]);
  });

  it("fails (exit 3) when the model cannot read the operations", async () => {
    const { code, err } = await run([join(samples, "kv/c01-ok.txt")], { model: "cas-register" });
    expect(code).toBe(3);
    expect(err[0]).toMatch(/c01-ok.txt: the cas-register model cannot check it: /);
  });

  it("checks a run directory through its history.jsonl, and rejects a directory without one", async () => {
    const runDir = join(dir, "run-1");
    mkdirSync(runDir);
    writeFileSync(
      join(runDir, "history.jsonl"),
      readFileSync(
        file("r.jsonl", [
          { process: 0, type: "invoke", f: "read" },
          { process: 0, type: "ok", f: "read", value: null },
        ]),
      ),
    );
    const ok = await run([runDir], { json: true });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out[0]!)).toMatchObject({ file: runDir, valid: true, ops: 1 });
    // A run's test.json names its workload, whose model is then used.
    writeFileSync(join(runDir, "test.json"), JSON.stringify({ workload: { name: "register" } }));
    const fromTest = await run([runDir]);
    expect(fromTest.code).toBe(0);
    expect(fromTest.out[0]).toContain("[model etcd-register, from test.json (register workload)]");
    const empty = join(dir, "empty-dir");
    mkdirSync(empty);
    const r = await run([empty]);
    expect(r.code).toBe(3);
    expect(r.err[0]).toMatch(/is a directory without a history.jsonl/);
  });

  it("writes one HTML page per file with --html (named after each input), or FILE itself for one input", async () => {
    const one = join(dir, "one.html");
    const r1 = await run([join(samples, "jepsen-etcd/etcd_000.log")], { html: one });
    expect(r1.out.at(-1)).toBe(`  report: ${one}`);
    expect(readFileSync(one, "utf8")).toMatch(/^<!doctype html>/);
    const many = join(dir, "out", "report.html");
    await run(
      [
        join(samples, "jepsen-etcd/etcd_000.log"),
        join(samples, "kv/c01-ok.txt"),
        join(samples, "kv/c01-ok.txt"),
      ],
      { html: many, json: true },
    );
    for (const name of ["report-etcd_000.html", "report-c01-ok.html", "report-c01-ok-2.html"])
      expect(existsSync(join(dir, "out", name))).toBe(true);
    const inDir = join(dir, "pages") + "/";
    const r3 = await run([join(samples, "kv/c01-bad.txt")], { html: inDir, json: true });
    expect(JSON.parse(r3.out[0]!).html).toBe(join(inDir, "c01-bad.html"));
    expect(existsSync(join(inDir, "c01-bad.html"))).toBe(true);
  });

  it("obeys --format, naming the line that does not fit it", async () => {
    const { code, err } = await run([join(samples, "kv/c01-ok.txt")], { format: "jepsen-log" });
    expect(code).toBe(3);
    expect(err[0]).toMatch(/c01-ok.txt:1: not a jepsen.util log line/);
  });
});

describe("gauntlet check (the command, through bin/gauntlet.js)", () => {
  const cli = (...args: string[]) => spawnSync("node", [bin, "check", ...args], { encoding: "utf8" });

  it("exits 0 when all are linearizable, 1 when one is not, 2 when unknown, 3 on a missing or malformed file", () => {
    expect(cli(join(samples, "jepsen-etcd/etcd_005.log"), join(samples, "kv/c01-ok.txt")).status).toBe(0);
    const invalid = cli(join(samples, "jepsen-etcd/etcd_005.log"), join(samples, "jepsen-etcd/etcd_000.log"));
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toMatch(/etcd_000.log: NOT linearizable/);
    expect(cli("--timeout", "0.000001", join(samples, "kv/c10-ok.txt")).status).toBe(2);
    const missing = cli(join(dir, "nope.log"));
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain(`${join(dir, "nope.log")}: cannot read it (no such file)`);
    const malformed = file(
      "malformed.log",
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:write\t3\n",
    );
    const m = cli(malformed);
    expect(m.status).toBe(3);
    expect(m.stderr).toContain(
      `${malformed}:2: ok write from process 0 completes its read invoked at line 1 (f differs)`,
    );
  });

  it("reads standard input as /dev/stdin, and refuses to check nothing", () => {
    const text = readFileSync(join(samples, "jepsen-etcd/etcd_005.log"), "utf8");
    const r = spawnSync("node", [bin, "check", "/dev/stdin"], { input: text, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\/dev\/stdin: linearizable — 79 ops/);
    const none = cli("-");
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/name at least one history file/);
  });

  it("prints JSON Lines with --json and rejects a bad --format choice", () => {
    const r = cli("--json", join(samples, "kv/c01-bad.txt"));
    expect(r.status).toBe(1);
    const o = JSON.parse(r.stdout.trim());
    expect(o).toMatchObject({
      file: join(samples, "kv/c01-bad.txt"),
      valid: false,
      ops: 38,
      keys: 8,
      model: "kv",
      format: "edn",
    });
    const bad = cli("--format", "xml", join(samples, "kv/c01-bad.txt"));
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/Invalid values/);
  });

  it("lists check in --help with its flags", () => {
    const r = spawnSync("node", [bin, "check", "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    for (const flag of ["--format", "--model", "--json", "--html", "--timeout"])
      expect(r.stdout).toContain(flag);
  });
});
