/**
 * A brute-force linearizability checker for small histories, written independently of the
 * checker under test (its own pairing, its own semantics of register/cas-register/kv, no
 * partitioning, no cache): tries every order of the operations consistent with real time.
 */
import type { Operation } from "../../../checkers/history/types.js";

interface BOp {
  f: string;
  key: string;
  input: unknown;
  output: unknown;
  status: string;
  swapped: boolean;
  observed: { v: unknown } | undefined;
  inv: number;
  comp: number;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function bruteForce(
  history: readonly Operation[],
  model: "register" | "cas-register" | "kv",
): boolean {
  const ops: BOp[] = [];
  const open = new Map<unknown, BOp>();
  history.forEach((e, pos) => {
    if (e.type === "invoke") {
      const op: BOp = {
        f: e.f,
        key: e.key ?? "",
        input: e.value,
        output: undefined,
        status: "pending",
        swapped: true,
        observed: undefined,
        inv: pos,
        comp: Infinity,
      };
      ops.push(op);
      open.set(e.process, op);
    } else {
      const op = open.get(e.process)!;
      open.delete(e.process);
      op.status = e.type;
      if (e.type === "ok") {
        op.comp = pos;
        op.output = e.value;
        if (e.swapped === false) op.swapped = false;
        if ("observed" in e) op.observed = { v: e.observed };
      }
    }
  });
  const live = ops.filter((o) => o.status !== "fail");
  const must = live.filter((o) => o.status === "ok").length;
  const blank: unknown = model === "kv" ? "" : null;

  // One step of the reference semantics; undefined = impossible.
  const apply = (state: Map<string, unknown>, o: BOp): Map<string, unknown> | undefined => {
    const cur = state.has(o.key) ? state.get(o.key) : blank;
    const known = o.status === "ok";
    const set = (v: unknown): Map<string, unknown> => new Map(state).set(o.key, v);
    switch (o.f) {
      case "read":
        return !known || same(cur, o.output) ? state : undefined;
      case "get":
        return !known || same(cur, o.output ?? "") ? state : undefined;
      case "write":
      case "put":
        return set(o.input);
      case "append":
        return set(String(cur) + String(o.input));
      case "cas": {
        const [from, to] = o.input as [unknown, unknown];
        const holds = same(cur, from);
        if (!known) return holds ? set(to) : state;
        if (o.swapped) return holds ? set(to) : undefined;
        if (holds) return undefined;
        return o.observed === undefined || same(cur, o.observed.v) ? state : undefined;
      }
    }
    throw new Error(`brute force: unknown f ${o.f}`);
  };

  const placed = new Array<boolean>(live.length).fill(false);
  const dfs = (state: Map<string, unknown>, placedOk: number): boolean => {
    if (placedOk === must) return true;
    for (let i = 0; i < live.length; i++) {
      if (placed[i]) continue;
      const o = live[i]!;
      // every ok op that completed before o was invoked must already be placed
      if (live.some((p, j) => !placed[j] && p.comp < o.inv)) continue;
      const next = apply(state, o);
      if (next === undefined) continue;
      placed[i] = true;
      const ok = dfs(next, placedOk + (o.status === "ok" ? 1 : 0));
      placed[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return dfs(new Map(), 0);
}
