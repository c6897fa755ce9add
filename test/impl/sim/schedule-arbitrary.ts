/** fast-check arbitraries for fault schedules (shrinkable: fewer events, smaller values). */
import fc from "fast-check";
import type { FaultEvent } from "../../../impl/sim/index.js";

export function faultEventArb(nodes: number, ticks: number, confChanges: boolean): fc.Arbitrary<FaultEvent> {
  const at = fc.integer({ min: 0, max: Math.max(0, ticks - 1) });
  const node = fc.integer({ min: 1, max: nodes });
  const groups = fc
    .array(fc.integer({ min: 0, max: 2 }), { minLength: nodes, maxLength: nodes })
    .map((g) =>
      [0, 1, 2].map((k) => g.flatMap((x, i) => (x === k ? [i + 1] : []))).filter((x) => x.length > 0),
    );
  const arbs: fc.Arbitrary<FaultEvent>[] = [
    fc.record({ at, kind: fc.constant("partition" as const), groups }),
    fc.record({ at, kind: fc.constant("heal" as const) }),
    fc.record({ at, kind: fc.constant("crash" as const), node }),
    fc.record({ at, kind: fc.constant("restart" as const), node }),
    fc.record({ at, kind: fc.constant("drop" as const), rate: fc.constantFrom(0, 0.1, 0.3, 0.6) }),
    fc.record({ at, kind: fc.constant("duplicate" as const), rate: fc.constantFrom(0, 0.1, 0.5) }),
    fc.record({ at, kind: fc.constant("delay" as const), maxTicks: fc.constantFrom(0.2, 1, 4, 10) }),
    fc.record({ at, kind: fc.constant("transfer" as const), to: node }),
    fc.record({ at, kind: fc.constant("clock" as const), node, rate: fc.constantFrom(0.25, 0.5, 2, 4) }),
    fc.record({ at, kind: fc.constant("crash-leader" as const) }),
    fc.record({ at, kind: fc.constant("isolate-leader" as const) }),
  ];
  if (confChanges) {
    arbs.push(
      fc.record({ at, kind: fc.constant("add-learner" as const) }),
      fc.record({ at, kind: fc.constant("promote" as const) }),
      fc.record({ at, kind: fc.constant("remove" as const), node: fc.integer({ min: 1, max: nodes + 3 }) }),
    );
  }
  return fc.oneof(...arbs);
}

export function scheduleArb(
  nodes: number,
  ticks: number,
  confChanges: boolean,
  maxEvents = 30,
): fc.Arbitrary<FaultEvent[]> {
  return fc
    .array(faultEventArb(nodes, ticks, confChanges), { maxLength: maxEvents })
    .map((s) => [...s].sort((a, b) => a.at - b.at));
}
