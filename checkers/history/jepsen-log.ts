/**
 * Jepsen's `jepsen.util` log lines, one event per line:
 *
 *     INFO  jepsen.util - 3	:invoke	:cas	[1 4]
 *
 * (anything may precede `jepsen.util -`, e.g. a timestamp and level). After it: the process
 * (an integer, or `:nemesis`), the type (`:invoke`, `:ok`, `:fail`, `:info`), the function
 * (`:read`, `:write`, `:cas`, ...), then the value as EDN (`nil`, an integer, `[A B]`,
 * `:timed-out`, ...), separated by tabs or runs of spaces. There is no key (one register) and
 * no time: the reader uses the line order as time. Blank lines are skipped; any other line is
 * an error (the file is not a history).
 */
import { EdnSyntaxError, parseEdn } from "./edn.js";
import { ednToPlain } from "./plain.js";
import { LineError, OP_TYPES, type RawOperation } from "./raw.js";
import type { ProcessId } from "./types.js";

const LINE = /jepsen\.util\s+-\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/;

/** Parses one line; `null` for a blank line. Throws {@link LineError} on anything malformed. */
export function parseJepsenLogLine(line: string): RawOperation | null {
  if (line.trim() === "") return null;
  const m = LINE.exec(line);
  if (!m) {
    if (line.includes("jepsen.util"))
      throw new LineError("a jepsen.util line needs a process, a :type and an :f after 'jepsen.util -'");
    throw new LineError("not a jepsen.util log line (expected 'INFO  jepsen.util - PROCESS :TYPE :F VALUE')");
  }
  const [, p, t, f, rest] = m as unknown as [string, string, string, string, string | undefined];
  let process: ProcessId;
  if (/^\d+$/.test(p)) process = Number(p);
  else if (p === ":nemesis") process = "nemesis";
  else throw new LineError(`bad process ${JSON.stringify(p)} (expected an integer or :nemesis)`);
  const type = t.startsWith(":") ? t.slice(1) : t;
  if (!t.startsWith(":") || !OP_TYPES.has(type))
    throw new LineError(`unknown type ${JSON.stringify(t)} (expected :invoke, :ok, :fail or :info)`);
  if (!f.startsWith(":") || f.length < 2)
    throw new LineError(`bad function ${JSON.stringify(f)} (expected a keyword such as :read)`);
  const op: RawOperation = { process, type: type as RawOperation["type"], f: f.slice(1) };
  if (rest !== undefined && rest !== "") {
    try {
      op.value = ednToPlain(parseEdn(rest));
    } catch (err) {
      if (err instanceof EdnSyntaxError)
        throw new LineError(`unparsable value ${JSON.stringify(rest)}: ${err.message}`);
      throw err;
    }
  }
  return op;
}
