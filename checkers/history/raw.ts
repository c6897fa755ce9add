/**
 * What a format parser produces from one line: an operation as written, before the reader
 * gives it its place (`index`, `time` when the format has none), checks it against the
 * operations before it and applies the format's semantics (see validate.ts).
 */
import type { Operation, OpType } from "./types.js";

export type RawOperation = Omit<Operation, "index" | "time"> & { index?: number; time?: number };

export const OP_TYPES: ReadonlySet<string> = new Set<OpType>(["invoke", "ok", "fail", "info"]);

/** A problem with one line; the reader adds the file and line number. */
export class LineError extends Error {}
