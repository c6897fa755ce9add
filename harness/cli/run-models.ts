/**
 * For `gauntlet check RUN_DIR`: the workload a stored run used and the linearizability model it
 * needs, read from its test.json (`workload.name`, `workload.options.serializable`), and the registration of the workloads' own models so
 * that `--model etcd-register` works too.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { registerModel } from "../../checkers/linearizable/index.js";
import { etcdRegisterModel } from "../../workloads/register/model.js";

registerModel("etcd-register", etcdRegisterModel);

/** Workload name → model name. */
export const RUN_MODELS: Readonly<Record<string, string>> = { register: "etcd-register" };

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
  const model = name ? RUN_MODELS[name] : undefined;
  return model ? { model, why: `from test.json (${name} workload)` } : undefined;
}
