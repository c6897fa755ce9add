/**
 * Reads a history from a stream of text or bytes, one line at a time, as an async iterator of
 * {@link Operation}s: parse (jsonl, jepsen-log or edn; `auto` detects it from the first
 * non-empty line), place (index, time) and check each operation (validate.ts). The first
 * problem stops the read with a {@link HistoryError} naming the file and line.
 *
 *     const { format, operations } = await openHistory(stream, { file: "h.jsonl" });
 *     for await (const op of operations) ...
 *
 * Memory: one line and one entry per process in flight, whatever the history's length.
 */
import { detectFormat, type HistoryFormat } from "./detect.js";
import { parseEdnLine } from "./edn-history.js";
import { HistoryError } from "./errors.js";
import { parseJepsenLogLine } from "./jepsen-log.js";
import { parseJsonlLine } from "./jsonl.js";
import { splitLines } from "./lines.js";
import { LineError, type RawOperation } from "./raw.js";
import type { Operation } from "./types.js";
import { HistorySequencer } from "./validate.js";

export interface ReadOptions {
  /** The format, or `auto` to detect it. Default `auto`. */
  format?: HistoryFormat | "auto";
  /** The name errors give for the source. Default `"<history>"`. */
  file?: string;
  /**
   * Map Jepsen's semantics onto ours (`:fail :cas` → an ok cas that did not swap, `:timed-out`
   * → `error`). Default: true for `jepsen-log` and `edn`, false for `jsonl`.
   */
  jepsen?: boolean;
}

export interface OpenHistory {
  /** The format read (detected, when `auto`). */
  format: HistoryFormat;
  /** The operations, in order; throws {@link HistoryError} at the first bad line. */
  operations: AsyncGenerator<Operation>;
}

export type TextSource = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

const PARSERS: Record<HistoryFormat, (line: string) => RawOperation | null> = {
  jsonl: parseJsonlLine,
  "jepsen-log": parseJepsenLogLine,
  edn: parseEdnLine,
};

/** Opens a history: reads up to its first non-empty line (to detect the format) and no further. */
export async function openHistory(source: TextSource, opts: ReadOptions = {}): Promise<OpenHistory> {
  const file = opts.file ?? "<history>";
  const lines = splitLines(source)[Symbol.asyncIterator]();
  // Peek the first non-empty line.
  const peeked: string[] = [];
  let first: string | undefined;
  for (;;) {
    const r = await lines.next();
    if (r.done) break;
    peeked.push(r.value);
    if (r.value.trim() !== "") {
      first = r.value;
      break;
    }
  }
  let format: HistoryFormat;
  if (opts.format && opts.format !== "auto") format = opts.format;
  else if (first === undefined) format = "jsonl";
  else {
    const detected = detectFormat(first);
    if (!detected)
      throw new HistoryError(
        file,
        peeked.length,
        `cannot tell the history format from this line (${JSON.stringify(first.slice(0, 60))}); expected JSON Lines, EDN maps or jepsen.util log lines, or pass --format`,
      );
    format = detected;
  }
  return { format, operations: operationsOf(peeked, lines, format, file, opts.jepsen ?? format !== "jsonl") };
}

async function* operationsOf(
  peeked: string[],
  rest: AsyncIterator<string>,
  format: HistoryFormat,
  file: string,
  jepsen: boolean,
): AsyncGenerator<Operation> {
  const parse = PARSERS[format];
  const sequencer = new HistorySequencer({ jepsen });
  let lineNo = 0;
  const one = (line: string): Operation | null => {
    lineNo++;
    try {
      const raw = parse(line);
      return raw === null ? null : sequencer.accept(raw, lineNo);
    } catch (err) {
      if (err instanceof LineError) throw new HistoryError(file, lineNo, err.message);
      throw err;
    }
  };
  for (const line of peeked) {
    const op = one(line);
    if (op) yield op;
  }
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    const op = one(r.value);
    if (op) yield op;
  }
}

/** Reads a whole history into an array (the checkers need it whole). */
export async function readHistory(
  source: TextSource,
  opts: ReadOptions = {},
): Promise<{ format: HistoryFormat; operations: Operation[] }> {
  const { format, operations } = await openHistory(source, opts);
  const out: Operation[] = [];
  for await (const op of operations) out.push(op);
  return { format, operations: out };
}

/** Parses a history held in a string (tests, small inputs). */
export function readHistoryText(
  text: string,
  opts: ReadOptions = {},
): Promise<{ format: HistoryFormat; operations: Operation[] }> {
  return readHistory([text], opts);
}
