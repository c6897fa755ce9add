/** Shared helpers for the MVCC store tests: text <-> bytes, and a readable view of kvs. */
import type { KeyValue } from "../../../impl/mvcc/index.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

export const b = (s: string): Uint8Array => enc.encode(s);
export const s = (u: Uint8Array): string => dec.decode(u);
export const ZERO = new Uint8Array([0]);

/** [key, value, createRevision, modRevision, version, lease] */
export function row(kv: KeyValue): [string, string, number, number, number, number] {
  return [s(kv.key), s(kv.value), kv.createRevision, kv.modRevision, kv.version, kv.lease];
}

export function thrown(f: () => unknown): { name: string; message: string; code: number } | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    const err = e as { etcdName?: string; message: string; grpcCode?: number };
    return { name: err.etcdName ?? "?", message: err.message, code: err.grpcCode ?? -1 };
  }
}
