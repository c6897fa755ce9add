/**
 * A fuzz input as plain data: the exact bytes to send on one or more connections and how to
 * behave on each (read or never read, pace, hold, how to close). Replay files hold this JSON
 * unchanged, so a replay sends byte for byte what the campaign sent.
 */

/** The families of inputs (`--classes`). */
export const INPUT_CLASSES = [
  "grpc-random",
  "grpc-extreme",
  "h2-abuse",
  "slow-stream",
  "flood",
  "peer",
] as const;
export type InputClass = (typeof INPUT_CLASSES)[number];

/** Bytes to write, `repeat` times (default 1), waiting `gapMs` before each write (default 0). */
export interface Chunk {
  b64: string;
  repeat?: number;
  gapMs?: number;
  /**
   * Member IDs written in at send time (they differ between clusters): at byte `at`, the ID of
   * member `member` (modulo the member count) as a float64 LE (`f64`, Raft fields) or as a
   * decimal right-aligned in 20 spaces (`dec20`, JSON frames).
   */
  ids?: IdPatch[];
}

export interface IdPatch {
  at: number;
  member: number;
  enc: "f64" | "dec20";
}

/** One connection of an input. */
export interface ConnPlan {
  /** Which port: a client endpoint, or the member's peer port (reference server). */
  port: "client" | "peer";
  /** Which member's port (modulo the member count); default 0. */
  member?: number;
  /** Open this many identical connections (a flood); default 1. */
  copies?: number;
  /** Open after this many ms from the start of the input (default 0). */
  startMs?: number;
  chunks: Chunk[];
  /** false: never read what the server sends (the socket is paused: a slow reader). */
  read: boolean;
  /** Keep the connection open this long after the last write, then close it. */
  holdMs: number;
  /** Close earlier, once the server has ended this HTTP/2 stream (or sent GOAWAY, or closed). */
  awaitStream?: number;
  /** "end": FIN, then close; "destroy": close at once (an RST when data is unread). */
  close: "end" | "destroy";
}

export interface FuzzInput {
  class: InputClass;
  /** What the input is, for humans (e.g. "Txn nested 120 deep"). */
  what: string;
  conns: ConnPlan[];
}

/** Chunk of bytes. */
export function chunk(bytes: Uint8Array, repeat?: number, gapMs?: number): Chunk {
  const c: Chunk = { b64: Buffer.from(bytes).toString("base64") };
  if (repeat !== undefined && repeat !== 1) c.repeat = repeat;
  if (gapMs) c.gapMs = gapMs;
  return c;
}

/** Bytes an input writes in total (all copies and repeats). */
export function inputBytes(i: FuzzInput): number {
  let n = 0;
  for (const c of i.conns)
    for (const ch of c.chunks) n += (c.copies ?? 1) * (ch.repeat ?? 1) * Math.floor((ch.b64.length * 3) / 4);
  return n;
}

/** How long an input takes at least (pacing and holds), in ms. */
export function inputDurationMs(i: FuzzInput): number {
  let most = 0;
  for (const c of i.conns) {
    const paced = c.chunks.reduce((s, ch) => s + (ch.gapMs ?? 0) * (ch.repeat ?? 1), 0);
    most = Math.max(most, (c.startMs ?? 0) + paced + c.holdMs);
  }
  return most;
}
