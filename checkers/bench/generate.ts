/**
 * Seeded generator of linearizable histories, for the checker's bench and property tests.
 *
 * Clients (processes) issue operations one at a time against a simulated object; each
 * operation gets a call time, a linearization point strictly inside its interval and a
 * return time, and its result is computed by applying the operations in order of their
 * linearization points. So every history it makes is linearizable, with real-time overlaps
 * as random as the options allow. Optionally some operations end `info` (half of them took
 * effect, half never did; the process is then retired and its worker continues under a
 * fresh process id) or `fail` (no effect).
 */
import type { Operation } from "../history/types.js";

export type SimModel = "register" | "cas-register" | "kv";

export interface SimOptions {
  model: SimModel;
  /** Concurrent clients. Default 5. */
  processes?: number;
  /** Number of client operations. */
  ops: number;
  /** Number of keys. Default 1. */
  keys?: number;
  seed: number;
  /** Probability an operation ends `info`. Default 0. */
  infoRate?: number;
  /** Probability an operation ends `fail`. Default 0. */
  failRate?: number;
  /** Values written are drawn from 0..values-1 (register models). Default 5. */
  values?: number;
  /** Mean think time between a client's operations, ns. Default 1000. */
  gap?: number;
  /** Maximal latency of an operation, ns. Default 5000. */
  latency?: number;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimOp {
  process: number;
  f: string;
  key: string;
  value: unknown;
  call: number;
  lin: number;
  ret: number;
  outcome: "ok" | "info" | "fail";
  effect: boolean;
  result?: unknown;
  swapped?: boolean;
  observed?: unknown;
}

export function generateHistory(o: SimOptions): Operation[] {
  const r = rng(o.seed);
  const processes = o.processes ?? 5;
  const keys = o.keys ?? 1;
  const values = o.values ?? 5;
  const gap = o.gap ?? 1000;
  const latency = o.latency ?? 5000;
  const infoRate = o.infoRate ?? 0;
  const failRate = o.failRate ?? 0;
  const int = (n: number): number => Math.floor(r() * n);
  const keyName = (k: number): string => (o.model === "kv" ? String(k) : `r${k}`);

  const free = new Float64Array(processes);
  const pid = Array.from({ length: processes }, (_, i) => i);
  let nextPid = processes;
  const counters = new Int32Array(processes);
  const ops: SimOp[] = [];
  for (let n = 0; n < o.ops; n++) {
    let w = 0;
    for (let i = 1; i < processes; i++) if (free[i]! < free[w]!) w = i;
    const call = free[w]! + r() * 2 * gap;
    const lat = 1 + r() * latency;
    const lin = call + r() * lat * 0.98 + lat * 0.01;
    const ret = call + lat;
    free[w] = ret + 1;
    const key = keyName(int(keys));
    let f: string;
    let value: unknown;
    const x = r();
    if (o.model === "kv") {
      if (x < 0.5) [f, value] = ["get", null];
      else if (x < 0.6) [f, value] = ["put", `x ${pid[w]} ${counters[w]} y`];
      else [f, value] = ["append", `x ${pid[w]} ${counters[w]} y`];
      counters[w]!++;
    } else if (o.model === "register" || x < 0.4) {
      if (x < 0.5) [f, value] = ["read", null];
      else [f, value] = ["write", int(values)];
    } else if (x < 0.7) [f, value] = ["read", null];
    else if (x < 0.85) [f, value] = ["write", int(values)];
    else [f, value] = ["cas", [int(values), int(values)]];
    const y = r();
    const outcome = y < infoRate ? "info" : y < infoRate + failRate ? "fail" : "ok";
    const effect = outcome === "ok" || (outcome === "info" && r() < 0.5);
    ops.push({ process: pid[w]!, f, key, value, call, lin, ret, outcome, effect });
    if (outcome === "info") pid[w] = nextPid++;
  }

  // Apply in linearization order.
  const init: unknown = o.model === "kv" ? "" : null;
  const state = new Map<string, unknown>();
  for (const op of [...ops].sort((a, b) => a.lin - b.lin)) {
    if (!op.effect) continue;
    const cur = state.has(op.key) ? state.get(op.key) : init;
    switch (op.f) {
      case "read":
      case "get":
        op.result = cur;
        break;
      case "write":
      case "put":
        state.set(op.key, op.value);
        break;
      case "append":
        state.set(op.key, (cur as string) + (op.value as string));
        break;
      case "cas": {
        const [from, to] = op.value as [unknown, unknown];
        if (cur === from) {
          state.set(op.key, to);
          op.swapped = true;
        } else {
          op.swapped = false;
          if (r() < 0.5) op.observed = cur;
        }
      }
    }
  }

  const events: { t: number; e: Operation }[] = [];
  for (const op of ops) {
    events.push({
      t: op.call,
      e: { index: 0, time: 0, process: op.process, type: "invoke", f: op.f, key: op.key, value: op.value },
    });
    const c: Operation = {
      index: 0,
      time: 0,
      process: op.process,
      type: op.outcome,
      f: op.f,
      key: op.key,
      value: op.value,
    };
    if (op.outcome === "ok" && (op.f === "read" || op.f === "get")) c.value = op.result;
    if (op.outcome === "ok" && op.f === "cas" && op.swapped === false) {
      c.swapped = false;
      if ("observed" in op) c.observed = op.observed;
    }
    events.push({ t: op.ret, e: c });
  }
  events.sort((a, b) => a.t - b.t);
  return events.map(({ t, e }, index) => ({ ...e, index, time: Math.round(t) }));
}
