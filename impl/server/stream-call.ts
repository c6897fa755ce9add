/**
 * What the server core needs of a streaming call (Watch, LeaseKeepAlive, Snapshot): both
 * @grpc/grpc-js's call objects and the lean transport's (h2-transport.ts) have this shape.
 * Events: "data" (a decoded request), "end" (the client half-closed), "close" / "cancelled"
 * (the call is gone), "drain" (write() returned false and may be called again).
 */
export interface StreamCall {
  write(message: object): boolean;
  /** Ends the call with status OK. */
  end(): void;
  /** Ends the call with an error status ({ code, details }). */
  destroy(err?: Error): void;
  // Listeners take the decoded request (typed by each handler), as EventEmitter's do.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): this;
  once(event: string, listener: () => void): this;
}
