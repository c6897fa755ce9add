import { describe, expect, it } from "vitest";
import {
  any,
  clients,
  concurrentKeys,
  cycle,
  delay,
  eachProcess,
  eachThread,
  filter,
  fn,
  limit,
  map,
  mix,
  ms,
  nemesis,
  once,
  perKey,
  phases,
  repeat,
  reserve,
  seconds,
  seq,
  sleep,
  stagger,
  timeLimit,
  untilOk,
  weightedMix,
} from "../../../harness/generator/index.js";
import { completions, invokes, simulate } from "./sim.js";

const r = { f: "read" };
const w = { f: "write" };

describe("lift", () => {
  it("emits an op template once, an array in order, a function until it returns null", async () => {
    let calls = 0;
    const { history } = await simulate([r, w, fn(() => (calls++ < 3 ? { f: "cas", value: calls } : null))], {
      threads: 2,
    });
    expect(invokes(history).map((e) => e.f)).toEqual(["read", "write", "cas", "cas", "cas"]);
    expect(
      invokes(history)
        .filter((e) => e.f === "cas")
        .map((e) => e.value),
    ).toEqual([1, 2, 3]);
  });
  it("runs a generator returned by a function to exhaustion before calling it again", async () => {
    let rounds = 0;
    const { history } = await simulate(
      fn(() => (rounds++ < 2 ? [r, w] : null)),
      { threads: 1 },
    );
    expect(invokes(history).map((e) => e.f)).toEqual(["read", "write", "read", "write"]);
  });
  it("does not call a function while no thread is free (no op is lost)", async () => {
    let calls = 0;
    const g = fn(() => (calls < 50 ? { f: "write", value: calls++ } : null));
    // the nemesis thread is often free while every client thread is busy
    const { history } = await simulate(any(clients(g), nemesis(cycle([sleep(ms(1)), { f: "noop" }]))), {
      threads: 3,
      nemesis: true,
      timeLimit: seconds(2),
    });
    expect(
      invokes(history)
        .filter((e) => e.f === "write")
        .map((e) => e.value),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
  it("rejects values that are not generators", () => {
    expect(() => seq(42 as never)).toThrow(/not a generator/);
  });
});

describe("limit and once", () => {
  it("limit stops after n ops", async () => {
    const { history } = await simulate(limit(7, repeat(r)), { threads: 3 });
    expect(invokes(history)).toHaveLength(7);
    expect(completions(history)).toHaveLength(7);
  });
  it("once takes one op of a longer generator", async () => {
    const { history } = await simulate(once(repeat(w)));
    expect(invokes(history)).toHaveLength(1);
  });
});

describe("mix", () => {
  it("draws from every generator, about uniformly, and ends when all are exhausted", async () => {
    const { history } = await simulate(mix([limit(300, repeat(r)), limit(300, repeat(w))]), { threads: 4 });
    const fs = invokes(history).map((e) => e.f);
    expect(fs).toHaveLength(600);
    const firstHalf = fs.slice(0, 200);
    const reads = firstHalf.filter((f) => f === "read").length;
    expect(reads).toBeGreaterThan(70);
    expect(reads).toBeLessThan(130);
  });
  it("weightedMix follows its weights", async () => {
    const { history } = await simulate(
      limit(
        1000,
        weightedMix([
          [9, repeat(r)],
          [1, repeat(w)],
        ]),
      ),
      { threads: 4 },
    );
    const writes = invokes(history).filter((e) => e.f === "write").length;
    expect(writes).toBeGreaterThan(50);
    expect(writes).toBeLessThan(160);
  });
  it("is reproducible from the seed, and another seed gives another sequence", async () => {
    const g = limit(200, mix([repeat(r), repeat(w), repeat({ f: "cas" })]));
    const a = await simulate(g, { seed: 7 });
    const b = await simulate(g, { seed: 7 });
    const c = await simulate(g, { seed: 8 });
    expect(b.history).toEqual(a.history);
    expect(c.history.map((e) => e.f)).not.toEqual(a.history.map((e) => e.f));
  });
});

describe("time", () => {
  it("timeLimit invokes nothing at or after its deadline", async () => {
    const { history } = await simulate(timeLimit(seconds(1), repeat(r)), { threads: 3 });
    const inv = invokes(history);
    expect(inv.length).toBeGreaterThan(100);
    expect(Math.max(...inv.map((e) => e.time))).toBeLessThan(seconds(1));
    expect(completions(history)).toHaveLength(inv.length);
  });
  it("stagger spaces ops by random gaps with the given mean", async () => {
    const { history } = await simulate(limit(2000, stagger(ms(20), repeat(r))), {
      threads: 8,
      latency: () => ms(1),
    });
    const t = invokes(history).map((e) => e.time);
    const mean = (t[t.length - 1]! - t[0]!) / (t.length - 1);
    expect(mean).toBeGreaterThan(ms(18));
    expect(mean).toBeLessThan(ms(22));
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    expect(new Set(gaps).size).toBeGreaterThan(100); // random, not fixed
    expect(Math.max(...gaps)).toBeLessThan(ms(40) + ms(1));
  });
  it("delay spaces ops exactly", async () => {
    const { history } = await simulate(limit(20, delay(ms(50), repeat(r))), {
      threads: 4,
      latency: () => ms(1),
    });
    const t = invokes(history).map((e) => e.time);
    t.slice(1).forEach((x, i) => expect(x - t[i]!).toBe(ms(50)));
  });
  it("sleep keeps a thread busy without recording anything", async () => {
    const { history } = await simulate([sleep(seconds(3)), r], { threads: 1 });
    expect(history.map((e) => e.type)).toEqual(["invoke", "ok"]);
    expect(history[0]!.time).toBe(seconds(3));
  });
});

describe("phases", () => {
  it("starts a phase only after every op of the previous one completed", async () => {
    const { history } = await simulate(phases(limit(10, repeat(w)), limit(5, repeat(r))), { threads: 3 });
    const lastWriteDone = Math.max(
      ...history.filter((e) => e.f === "write" && e.type !== "invoke").map((e) => e.index),
    );
    const firstRead = Math.min(...history.filter((e) => e.f === "read").map((e) => e.index));
    expect(firstRead).toBeGreaterThan(lastWriteDone);
    expect(invokes(history)).toHaveLength(15);
  });
  it("seq (no phases) overlaps the next generator with in-flight ops", async () => {
    const { history } = await simulate(seq(limit(10, repeat(w)), limit(5, repeat(r))), { threads: 3 });
    const lastWriteDone = Math.max(
      ...history.filter((e) => e.f === "write" && e.type !== "invoke").map((e) => e.index),
    );
    const firstRead = Math.min(...history.filter((e) => e.f === "read").map((e) => e.index));
    expect(firstRead).toBeLessThan(lastWriteDone);
  });
});

describe("threads", () => {
  it("clients and nemesis run on their own threads", async () => {
    const g = any(
      clients(timeLimit(seconds(2), repeat(r))),
      nemesis(timeLimit(seconds(2), cycle([sleep(ms(300)), { f: "kill" }, sleep(ms(300)), { f: "start" }]))),
    );
    const { history } = await simulate(g, { threads: 3, nemesis: true });
    const nem = invokes(history).filter((e) => e.process === "nemesis");
    expect(nem.map((e) => e.f).slice(0, 4)).toEqual(["kill", "start", "kill", "start"]);
    expect(invokes(history).filter((e) => e.f === "read" && e.process === "nemesis")).toHaveLength(0);
    expect(invokes(history).filter((e) => e.f === "read").length).toBeGreaterThan(100);
  });
  it("reserve gives the first threads to one generator and the rest to another", async () => {
    const { history } = await simulate(limit(300, reserve([[2, repeat(w)]], repeat(r))), { threads: 5 });
    for (const e of invokes(history)) expect(e.f).toBe((e.process as number) < 2 ? "write" : "read");
    expect(new Set(invokes(history).map((e) => e.process))).toEqual(new Set([0, 1, 2, 3, 4]));
  });
  it("eachThread runs a copy per thread", async () => {
    const { history } = await simulate(eachThread([r, w]), { threads: 4 });
    const inv = invokes(history);
    expect(inv).toHaveLength(8);
    for (const p of [0, 1, 2, 3])
      expect(inv.filter((e) => e.process === p).map((e) => e.f)).toEqual(["read", "write"]);
  });
  it("eachProcess starts a fresh copy for the new process after an info", async () => {
    const { history } = await simulate(eachProcess([w, r]), {
      threads: 2,
      complete: (op) => (op.process === 0 && op.f === "write" ? { type: "info" } : { type: "ok" }),
    });
    const inv = invokes(history);
    expect(inv.filter((e) => e.process === 0).map((e) => e.f)).toEqual(["write"]);
    expect(inv.filter((e) => e.process === 2).map((e) => e.f)).toEqual(["write", "read"]);
    expect(inv.filter((e) => e.process === 1).map((e) => e.f)).toEqual(["write", "read"]);
  });
});

describe("independent keys", () => {
  it("perKey bounds the ops per key and moves on to fresh keys", async () => {
    const { history } = await simulate(
      limit(500, perKey({ opsPerKey: 20, poolSize: 3, gen: () => mix([repeat(r), repeat(w)]) })),
      { threads: 6 },
    );
    const inv = invokes(history);
    const perKeyCount = new Map<string, number>();
    for (const e of inv) perKeyCount.set(e.key!, (perKeyCount.get(e.key!) ?? 0) + 1);
    expect(inv.every((e) => typeof e.key === "string")).toBe(true);
    expect(Math.max(...perKeyCount.values())).toBe(20);
    expect(perKeyCount.size).toBeGreaterThanOrEqual(25);
    // completions carry the key too
    expect(completions(history).every((e) => perKeyCount.has(e.key!))).toBe(true);
  });
  it("perKey moves to a fresh key when the key's generator ends", async () => {
    const { history } = await simulate(
      limit(30, perKey({ poolSize: 2, gen: (k) => [{ f: "write", value: k }, r] })),
      { threads: 2 },
    );
    const inv = invokes(history);
    const keys = [...new Set(inv.map((e) => e.key))];
    const seqs = keys.map((k) => inv.filter((e) => e.key === k).map((e) => e.f));
    for (const s of seqs) expect(["write", "read"].slice(0, s.length)).toEqual(s);
    // limit(30) may cut the pool's two keys short; every other key ran its whole generator
    expect(seqs.filter((s) => s.length === 2).length).toBeGreaterThanOrEqual(13);
    expect(keys.length).toBeLessThanOrEqual(17);
  });
  it("concurrentKeys stays pending (not exhausted) while a busy group still has ops", async () => {
    // two keys only; thread 0 is fast, thread 1 slow: when thread 0 is done with k0, k1 is not
    const g = seq(
      concurrentKeys({ groupSize: 1, gen: (k) => (k === "k0" || k === "k1" ? limit(10, repeat(w)) : null) }),
      limit(3, repeat(r)),
    );
    const { history } = await simulate(g, {
      threads: 2,
      latency: (op) => (op.process === 0 ? ms(1) : ms(5)),
    });
    const fs = invokes(history).map((e) => `${e.f}${e.key ?? ""}`);
    expect(fs.filter((f) => f === "writek1")).toHaveLength(10);
    expect(fs.filter((f) => f === "writek0")).toHaveLength(10);
    expect(fs.slice(20)).toEqual(["read", "read", "read"]);
  });
  it("concurrentKeys gives each group of threads its own key", async () => {
    const { history } = await simulate(
      limit(200, concurrentKeys({ groupSize: 2, opsPerKey: 10, gen: () => repeat(r) })),
      { threads: 6 },
    );
    const inv = invokes(history);
    const threadsOfKey = new Map<string, Set<number>>();
    for (const e of inv) {
      const s = threadsOfKey.get(e.key!) ?? new Set();
      s.add(Math.floor((e.process as number) / 2));
      threadsOfKey.set(e.key!, s);
    }
    for (const groups of threadsOfKey.values()) expect(groups.size).toBe(1);
    const counts = [...threadsOfKey.keys()].map((k) => inv.filter((e) => e.key === k).length);
    expect(Math.max(...counts)).toBe(10);
    expect(counts.filter((c) => c === 10).length).toBeGreaterThanOrEqual(18); // at most 3 keys cut short by limit
    expect(counts.length).toBeLessThanOrEqual(22);
  });
});

describe("untilOk, repeat, cycle, map, filter", () => {
  it("untilOk stops once one of its ops completed ok", async () => {
    let n = 0;
    const { history } = await simulate(untilOk(repeat(r)), {
      threads: 1,
      complete: () => (++n < 4 ? { type: "fail" } : { type: "ok" }),
    });
    expect(completions(history).map((e) => e.type)).toEqual(["fail", "fail", "fail", "ok"]);
  });
  it("repeat n re-emits, cycle restarts from the original", async () => {
    const a = await simulate(repeat(w, 3), { threads: 1 });
    expect(invokes(a.history)).toHaveLength(3);
    const b = await simulate(cycle([r, w], 3), { threads: 1 });
    expect(invokes(b.history).map((e) => e.f)).toEqual(["read", "write", "read", "write", "read", "write"]);
  });
  it("map transforms and filter skips ops", async () => {
    let i = 0;
    const g = filter(
      (op) => (op.value as number) % 2 === 0,
      map((op) => ({ ...op, value: i++ }), limit(10, repeat(w))),
    );
    const { history } = await simulate(g, { threads: 1 });
    expect(invokes(history).map((e) => e.value)).toEqual([0, 2, 4, 6, 8]);
  });
});
