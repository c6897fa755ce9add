/**
 * The campaign's generator: one fast-check arbitrary over the chosen input classes, and the
 * seed of input number i of a campaign, so that `--seed S` produces the same inputs again and a
 * single input can be regenerated (and shrunk) from its own seed.
 */
import fc from "fast-check";
import type { FuzzInput, InputClass } from "./input.js";
import { grpcExtremeArb, grpcRandomArb } from "./gen-grpc.js";
import { h2AbuseArb } from "./gen-h2.js";
import { floodArb, slowStreamArb } from "./gen-streams.js";
import { peerArb } from "./gen-peer.js";

/** How often each class is drawn, relative to the others. */
const WEIGHTS: Record<InputClass, number> = {
  "grpc-random": 4,
  "grpc-extreme": 6,
  "h2-abuse": 3,
  "slow-stream": 1,
  flood: 1,
  peer: 4,
};

const ARBS: Record<InputClass, fc.Arbitrary<FuzzInput>> = {
  "grpc-random": grpcRandomArb,
  "grpc-extreme": grpcExtremeArb,
  "h2-abuse": h2AbuseArb,
  "slow-stream": slowStreamArb,
  flood: floodArb,
  peer: peerArb,
};

export function inputArb(classes: readonly InputClass[]): fc.Arbitrary<FuzzInput> {
  if (classes.length === 0) throw new Error("inputArb: no input classes");
  return fc.oneof(...classes.map((c) => ({ weight: WEIGHTS[c], arbitrary: ARBS[c] })));
}

/** The seed of input `index` of the campaign with seed `seed` (a 32-bit mix of both). */
export function inputSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h | 0;
}

/** Input `index` of the campaign with seed `seed`. */
export function generateInput(arb: fc.Arbitrary<FuzzInput>, seed: number, index: number): FuzzInput {
  return fc.sample(arb, { seed: inputSeed(seed, index), numRuns: 1 })[0]!;
}
