import { describe, it, expect, vi, afterEach } from "vitest";
import { main } from "../../../impl/sim/cli.js";

function run(args: string[]): { code: number; lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  const err = vi
    .spyOn(console, "error")
    .mockImplementation((...a: unknown[]) => void errors.push(a.join(" ")));
  try {
    return { code: main(args), lines, errors };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("sim:raft command", () => {
  it("--seeds ends with the one summary line", () => {
    const r = run(["--seeds", "3", "--nodes", "3", "--ticks", "100"]);
    expect(r.code).toBe(0);
    expect(r.lines.at(-1)).toMatch(/^3 schedules, 0 safety violations, \d+ messages\/s$/);
  });

  it("--seed --trace-hash ends with a hash that replays identically", () => {
    const a = run(["--seed", "9", "--nodes", "5", "--ticks", "100", "--trace-hash"]);
    const b = run(["--seed", "9", "--nodes", "5", "--ticks", "100", "--trace-hash"]);
    expect(a.code).toBe(0);
    expect(a.lines.at(-1)).toMatch(/^trace hash: [0-9a-f]{16}$/);
    expect(b.lines.at(-1)).toBe(a.lines.at(-1));
  });

  it("replays a schedule given as JSON", () => {
    const schedule = JSON.stringify([
      { at: 10, kind: "crash-leader" },
      { at: 30, kind: "partition", groups: [[1, 2], [3]] },
    ]);
    const a = run(["--seed", "4", "--nodes", "3", "--ticks", "60", "--schedule", schedule, "--trace-hash"]);
    const b = run(["--seed", "4", "--nodes", "3", "--ticks", "60", "--schedule", schedule, "--trace-hash"]);
    expect(a.code).toBe(0);
    expect(b.lines.at(-1)).toBe(a.lines.at(-1));
  });

  it("bad arguments give exit code 3 and a clear message", () => {
    expect(run(["--seed", "x"]).errors.join()).toMatch(/--seed must be an integer/);
    expect(run(["--seed", "x"]).code).toBe(3);
    expect(run(["--nodes", "0", "--seeds", "1"]).code).toBe(3);
    expect(run(["--seed", "1", "--seeds", "2"]).errors.join()).toMatch(/not both/);
    expect(run(["--schedule", "[{]", "--seed", "1"]).errors.join()).toMatch(/not valid JSON/);
    expect(run(["--bogus"]).code).toBe(3);
  });
});
