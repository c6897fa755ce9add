/**
 * Test helper: histories from a simulated etcd-like store, for property tests of the revision
 * and set checkers. Concurrent processes invoke operations; each takes effect at one moment
 * between its invoke and its completion, on a store with etcd's revision counter (one new
 * revision per write, header revision on every response), so the history is what a correct
 * linearizable etcd would produce. Processes may crash (an `info` completion, the effect
 * happening or not) or fail definitely (no effect).
 *
 * A planted `lose` bug makes the n-th write take effect, be acknowledged, and then be rolled
 * back (the store returns to the state before it, as an early-acking leader that is deposed):
 * its revision is handed out again to the next write.
 *
 * Encodings: as workloads/register (write / cas / read on keys `r<k>`, values 0-4) and
 * workloads/set (add of unique integer elements to set `s0`, read of the whole set).
 */
import type { Operation } from "../../checkers/history/types.js";

export type Kind = "register" | "set";

export interface SimOptions {
  kind: Kind;
  /** Random choices driving the simulation (each in [0, 1)). */
  choices: readonly number[];
  processes: number;
  /** Roll back the n-th write effect (0-based) after acknowledging it. */
  lose?: number;
  /** Finish with a sequential write (register) or add + read of the set (set). */
  finalOps?: boolean;
}

export interface SimResult {
  history: Operation[];
  /** The acknowledged write that was rolled back, when the bug fired. */
  lost?: { process: number; value: unknown; rev: number; element?: number };
  /** Whether the first write to take effect after the loss completed ok. */
  nextWriteOk?: boolean;
}

interface Cell {
  value: unknown;
  modRev: number;
  version: number;
}

interface Pending {
  process: number;
  f: string;
  key: string;
  value: unknown;
  /** Completion fields once the effect happened. */
  result?: Record<string, unknown>;
  lost?: boolean;
  /** The first write to take effect after the rolled-back one (it reuses its revision). */
  firstAfterLoss?: boolean;
}

export function simulate(o: SimOptions): SimResult {
  let c = 0;
  const pick = (): number => o.choices[c++ % Math.max(1, o.choices.length)] ?? 0.5;
  const int = (n: number): number => Math.min(n - 1, Math.floor(pick() * n));

  let rev = 1;
  let store = new Map<string, Cell>();
  const history: Operation[] = [];
  let time = 0;
  const emit = (e: Omit<Operation, "index" | "time">): void => {
    time += 1000 + int(1000);
    history.push({ ...e, index: history.length, time } as Operation);
  };
  let writes = 0;
  let nextElement = 0;
  const out: SimResult = { history };
  let lossPending = false;

  const effect = (p: Pending): void => {
    const write = (key: string, value: unknown): number => {
      const before = store;
      const cell = store.get(key);
      const next = new Map(store);
      next.set(key, { value, modRev: rev + 1, version: (cell?.version ?? 0) + 1 });
      store = next;
      rev++;
      const r = rev;
      if (lossPending) {
        lossPending = false;
        p.firstAfterLoss = true;
      }
      if (o.lose === writes) {
        // Acknowledged, then rolled back: the revision will be handed out again.
        store = before;
        rev--;
        p.lost = true;
        lossPending = true;
      }
      writes++;
      return r;
    };
    switch (p.f) {
      case "write":
        p.result = { value: p.value, rev: write(p.key, p.value) };
        return;
      case "cas": {
        const [from, to] = p.value as [number, number];
        const cell = store.get(p.key);
        if ((cell?.value ?? null) === from) {
          p.result = { value: p.value, rev: write(p.key, to) };
        } else {
          p.result = {
            value: p.value,
            swapped: false,
            observed: cell?.value ?? null,
            modRev: cell?.modRev ?? 0,
            version: cell?.version ?? 0,
            rev,
          };
        }
        return;
      }
      case "read": {
        if (o.kind === "set") {
          const els = [...store.keys()]
            .filter((k) => k.startsWith(`${p.key}/`))
            .map((k) => store.get(k)!.value as number)
            .sort((a, b) => a - b);
          p.result = { value: els, rev };
        } else {
          const cell = store.get(p.key);
          p.result = cell
            ? { value: cell.value, modRev: cell.modRev, version: cell.version, rev }
            : { value: null, modRev: 0, version: 0, rev };
        }
        return;
      }
      case "add":
        p.result = { value: p.value, rev: write(`${p.key}/${String(p.value)}`, p.value) };
        return;
    }
  };

  const newOp = (process: number): Pending => {
    if (o.kind === "set") {
      if (int(4) === 0) return { process, f: "read", key: "s0", value: null };
      return { process, f: "add", key: "s0", value: nextElement++ };
    }
    const key = `r${int(2)}`;
    switch (int(3)) {
      case 0:
        return { process, f: "read", key, value: null };
      case 1:
        return { process, f: "write", key, value: int(5) };
      default:
        return { process, f: "cas", key, value: [int(5), int(5)] };
    }
  };

  const complete = (p: Pending, type: "ok" | "fail" | "info"): void => {
    const fields = type === "ok" ? p.result! : type === "info" ? { error: "timeout" } : { error: "definite" };
    if (p.firstAfterLoss) out.nextWriteOk = type === "ok";
    if (p.lost && type === "ok")
      out.lost = {
        process: p.process,
        value: p.value,
        rev: p.result!.rev as number,
        ...(p.f === "add" ? { element: p.value as number } : {}),
      };
    emit({
      process: p.process,
      type,
      f: p.f,
      key: p.key,
      ...(type === "ok" ? {} : { value: p.value }),
      ...fields,
    });
  };

  // slots: the process each worker runs now and its op in flight.
  const procs = Array.from({ length: o.processes }, (_, i) => i);
  const inflight: (Pending | undefined)[] = new Array(o.processes).fill(undefined);
  let nextProcess = o.processes;
  const steps = o.choices.length;
  for (let s = 0; s < steps; s++) {
    const slot = int(o.processes);
    const p = inflight[slot];
    if (!p) {
      const op = newOp(procs[slot]!);
      inflight[slot] = op;
      emit({ process: op.process, type: "invoke", f: op.f, key: op.key, value: op.value });
    } else if (!p.result) {
      const r = pick();
      if (r < 0.03) {
        // definite failure: no effect
        complete(p, "fail");
        inflight[slot] = undefined;
      } else if (r < 0.06) {
        // crash: the effect may or may not happen; the process is retired
        if (int(2) === 0) effect(p);
        complete(p, p.f === "read" ? "fail" : "info");
        inflight[slot] = undefined;
        procs[slot] = nextProcess++;
      } else effect(p);
    } else {
      complete(p, "ok");
      inflight[slot] = undefined;
    }
  }
  // Drain: everything in flight takes effect and completes.
  for (let slot = 0; slot < o.processes; slot++) {
    const p = inflight[slot];
    if (!p) continue;
    if (!p.result) effect(p);
    complete(p, "ok");
  }
  if (o.finalOps) {
    const proc = nextProcess;
    const tail: Pending[] =
      o.kind === "set"
        ? [
            { process: proc, f: "add", key: "s0", value: nextElement++ },
            { process: proc, f: "read", key: "s0", value: null },
          ]
        : [{ process: proc, f: "write", key: "r0", value: 9 }];
    for (const p of tail) {
      emit({ process: p.process, type: "invoke", f: p.f, key: p.key, value: p.value });
      effect(p);
      complete(p, "ok");
    }
  }
  return out;
}
