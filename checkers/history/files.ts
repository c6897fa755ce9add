/**
 * The file edge of checkers/history (the rest of the folder is pure): read a history file as a
 * stream, and append operations to one as they happen.
 *
 * {@link HistoryWriter} is what a run uses to record `history.jsonl`: each `write` appends one
 * line through to the operating system at once (so a crash of the harness loses nothing it
 * has written), and `close` fsyncs before closing (so a crash of the machine loses nothing
 * either, once the run is closed). `sync()` fsyncs on demand.
 */
import { createReadStream, closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { HistoryError } from "./errors.js";
import { formatJsonlLine } from "./jsonl.js";
import { openHistory, readHistory, type OpenHistory, type ReadOptions } from "./reader.js";
import type { HistoryFormat } from "./detect.js";
import type { Operation } from "./types.js";

async function readable(path: string): Promise<void> {
  try {
    const fh = await open(path, "r");
    const st = await fh.stat();
    await fh.close();
    if (st.isDirectory()) throw new HistoryError(path, 0, "is a directory, not a history file");
  } catch (err) {
    if (err instanceof HistoryError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new HistoryError(
      path,
      0,
      `cannot read it (${
        code === "ENOENT"
          ? /[*?[]/.test(path)
            ? "no such file: the shell found nothing matching this pattern"
            : "no such file"
          : code === "EACCES"
            ? "permission denied"
            : (err as Error).message
      })`,
    );
  }
}

/** Opens a history file for streaming; errors (missing file, bad line) name the file. */
export async function openHistoryFile(
  path: string,
  opts: Omit<ReadOptions, "file"> = {},
): Promise<OpenHistory> {
  await readable(path);
  return openHistory(createReadStream(path, { highWaterMark: 256 * 1024 }), { ...opts, file: path });
}

/** Reads a whole history file into an array. */
export async function readHistoryFile(
  path: string,
  opts: Omit<ReadOptions, "file"> = {},
): Promise<{ format: HistoryFormat; operations: Operation[] }> {
  await readable(path);
  return readHistory(createReadStream(path, { highWaterMark: 256 * 1024 }), { ...opts, file: path });
}

/** An append-only JSON Lines history file. */
export class HistoryWriter {
  private fd: number | undefined;
  private count = 0;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens `path` for appending (creating it; an existing file is appended to, never truncated). */
  static open(path: string): HistoryWriter {
    return new HistoryWriter(path, openSync(path, "a"));
  }

  /** Operations written so far by this writer. */
  get written(): number {
    return this.count;
  }

  /** Appends one operation as one line, through to the operating system before returning. */
  write(op: Operation): void {
    if (this.fd === undefined) throw new Error(`HistoryWriter.write: ${this.path} is closed`);
    writeSync(this.fd, formatJsonlLine(op) + "\n");
    this.count++;
  }

  /** Forces what was written to disk (fsync). */
  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  /** fsyncs and closes; further writes throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Writes a whole history to a new file (truncating it), fsynced. */
export async function writeHistoryFile(
  path: string,
  ops: Iterable<Operation> | AsyncIterable<Operation>,
): Promise<number> {
  closeSync(openSync(path, "w"));
  const w = HistoryWriter.open(path);
  try {
    for await (const op of ops) w.write(op);
  } finally {
    w.close();
  }
  return w.written;
}
