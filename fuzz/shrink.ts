/**
 * Shrinking a crashing input with fast-check: the input is regenerated from its own seed and
 * fast-check's shrinker proposes smaller ones; each is tried on a fresh server, and the smallest
 * that still crashes one is kept. Bounded by a number of runs and a time budget (past either,
 * every further candidate is declined without being run).
 */
import fc from "fast-check";
import type { FindingKind } from "./finding.js";
import type { FuzzInput } from "./input.js";

export interface ShrinkOutcome {
  input: FuzzInput;
  /** Servers started to try candidates. */
  runs: number;
  /** Whether the original input did the same to a fresh server. */
  reproduced: boolean;
  note: string;
}

export async function shrinkInput(
  arb: fc.Arbitrary<FuzzInput>,
  inputSeed: number,
  kind: FindingKind,
  reproduces: (input: FuzzInput) => Promise<boolean>,
  budget: { runs: number; ms: number },
): Promise<ShrinkOutcome> {
  const deadline = Date.now() + budget.ms;
  let runs = 0;
  let exhausted = false;
  const prop = fc.asyncProperty(arb, async (input) => {
    if (runs >= budget.runs || Date.now() >= deadline) {
      exhausted = true;
      return true;
    }
    runs++;
    return !(await reproduces(input));
  });
  const out = await fc.check(prop, { seed: inputSeed, numRuns: 1, endOnFailure: false });
  if (!out.failed || !out.counterexample)
    return {
      input: fc.sample(arb, { seed: inputSeed, numRuns: 1 })[0]!,
      runs,
      reproduced: false,
      note: `the input did not cause a ${kind} on a fresh server`,
    };
  return {
    input: out.counterexample[0],
    runs,
    reproduced: true,
    note: `${out.numShrinks} shrink step(s) in ${runs} run(s)${exhausted ? " (budget spent: may not be minimal)" : ""}`,
  };
}
