/**
 * Splits a stream of text or bytes into lines, one at a time, so that a history of a million
 * operations never needs all its text in memory: only the current chunk and one partial line
 * are held. Accepts `\n` and `\r\n` line ends; a last line without an end is still a line.
 * Bytes are decoded as UTF-8 (a character split across chunks is handled).
 */
export async function* splitLines(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  let carry = "";
  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf("\n", start)) !== -1) {
      // The first line of a chunk completes the partial line carried from the one before.
      const line = start === 0 && carry !== "" ? carry + text.slice(0, nl) : text.slice(start, nl);
      if (start === 0) carry = "";
      yield stripCr(line);
      start = nl + 1;
    }
    carry += text.slice(start);
  }
  carry += decoder.decode();
  if (carry !== "") yield stripCr(carry);
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
