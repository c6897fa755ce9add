/**
 * harness/generator: pure, immutable generators (Jepsen-style) and their interpreter.
 * See README.md for the combinators with examples, and types.ts for the contract.
 */
export * from "./types.js";
export * from "./random.js";
export * from "./context.js";
export { EMPTY, lift, seq, fn, once, isGenerator } from "./lift.js";
export { limit } from "./limit.js";
export { mix, weightedMix } from "./mix.js";
export { timeLimit, stagger, delay, sleep, ms, seconds } from "./time.js";
export { phases, synchronize, andThen } from "./phases.js";
export {
  onThreads,
  clients,
  nemesis,
  clientsAndNemesis,
  any,
  reserve,
  eachThread,
  eachProcess,
} from "./threads.js";
export {
  perKey,
  concurrentKeys,
  type KeyOptions,
  type PerKeyOptions,
  type ConcurrentKeysOptions,
} from "./keys.js";
export { untilOk } from "./until-ok.js";
export { repeat, cycle } from "./repeat.js";
export { map, filter } from "./transform.js";
export { realClock, SimClock } from "./clock.js";
export { interpret } from "./interpreter.js";
