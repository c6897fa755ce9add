/**
 * The one error a history reader throws: a history that cannot be read as written, with the
 * file and the 1-based line that shows it (line 0 when no single line is to blame).
 */
export class HistoryError extends Error {
  override readonly name = "HistoryError";
  constructor(
    /** The file (or stream label) being read. */
    readonly file: string,
    /** 1-based line number; 0 when the error is not about one line. */
    readonly line: number,
    /** What is wrong, without the location. */
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}
