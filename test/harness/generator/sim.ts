/** Test support: run a generator on the simulated clock against fake workers. */
import { interpret, seededRandom, SimClock } from "../../../harness/generator/index.js";
import type {
  Completion,
  Event,
  GenLike,
  InterpreterResult,
  Worker,
} from "../../../harness/generator/index.js";

export interface SimOptions {
  threads?: number;
  nemesis?: boolean;
  seed?: number;
  /** Latency of an op in ns (default: seeded uniform 1..10 ms). */
  latency?: (op: Event, draw: () => number) => number;
  /** Completion of an op (default ok). */
  complete?: (op: Event) => Completion;
  timeLimit?: number;
  rate?: number;
  signal?: AbortSignal;
}

export interface SimRun {
  history: Event[];
  result: InterpreterResult;
  clock: SimClock;
  /** Max number of ops a process had in flight at once. */
  maxInFlightPerProcess: number;
}

export async function simulate(gen: GenLike, o: SimOptions = {}): Promise<SimRun> {
  const clock = new SimClock();
  const history: Event[] = [];
  const rnd = seededRandom((o.seed ?? 0) + 1000);
  const draw = (): number => rnd.next();
  const inFlight = new Map<unknown, number>();
  let maxInFlightPerProcess = 0;
  const worker: Worker = {
    async invoke(op) {
      const c = (inFlight.get(op.process) ?? 0) + 1;
      inFlight.set(op.process, c);
      maxInFlightPerProcess = Math.max(maxInFlightPerProcess, c);
      const lat = o.latency ? o.latency(op, draw) : 1e6 + Math.floor(draw() * 9e6);
      await clock.sleep(lat);
      inFlight.set(op.process, inFlight.get(op.process)! - 1);
      return o.complete ? o.complete(op) : { type: "ok" };
    },
  };
  const result = await interpret({
    generator: gen,
    workers: Array.from({ length: o.threads ?? 4 }, () => worker),
    nemesis: o.nemesis ? worker : undefined,
    clock,
    sink: (e) => history.push(e),
    seed: o.seed ?? 0,
    timeLimit: o.timeLimit,
    rate: o.rate,
    signal: o.signal,
  });
  return { history, result, clock, maxInFlightPerProcess };
}

export const invokes = (h: Event[]): Event[] => h.filter((e) => e.type === "invoke");
export const completions = (h: Event[]): Event[] => h.filter((e) => e.type !== "invoke");
