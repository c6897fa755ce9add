/**
 * Reading the peer port's frames `[u32 length][u8 kind][payload]` off a byte stream without
 * trusting the length: the header is checked (`check`) as soon as it has arrived — for a Raft
 * message (kind 0) once its first byte, the message type, is in too — and a refused header
 * ends the stream before any of its body is buffered. Received chunks are kept as they come
 * and joined once, when a frame is complete (a large snapshot arrives in many chunks: joining
 * on every chunk would copy it over and over). Nothing is allocated from the header's word.
 */

export interface FrameSink {
  /** Why a frame of `len` bytes (kind byte included) and this kind is refused; undefined: accept. */
  check(len: number, kind: number, messageType: number | undefined): string | undefined;
  /** A complete frame; false stops reading (the connection is being closed). */
  frame(kind: number, body: Buffer): boolean;
  /** The stream is refused (a header failed `check`): close it. */
  refuse(reason: string, len: number, kind: number): void;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;
  /** The current frame's length once its header passed the check; -1 before. */
  private len = -1;
  private done = false;

  constructor(private readonly sink: FrameSink) {}

  /** Bytes buffered and not yet handed out as frames. */
  get buffered(): number {
    return this.have;
  }

  push(chunk: Buffer): void {
    if (this.done) return;
    this.chunks.push(chunk);
    this.have += chunk.length;
    for (;;) {
      if (this.len < 0) {
        if (this.have < 5) return;
        const head = this.peek(6);
        const len = head.readUInt32LE(0);
        const kind = head[4]!;
        if (kind === 0 && len >= 2 && head.length < 6) return; // the message type is not in yet
        const reason =
          len < 1 ? "empty frame" : this.sink.check(len, kind, kind === 0 && len >= 2 ? head[5] : undefined);
        if (reason !== undefined) {
          this.stop();
          this.sink.refuse(reason, len, kind);
          return;
        }
        this.len = len;
      }
      if (this.have < 4 + this.len) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
      const kind = all[4]!;
      const body = all.subarray(5, 4 + this.len);
      const rest = all.subarray(4 + this.len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.have = rest.length;
      this.len = -1;
      if (!this.sink.frame(kind, body)) {
        this.stop();
        return;
      }
    }
  }

  private stop(): void {
    this.done = true;
    this.chunks = [];
    this.have = 0;
  }

  /** The first min(n, buffered) bytes. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n || this.chunks.length === 1) return first.subarray(0, n);
    return Buffer.concat(this.chunks, Math.min(n, this.have)).subarray(0, n);
  }
}
