/**
 * MvccStore: etcd's revisioned key space as a pure, deterministic state machine.
 *
 * Every method is synchronous and depends only on the store's state and its arguments (time
 * enters as a `now` argument in caller units), so applying the same sequence of calls on every
 * member gives the same state and the same responses. A method that throws an `EtcdError`
 * has changed nothing.
 *
 * Revisions: a fresh store is at revision 1 (as etcd); every put, every delete that removes
 * something, every txn with at least one such write and every lease revoke that deletes keys
 * increments it once; the writes inside one revision get sub-revisions 0, 1, 2, ...
 */
import { EtcdError } from "./errors.js";
import type {
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  KeyValue,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MvccOptions,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "./types.js";

export class MvccStore {
  constructor(_options: MvccOptions = {}) {
    void EtcdError;
  }

  /** The store's revision: that of the last write (1 for a fresh store). */
  get currentRevision(): number {
    throw new Error("MvccStore: not implemented yet");
  }
  /** The revision of the last compaction (0 if none): reads below it fail. */
  get compactedRevision(): number {
    throw new Error("MvccStore: not implemented yet");
  }

  // ------------------------------------------------------------ KV
  /** etcd Range. Throws Compacted / FutureRev / EmptyKey. */
  range(_req: RangeRequest): RangeResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd Put. Throws EmptyKey, LeaseNotFound, KeyNotFound (ignoreValue/ignoreLease on a missing key), ValueProvided, LeaseProvided. */
  put(_req: PutRequest): PutResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd DeleteRange: no revision when nothing is deleted. */
  deleteRange(_req: DeleteRangeRequest): DeleteRangeResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd Txn: one revision for all its writes (none if it writes nothing). Throws TooManyOps, DuplicateKey, EmptyKey, and the errors of its ops. */
  txn(_req: TxnRequest): TxnResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd Compact: throws Compacted if rev <= compactedRevision, FutureRev if rev > currentRevision. */
  compact(_revision: number): CompactionResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** CRC32C over every kept key revision <= revision (0: current); equal stores give equal hashes. */
  hashKV(_revision = 0): HashKVResponse {
    throw new Error("MvccStore: not implemented yet");
  }

  // ------------------------------------------------------------ leases
  /** etcd LeaseGrant; `now` in caller time units sets the deadline now + TTL. Throws LeaseExist, LeaseTTLTooLarge. */
  leaseGrant(_req: LeaseGrantRequest, _now: number): LeaseGrantResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd LeaseRevoke: deletes every attached key in one revision. Throws LeaseNotFound. */
  leaseRevoke(_id: number): LeaseRevokeResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd LeaseKeepAlive: deadline = now + granted TTL. Throws LeaseNotFound (also for a lease already past its deadline). */
  leaseKeepAlive(_id: number, _now: number): LeaseKeepAliveResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd LeaseTimeToLive. Throws LeaseNotFound. */
  leaseTimeToLive(_req: LeaseTimeToLiveRequest, _now: number): LeaseTimeToLiveResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** etcd LeaseLeases, IDs ascending. */
  leases(): LeaseLeasesResponse {
    throw new Error("MvccStore: not implemented yet");
  }
  /** IDs of leases whose deadline is <= now, earliest deadline first: the server proposes their revokes. */
  expiredLeases(_now: number): number[] {
    throw new Error("MvccStore: not implemented yet");
  }
  /** Resets every lease's deadline to now + its TTL (etcd's lessor Promote, for a new leader or a restart). */
  leasePromote(_now: number): void {
    throw new Error("MvccStore: not implemented yet");
  }

  // ------------------------------------------------------------ watches
  /**
   * Registers a watcher and returns its id (store-wide, from 1; the server maps its stream
   * watch IDs to these). Events from `startRevision` on (past ones from history) become
   * available through `takeWatchResponses()`. A start below the compacted revision yields one
   * response with `compactRevision` and `canceled: true`, after which the watcher is gone.
   */
  watch(_req: WatchCreateRequest): number {
    throw new Error("MvccStore: not implemented yet");
  }
  /** Removes a watcher; false if it did not exist. */
  cancelWatch(_id: number): boolean {
    throw new Error("MvccStore: not implemented yet");
  }
  /**
   * Drains what is pending for every watcher (or only `ids`): live writes come one revision
   * per response, catch-up from history at most `watchBatchMaxRevs` revisions per response.
   * Call after every write (and after `watch`); a watcher still catching up has more until
   * `hasPendingWatch()` is false. Responses are ordered by watcher id, then revision.
   */
  takeWatchResponses(_ids?: readonly number[]): WatchResponse[] {
    throw new Error("MvccStore: not implemented yet");
  }
  /** True when some watcher has something to take. */
  hasPendingWatch(): boolean {
    throw new Error("MvccStore: not implemented yet");
  }
  /** True when the watcher exists and has received everything up to the current revision (so a progress notification may be sent). */
  watchSynced(_id: number): boolean {
    throw new Error("MvccStore: not implemented yet");
  }
  /** Number of registered watchers. */
  get watcherCount(): number {
    throw new Error("MvccStore: not implemented yet");
  }

  // ------------------------------------------------------------ snapshots
  /** The whole replicated state (key history not yet compacted, leases, revisions) as bytes. */
  serialize(): Uint8Array {
    throw new Error("MvccStore: not implemented yet");
  }
  /** Replaces the state with a serialized one; watchers stay and catch up from their next revision. Throws Error on malformed bytes (and changes nothing). */
  restore(_bytes: Uint8Array): void {
    throw new Error("MvccStore: not implemented yet");
  }
  /** A new store from serialized bytes. */
  static fromSnapshot(bytes: Uint8Array, options: MvccOptions = {}): MvccStore {
    const s = new MvccStore(options);
    s.restore(bytes);
    return s;
  }

  /** The latest live kv of a key (bytes), or undefined: a convenience for the server. */
  get(_key: Uint8Array): KeyValue | undefined {
    throw new Error("MvccStore: not implemented yet");
  }
}
