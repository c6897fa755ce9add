/**
 * checkers/history: the history format (types.ts), its streaming JSON Lines reader and writer,
 * the parsers for Jepsen's log lines and EDN maps, format detection and validation.
 */
export type { Operation, OpType, ProcessId } from "./types.js";
export { HistoryError } from "./errors.js";
export { detectFormat, HISTORY_FORMATS, type HistoryFormat } from "./detect.js";
export {
  openHistory,
  readHistory,
  readHistoryText,
  type OpenHistory,
  type ReadOptions,
  type TextSource,
} from "./reader.js";
export { openHistoryFile, readHistoryFile, HistoryWriter, writeHistoryFile } from "./files.js";
export { formatJsonlLine, parseJsonlLine } from "./jsonl.js";
export { parseJepsenLogLine } from "./jepsen-log.js";
export { parseEdnLine } from "./edn-history.js";
export { splitLines } from "./lines.js";
