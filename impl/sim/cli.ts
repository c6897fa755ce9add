/**
 * `npm run sim:raft -- ...`: runs the deterministic Raft simulator.
 *
 *   --seeds N --nodes K     run seeds from..from+N-1; the last line is
 *                           "N schedules, V safety violations, R messages/s"
 *   --seed S --trace-hash   run one seed; the last line holds the trace hash
 *
 * Other flags: --from S, --ticks T, --conf-changes, --schedule <json|@file>, --trace,
 * --print-schedule. Exit code 0: no violation; 1: a violation; 3: bad arguments or a crash.
 * See docs/sim.md.
 */
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { simulate } from "./simulation.js";
import type { SimResult } from "./simulation.js";
import { randomSchedule, validateSchedule } from "./schedule.js";
import type { Schedule } from "./schedule.js";

function intFlag(name: string, v: string | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

function replayCommand(seed: number, nodes: number, ticks: number, cc: boolean, schedule?: Schedule): string {
  let s = `npm run sim:raft -- --seed ${seed} --nodes ${nodes}`;
  if (ticks !== 400) s += ` --ticks ${ticks}`;
  if (cc) s += " --conf-changes";
  if (schedule) s += ` --schedule '${JSON.stringify(schedule)}'`;
  return s + " --trace-hash";
}

function summary(r: SimResult): string {
  return (
    `seed ${r.seed}: ${r.delivered} messages delivered, ${r.dropped} dropped, ${r.proposals} proposals, ` +
    `commit index ${r.committed}, ${r.elections} leaders elected, ${r.readsAnswered}/${r.reads} reads answered, ` +
    `recovered in ${r.recoveryTicks ?? "-"} ticks`
  );
}

export function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seeds: { type: "string" },
        from: { type: "string" },
        seed: { type: "string" },
        nodes: { type: "string" },
        ticks: { type: "string" },
        "conf-changes": { type: "boolean" },
        schedule: { type: "string" },
        trace: { type: "boolean" },
        "trace-hash": { type: "boolean" },
        "print-schedule": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`sim:raft: ${(e as Error).message} (see --help)`);
    return 3;
  }
  if (values.help) {
    console.log(
      "usage: npm run sim:raft -- (--seeds N | --seed S) [--nodes K] [--from S] [--ticks T] [--conf-changes]\n" +
        "                          [--schedule <json|@file>] [--trace] [--trace-hash] [--print-schedule]\n" +
        "see docs/sim.md",
    );
    return 0;
  }
  let nodes: number, ticks: number, schedule: Schedule | undefined;
  try {
    nodes = intFlag("nodes", values.nodes, 5, 1);
    if (nodes > 50) throw new Error(`--nodes must be ≤ 50, got ${nodes}`);
    ticks = intFlag("ticks", values.ticks, 400, 0);
    if (values.schedule !== undefined) {
      const text = values.schedule.startsWith("@")
        ? readFileSync(values.schedule.slice(1), "utf8")
        : values.schedule;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new Error(`--schedule is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
      schedule = validateSchedule(parsed);
    }
    if (values.seed !== undefined && values.seeds !== undefined)
      throw new Error("give --seed or --seeds, not both");
  } catch (e) {
    console.error(`sim:raft: ${(e as Error).message}`);
    return 3;
  }
  const cc = values["conf-changes"] ?? false;

  if (values.seed !== undefined) {
    let seed: number;
    try {
      seed = intFlag("seed", values.seed, 1, 0);
    } catch (e) {
      console.error(`sim:raft: ${(e as Error).message}`);
      return 3;
    }
    const sched = schedule ?? randomSchedule(seed, { nodes, ticks, confChanges: cc });
    if (values["print-schedule"]) console.log(`schedule: ${JSON.stringify(sched)}`);
    const r = simulate({
      seed,
      nodes,
      ticks,
      confChanges: cc,
      schedule: sched,
      trace: values.trace ? (l) => console.log(l) : undefined,
    });
    console.log(summary(r));
    for (const v of r.violations) console.log(`VIOLATION ${v.kind} at tick ${v.tick}: ${v.detail}`);
    if (values["trace-hash"]) console.log(`trace hash: ${r.traceHash}`);
    return r.violations.length > 0 ? 1 : 0;
  }

  let count: number, from: number;
  try {
    count = intFlag("seeds", values.seeds, 100, 1);
    from = intFlag("from", values.from, 1, 0);
  } catch (e) {
    console.error(`sim:raft: ${(e as Error).message}`);
    return 3;
  }
  let delivered = 0;
  let safety = 0;
  let liveness = 0;
  let commits = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let seed = from; seed < from + count; seed++) {
    const r = simulate({ seed, nodes, ticks, confChanges: cc, schedule });
    delivered += r.delivered;
    commits += r.committed;
    const bad = r.violations.filter((v) => v.kind !== "liveness");
    safety += bad.length;
    liveness += r.violations.length - bad.length;
    if (r.violations.length > 0) {
      console.log(`seed ${seed} FAILED:`);
      for (const v of r.violations.slice(0, 5)) console.log(`  ${v.kind} at tick ${v.tick}: ${v.detail}`);
      console.log(`  replay: ${replayCommand(seed, nodes, ticks, cc, schedule)}`);
    }
  }
  const secs = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const [l1] = loadavg();
  console.log(
    `${count} seeds × ${nodes} nodes × ${ticks} fault ticks: ${delivered} messages delivered, ${commits} entries committed, ` +
      `${liveness} liveness failures, ${secs.toFixed(2)} s wall, ${cpuSecs.toFixed(2)} s CPU ` +
      `(${Math.round(delivered / cpuSecs)} messages per CPU-second), load ${l1!.toFixed(2)}`,
  );
  console.log(`${count} schedules, ${safety} safety violations, ${Math.round(delivered / secs)} messages/s`);
  return safety + liveness > 0 ? 1 : 0;
}

// Run when executed (`node dist/impl/sim/cli.js`), not when imported (tests call main()).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
