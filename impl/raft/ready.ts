/**
 * The Ready value: everything the core wants done, produced by
 * {@link import("./rawnode.js").RawNode.ready}.
 *
 * THE CONTRACT (what the caller must do with a Ready, in this order):
 * 1. Persist: if `snapshot` is set, install it in storage; append `entries` to stable storage
 *    (replacing any conflicting suffix); save `hardState` if set. All three must be durable
 *    (fsync'd, when `mustSync`) before step 2. Raft's safety rests on this: a vote or an
 *    acknowledgement must never be sent for something a crash could forget.
 * 2. Send `messages`. (A MsgSnap's outcome is reported back with `reportSnapshot`; an
 *    unreachable peer may be reported with `reportUnreachable`.)
 * 3. Apply: restore the state machine from `snapshot` if set, then apply `committedEntries`
 *    in order. A ConfChange entry is applied by calling `applyConfChange` on the node.
 *    Read requests whose `readStates` index is ≤ the applied index may now be answered.
 * 4. Call `advance(ready)`. Do not call `ready()` again before that.
 *
 * (Steps 2 and 3 may overlap, but both come after step 1. Exception, as etcd: a leader may
 * send its messages before step 1, in parallel with its own write — raft thesis §10.2.1 —
 * because what it sends can be committed only in a later Ready, after this write.)
 */
import type { Entry, HardState, Message, ReadState, Snapshot, SoftState } from "./types.js";

export interface Ready {
  /** Leader and role, when they changed since the previous Ready (not persisted). */
  readonly softState: SoftState | undefined;
  /** Term, vote and commit to persist, when they changed; persist before sending messages. */
  readonly hardState: HardState | undefined;
  /** ReadIndex answers: serve each read once applied ≥ its index. */
  readonly readStates: readonly ReadState[];
  /** Entries to append to stable storage before sending messages. */
  readonly entries: readonly Entry[];
  /** A snapshot to install in storage and the state machine. */
  readonly snapshot: Snapshot | undefined;
  /** Entries committed and not yet applied, to apply in order (already persisted or in `entries`). */
  readonly committedEntries: readonly Entry[];
  /** Messages to send once `entries`, `hardState` and `snapshot` are durable. */
  readonly messages: readonly Message[];
  /** Whether the writes must be synced to disk (new term/vote or new entries). */
  readonly mustSync: boolean;
}
