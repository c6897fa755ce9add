/**
 * What a campaign reports, and the replay file of each finding: the input class, the campaign
 * seed and the input's own seed, the exact input (and the shrunk one), and what was observed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { FuzzInput } from "./input.js";

export const FINDING_KINDS = ["crash", "hang", "memory", "fd-leak", "wrong-answer"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Observation {
  kind: FindingKind;
  /** The member it concerns (or the endpoint). */
  node: string;
  /** e.g. "killed by signal SIGSEGV", "canary took 5210 ms", "RSS 700 MiB (bound 512 MiB)". */
  detail: string;
  /** The member's last log lines, for a crash. */
  logTail?: string;
}

export interface ReplayFile extends Observation {
  format: "gauntlet-fuzz-replay/1";
  class: FuzzInput["class"];
  /** The campaign's seed and the input's position in it (`--seed` replays the whole campaign). */
  seed: number;
  index: number;
  /** The seed that generates this input alone (what the shrinker starts from). */
  inputSeed: number;
  server: string;
  foundAfterS: number;
  /** The input to replay: the shrunk one when shrinking reproduced the finding, else the original. */
  input: FuzzInput;
  /** The input as the campaign sent it, when `input` is a shrunk version of it. */
  original?: FuzzInput;
  shrink?: { runs: number; reproduced: boolean; note: string };
}

export function writeReplay(path: string, r: ReplayFile): void {
  writeFileSync(path, `${JSON.stringify(r, null, 1)}\n`);
}

/** Reads a replay file; throws a message saying what is wrong with it. */
export function readReplay(path: string): ReplayFile {
  let o: ReplayFile;
  try {
    o = JSON.parse(readFileSync(path, "utf8")) as ReplayFile;
  } catch (e) {
    throw new Error(`cannot read replay file ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (o?.format !== "gauntlet-fuzz-replay/1" || !Array.isArray(o.input?.conns))
    throw new Error(
      `${path} is not a gauntlet fuzz replay file (format gauntlet-fuzz-replay/1 with an input)`,
    );
  return o;
}
