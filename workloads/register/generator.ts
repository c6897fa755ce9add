/**
 * The register workload's generators. Main phase: independent keys `r0, r1, ...`, each worked on
 * by a group of threads (Jepsen's concurrent-generator) with random read / write / cas ops
 * (values 0-4, so that cas succeeds often enough), `opsPerKey` ops per key, then a fresh key.
 * Final phase: one read of every key touched.
 */
import { concurrentKeys } from "../../harness/generator/keys.js";
import type { Context, GenLike, Generator, OpSpec } from "../../harness/generator/types.js";

export interface RegisterGenOptions {
  /** Operations per key before a fresh key (default 100). */
  opsPerKey: number;
  /** Threads working on one key at a time (default 5). */
  threadsPerKey: number;
}

/** One random register op. */
export function randomOp(ctx: Context): OpSpec {
  const r = ctx.random;
  switch (r.int(3)) {
    case 0:
      return { f: "read", value: null };
    case 1:
      return { f: "write", value: r.int(5) };
    default:
      return { f: "cas", value: [r.int(5), r.int(5)] };
  }
}

export function registerGenerator(o: RegisterGenOptions): Generator {
  return concurrentKeys({
    groupSize: o.threadsPerKey,
    opsPerKey: o.opsPerKey,
    key: (i) => `r${i}`,
    gen: () => randomOp,
  });
}

/** A final read of each key. */
export function finalReads(keys: readonly string[]): GenLike {
  return keys.map((key): OpSpec => ({ f: "read", key, value: null, final: true }));
}
