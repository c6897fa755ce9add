/**
 * What `gauntlet check` prints for one input: a readable line (plus, for a history that is
 * not linearizable, the explanation of its first failing keys; for a history with store
 * revisions, the revision check's verdict; for a set history, the set-full verdict), or one
 * JSON object (`--json`, JSON Lines).
 */
import type { CheckResult, PartitionResult, Validity } from "../../checkers/linearizable/index.js";
import { mergeValidity } from "../../checkers/linearizable/index.js";
import type { HistoryFormat } from "../../checkers/history/index.js";
import type { RevisionResult } from "../../checkers/revisions/index.js";
import type { SetCheckResult } from "../../checkers/set/index.js";

export interface Checked {
  label: string;
  format: HistoryFormat;
  model: string;
  /** Why this model: "given by --model" or the guess. */
  modelWhy: string;
  /** Lines of the history that were operations (invokes and completions). */
  events: number;
  parseMs: number;
  checkMs: number;
  result: CheckResult;
  /** The global revision check, when the history carries store revisions (`rev`). */
  revisions?: RevisionResult;
  /** Why register checks: "from test.json", "given by --workload", or the guess. */
  workloadWhy?: string;
  html?: string;
}

/** A set history, checked with set-full and the revision check. */
export interface SetChecked {
  kind: "set";
  label: string;
  format: HistoryFormat;
  workloadWhy: string;
  events: number;
  parseMs: number;
  checkMs: number;
  set: SetCheckResult;
  revisions: RevisionResult;
}

/** The verdict of one checked input. */
export function validityOf(c: Checked | SetChecked): Validity {
  if ("kind" in c) return c.set.valid && c.revisions.valid;
  return mergeValidity(c.result.valid, c.revisions?.valid ?? true);
}

/** How many revision / set counterexamples the readable output explains. */
export const EXPLAINED_VIOLATIONS = 2;

function revisionLines(r: RevisionResult | undefined): string[] {
  if (!r || r.writes + r.reads === 0) return [];
  const lines = [`  ${r.summary}`];
  for (const v of r.violations.slice(0, EXPLAINED_VIOLATIONS))
    for (const l of v.explanation.split("\n")) lines.push(`    ${l}`);
  const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
  if (total > EXPLAINED_VIOLATIONS)
    lines.push(`    ... and ${total - EXPLAINED_VIOLATIONS} more (see --json)`);
  return lines;
}

/** The readable lines for one checked set history. */
export function setLines(c: SetChecked): string[] {
  const v = validityOf(c);
  const lines = [
    `${c.label}: set ${v === true ? "VALID" : "NOT valid"} — ${c.set.summary.replace(/^set (NOT )?valid: /, "")}, ${ms(c.checkMs)} ms [workload set, ${c.workloadWhy}]`,
  ];
  for (const f of c.set.failures.slice(0, EXPLAINED_VIOLATIONS)) lines.push(`  ${f.explanation}`);
  const bad =
    c.set.counts.lost +
    c.set.counts.stale +
    c.set.counts.unexpected +
    c.set.counts.failedRead +
    c.set.counts.duplicated;
  if (bad > EXPLAINED_VIOLATIONS) lines.push(`  ... and ${bad - EXPLAINED_VIOLATIONS} more (see --json)`);
  lines.push(...revisionLines(c.revisions));
  return lines;
}

/** The `--json` object for one checked set history. */
export function setJsonObject(c: SetChecked): Record<string, unknown> {
  return {
    file: c.label,
    valid: validityOf(c),
    workload: "set",
    workloadWhy: c.workloadWhy,
    events: c.events,
    parseMs: round(c.parseMs),
    ms: round(c.checkMs),
    format: c.format,
    summary: c.set.summary,
    set: c.set,
    revisions: c.revisions,
  };
}

export interface Failed {
  label: string;
  /** The whole message, starting with the file (and line) it is about. */
  message: string;
  /** 1-based line, when the error is about one. */
  line?: number;
}

/** How many failing keys the readable output explains (the JSON and HTML have them all). */
export const EXPLAINED_KEYS = 2;

const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 1000 ? x.toFixed(1) : x.toFixed(0));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const keyName = (p: PartitionResult): string => (p.key === undefined ? "(no key)" : JSON.stringify(p.key));

function verdictWord(c: Checked): string {
  const r = c.result;
  const rev = c.revisions && !c.revisions.valid ? ", but revisions INCONSISTENT" : "";
  return linearWord(r) + rev;
}

function linearWord(r: CheckResult): string {
  if (r.valid === true) return "linearizable";
  if (r.valid === false) {
    const bad = r.partitions.filter((p) => p.valid === false).length;
    return r.keys > 1 ? `NOT linearizable (${bad} of ${plural(r.keys, "key")})` : "NOT linearizable";
  }
  const unknown = r.partitions.filter((p) => p.valid === "unknown");
  const reasons = [...new Set(unknown.map((p) => p.reason ?? "unknown"))].join(", ");
  return `UNKNOWN (${reasons}${r.keys > 1 ? ` on ${unknown.length} of ${plural(r.keys, "key")}` : ""})`;
}

/** The readable lines for one checked input. */
export function humanLines(c: Checked): string[] {
  const r = c.result;
  const head = `${c.label}: ${verdictWord(c)} — ${plural(r.operations.length, "op")}, ${plural(r.keys, "key")}, ${ms(c.checkMs)} ms [model ${c.model}, ${c.modelWhy}]`;
  const lines = [head];
  if (r.valid === false) {
    const failing = r.partitions.filter((p) => p.valid === false && p.counterexample);
    for (const p of failing.slice(0, EXPLAINED_KEYS)) {
      lines.push(`  key ${keyName(p)}:`);
      for (const l of p.counterexample!.explanation.split("\n")) lines.push(`    ${l}`);
    }
    if (failing.length > EXPLAINED_KEYS)
      lines.push(`  ... and ${failing.length - EXPLAINED_KEYS} more failing keys (see --json or --html)`);
  }
  lines.push(...revisionLines(c.revisions));
  if (c.html) lines.push(`  report: ${c.html}`);
  return lines;
}

/** The `--json` object for one checked input. */
export function jsonObject(c: Checked): Record<string, unknown> {
  const r = c.result;
  return {
    file: c.label,
    valid: validityOf(c),
    linearizable: r.valid,
    ops: r.operations.length,
    ms: round(c.checkMs),
    keys: r.keys,
    events: c.events,
    searched: r.ops,
    parseMs: round(c.parseMs),
    format: c.format,
    model: c.model,
    modelWhy: c.modelWhy,
    summary: r.summary,
    failures: r.partitions
      .filter((p) => p.valid === false && p.counterexample)
      .map((p) => ({
        key: p.key ?? null,
        prefix: p.counterexample!.prefix.length,
        firstBad: p.counterexample!.firstBad,
        blocked: p.counterexample!.blocked,
        states: p.counterexample!.states,
        explanation: p.counterexample!.explanation,
      })),
    unknown: r.partitions
      .filter((p) => p.valid === "unknown")
      .map((p) => ({ key: p.key ?? null, reason: p.reason ?? null })),
    ...(c.revisions && c.revisions.writes + c.revisions.reads > 0 ? { revisions: c.revisions } : {}),
    ...(c.html ? { html: c.html } : {}),
  };
}

/** The `--json` object for an input that could not be checked. */
export function jsonError(f: Failed): Record<string, unknown> {
  return { file: f.label, valid: null, error: f.message, ...(f.line ? { line: f.line } : {}) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
