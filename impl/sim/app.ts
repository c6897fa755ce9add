/**
 * What runs on top of the consensus core in a simulated node. The simulator hosts the core
 * (persists Ready, sends, applies) and hands committed entries to an {@link Application};
 * the reference server's store + apply loop will plug in here (issue 5), the default is
 * {@link ChainApp}.
 */
import type { Entry, ReadState } from "../raft/index.js";
import { fnv32 } from "./trace-hash.js";

export interface Application {
  /** Applies one committed entry (normal, empty or conf change), in log order. */
  apply(entry: Entry): void;
  /** The state after the last applied entry, for a snapshot. */
  snapshot(): Uint8Array;
  /** Replaces the state by a snapshot's. */
  restore(data: Uint8Array): void;
  /** A fingerprint of the state (the simulator compares it across nodes at one index). */
  fingerprint(): number;
  /**
   * Optional: a ReadIndex answer arrived (after this Ready's committed entries were
   * applied). Serve the read once this node has applied up to `rs.index` — now, or after
   * later entries if it is still catching up.
   */
  read?(rs: ReadState): void;
}

export type ApplicationFactory = (nodeId: number) => Application;

/**
 * The default application: a running hash over every applied entry, `chain(i) =
 * h(chain(i-1), index, term, data)`. Two nodes that applied different entries anywhere
 * below index i disagree on chain(i), so comparing fingerprints checks state machine safety
 * through snapshots too.
 */
export class ChainApp implements Application {
  index = 0;
  chain = 0;

  apply(entry: Entry): void {
    if (entry.index !== this.index + 1) {
      throw new Error(`ChainApp: applying ${entry.index} after ${this.index} (gap or repeat)`);
    }
    let h = Math.imul(this.chain ^ entry.index, 16777619);
    h = Math.imul(h ^ entry.term, 16777619);
    h = Math.imul(h ^ entry.type, 16777619);
    this.chain = Math.imul(h ^ fnv32(entry.data), 16777619) >>> 0;
    this.index = entry.index;
  }

  snapshot(): Uint8Array {
    const out = new Uint8Array(16);
    const v = new DataView(out.buffer);
    v.setFloat64(0, this.index, true);
    v.setUint32(8, this.chain, true);
    return out;
  }

  restore(data: Uint8Array): void {
    if (data.length === 0) {
      this.index = 0;
      this.chain = 0;
      return;
    }
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.index = v.getFloat64(0, true);
    this.chain = v.getUint32(8, true);
  }

  fingerprint(): number {
    return this.chain;
  }
}
