/**
 * For `gauntlet check RUN_DIR`: the linearizability model a stored run's workload needs, read
 * from its test.json (`workload.name`), and the registration of the workloads' own models so
 * that `--model etcd-register` works too.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { registerModel } from "../../checkers/linearizable/index.js";
import { etcdRegisterModel } from "../../workloads/register/model.js";

registerModel("etcd-register", etcdRegisterModel);

/** Workload name → model name. */
export const RUN_MODELS: Readonly<Record<string, string>> = { register: "etcd-register" };

/** The model for a run directory, or undefined when test.json is missing or names no known workload. */
export async function modelForRun(runDir: string): Promise<{ model: string; why: string } | undefined> {
  try {
    const test = JSON.parse(await readFile(join(runDir, "test.json"), "utf8")) as {
      workload?: { name?: string };
    };
    const name = test.workload?.name;
    const model = name ? RUN_MODELS[name] : undefined;
    return model ? { model, why: `from test.json (${name} workload)` } : undefined;
  } catch {
    return undefined;
  }
}
