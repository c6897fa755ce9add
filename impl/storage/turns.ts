/** One-at-a-time execution of async steps that must not interleave (file writes and their cleanup). */
export class Turns {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `f` once everything queued before it has settled (resolved or rejected). */
  run<T>(f: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(f, f);
    this.tail = turn.catch(() => {});
    return turn;
  }
}
