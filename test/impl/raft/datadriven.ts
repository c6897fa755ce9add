/**
 * A tiny data-driven test format (after cockroachdb/datadriven, as etcd's raft uses it):
 *
 * ```
 * # comments and blank lines between blocks
 * command arg key=value
 * ----
 * expected output (no blank lines inside)
 * ```
 *
 * {@link runScript} runs every block, compares outputs and, when `rewrite` is set, returns
 * the file text with the actual outputs instead (REWRITE=1 in the test runner).
 */

export interface Block {
  /** The command line. */
  readonly command: string;
  readonly expected: string;
  /** 1-based line of the command, for error messages. */
  readonly line: number;
}

export interface Command {
  readonly name: string;
  /** Positional arguments. */
  readonly args: readonly string[];
  /** key=value arguments; `key=(a b c)` keeps the parenthesised list as "a b c". */
  readonly kv: ReadonlyMap<string, string>;
}

export function parseCommand(line: string): Command {
  const tokens: string[] = [];
  const re = /(\S+=\([^)]*\)|\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) tokens.push(m[1]!);
  const [name, ...rest] = tokens;
  const args: string[] = [];
  const kv = new Map<string, string>();
  for (const t of rest) {
    const eq = t.indexOf("=");
    if (eq > 0) kv.set(t.slice(0, eq), t.slice(eq + 1).replace(/^\((.*)\)$/, "$1"));
    else args.push(t);
  }
  return { name: name ?? "", args, kv };
}

/** Splits a script into blocks; text outside blocks (comments) is kept for rewriting. */
export function parseScript(text: string): { blocks: Block[]; parts: (string | Block)[] } {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  const parts: (string | Block)[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === "" || l.startsWith("#")) {
      parts.push(l);
      i++;
      continue;
    }
    const start = i;
    if (lines[i + 1] !== "----") throw new Error(`line ${i + 2}: expected "----" after command "${l}"`);
    i += 2;
    const out: string[] = [];
    while (i < lines.length && lines[i] !== "") out.push(lines[i++]!);
    const b = { command: l, expected: out.join("\n"), line: start + 1 };
    blocks.push(b);
    parts.push(b);
  }
  return { blocks, parts };
}

export interface Mismatch {
  readonly line: number;
  readonly command: string;
  readonly expected: string;
  readonly actual: string;
}

/** Runs each block through `run`; returns mismatches and the rewritten text. */
export function runScript(
  text: string,
  run: (c: Command) => string,
): { mismatches: Mismatch[]; rewritten: string } {
  const { parts } = parseScript(text);
  const mismatches: Mismatch[] = [];
  const out: string[] = [];
  for (const p of parts) {
    if (typeof p === "string") {
      out.push(p);
      continue;
    }
    let actual: string;
    try {
      actual = run(parseCommand(p.command)).replace(/\n+$/, "");
    } catch (e) {
      actual = `error: ${(e as Error).message}`;
    }
    if (actual !== "" && actual.split("\n").some((l) => l === ""))
      throw new Error(`line ${p.line}: output of "${p.command}" has a blank line`);
    if (actual !== p.expected)
      mismatches.push({ line: p.line, command: p.command, expected: p.expected, actual });
    out.push(p.command, "----", ...(actual === "" ? [] : [actual]));
  }
  return { mismatches, rewritten: out.join("\n") };
}
