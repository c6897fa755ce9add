/**
 * Property tests: random fault schedules (partitions, crashes, drops, duplicates, delays,
 * leadership transfers, membership changes) against the real Raft core in the simulator.
 * Every safety invariant must hold throughout, and after the faults stop a proposal must
 * commit everywhere. On failure, fast-check prints its seed and the shrunk counterexample,
 * and the error names the `npm run sim:raft` command that replays it.
 *
 * `npm test` runs a fast subset; `npm run test:sim-long` runs many more (SIM_LONG=1).
 */
import { describe, it } from "vitest";
import fc from "fast-check";
import { simulate } from "../../../impl/sim/index.js";
import type { FaultEvent } from "../../../impl/sim/index.js";
import { scheduleArb } from "./schedule-arbitrary.js";

const long = process.env.SIM_LONG === "1";
const runs = long ? Number(process.env.SIM_RUNS ?? 300) : 10;
const ticks = long ? 400 : 150;
const timeout = long ? 3_600_000 : 30_000;

function check(seed: number, nodes: number, schedule: FaultEvent[]): void {
  const r = simulate({ seed, nodes, ticks, schedule });
  if (r.violations.length > 0) {
    const lines = r.violations.slice(0, 5).map((v) => `${v.kind} at tick ${v.tick}: ${v.detail}`);
    throw new Error(
      `${lines.join("\n")}\nreplay: npm run sim:raft -- --seed ${seed} --nodes ${nodes} --ticks ${ticks} ` +
        `--schedule '${JSON.stringify(schedule)}' --trace-hash`,
    );
  }
}

describe("simulated Raft under random faults", () => {
  it(
    "keeps election safety, log matching, leader completeness, state machine safety and fresh reads; recovers after faults",
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          fc
            .constantFrom(3, 5)
            .chain((nodes) => fc.tuple(fc.constant(nodes), scheduleArb(nodes, ticks, false))),
          (seed, [nodes, schedule]) => check(seed, nodes, schedule),
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    "the same holds with membership changes (add learner, promote, remove)",
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), scheduleArb(5, ticks, true), (seed, schedule) =>
          check(seed, 5, schedule),
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );
});
