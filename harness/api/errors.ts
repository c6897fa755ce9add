/** A harness failure with a message saying what to do. The CLI prints it and exits 3. */
export class HarnessError extends Error {
  override readonly name = "HarnessError";
}
