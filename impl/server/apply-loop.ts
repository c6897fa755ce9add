/**
 * The apply loop: the one path every write takes, `propose → durable in the log → apply in
 * log order → respond`. In this single-node server "durable in the log" is an fdatasync'ed
 * WAL append (concurrent proposals share one fsync); with replication (issue 5) it becomes
 * "committed by a Raft quorum", and only this module changes: the services and the state
 * machine (`apply`) stay as they are.
 *
 * Invariant: entries are applied exactly once, in index order, with no gap
 * (appliedIndex only ever grows by one). A proposal that fails to become durable (e.g. a full
 * disk) is never applied and its caller gets the error.
 */
import type { Command } from "./commands.js";
import { encodeCommand } from "./commands.js";
import { isEtcdError } from "../mvcc/index.js";
import { EtcdError } from "./errors.js";

/** Where proposals are made durable: impl/storage's ServerStorage (or, later, Raft). */
export interface Log {
  /** Resolves with the entry's index once durable; resolutions come in index order. */
  append(data: Uint8Array): Promise<number>;
}

/** The state machine: applies one command at `index` and returns its result (or throws its error). */
export type Apply = (index: number, cmd: Command) => unknown;

interface Pending {
  cmd: Command;
  data: Uint8Array;
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

export class ApplyLoop {
  private applied: number;
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly log: Log,
    private readonly apply: Apply,
    appliedIndex: number,
  ) {
    this.applied = appliedIndex;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  /**
   * Proposes a write; resolves with what `apply` returned, or rejects with what it threw (the
   * command is then in the log but changed nothing) or with the log's error (not in the log).
   *
   * Proposals made during one turn of the event loop are handed to the log together on the
   * next (setImmediate), after every request already received has been read: they share one
   * write and one fsync even when the log writes synchronously.
   */
  propose(cmd: Command, reuseWire = true): Promise<unknown> {
    const data = encodeCommand(cmd, reuseWire);
    return new Promise((resolve, reject) => {
      this.pending.push({ cmd, data, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    for (const p of batch)
      this.log.append(p.data).then(
        (index) => {
          // Appends resolve in index order, so this runs in log order.
          if (index !== this.applied + 1) {
            p.reject(new Error(`apply loop: entry ${index} after applied ${this.applied}: out of order`));
            return;
          }
          this.applied = index;
          try {
            p.resolve(this.apply(index, p.cmd));
          } catch (err) {
            p.reject(err);
          }
        },
        (err: unknown) => p.reject(err),
      );
  };

  /** Replays a recovered entry (start-up): applies it and swallows the request's own error. */
  replay(index: number, cmd: Command): void {
    if (index !== this.applied + 1)
      throw new Error(`replay: entry ${index} after applied ${this.applied}: gap in the log`);
    this.applied = index;
    try {
      this.apply(index, cmd);
    } catch (err) {
      // A request error: it failed when first applied too, and the client got that error.
      if (!isEtcdError(err) && !(err instanceof EtcdError)) throw err;
    }
  }

  /** A linearizable read barrier: on a single node every acknowledged write is already applied. */
  readIndex(): Promise<void> | undefined {
    return undefined;
  }
}
