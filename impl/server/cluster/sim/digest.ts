/** A digest of a member's whole store, compared across members after every applied index. */
import type { MvccStore } from "../../../mvcc/index.js";
import { TraceHash, fnv32 } from "../../../sim/trace-hash.js";

const te = new TextEncoder();
const ALL = te.encode("\0");

/** Digest of the store's whole state (every key with its value and revisions, and the revision). */
export function storeDigest(store: MvccStore): number {
  const r = store.range({ key: ALL, rangeEnd: ALL });
  const h = new TraceHash();
  h.add(store.currentRevision);
  for (const kv of r.kvs) {
    h.add(fnv32(kv.key));
    h.add(fnv32(kv.value));
    h.add(Number(kv.modRevision));
    h.add(Number(kv.createRevision));
    h.add(Number(kv.version));
  }
  return parseInt(h.hex().slice(0, 13), 16);
}
