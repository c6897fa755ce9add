/**
 * What `gauntlet check` prints for one input: a readable line (plus, for a history that is
 * not linearizable, the explanation of its first failing keys), or one JSON object
 * (`--json`, JSON Lines).
 */
import type { CheckResult, PartitionResult } from "../../../checkers/linearizable/index.js";
import type { HistoryFormat } from "../../../checkers/history/index.js";

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
  html?: string;
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
  if (c.html) lines.push(`  report: ${c.html}`);
  return lines;
}

/** The `--json` object for one checked input. */
export function jsonObject(c: Checked): Record<string, unknown> {
  const r = c.result;
  return {
    file: c.label,
    valid: r.valid,
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
