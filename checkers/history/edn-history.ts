/**
 * Histories as EDN maps, one per line (Jepsen's and Porcupine's kv format):
 *
 *     {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
 *
 * `:process` (an integer or `:nemesis`), `:type` and `:f` are required; `:key` becomes the
 * operation's key (as a string), `:value` its value, `:time` (nanoseconds) its time when
 * present — else the reader uses the line order as time. `:index` is ignored (the reader
 * numbers operations itself); any other entry is kept as an extra field. Blank lines and
 * lines that are only `;` comments are skipped.
 */
import { EdnSyntaxError, Keyword, parseEdn } from "./edn.js";
import { ednKeyName, ednToPlain } from "./plain.js";
import { LineError, OP_TYPES, type RawOperation } from "./raw.js";
import type { ProcessId } from "./types.js";

/** Parses one line; `null` for a blank line. Throws {@link LineError} on anything malformed. */
export function parseEdnLine(line: string): RawOperation | null {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith(";")) return null;
  let v;
  try {
    v = parseEdn(trimmed);
  } catch (err) {
    if (err instanceof EdnSyntaxError)
      throw new LineError(`unparsable EDN: ${err.message} (at column ${err.at + 1 + line.indexOf(trimmed)})`);
    throw err;
  }
  if (!(v instanceof Map))
    throw new LineError("expected an EDN map such as {:process 0, :type :invoke, :f :read}");
  const fields = new Map<string, unknown>();
  for (const [k, val] of v) {
    if (!(k instanceof Keyword))
      throw new LineError(`map keys must be keywords, got ${JSON.stringify(ednToPlain(k))}`);
    fields.set(k.name, val);
  }
  const p = fields.get("process");
  let process: ProcessId;
  if (typeof p === "number" && Number.isInteger(p)) process = p;
  else if (p instanceof Keyword && p.name === "nemesis") process = "nemesis";
  else
    throw new LineError(
      `bad or missing :process${p === undefined ? "" : " " + JSON.stringify(ednToPlain(p as never))} (expected an integer or :nemesis)`,
    );
  const t = fields.get("type");
  if (!(t instanceof Keyword) || !OP_TYPES.has(t.name))
    throw new LineError(
      `unknown or missing :type${t === undefined ? "" : " " + JSON.stringify(ednToPlain(t as never))} (expected :invoke, :ok, :fail or :info)`,
    );
  const f = fields.get("f");
  if (!(f instanceof Keyword || (typeof f === "string" && f !== "")))
    throw new LineError("bad or missing :f (expected a keyword such as :get)");
  const op: RawOperation = {
    process,
    type: t.name as RawOperation["type"],
    f: f instanceof Keyword ? f.name : f,
  };
  for (const [name, val] of fields) {
    switch (name) {
      case "process":
      case "type":
      case "f":
      case "index":
        break;
      case "key":
        if (val !== null) op.key = ednKeyName(val as never);
        break;
      case "time":
        if (typeof val !== "number")
          throw new LineError(
            `bad :time ${JSON.stringify(ednToPlain(val as never))} (expected an integer of nanoseconds)`,
          );
        op.time = val;
        break;
      case "error":
        op.error = ednKeyName(val as never);
        break;
      default:
        op[name] = ednToPlain(val as never);
    }
  }
  return op;
}
