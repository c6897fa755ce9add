/**
 * The deterministic Raft simulator: public entry (see README.md). `simulate(options)` runs
 * one seeded schedule and returns its violations, counters and trace hash.
 */
export { simulate, Simulation, TICK } from "./simulation.js";
export type { SimOptions, SimResult } from "./simulation.js";
export type { FaultEvent, Schedule, ScheduleOptions } from "./schedule.js";
export { randomSchedule, validateSchedule } from "./schedule.js";
export type { Application, ApplicationFactory } from "./app.js";
export { ChainApp } from "./app.js";
export type { Violation, ViolationKind } from "./invariants.js";
export { Invariants } from "./invariants.js";
export { TraceHash } from "./trace-hash.js";
