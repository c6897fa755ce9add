/**
 * `--format auto`: tells the history format from the first non-empty line.
 * - `{"...` (a JSON object) → `jsonl`
 * - `{:...` (an EDN map with keyword keys), or a tagged one (`#jepsen.history.Op{:...`) → `edn`
 * - a line containing `jepsen.util -` → `jepsen-log`
 * Anything else is not recognised (the caller names the file and line and asks for --format).
 */
export type HistoryFormat = "jsonl" | "jepsen-log" | "edn";
export const HISTORY_FORMATS: readonly HistoryFormat[] = ["jsonl", "jepsen-log", "edn"];

export function detectFormat(firstLine: string): HistoryFormat | undefined {
  const t = firstLine.trim();
  if (t.startsWith("{")) {
    const next = t.slice(1).trimStart()[0];
    if (next === '"' || next === "}") return "jsonl";
    if (next === ":") return "edn";
    return undefined;
  }
  // A tagged map, e.g. Jepsen's `#jepsen.history.Op{:index 0, ...}`.
  if (/^#[A-Za-z][\w.\-/]*\s*\{\s*:/.test(t)) return "edn";
  if (/jepsen\.util\s+-\s/.test(t)) return "jepsen-log";
  return undefined;
}
