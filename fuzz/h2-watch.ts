/**
 * Watches the bytes a server sends on an HTTP/2 connection for the end of a stream: END_STREAM
 * on HEADERS or DATA, RST_STREAM, or GOAWAY. Pure: feed it chunks, ask whether it is over.
 */
export class H2StreamEnd {
  private buf: Buffer = Buffer.alloc(0);
  /** True once `stream` has ended or the connection was told to go away. */
  ended = false;

  constructor(private readonly stream: number) {}

  push(data: Buffer): void {
    if (this.ended) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    let off = 0;
    while (this.buf.length - off >= 9) {
      const len = (this.buf[off]! << 16) | (this.buf[off + 1]! << 8) | this.buf[off + 2]!;
      if (this.buf.length - off < 9 + len) break;
      const type = this.buf[off + 3]!;
      const flags = this.buf[off + 4]!;
      const id = this.buf.readUInt32BE(off + 5) & 0x7fffffff;
      if (type === 7) this.ended = true;
      if (id === this.stream && (type === 3 || ((type === 0 || type === 1) && flags & 1))) this.ended = true;
      off += 9 + len;
    }
    this.buf = this.buf.subarray(off);
  }
}
