/**
 * Micro-benchmark of the MVCC store (tinybench): put (overwrite and new key), range (one key,
 * a 100-key prefix, a limit-10 scan that still counts the whole key space), txn, serialize and
 * compact, on stores of 10k and 100k keys. Run: `npm run bench:mvcc [-- --keys 10000,100000
 * --time 400]` (prints `uptime` first: the machine is shared, so quote the load with the
 * figures). See docs/bench-mvcc.md.
 */
import { Bench } from "tinybench";
import { MvccStore } from "../index.js";
import { SortedKeys } from "../sorted-keys.js";

const enc = new TextEncoder();
const key = (i: number) => enc.encode(`/registry/pods/ns-${i % 97}/pod-${String(i).padStart(7, "0")}`);
const value = enc.encode("x".repeat(128));

function filled(n: number): MvccStore {
  const st = new MvccStore();
  for (let i = 0; i < n; i++) st.put({ key: key(i), value });
  return st;
}

/** Deterministic pseudo-random sequence (no Math.random in impl/mvcc). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
}

function ms(t0: number): string {
  return (performance.now() - t0).toFixed(1);
}

/** Process CPU time (user + system, all threads) in ms: steadier than wall time on a busy machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU µs per call of f over n calls. */
function cpuPerOp(n: number, f: () => void): string {
  const c0 = cpuMs();
  for (let i = 0; i < n; i++) f();
  return (((cpuMs() - c0) * 1000) / n).toFixed(2);
}

/** Why the key index is chunked: inserting 100k random keys into it vs into one sorted array. */
function indexChoice(): void {
  const rnd = lcg(42);
  const ks = Array.from({ length: 100_000 }, () => `/k/${rnd().toString(36)}${rnd().toString(36)}`);
  let t0 = performance.now();
  const sk = new SortedKeys<number>();
  for (const k of ks) sk.set(k, 1);
  const chunked = ms(t0);
  t0 = performance.now();
  const flat: string[] = [];
  for (const k of ks) {
    let lo = 0;
    let hi = flat.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (flat[mid]! < k) lo = mid + 1;
      else hi = mid;
    }
    if (flat[lo] !== k) flat.splice(lo, 0, k);
  }
  const flatMs = ms(t0);
  console.log(`index: 100k random inserts: chunked ${chunked} ms, one sorted array ${flatMs} ms`);
}

/** `--keys a,b` (key counts) and `--time ms` (tinybench time per task); exits 3 on a bad flag. */
function flags(): { keys: number[]; time: number } {
  const out = { keys: [10_000, 100_000], time: 400 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const [flag, v] = [argv[i], argv[i + 1]];
    if (flag === "--keys" && v && /^\d+(,\d+)*$/.test(v)) out.keys = v.split(",").map(Number);
    else if (flag === "--time" && v && /^\d+$/.test(v)) out.time = Number(v);
    else {
      console.error(
        `bench:mvcc: bad argument ${flag ?? ""} ${v ?? ""}; usage: npm run bench:mvcc -- [--keys 10000,100000] [--time 400]`,
      );
      process.exit(3);
    }
    i++;
  }
  return out;
}

/** Put + watch notification cost with many prefix watchers (responses taken every 64 puts). */
function watchers(): void {
  const parts: string[] = [];
  for (const w of [0, 1000, 10_000]) {
    const st = new MvccStore();
    for (let i = 0; i < w; i++) st.watch({ key: enc.encode(`/p/${i}/`), rangeEnd: enc.encode(`/p/${i}0`) });
    const v = enc.encode("v");
    let i = 0;
    const perOp = cpuPerOp(20_000, () => {
      st.put({ key: enc.encode(`/p/${i % 1000}/x`), value: v });
      if ((i++ & 63) === 0) st.takeWatchResponses();
    });
    parts.push(`${w} watchers ${perOp} µs`);
  }
  console.log(`put + notify, CPU per put with N prefix watchers: ${parts.join(", ")}`);
}

async function main(): Promise<void> {
  const opts = flags();
  console.log(`command: npm run bench:mvcc -- --keys ${opts.keys.join(",")} --time ${opts.time}`);
  indexChoice();
  watchers();
  const rows: Record<string, string>[] = [];
  for (const n of opts.keys) {
    const t0 = performance.now();
    const st = filled(n);
    const fillMs = ms(t0);
    const rnd = lcg(n);
    const keys = Array.from({ length: 4096 }, () => key(rnd() % n));
    let next = n;
    let j = 0;
    const prefix = enc.encode("/registry/pods/ns-5/");
    const prefixEnd = enc.encode("/registry/pods/ns-50");
    const tasks: [string, () => void][] = [
      [
        `put overwrite (${n} keys)`,
        () => {
          st.put({ key: keys[j++ & 4095]!, value });
        },
      ],
      [
        `range 1 key (${n} keys)`,
        () => {
          st.range({ key: keys[j++ & 4095]! });
        },
      ],
      [
        `range ~${Math.round(n / 97)}-key prefix (${n} keys)`,
        () => {
          st.range({ key: prefix, rangeEnd: prefixEnd });
        },
      ],
      [
        `range limit 10 over all, counting all (${n} keys)`,
        () => {
          st.range({ key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]), limit: 10 });
        },
      ],
      [
        `txn compare+put (${n} keys)`,
        () => {
          const k = keys[j++ & 4095]!;
          st.txn({
            compare: [{ key: k, target: "VERSION", result: "GREATER", version: 0 }],
            success: [{ requestPut: { key: k, value } }],
          });
        },
      ],
      // last, since it grows the key space the tasks above read
      [
        `put new key (${n} keys and growing)`,
        () => {
          st.put({ key: enc.encode(`/new/${next++}`), value });
        },
      ],
    ];
    // each task alone: tinybench (wall time), then a fixed loop for CPU time per op
    const cpu = new Map<string, string>();
    const results: Bench["tasks"] = [];
    for (const [name, fn] of tasks) {
      const bench = new Bench({ time: opts.time, warmupTime: 50 });
      bench.add(name, fn);
      await bench.run();
      results.push(...bench.tasks);
      cpu.set(name, cpuPerOp(name.includes("counting all") ? 5 : 20_000, fn));
    }
    for (const t of results) {
      const r = t.result as
        { latency?: { mean?: number; p99?: number }; throughput?: { mean?: number } } | undefined;
      rows.push({
        task: t.name,
        "ops/s": Math.round(r?.throughput?.mean ?? 0).toLocaleString("en"),
        "mean µs": ((r?.latency?.mean ?? 0) * 1000).toFixed(2),
        "p99 µs": ((r?.latency?.p99 ?? 0) * 1000).toFixed(2),
        "cpu µs/op": cpu.get(t.name) ?? "?",
      });
    }
    let c0 = cpuMs();
    const snap = st.serialize();
    const serMs = (cpuMs() - c0).toFixed(0);
    c0 = cpuMs();
    MvccStore.fromSnapshot(snap);
    const resMs = (cpuMs() - c0).toFixed(0);
    c0 = cpuMs();
    const hashMs0 = st.hashKV() && (cpuMs() - c0).toFixed(0);
    c0 = cpuMs();
    st.compact(st.currentRevision);
    const compMs = (cpuMs() - c0).toFixed(0);
    c0 = cpuMs();
    st.hashKV();
    const hashMs = (cpuMs() - c0).toFixed(0);
    console.log(
      `${n} keys: fill ${fillMs} ms wall; at revision ${st.currentRevision} (CPU ms): serialize ${serMs} (${(snap.length / 1e6).toFixed(1)} MB), restore ${resMs}, hashKV ${hashMs0}, compact to current ${compMs}, hashKV after ${hashMs}`,
    );
  }
  console.table(rows);
}

await main();
