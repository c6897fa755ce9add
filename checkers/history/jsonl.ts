/**
 * Gauntlet's own history format: JSON Lines, one operation object per line, the fields of
 * {@link Operation}. `index` and `time` may be left out (the reader fills in the position in
 * the file); blank lines are skipped.
 */
import { LineError, OP_TYPES, type RawOperation } from "./raw.js";
import type { Operation } from "./types.js";

/** Parses one line; `null` for a blank line. Throws {@link LineError} on anything malformed. */
export function parseJsonlLine(line: string): RawOperation | null {
  if (line.trim() === "") return null;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    throw new LineError(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj))
    throw new LineError("expected a JSON object (one operation per line)");
  const op = obj as Record<string, unknown>;
  if (!OP_TYPES.has(op.type as string))
    throw new LineError(`unknown type ${JSON.stringify(op.type)} (expected invoke, ok, fail or info)`);
  const p = op.process;
  if (!(p === "nemesis" || (typeof p === "number" && Number.isInteger(p))))
    throw new LineError(`bad process ${JSON.stringify(p)} (expected an integer or "nemesis")`);
  if (typeof op.f !== "string" || op.f === "")
    throw new LineError(`bad f ${JSON.stringify(op.f)} (expected a non-empty string)`);
  for (const field of ["index", "time", "rev"] as const) {
    if (op[field] !== undefined && (typeof op[field] !== "number" || !Number.isFinite(op[field])))
      throw new LineError(`bad ${field} ${JSON.stringify(op[field])} (expected a number)`);
  }
  if (op.key !== undefined && typeof op.key !== "string")
    throw new LineError(`bad key ${JSON.stringify(op.key)} (expected a string)`);
  if (op.error !== undefined && typeof op.error !== "string")
    throw new LineError(`bad error ${JSON.stringify(op.error)} (expected a string)`);
  return op as RawOperation;
}

/** One operation as one line of JSON (no line end). */
export function formatJsonlLine(op: Operation): string {
  return JSON.stringify(op);
}
