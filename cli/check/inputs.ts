/**
 * What `gauntlet check` was asked to check: each argument is a history file, or a run
 * directory (`results/<test>/<timestamp>/`) holding `history.jsonl`, which is then checked.
 * A later `gauntlet check RUN_DIR` can read more from the run (test.json's model, write
 * results.json) by extending {@link CheckInput} here; the rest of the command stays as it is.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { HistoryError } from "../../checkers/history/index.js";

export interface CheckInput {
  /** How the input is named in output lines and JSON (the argument as given). */
  label: string;
  /** The history file to read. */
  path: string;
  /** Set when the argument was a run directory. */
  runDir?: string;
}

/** The argument that reads the history from standard input (read from the process's stdin, not opened by name). */
export const STDIN = "/dev/stdin";

/** The run directory's history file. */
export const RUN_HISTORY = "history.jsonl";

/** Resolves one argument; throws {@link HistoryError} (line 0) when it is neither a file nor a run directory. */
export async function resolveInput(arg: string): Promise<CheckInput> {
  if (arg === STDIN) return { label: arg, path: STDIN };
  let isDir = false;
  try {
    isDir = (await stat(arg)).isDirectory();
  } catch {
    // Missing or unreadable: the reader reports it with the file's name.
  }
  if (!isDir) return { label: arg, path: arg };
  const path = join(arg, RUN_HISTORY);
  try {
    await stat(path);
  } catch {
    throw new HistoryError(
      arg,
      0,
      `is a directory without a ${RUN_HISTORY} (expected a history file or a run directory)`,
    );
  }
  return { label: arg, path, runDir: arg };
}
