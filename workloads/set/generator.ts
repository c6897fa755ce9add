/**
 * The set workload's generators. Main phase: independent sets `s0, s1, ...`, each worked on by
 * a group of threads (as the register workload's keys), `opsPerKey` ops per set, then a fresh
 * set: about one read in ten ops, the others adds, each of the set's next element (0, 1, 2, ...
 * — unique within the set, so every element has exactly one add). Reads are rare on purpose: a
 * linearizable read on a member cut off from the quorum blocks its client until the deadline,
 * so every read a client issues there ends its run of writes to that member (the adds an
 * early-acking isolated leader would acknowledge and lose); the final reads are what every
 * element is judged by. Final phase, after the faults are
 * healed: every client thread reads every set, retrying a failed read (at most `attempts`
 * times per set and thread), so that each member is asked and a lost element is seen missing.
 */
import { fillIn } from "../../harness/generator/context.js";
import { concurrentKeys } from "../../harness/generator/keys.js";
import { repeat } from "../../harness/generator/repeat.js";
import { eachThread } from "../../harness/generator/threads.js";
import type { Context, GenLike, Generator, OpResult, OpSpec } from "../../harness/generator/types.js";
import { untilOk } from "../../harness/generator/until-ok.js";

export interface SetGenOptions {
  /** Operations per set before a fresh set. */
  opsPerKey: number;
  /** Threads working on one set at a time. */
  threadsPerKey: number;
}

/** Chance that an op is a read (the others are adds). */
export const READ_RATIO = 0.1;

/** Adds of consecutive elements from `next` on, with a read in about one op out of ten. */
export class SetOps implements Generator {
  constructor(readonly next: number) {}
  op(ctx: Context): OpResult {
    if (ctx.freeThreads.length === 0) return "pending";
    const read = ctx.random.int(1000) < READ_RATIO * 1000;
    const spec: OpSpec = read ? { f: "read", value: null } : { f: "add", value: this.next };
    const op = fillIn(spec, ctx);
    if (!op) return "pending";
    return { op, next: read ? this : new SetOps(this.next + 1) };
  }
  update(): Generator {
    return this;
  }
}

export function setGenerator(o: SetGenOptions): Generator {
  return concurrentKeys({
    groupSize: o.threadsPerKey,
    opsPerKey: o.opsPerKey,
    key: (i) => `s${i}`,
    gen: () => new SetOps(0),
  });
}

/** Every thread reads every set, each read retried until ok, at most `attempts` times. */
export function finalSetReads(keys: readonly string[], attempts = 3): GenLike {
  return eachThread(
    keys.map((key) =>
      untilOk(repeat({ f: "read", key, value: null, final: true } satisfies OpSpec, attempts)),
    ),
  );
}
