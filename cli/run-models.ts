/**
 * For `gauntlet check RUN_DIR`: the workload a stored run used and the linearizability model it
 * needs (tables.ts), read from its test.json (`workload.name`, `workload.options.serializable`).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { WORKLOADS } from "./tables.js";

/** What a run's test.json says about its workload. */
export interface RunWorkload {
  /** `workload.name`, e.g. `register`, `set`. */
  name?: string;
  /** `workload.options.serializable`: the main phase's reads were serializable. */
  serializable: boolean;
}

/** The workload of a run directory, or undefined when test.json is missing or unreadable. */
export async function workloadForRun(runDir: string): Promise<RunWorkload | undefined> {
  try {
    const test = JSON.parse(await readFile(join(runDir, "test.json"), "utf8")) as {
      workload?: { name?: string; options?: { serializable?: unknown } };
    };
    return { name: test.workload?.name, serializable: test.workload?.options?.serializable === true };
  } catch {
    return undefined;
  }
}

/** The model for a run directory, or undefined when test.json is missing or names no known workload. */
export async function modelForRun(runDir: string): Promise<{ model: string; why: string } | undefined> {
  const name = (await workloadForRun(runDir))?.name;
  const model = name ? WORKLOADS[name]?.model : undefined;
  return model ? { model, why: `from test.json (${name} workload)` } : undefined;
}
