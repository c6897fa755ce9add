/**
 * The server's state machine (entry format, command codec, MVCC store) under impl/sim's
 * deterministic faults, with the client history checked by checkers/linearizable: writes,
 * reads and compare-and-set (txn) on three registers, each op invoked when the simulator
 * makes its proposal and completed when the entry is first applied (its result as applied);
 * an op never applied anywhere by the end of the run completes as `fail`.
 * Every node must also agree on the store at every index (the simulator's fingerprint check).
 * `GAUNTLET_SIM_SEEDS=200 npx vitest run test/impl/server/cluster-sim.test.ts` runs longer.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../../impl/sim/index.js";
import type { SeededRand } from "../../../impl/raft/index.js";
import { ServerSimApp, encodeEntryData, type Applied } from "../../../impl/server/cluster/sim-app.js";
import { check } from "../../../checkers/linearizable/index.js";
import type { Operation } from "../../../checkers/history/index.js";

const te = new TextEncoder();
const td = new TextDecoder();

interface Pending {
  process: number;
  f: "write" | "read" | "cas";
  key: string;
  value: unknown;
}

function run(seed: number, nodes: number, ticks: number, confChanges: boolean) {
  const history: Operation[] = [];
  const pending = new Map<number, Pending>();
  const lastProposed = new Map<string, number>();
  let time = 0;
  const push = (o: Omit<Operation, "index" | "time">): void => {
    history.push({ index: history.length, time: ++time, ...o } as Operation);
  };
  const onApplied = (a: Applied): void => {
    const p = pending.get(a.req);
    if (!p) return; // completed already (first apply anywhere) or not a client op
    pending.delete(a.req);
    if (a.error !== undefined) throw new Error(`op ${a.req} failed on node ${a.node}: ${String(a.error)}`);
    const r = a.result as {
      succeeded?: boolean;
      responses?: { responseRange?: { kvs?: { value: Uint8Array }[] } }[];
    };
    if (p.f === "write") push({ process: p.process, type: "ok", f: "write", key: p.key, value: p.value });
    else if (p.f === "read") {
      const kv = r.responses?.[0]?.responseRange?.kvs?.[0];
      push({
        process: p.process,
        type: "ok",
        f: "read",
        key: p.key,
        value: kv ? Number(td.decode(kv.value)) : null,
      });
    } else
      push({ process: p.process, type: r.succeeded ? "ok" : "fail", f: "cas", key: p.key, value: p.value });
  };
  const payload = (seq: number, rand: SeededRand): Uint8Array => {
    const key = `r${rand.intn(3)}`;
    const k = te.encode(key);
    const roll = rand.intn(10);
    let p: Pending;
    let data: Uint8Array;
    if (roll < 4) {
      p = { process: seq, f: "write", key, value: seq };
      data = encodeEntryData(seq, { kind: "put", request: { key: k, value: te.encode(String(seq)) } });
    } else if (roll < 8) {
      p = { process: seq, f: "read", key, value: null };
      data = encodeEntryData(seq, {
        kind: "txn",
        request: { compare: [], success: [{ requestRange: { key: k } }], failure: [] },
      });
    } else {
      // cas from the value last proposed for the key (mostly), else from an older value
      const last = lastProposed.get(key);
      const from = last !== undefined && rand.intn(4) > 0 ? last : Math.max(1, seq - 1 - rand.intn(6));
      p = { process: seq, f: "cas", key, value: [from, seq] };
      data = encodeEntryData(seq, {
        kind: "txn",
        request: {
          compare: [{ result: 0, target: 3, key: k, value: te.encode(String(from)) }],
          success: [{ requestPut: { key: k, value: te.encode(String(seq)) } }],
          failure: [],
        },
      });
    }
    pending.set(seq, p);
    if (p.f !== "read") lastProposed.set(key, seq);
    push({ process: p.process, type: "invoke", f: p.f, key: p.key, value: p.f === "read" ? null : p.value });
    return data;
  };
  const result = simulate({
    seed,
    nodes,
    ticks,
    confChanges,
    proposalsPerTick: 1,
    app: (id) => new ServerSimApp(id, onApplied),
    payload,
  });
  // Never applied on any node by the end of the run: no state and no read ever saw it, so for
  // this (finished) history it did not happen. (As info ops they only slow the search.)
  for (const p of pending.values())
    push({ process: p.process, type: "fail", f: p.f, key: p.key, value: p.f === "read" ? null : p.value });
  return { result, history };
}

describe("the server's state machine in the simulator, checked for linearizability", () => {
  const seeds = Number(process.env.GAUNTLET_SIM_SEEDS ?? 6);
  const totals: Record<string, number> = {};
  for (let s = 1; s <= seeds; s++) {
    const nodes = s % 2 === 0 ? 5 : 3;
    it(`seed ${s}, ${nodes} nodes${s % 3 === 0 ? ", membership changes" : ""}`, () => {
      const { result, history } = run(s, nodes, 250, s % 3 === 0);
      expect(result.violations, JSON.stringify(result.violations.slice(0, 3))).toEqual([]);
      for (const o of history) {
        if (o.type === "invoke") continue;
        const k = `${o.type} ${o.f}${o.f === "read" && o.value === null ? " (nil)" : ""}`;
        totals[k] = (totals[k] ?? 0) + 1;
      }
      const c = check(history, { model: "cas-register", timeoutMs: 20_000 });
      expect(c.valid, JSON.stringify(c).slice(0, 2000)).toBe(true);
    }, 60_000);
  }

  it("over all seeds the workload took every path: reads that saw writes, cas that swapped and that did not", () => {
    expect(totals["ok read"] ?? 0, JSON.stringify(totals)).toBeGreaterThan(20 * seeds);
    expect(totals["ok cas"] ?? 0, JSON.stringify(totals)).toBeGreaterThan(seeds);
    expect(totals["fail cas"] ?? 0, JSON.stringify(totals)).toBeGreaterThan(seeds);
    expect(totals["ok write"] ?? 0, JSON.stringify(totals)).toBeGreaterThan(20 * seeds);
  });

  it("the check is not vacuous: a read changed to a value never written makes the history invalid", () => {
    const { history } = run(1, 3, 150, false);
    const i = history.findIndex((o) => o.type === "ok" && o.f === "read" && typeof o.value === "number");
    expect(i).toBeGreaterThan(-1);
    const bad = history.map((o, j) => (j === i ? { ...o, value: 999_999_999 } : o));
    expect(check(bad, { model: "cas-register", timeoutMs: 20_000 }).valid).toBe(false);
  }, 60_000);
});
