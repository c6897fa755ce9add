/**
 * The WGL search (Wing & Gong, with Lowe's cache; the algorithm Porcupine uses) over one
 * partition.
 *
 * The history is a doubly linked list of call and return entries in real-time order. The
 * search walks the list from its head: a call entry whose operation the model accepts in
 * the current state is "lifted" (its call and return entries are unlinked, the op is pushed
 * on a stack, the state advances) unless the resulting (linearized set, state) pair was
 * seen before; reaching a return entry means the op it belongs to could not be placed
 * before its own return, so the search backtracks: pops the last op, "unlifts" it and tries
 * the next entry after its call. The history is linearizable when every `ok` op has been
 * placed (ops that may not have happened, `info`/pending, need not be: their returns sit at
 * +infinity and constrain nothing).
 *
 * Everything is on integer ids and typed arrays: the linked list in Int32Arrays, the
 * linearized set hashed incrementally (Zobrist: a random 30-bit word per op, XORed in and
 * out), the visited configurations in configurations.ts. Per step the only allocation is
 * what the model's `step` makes. Reductions that keep a linearization if there is one (read-
 * only ops first; no pointless info ops) are explained where they are applied.
 */
import { Configurations } from "./configurations.js";
import { hashValue } from "./hash.js";
import type { Model, Validity } from "./types.js";

export interface SearchProblem<S, I, O> {
  /** Number of ops (local ids 0..n-1). */
  n: number;
  inputs: readonly I[];
  outputs: readonly O[];
  /** 1 for ops that must be placed (ok), 0 for ops that may be left out (info/pending). */
  mustPlace: Uint8Array;
  /** 1 for ops that never change the state (see Model.readOnly). */
  readOnly: Uint8Array;
  /** 1 for ops that overwrite the whole state (see Model.blind). */
  blind: Uint8Array;
  /** Entries in real-time order: 2·id for a call, 2·id+1 for a return; length 2n. */
  order: Int32Array;
  /**
   * The model: its methods are called as methods (`model.step(...)`), so that the call
   * targets stay the same from one check to the next (no per-check closures or binds,
   * which would make V8 deoptimize this loop each time).
   */
  model: Model<S, I, O>;
  /** `performance.now()` value after which the search gives up (Infinity: never). */
  deadline: number;
  /** Budget for the cache, estimated bytes. */
  memoryBudget: number;
}

export interface SearchOutcome<S> {
  valid: Validity;
  reason?: string;
  /** Cache entries made (distinct configurations reached). */
  explored: number;
  /** The deepest linearization reached (local ids in order). */
  best: Int32Array;
  /** The state after it. */
  bestState: S;
}

/** Deterministic Zobrist words (xorshift32 from a fixed seed), shared and grown on demand. */
let zobrist = new Int32Array(0);
function zobristWords(n: number): Int32Array {
  if (zobrist.length >= n) return zobrist;
  const next = new Int32Array(Math.max(n, zobrist.length * 2, 1024));
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < next.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    next[i] = x & 0x3fffffff; // 30 bits: XORs of them stay small integers (no heap numbers before V8 optimizes)
  }
  zobrist = next;
  return next;
}

/** The state's hash folded to 30 bits (the Zobrist words randomize the low bits). */
function mixState(h: number): number {
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

export function search<S, I, O>(p: SearchProblem<S, I, O>): SearchOutcome<S> {
  const { n, inputs, outputs, mustPlace, readOnly, blind, order, model, deadline } = p;
  const hasHash = typeof model.hash === "function";
  const HEAD = 2 * n;
  const TAIL = 2 * n + 1;
  const next = new Int32Array(2 * n + 2);
  const prev = new Int32Array(2 * n + 2);
  let last = HEAD;
  for (let k = 0; k < order.length; k++) {
    const e = order[k]!;
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = TAIL;
  prev[TAIL] = last;
  next[TAIL] = -1;
  prev[HEAD] = -1;

  const zob = zobristWords(n);
  let remaining = 0;
  for (let i = 0; i < n; i++) remaining += mustPlace[i]!;
  const nOk = remaining;
  const seen = new Configurations<S>(mustPlace, model as Model<S, unknown, unknown>);
  const memoryBudget = p.memoryBudget;

  const stackOp = new Int32Array(n);
  /** 1 when the frame placed a read-only op: its node fails when its child does. */
  const forced = new Uint8Array(n);
  const stackState: S[] = new Array<S>(n);
  let depth = 0;
  let state = model.init();
  let z = 0;
  // The deepest point (most ok ops placed; it ends with an ok op): saved lazily (copied when
  // the search first backtracks from it).
  let best = new Int32Array(0);
  let bestOk = 0;
  let bestDepth = 0;
  let bestSaved = true;
  let bestState = state;
  let iter = 0;

  const outcome = (valid: Validity, reason?: string): SearchOutcome<S> => {
    if (!bestSaved) best = stackOp.slice(0, bestDepth);
    return { valid, reason, explored: seen.size, best, bestState };
  };

  // On arriving at a node, first look for a read-only op that fits: if one does, it is the
  // only child worth trying (if the node has a linearization, one starts with it: moving a
  // state-preserving op that may come next to the front keeps every later state and every
  // real-time constraint). Otherwise the read-only ops all fail here and the scan skips them.
  let entry = next[HEAD]!;
  let arrived = true;
  for (;;) {
    if (remaining === 0) {
      bestDepth = depth;
      bestState = state;
      bestSaved = false;
      return outcome(true);
    }
    if ((++iter & 0x3fff) === 0 && performance.now() > deadline) return outcome("unknown", "timeout");
    let fails = false;
    let ns: S | null = null;
    let stepped = false;
    if (arrived) {
      arrived = false;
      for (let e = next[HEAD]!; (e & 1) === 0; e = next[e]!) {
        const i = e >>> 1;
        if (readOnly[i]) {
          ns = model.step(state, inputs[i]!, outputs[i]!);
          if (ns !== null) {
            entry = e;
            stepped = true;
            break;
          }
        }
      }
      if (!stepped) {
        entry = next[HEAD]!;
        while ((entry & 1) === 0 && readOnly[entry >>> 1]) entry = next[entry]!;
      }
    }
    if ((entry & 1) === 0) {
      const i = entry >>> 1;
      const ro = readOnly[i]!;
      if (!stepped) {
        // Two placements of ops that may be left out (info/pending) never help: one that would
        // not change the state here, and one that overwrites the state right after another
        // such op (whose effect it would erase). A linearization with fewer of them exists,
        // so one with as few as possible has neither, and the search still finds it. (Not
        // applied to ok ops after info ops: that would prune as soundly, but leads the search
        // into large failing subtrees before the equivalent sibling on valid histories.)
        if (blind[i] && !mustPlace[i] && depth > 0 && !mustPlace[stackOp[depth - 1]!]) ns = null;
        else {
          ns = model.step(state, inputs[i]!, outputs[i]!);
          if (ns === state && !mustPlace[i]) ns = null;
        }
      }
      if (ns !== null) {
        seen.set(i);
        const nz = z ^ zob[i]!;
        // The configuration includes whether its last op may be left out: the overwrite rule
        // above makes what is explored from it depend on that, so it is part of the key.
        const tag = 1 - mustPlace[i]!;
        if (seen.add(nz ^ mixState(hasHash ? model.hash!(ns) : hashValue(ns)) ^ (tag << 29), ns, tag)) {
          if (seen.bytes > memoryBudget) return outcome("unknown", "memory");
          stackOp[depth] = i;
          stackState[depth] = state;
          forced[depth] = ro;
          depth++;
          state = ns;
          z = nz;
          remaining -= mustPlace[i]!;
          // lift: unlink the call and the return entries
          const c = entry;
          const r = c + 1;
          next[prev[c]!] = next[c]!;
          prev[next[c]!] = prev[c]!;
          next[prev[r]!] = next[r]!;
          prev[next[r]!] = prev[r]!;
          if (nOk - remaining > bestOk) {
            bestOk = nOk - remaining;
            bestDepth = depth;
            bestState = state;
            bestSaved = false;
          }
          arrived = true;
          continue;
        }
        seen.clear(i);
        // A read-only op that fits leads to a configuration already seen (so failed): then
        // this node fails too.
        fails = ro === 1;
      }
      if (!fails) {
        // the next candidate (read-only ops were all tried on arrival)
        entry = next[entry]!;
        while ((entry & 1) === 0 && readOnly[entry >>> 1]) entry = next[entry]!;
        continue;
      }
    } else if (entry === TAIL) {
      // Only reachable if every remaining entry is a call, which cannot happen; be safe.
      return outcome("unknown", "internal: reached the end of the entry list");
    }
    // The current node fails: pop, and keep popping while the popped frame was forced.
    let i: number;
    for (;;) {
      if (depth === 0) return outcome(false);
      if (!bestSaved && depth === bestDepth) {
        best = stackOp.slice(0, depth);
        bestSaved = true;
      }
      depth--;
      i = stackOp[depth]!;
      state = stackState[depth]!;
      seen.clear(i);
      z ^= zob[i]!;
      remaining += mustPlace[i]!;
      // unlift: relink the return, then the call
      const c = 2 * i;
      const r = c + 1;
      next[prev[r]!] = r;
      prev[next[r]!] = r;
      next[prev[c]!] = c;
      prev[next[c]!] = c;
      if (!forced[depth]) break;
    }
    // resume the parent's scan after this op
    entry = next[2 * i]!;
    while ((entry & 1) === 0 && readOnly[entry >>> 1]) entry = next[entry]!;
  }
}
