/** A small binary writer/reader for snapshots: unsigned varints up to 2^53, float64, length-prefixed bytes. */

export class Writer {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private n = 0;

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  /** A non-negative safe integer. */
  uint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new Error(`Writer.uint: ${v} is not a non-negative safe integer`);
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.n, v, true);
    this.n += 8;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.n++] = v & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.n, v >>> 0, true);
    this.n += 4;
  }

  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.raw(b);
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

export class Reader {
  private view: DataView;
  pos = 0;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(k: number): void {
    if (this.pos + k > this.buf.length) throw new Error(`snapshot truncated at byte ${this.pos}`);
  }

  uint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) break;
        return v;
      }
      mul *= 0x80;
    }
    throw new Error(`snapshot: bad varint at byte ${this.pos}`);
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** The next length-prefixed bytes: a view into the reader's buffer (the caller owns that buffer). */
  bytes(): Uint8Array {
    const n = this.uint();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  get done(): boolean {
    return this.pos === this.buf.length;
  }
}
