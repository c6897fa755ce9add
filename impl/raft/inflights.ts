/**
 * Flow control: a bounded ring of the last index of each MsgApp in flight to one follower.
 * When full, the leader stops sending to that follower until acknowledgements free slots.
 */
export class Inflights {
  private start = 0;
  private count = 0;
  private readonly buffer: number[];

  constructor(readonly size: number) {
    if (!(size > 0)) throw new Error(`Inflights: size must be positive, got ${size}`);
    this.buffer = new Array<number>(size).fill(0);
  }

  /** Records a MsgApp whose last entry is `index`. Indexes must be added in increasing order. */
  add(index: number): void {
    if (this.full()) throw new Error("Inflights.add: cannot add into a full inflights");
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    this.buffer[next] = index;
    this.count++;
  }

  /** Frees every inflight message whose last index is ≤ `to`. */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.buffer[this.start]!) return;
    let idx = this.start;
    let i = 0;
    for (; i < this.count; i++) {
      if (to < this.buffer[idx]!) break;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count -= i;
    this.start = idx;
    if (this.count === 0) this.start = 0;
  }

  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.buffer[this.start]!);
  }

  full(): boolean {
    return this.count === this.size;
  }

  get length(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
