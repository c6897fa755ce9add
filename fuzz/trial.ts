/**
 * One input against a server, judged: start the RSS sampler, send the input (bounded), observe.
 * The campaign, the shrinker and `--replay` all go through here.
 */
import type { Canary } from "./canary.js";
import type { Observation } from "./finding.js";
import type { FuzzInput } from "./input.js";
import { observe, RssSampler, type Baseline, type Bounds } from "./observe.js";
import { sendInput, type SendResult } from "./send.js";
import type { FuzzServer } from "./server.js";

export interface TrialResult {
  sent: SendResult;
  found?: Observation;
  peak: Map<string, number>;
}

export async function trial(
  server: FuzzServer,
  canary: Canary,
  base: Baseline,
  bounds: Bounds,
  input: FuzzInput,
  inputTimeoutMs: number,
): Promise<TrialResult> {
  const sampler = new RssSampler(server);
  sampler.start();
  try {
    const sent = await sendInput(input, server.targets, inputTimeoutMs);
    sampler.sample();
    const found = await observe(server, canary, base, bounds, sampler.peak);
    return { sent, found, peak: new Map(sampler.peak) };
  } finally {
    sampler.stop();
  }
}
