/**
 * The reference server's state machine as an impl/sim Application, so the deterministic
 * simulator runs Raft + the server's entry format + command codec + MVCC store under its
 * faults (crashes, partitions, snapshots and restores): entries are decoded exactly as
 * RaftLoop decodes them (`[kind u8][request id f64][command]`) and applied to an MvccStore
 * with EtcdServer.apply's dispatch. `onApplied` reports each command's result on each node,
 * so a test can build the client history and check it for linearizability.
 */
import type { Entry } from "../../raft/index.js";
import { EntryType } from "../../raft/index.js";
import { MvccStore } from "../../mvcc/index.js";
import type * as mvcc from "../../mvcc/index.js";
import { decodeCommand, encodeCommand, type Command } from "../commands.js";

export const KIND_COMMAND = 1;

/** Log entry data for a command, as RaftLoop proposes it. */
export function encodeEntryData(req: number, cmd: Command): Uint8Array {
  const body = encodeCommand(cmd, false);
  const data = Buffer.allocUnsafe(9 + body.byteLength);
  data[0] = KIND_COMMAND;
  data.writeDoubleLE(req, 1);
  data.set(body, 9);
  return data;
}

export interface Applied {
  node: number;
  index: number;
  req: number;
  result?: unknown;
  error?: unknown;
}

export class ServerSimApp {
  store = new MvccStore();
  index = 0;

  constructor(
    readonly node: number,
    private readonly onApplied: (a: Applied) => void,
  ) {}

  apply(entry: Entry): void {
    if (entry.index !== this.index + 1)
      throw new Error(`ServerSimApp ${this.node}: applying ${entry.index} after ${this.index}`);
    this.index = entry.index;
    if (entry.type !== EntryType.Normal || entry.data.byteLength < 9 || entry.data[0] !== KIND_COMMAND)
      return;
    const buf = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const req = buf.readDoubleLE(1);
    const cmd = decodeCommand(buf.subarray(9));
    try {
      this.onApplied({ node: this.node, index: entry.index, req, result: this.exec(cmd) });
    } catch (error) {
      this.onApplied({ node: this.node, index: entry.index, req, error });
    }
  }

  /** EtcdServer.apply's dispatch (leases and alarms are not part of the simulated workload). */
  private exec(cmd: Command): unknown {
    const r = cmd.request as never;
    switch (cmd.kind) {
      case "put":
        return this.store.put(r);
      case "deleteRange":
        return this.store.deleteRange(r);
      case "txn":
        return this.store.txn(r as mvcc.TxnRequest);
      case "compact":
        return this.store.compact((r as { revision: number }).revision);
      default:
        throw new Error(`ServerSimApp: ${cmd.kind} is not simulated`);
    }
  }

  snapshot(): Uint8Array {
    const state = this.store.serialize();
    const out = Buffer.allocUnsafe(8 + state.byteLength);
    out.writeDoubleLE(this.index, 0);
    out.set(state, 8);
    return out;
  }

  restore(data: Uint8Array): void {
    if (data.byteLength === 0) {
      this.store = new MvccStore();
      this.index = 0;
      return;
    }
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.index = buf.readDoubleLE(0);
    this.store = MvccStore.fromSnapshot(buf.subarray(8));
  }

  /** The store's KV hash and revision: equal on every node that applied the same entries. */
  fingerprint(): number {
    const h = this.store.hashKV(0);
    return (Math.imul(Number(h.hash) >>> 0, 16777619) ^ this.store.currentRevision) >>> 0;
  }
}
