/**
 * The results directory of a run: `<resultsRoot>/<test>/<timestamp>/` with test.json,
 * history.jsonl, results.json, run.log and nodes/; `<resultsRoot>/latest` points at the newest.
 */
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";

export const FILES = {
  test: "test.json",
  history: "history.jsonl",
  results: "results.json",
  log: "run.log",
  nodes: "nodes",
} as const;

/** `2026-11-23T23-14-05.123Z`: sortable, no colons (safe on every file system). */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/:/g, "-");
}

export function validTestName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(name))
    throw new Error(
      `--test-name must be letters, digits, '.', '_' or '-' (at most 80), got ${JSON.stringify(name)}`,
    );
  return name;
}

export function makeRunDir(resultsRoot: string, testName: string, now = new Date()): string {
  const dir = resolve(resultsRoot, validTestName(testName), timestamp(now));
  mkdirSync(join(dir, FILES.nodes), { recursive: true });
  return dir;
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** Points `<resultsRoot>/latest` at `runDir` (relative link, replaced atomically). */
export function linkLatest(resultsRoot: string, runDir: string): void {
  const root = resolve(resultsRoot);
  const tmp = join(root, `.latest-${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(relative(root, runDir), tmp);
  renameSync(tmp, join(root, "latest"));
}

/** A run.log writer: timestamped lines, appended synchronously (survive a crash). */
export function runLog(path: string): (line: string) => void {
  return (line: string) => appendFileSync(path, `${new Date().toISOString()} ${line}\n`);
}
